package client

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTimelinePhases(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name      string
		tl        Timeline
		want      Phases
		wantTotal time.Duration
	}{
		{"empty", Timeline{}, Phases{}, 0},
		{
			"new TLS connection",
			Timeline{Start: at(0), DNSStart: at(1), DNSDone: at(3), ConnectStart: at(3), ConnectDone: at(7), TLSStart: at(7), TLSDone: at(15),
				GotConn: at(15), WroteRequest: at(16), FirstByte: at(40), End: at(42)},
			Phases{DNS: 2 * time.Millisecond, Connect: 4 * time.Millisecond, TLS: 8 * time.Millisecond, Send: time.Millisecond, Wait: 24 * time.Millisecond, Receive: 2 * time.Millisecond},
			42 * time.Millisecond,
		},
		{
			"reused connection",
			Timeline{Start: at(0), GotConn: at(0), WroteRequest: at(1), FirstByte: at(5), End: at(6), Reused: true},
			Phases{Send: time.Millisecond, Wait: 4 * time.Millisecond, Receive: time.Millisecond},
			6 * time.Millisecond,
		},
		{
			"not finished",
			Timeline{Start: at(0), GotConn: at(0), WroteRequest: at(1)},
			Phases{Send: time.Millisecond},
			0,
		},
		{
			"end before start",
			Timeline{Start: at(5), GotConn: at(5), WroteRequest: at(4), End: at(1)},
			Phases{},
			0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.tl.Phases(); got != tt.want {
				t.Errorf("%s: Phases() = %v; want %v", tt.name, got, tt.want)
			}
			if got := tt.tl.Total(); got != tt.wantTotal {
				t.Errorf("%s: Total() = %v; want %v", tt.name, got, tt.wantTotal)
			}
		})
	}
}

func TestPhaseString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    Phase
		want string
	}{
		{DNS, "dns"}, {Connect, "connect"}, {TLS, "tls"}, {Send, "send"}, {Wait, "wait"}, {Receive, "receive"},
		{NumPhases, "unknown"}, {-1, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.p.String(); got != tt.want {
				t.Errorf("Phase(%d).String() = %q; want %q", int(tt.p), got, tt.want)
			}
		})
	}
}

// roundTrip sends one GET through tr with trace and returns its timeline.
func roundTrip(t *testing.T, hc *http.Client, ctx context.Context, trace *Trace, url string) Timeline {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	trace.Reset()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	trace.Finish()
	return trace.Timeline()
}

func TestTraceRealConnections(t *testing.T) {
	t.Parallel()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	plain := httptest.NewServer(handler)
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(handler)
	t.Cleanup(secure.Close)

	tests := []struct {
		name string
		srv  *httptest.Server
	}{{"plain", plain}, {"tls", secure}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := tt.srv
			hc := srv.Client()
			t.Cleanup(hc.CloseIdleConnections)
			trace := NewTrace()
			ctx := trace.Context(context.Background()) // one context, many requests
			isTLS := srv == secure

			first := roundTrip(t, hc, ctx, trace, srv.URL)
			p := first.Phases()
			if first.Reused {
				t.Errorf("%s first request: Reused = true; want false", srv.URL)
			}
			if first.ConnectStart.IsZero() || first.ConnectDone.IsZero() || first.GotConn.IsZero() || first.WroteRequest.IsZero() || first.FirstByte.IsZero() || first.End.IsZero() {
				t.Errorf("%s first request: timeline %+v has a zero event", srv.URL, first)
			}
			if got := first.TLSVersion != 0; got != isTLS {
				t.Errorf("%s first request: TLSVersion = %#x; want TLS %v", srv.URL, first.TLSVersion, isTLS)
			}
			if got := p[TLS] > 0; got != isTLS {
				t.Errorf("%s first request: TLS phase %v; want TLS %v", srv.URL, p[TLS], isTLS)
			}
			if !first.DNSStart.IsZero() {
				t.Errorf("%s first request: DNS happened for an IP literal", srv.URL)
			}
			if first.RemoteAddr == nil || first.RemoteAddr.String() != srv.Listener.Addr().String() {
				t.Errorf("%s first request: RemoteAddr = %v; want %v", srv.URL, first.RemoteAddr, srv.Listener.Addr())
			}
			var sum time.Duration
			for _, d := range p {
				sum += d
			}
			if sum > first.Total() {
				t.Errorf("%s first request: phases %v add up to more than the total %v", srv.URL, p, first.Total())
			}

			second := roundTrip(t, hc, ctx, trace, srv.URL)
			if !second.Reused {
				t.Errorf("%s second request: Reused = false; want true", srv.URL)
			}
			if p := second.Phases(); p[Connect] != 0 || p[TLS] != 0 || p[DNS] != 0 {
				t.Errorf("%s second request: phases %v; want no DNS, connect or TLS on a reused connection", srv.URL, p)
			}
			if !second.Start.After(first.End) && !second.Start.Equal(first.End) {
				t.Errorf("%s second request: Start %v is before the first's End %v; Reset did not clear", srv.URL, second.Start, first.End)
			}
		})
	}
}

// The hooks run on every request of a load test: they must not allocate.
func TestTraceHooksDoNotAllocate(t *testing.T) {
	trace := NewTrace()
	ct := &trace.ct
	allocs := testing.AllocsPerRun(100, func() {
		trace.Reset()
		ct.DNSStart(httptrace.DNSStartInfo{Host: "localhost"})
		ct.DNSDone(httptrace.DNSDoneInfo{})
		ct.ConnectStart("tcp", "127.0.0.1:1")
		ct.ConnectDone("tcp", "127.0.0.1:1", nil)
		ct.TLSHandshakeStart()
		ct.TLSHandshakeDone(tls.ConnectionState{Version: tls.VersionTLS13}, nil)
		ct.GotConn(httptrace.GotConnInfo{})
		ct.WroteRequest(httptrace.WroteRequestInfo{})
		ct.GotFirstResponseByte()
		trace.Finish()
		_ = trace.Timeline().Phases()
	})
	if allocs != 0 {
		t.Errorf("a traced round trip's hooks allocate %v times; want 0", allocs)
	}
}

func BenchmarkTracedRoundTrip(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }))
	b.Cleanup(srv.Close)
	for _, traced := range []bool{false, true} {
		name := "untraced"
		if traced {
			name = "traced"
		}
		b.Run(name, func(b *testing.B) {
			hc := srv.Client()
			defer hc.CloseIdleConnections()
			trace := NewTrace()
			ctx := context.Background()
			if traced {
				ctx = trace.Context(ctx)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			b.ReportAllocs()
			for b.Loop() {
				trace.Reset()
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				trace.Finish()
			}
		})
	}
}

// BenchmarkTraceHooks is the cost the trace adds to one round trip: every
// hook a new TLS connection fires, Finish and a Timeline copy.
func BenchmarkTraceHooks(b *testing.B) {
	trace := NewTrace()
	ct := &trace.ct
	b.ReportAllocs()
	for b.Loop() {
		trace.Reset()
		ct.DNSStart(httptrace.DNSStartInfo{})
		ct.DNSDone(httptrace.DNSDoneInfo{})
		ct.ConnectStart("tcp", "")
		ct.ConnectDone("tcp", "", nil)
		ct.TLSHandshakeStart()
		ct.TLSHandshakeDone(tls.ConnectionState{}, nil)
		ct.GotConn(httptrace.GotConnInfo{})
		ct.WroteRequest(httptrace.WroteRequestInfo{})
		ct.GotFirstResponseByte()
		trace.Finish()
		_ = trace.Timeline().Phases()
	}
}

// TestTimelineLateWrite: a write HTTP/2 reports after the answer began, or
// never, leaves the wait whole instead of empty.
func TestTimelineLateWrite(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	for _, tt := range []struct {
		name  string
		wrote time.Time
	}{
		{"reported after the first byte", at(50)},
		{"never reported", time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTrace()
			tr.tl = Timeline{Start: at(0), GotConn: at(10), WroteRequest: tt.wrote, FirstByte: at(40), End: at(45)}
			p := tr.Timeline().Phases()
			if p[Send] != 0 || p[Wait] != 30*time.Microsecond {
				t.Errorf("phases with the write %s = send %v, wait %v; want 0 and 30µs", tt.name, p[Send], p[Wait])
			}
		})
	}
}

// TestTraceKeepSent: with KeepSent the trace holds the header fields as
// HTTP/1 wrote them, in order; without it, none.
func TestTraceKeepSent(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	for _, keep := range []bool{true, false} {
		tr := NewTrace()
		if keep {
			tr.KeepSent()
		}
		req, _ := http.NewRequestWithContext(tr.Context(context.Background()), http.MethodPost, srv.URL, strings.NewReader("hi"))
		req.Header = http.Header{"X-B": {"2"}, "X-A": {"1", "3"}, "User-Agent": {"test"}}
		req.Host = "vhost.example"
		tr.Reset()
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var want []Field
		if keep {
			// Accept-Encoding is the default transport's own addition.
			want = []Field{{"Host", "vhost.example"}, {"User-Agent", "test"}, {"Content-Length", "2"}, {"X-A", "1"}, {"X-A", "3"}, {"X-B", "2"}, {"Accept-Encoding", "gzip"}}
		}
		if got := tr.Sent(); !slices.Equal(got, want) {
			t.Errorf("KeepSent %v: Sent() = %v; want %v", keep, got, want)
		}
	}
}
