package observe

import (
	"io"
	"net/http"
	"testing"
	"time"

	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/roundtrip/roundtrip/internal/trace"
)

// TestServerSpan: a recorded exchange makes a server span of the client's
// trace, its parent the client's span, named and attributed as
// OpenTelemetry's HTTP semantic conventions say, with the phases as
// events; an upstream leg makes a client span beneath it.
func TestServerSpan(t *testing.T) {
	t.Parallel()
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /greet/{name}", func(w http.ResponseWriter, r *http.Request) {
		Routed(w)
		up := &Upstream{URL: "http://app.internal:8080/greet/x", Status: 503, Remote: "10.0.0.2:8080", SpanID: trace.NewSpanID()}
		now := time.Now()
		up.Times = UpstreamTimes{Start: now, GotConn: now, WroteRequest: now.Add(time.Millisecond), FirstByte: now.Add(2 * time.Millisecond), End: now.Add(3 * time.Millisecond)}
		SetUpstream(w, up)
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "no")
	})
	ts, c := observed(t, Config{}, mux)
	req, _ := http.NewRequest("GET", ts.URL+"/greet/ada?x=1", nil)
	req.Header.Set("Traceparent", tp)
	req.Header.Set("Tracestate", "rojo=1")
	req.Header.Set("User-Agent", "test-agent")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ex := c.last(t)
	s := ServerSpan(&ex)
	parent, _ := trace.Parse(tp)
	if s.Context.TraceID != parent.TraceID || s.Context.SpanID != ex.SpanID || s.Parent != parent.SpanID || !s.Remote || s.Context.State != "rojo=1" {
		t.Errorf("span context %+v, parent %v; want trace %v, span %v, parent %v, tracestate rojo=1", s.Context, s.Parent, parent.TraceID, ex.SpanID, parent.SpanID)
	}
	// A proxied exchange: the routes are the app's, so the name is the method's.
	if s.Name != "GET" || s.Kind != oteltrace.SpanKindServer || s.Error != "502" {
		t.Errorf("span %q kind %v error %q; want GET, server, 502", s.Name, s.Kind, s.Error)
	}
	own := ex
	own.Upstream = nil
	if o := ServerSpan(&own); o.Name != "GET /greet/{name}" {
		t.Errorf("serve's span = %q; want GET /greet/{name}, its route", o.Name)
	}
	attrs := map[string]string{}
	for _, a := range s.Attrs {
		attrs[string(a.Key)] = a.Value.Emit()
	}
	for k, want := range map[string]string{
		"http.request.method": "GET", "url.path": "/greet/ada", "url.query": "x=1",
		"url.scheme": "http", "http.response.status_code": "502", "network.protocol.version": "1.1",
		"server.address": "127.0.0.1", "client.address": "127.0.0.1", "user_agent.original": "test-agent",
	} {
		if attrs[k] != want {
			t.Errorf("attribute %s = %q; want %q", k, attrs[k], want)
		}
	}
	var names []string
	for _, e := range s.Events {
		names = append(names, e.Name)
	}
	if len(names) < 4 || names[len(names)-1] != "write" {
		t.Errorf("events = %v; want the phases, write last", names)
	}
	if len(s.Children) != 1 {
		t.Fatalf("children = %d; want the upstream leg", len(s.Children))
	}
	leg := s.Children[0]
	if leg.Kind != oteltrace.SpanKindClient || leg.Context.SpanID != ex.Upstream.SpanID || leg.Error != "503" || leg.End.Sub(leg.Start) != 3*time.Millisecond {
		t.Errorf("leg = %+v; want a client span of the leg's id, error 503, 3ms", leg)
	}
}

// TestExportNil: without an exporter there is no observer at all.
func TestExportNil(t *testing.T) {
	t.Parallel()
	if Export(nil) != nil {
		t.Errorf("Export(nil) is an observer; want nil, which costs nothing")
	}
}
