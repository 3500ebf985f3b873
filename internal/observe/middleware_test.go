package observe

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/servertiming"
	"github.com/roundtrip/roundtrip/internal/status"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// collect is an Observer that keeps a copy of every exchange.
type collect struct {
	mu  sync.Mutex
	got []Exchange
}

func (c *collect) observe(_ context.Context, ex *Exchange) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, *ex)
}

func (c *collect) last(t *testing.T) Exchange {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.got) == 0 {
		t.Fatal("no exchange was observed")
	}
	return c.got[len(c.got)-1]
}

// observed serves h through Middleware(cfg) on a real server, with c
// among the observers.
func observed(t *testing.T, cfg Config, h http.Handler) (*httptest.Server, *collect) {
	t.Helper()
	c := &collect{}
	cfg.Observers = append(cfg.Observers, c.observe)
	ts := httptest.NewServer(Middleware(cfg)(h))
	t.Cleanup(ts.Close)
	return ts, c
}

func send(t *testing.T, method, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body = nil
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

var serverTiming = regexp.MustCompile(`^route;dur=\d+\.\d{3}, handler;dur=\d+\.\d{3}, traceparent;desc="00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]"$`)

func TestMiddlewareRecords(t *testing.T) {
	t.Parallel()
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	ts, c := observed(t, Config{MaxBody: 1 << 10}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Routed(w)
		b, _ := io.ReadAll(r.Body)
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc"})
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusCreated)
		w.Write(append([]byte("got "), b...))
	}))
	req, _ := http.NewRequest("POST", ts.URL+"/things?x=1", strings.NewReader("hello"))
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Traceparent", tp)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ex := c.last(t)
	checks := []struct {
		field     string
		got, want any
	}{
		{"status", ex.Status, 201},
		{"method", ex.Method, "POST"},
		{"url", ex.URL, "/things?x=1"},
		{"path", ex.Path, "/things"},
		{"route", ex.Route, "/"},
		{"proto", ex.Proto, "HTTP/1.1"},
		{"bytes_in", ex.BytesIn, int64(5)},
		{"bytes_out", ex.BytesOut, int64(9)},
		{"request body", ex.Request.Body, "hello"},
		{"response body", ex.Response.Body, "got hello"},
		{"request id", ex.RequestID, res.Header.Get("X-Request-Id")},
		{"traceparent", ex.Traceparent, tp},
		{"Authorization", ex.Request.Headers.Get("Authorization"), Redacted},
		{"Set-Cookie", ex.Response.Headers.Get("Set-Cookie"), Redacted},
		{"client gone", ex.ClientGone, false},
		{"internal", ex.Internal, false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("recorded %s = %v; want %v", c.field, c.got, c.want)
		}
	}
	if req.Header.Get("Authorization") != "Bearer s3cret" {
		t.Errorf("redaction changed the live request header")
	}
	if st := res.Header.Get("Server-Timing"); !serverTiming.MatchString(st) {
		t.Errorf("Server-Timing = %q; want route and handler durations and a traceparent", st)
	}
	// The server's span continues the client's trace, a child of its span.
	parent, _ := trace.Parse(tp)
	own, ok := servertiming.Traceparent(res.Header["Server-Timing"])
	if !ok || own.TraceID != parent.TraceID || own.SpanID != ex.SpanID || own.SpanID == parent.SpanID || own.Flags != parent.Flags {
		t.Errorf("Server-Timing traceparent = %+v, %v; want trace %v, span %v (not the client's %v), flags %x", own, ok, parent.TraceID, ex.SpanID, parent.SpanID, parent.Flags)
	}
	if ex.TraceID != parent.TraceID {
		t.Errorf("recorded trace id = %v; want the client's %v", ex.TraceID, parent.TraceID)
	}
	if tm := ex.Times; tm.Start.IsZero() || tm.Routed <= 0 || tm.Wrote < tm.Routed || tm.End < tm.Wrote {
		t.Errorf("times = %+v; want start, then routed ≤ wrote ≤ end", tm)
	}
}

func TestMiddlewareSecretsKept(t *testing.T) {
	t.Parallel()
	ts, c := observed(t, Config{Secrets: true}, http.NotFoundHandler())
	req, _ := http.NewRequest("GET", ts.URL, nil)
	req.Header.Set("Cookie", "a=1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := c.last(t).Request.Headers.Get("Cookie"); got != "a=1" {
		t.Errorf("recorded Cookie with Secrets = %q; want a=1", got)
	}
}

// TestMiddlewareHead: net/http sends no body for HEAD, whatever the
// handler writes, and the record says so.
func TestMiddlewareHead(t *testing.T) {
	t.Parallel()
	ts, c := observed(t, Config{MaxBody: 1 << 10}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, World!")
	}))
	send(t, "HEAD", ts.URL, "")
	ex := c.last(t)
	if ex.BytesOut != 0 || ex.Response.BodySize != 0 || ex.Response.BodyTruncated || ex.Response.Body != "" {
		t.Errorf("HEAD recorded bytes_out %d, body %q of %d, truncated %v; want nothing sent and nothing cut", ex.BytesOut, ex.Response.Body, ex.Response.BodySize, ex.Response.BodyTruncated)
	}
}

// TestMiddlewareClientGone cuts requests short: before any answer (499)
// and in the middle of one (its status, marked gone).
func TestMiddlewareClientGone(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	ts, c := observed(t, Config{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		if r.URL.Path == "/midway" {
			w.Write([]byte("part"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			time.Sleep(10 * time.Millisecond) // the reset reaches the socket
			for range 100 {
				if _, err := w.Write(make([]byte, 32<<10)); err != nil {
					return
				}
			}
			return
		}
		<-r.Context().Done() // as /delay does: nobody waits for the answer
	}))
	for _, tt := range []struct {
		path       string
		wantStatus int
	}{
		{"/before", status.ClientClosedRequest},
		{"/midway", http.StatusOK},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+tt.path, nil)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if res, err := http.DefaultClient.Do(req); err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}()
		<-started
		time.Sleep(20 * time.Millisecond)
		cancel()
		<-done
		deadline := time.Now().Add(5 * time.Second)
		for {
			c.mu.Lock()
			n := len(c.got)
			c.mu.Unlock()
			if n > 0 && c.last(t).Path == tt.path || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		ex := c.last(t)
		if ex.Path != tt.path || ex.Status != tt.wantStatus || !ex.ClientGone {
			t.Errorf("GET %s cut short recorded %s %d, client_gone %v; want %d, gone", tt.path, ex.Path, ex.Status, ex.ClientGone, tt.wantStatus)
		}
	}
}

func TestMiddlewareRecover(t *testing.T) {
	t.Parallel()
	var recovered []any
	var mu sync.Mutex
	cfg := Config{Recover: func(w http.ResponseWriter, r *http.Request, v any) {
		mu.Lock()
		recovered = append(recovered, v)
		mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
	}}
	ts, c := observed(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/early":
			panic("early")
		case "/late":
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			panic("late")
		case "/abort":
			panic(http.ErrAbortHandler)
		}
	}))
	if res := send(t, "GET", ts.URL+"/early", ""); res.StatusCode != 500 {
		t.Errorf("GET /early = %d; want Recover's 500", res.StatusCode)
	}
	if ex := c.last(t); ex.Status != 500 {
		t.Errorf("GET /early recorded %d; want 500", ex.Status)
	}
	for _, path := range []string{"/late", "/abort"} {
		if res, err := http.Get(ts.URL + path); err == nil {
			_, err = io.ReadAll(res.Body)
			res.Body.Close()
			if err == nil {
				t.Errorf("GET %s read cleanly; want the connection cut", path)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(recovered) != 1 || recovered[0] != "early" {
		t.Errorf("Recover saw %v; want only the panic before the response began", recovered)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	paths := map[string]bool{}
	for _, ex := range c.got {
		paths[ex.Path] = true
	}
	if len(paths) != 3 { // the client may retry a GET cut before any answer
		t.Errorf("observed %v; want /early, /late and /abort, aborted ones too", paths)
	}
}

func TestMiddlewareUncaptured(t *testing.T) {
	t.Parallel()
	ts, c := observed(t, Config{MaxBody: 1 << 10}, Uncaptured(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "own")
	})))
	send(t, "POST", ts.URL, "private")
	ex := c.last(t)
	if !ex.Internal || ex.Request.Body != "" || ex.Response.Body != "" || ex.BytesOut != 3 {
		t.Errorf("uncaptured exchange = internal %v, bodies %q %q, bytes_out %d; want internal, no bodies, 3 bytes counted", ex.Internal, ex.Request.Body, ex.Response.Body, ex.BytesOut)
	}
}

func TestMiddlewareObserversInOrder(t *testing.T) {
	t.Parallel()
	var order []string
	var mu sync.Mutex
	obs := func(name string) Observer {
		return func(_ context.Context, ex *Exchange) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name+" "+ex.Path)
		}
	}
	ts := httptest.NewServer(Middleware(Config{Observers: []Observer{obs("a"), obs("b")}})(http.NotFoundHandler()))
	defer ts.Close()
	send(t, "GET", ts.URL+"/x", "")
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(order, ", "); got != "a /x, b /x" {
		t.Errorf("observers saw %q; want each once, in order", got)
	}
}

// TestRecorderKeepsBody checks the capture of a response body however the
// handler writes it: one string is kept as it is, and anything more goes
// to the buffer, up to the limit.
func TestRecorderKeepsBody(t *testing.T) {
	t.Parallel()
	const limit = 8
	tests := []struct {
		name    string
		writes  []any // string for WriteString, []byte for Write
		want    string
		wantCut bool
	}{
		{"one string", []any{"Hello"}, "Hello", false},
		{"one string at the limit", []any{"12345678"}, "12345678", false},
		{"one string over the limit", []any{"123456789"}, "12345678", true},
		{"two strings", []any{"Hel", "lo"}, "Hello", false},
		{"a string, then bytes", []any{"Hel", []byte("lo")}, "Hello", false},
		{"bytes, then a string", []any{[]byte("Hel"), "lo"}, "Hello", false},
		{"strings past the limit", []any{"12345", "6789"}, "12345678", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &collect{}
			h := Middleware(Config{MaxBody: limit, Observers: []Observer{c.observe}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for _, p := range tt.writes {
					switch p := p.(type) {
					case string:
						io.WriteString(w, p)
					case []byte:
						w.Write(p)
					}
				}
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			if ex := c.last(t); ex.Response.Body != tt.want || ex.Response.BodyTruncated != tt.wantCut {
				t.Errorf("captured %q, truncated %v; want %q, %v", ex.Response.Body, ex.Response.BodyTruncated, tt.want, tt.wantCut)
			}
		})
	}
}

// BenchmarkMiddleware is the middleware alone around a handler that writes
// a short text, with capture on and off.
func BenchmarkMiddleware(b *testing.B) {
	for _, maxBody := range []int{0, 64 << 10} {
		b.Run(map[int]string{0: "capture off", 64 << 10: "capture on"}[maxBody], func(b *testing.B) {
			h := Middleware(Config{MaxBody: maxBody, Observers: []Observer{func(context.Context, *Exchange) {}}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				io.WriteString(w, "Hello, World!")
			}))
			r := httptest.NewRequest("GET", "/hello", nil)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// TestMiddlewareTrailersLeaveTheHead: a handler's trailers, set in the
// header map after the head went out, do not replace the head's fields of
// the same name in the record (/sse's Server-Timing trailer).
func TestMiddlewareTrailersLeaveTheHead(t *testing.T) {
	t.Parallel()
	ts, c := observed(t, Config{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Server-Timing")
		io.WriteString(w, "body")
		w.Header().Set("Server-Timing", `total;dur=1;desc="the trailer's"`)
	}))
	res, err := http.Get(ts.URL + "/t")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	ex := waitObserved(t, c, 1)
	head := res.Header.Get("Server-Timing")
	if got := strings.Join(ex.Response.Headers.Values("Server-Timing"), ", "); got != head || !strings.Contains(got, "handler;dur=") {
		t.Errorf("recorded Server-Timing %q; want the head's, %q", got, head)
	}
	if got := res.Trailer.Get("Server-Timing"); !strings.Contains(got, "the trailer's") {
		t.Errorf("trailer Server-Timing %q; want the handler's", got)
	}
}
