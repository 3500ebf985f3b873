package bench

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"

	"github.com/roundtrip/roundtrip/internal/trace"
)

// TestTracerSamples: one request in every 1/rate carries a fresh, valid,
// sampled traceparent; the h1 wire stays a well-formed request.
func TestTracerSamples(t *testing.T) {
	t.Parallel()
	tg, err := newTarget(&Config{URL: "http://127.0.0.1:1/hello", TraceRate: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracer(tg)
	seen := map[trace.ID]bool{}
	sampled := 0
	for range 100 {
		if !tr.next() {
			continue
		}
		sampled++
		tr.done(200, nil)
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(tr.wire)))
		if err != nil {
			t.Fatalf("the traced wire is not a request: %v\n%s", err, tr.wire)
		}
		c, ok := trace.Parse(req.Header.Get("Traceparent"))
		if !ok || !c.IsSampled() || seen[c.TraceID] || c != tr.cur {
			t.Fatalf("traceparent %q = %+v, %v; want a new sampled trace, the tracer's %+v", req.Header.Get("Traceparent"), c, ok, tr.cur)
		}
		seen[c.TraceID] = true
	}
	if sampled != 25 {
		t.Errorf("sampled %d of 100 at rate 0.25; want 25", sampled)
	}
	if newTracer(&target{}) != nil {
		t.Errorf("newTracer at rate 0 is not nil")
	}
	var off *tracer
	if off.next() {
		t.Errorf("a nil tracer sampled a request")
	}
	off.done(200, nil)
}
