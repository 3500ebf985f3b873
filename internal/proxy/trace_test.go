package proxy_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/servertiming"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// TestTraceThroughProxy: the app gets a traceparent of the client's trace
// whose parent is the proxy's upstream leg, itself a child of the proxy's
// own span, which the client's parent is; a tracestate goes on when
// well formed, and is dropped when not.
func TestTraceThroughProxy(t *testing.T) {
	t.Parallel()
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	got := make(chan http.Header, 4)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))
	t.Cleanup(app.Close)
	base, srv := front(t, app.URL, proxy.Config{})
	tests := []struct {
		name, tp, state, wantState string
	}{
		{"continued", tp, "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
		{"bad tracestate dropped", tp, "Rojo=1", ""},
		{"none: a new trace", "", "", ""},
		{"invalid: a new trace", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "", ""},
	}
	for _, tt := range tests { // in turn: newest reads the last exchange
		req, _ := http.NewRequest("GET", base+"/x", nil)
		if tt.tp != "" {
			req.Header.Set("Traceparent", tt.tp)
		}
		if tt.state != "" {
			req.Header.Set("Tracestate", tt.state)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := <-got
		ex := newest(t, srv)
		sent, ok := trace.Parse(h.Get("Traceparent"))
		if !ok || ex.Upstream == nil {
			t.Fatalf("%s: the app got traceparent %q, leg %+v; want a valid one", tt.name, h.Get("Traceparent"), ex.Upstream)
		}
		own, _ := servertiming.Traceparent(res.Header["Server-Timing"])
		if sent.TraceID != ex.TraceID || sent.SpanID != ex.Upstream.SpanID || sent.SpanID == ex.SpanID || own.SpanID != ex.SpanID {
			t.Errorf("%s: the app's parent %v of trace %v; want the leg %v of trace %v, the proxy's span %v (Server-Timing %v)",
				tt.name, sent.SpanID, sent.TraceID, ex.Upstream.SpanID, ex.TraceID, ex.SpanID, own.SpanID)
		}
		client, continued := trace.Parse(tt.tp)
		if continued && (ex.TraceID != client.TraceID || ex.Traceparent != tt.tp) {
			t.Errorf("%s: the proxy's trace = %v; want the client's %v", tt.name, ex.TraceID, client.TraceID)
		}
		if !continued && ex.TraceID.IsZero() {
			t.Errorf("%s: no trace id for an exchange with no valid traceparent", tt.name)
		}
		if got := h.Get("Tracestate"); got != tt.wantState {
			t.Errorf("%s: the app got tracestate %q; want %q", tt.name, got, tt.wantState)
		}
	}
}
