package har

import (
	"net/http"
	"testing"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// TestTraceIDs: an exchange's trace and span ids go out as _traceId and
// _spanId and come back; an entry without them (another tool's) takes
// them from the response's Server-Timing traceparent, as roundtrip
// serves it.
func TestTraceIDs(t *testing.T) {
	t.Parallel()
	tc := trace.New()
	ex := &observe.Exchange{Summary: observe.Summary{Method: "GET", URL: "/hello", Path: "/hello", Host: "localhost", Proto: "HTTP/1.1", Status: 200},
		TraceID: tc.TraceID, SpanID: tc.SpanID}
	e := FromExchange(ex)
	if got := string(e.Extra["_traceId"]); got != `"`+tc.TraceID.String()+`"` {
		t.Errorf("_traceId = %s; want %q", got, tc.TraceID)
	}
	back, err := ToExchange(e)
	if err != nil {
		t.Fatal(err)
	}
	if back.TraceID != tc.TraceID || back.SpanID != tc.SpanID {
		t.Errorf("ToExchange(FromExchange) ids = %v %v; want %v %v", back.TraceID, back.SpanID, tc.TraceID, tc.SpanID)
	}

	other := &observe.Exchange{Summary: ex.Summary, Response: observe.Message{Headers: http.Header{
		"Server-Timing": {`route;dur=0.01, handler;dur=0.2, traceparent;desc="` + tc.Traceparent() + `"`}}}}
	e = FromExchange(other)
	delete(e.Extra, "_traceId")
	back, err = ToExchange(e)
	if err != nil {
		t.Fatal(err)
	}
	if back.TraceID != tc.TraceID || back.SpanID != tc.SpanID {
		t.Errorf("ids from Server-Timing = %v %v; want %v %v", back.TraceID, back.SpanID, tc.TraceID, tc.SpanID)
	}
}
