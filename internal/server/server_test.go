package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/observe"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTestServer starts the whole handler stack on a free loopback port.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	return newTestServerConfig(t, Config{})
}

// newTestServerConfig is newTestServer with cfg.
func newTestServerConfig(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(New(cfg).Handler())
	t.Cleanup(ts.Close)
	return ts
}

// startServer runs the real Serve, with its timeouts and limits, on a free
// loopback port until the test ends, and returns its address.
func startServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, New(Config{ShutdownTimeout: time.Second}), ln)
	return ln.Addr().String()
}

// serveOn runs Serve on ln until the test ends.
func serveOn(t *testing.T, srv *Server, ln net.Listener) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

// do sends one request and returns the response with its body read. A
// Host in header replaces the URL's.
func do(t *testing.T, method, url string, header http.Header, body string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" { // net/http sends req.Host, not a Host header
			req.Host = v[0]
			continue
		}
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	ln := listenNotify(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- New(Config{ShutdownTimeout: 5 * time.Second}).Serve(ctx, ln) }()

	inflight := getAsync("http://" + ln.Addr().String() + "/delay/0.5")
	<-ln.accepted
	time.Sleep(100 * time.Millisecond) // let the request bytes arrive; a slow arrival is still served
	cancel()                           // what SIGTERM does through signal.NotifyContext

	r := <-inflight
	if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, `"seconds":0.5`) {
		t.Errorf("in-flight /delay/0.5 during shutdown = %d %q, %v; want 200 with its body", r.status, r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after shutdown = %v; want nil", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Errorf("dial after shutdown succeeded; want the listener closed")
	}
	http.DefaultClient.CloseIdleConnections()
}

// result is one finished request, as getAsync reports it.
type result struct {
	status int
	body   string
	err    error
}

// getAsync sends GET url in the background and reports the whole response,
// or the error that cut it short.
func getAsync(url string) <-chan result {
	c := make(chan result, 1)
	go func() {
		res, err := http.Get(url)
		if err != nil {
			c <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		c <- result{res.StatusCode, string(b), err}
	}()
	return c
}

// acceptNotifier signals each accepted connection, so a test knows its
// request reached the server before it starts a shutdown.
type acceptNotifier struct {
	net.Listener
	accepted chan struct{}
}

func (l *acceptNotifier) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted <- struct{}{}
	}
	return c, err
}

func listenNotify(t *testing.T) *acceptNotifier {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return &acceptNotifier{Listener: ln, accepted: make(chan struct{}, 16)}
}

func TestServeShutdownTimeout(t *testing.T) {
	t.Parallel()
	ln := listenNotify(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(Config{ShutdownTimeout: 50 * time.Millisecond}).Serve(ctx, ln) }()
	inflight := getAsync("http://" + ln.Addr().String() + "/delay/5")
	<-ln.accepted
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Errorf("Serve with a request outlasting the shutdown timeout = %v; want a cut-off error", err)
	}
	if r := <-inflight; r.err == nil {
		t.Errorf("request cut off by shutdown = %d %q; want an error", r.status, r.body)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestServeReturnsListenerError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = New(Config{}).Serve(context.Background(), ln)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve on a closed listener = %v; want an accept error", err)
	}
}

// syncBuffer is a log sink that is safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRecoverPanics(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom at /secret/path.go:42") })
	mux.HandleFunc("/late-panic", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("partial"))
		panic("late")
	})
	mux.Handle("/", New(Config{}).Handler())
	var lines syncBuffer
	access := accesslog.New(&lines, accesslog.Text, time.Hour)
	// The stack New builds, around a mux with routes that panic.
	ts := httptest.NewServer(observe.Middleware(observe.Config{Observers: []observe.Observer{access.Observe}, Recover: recoverPanic(log)})(mux))
	t.Cleanup(ts.Close)

	res, body := do(t, "GET", ts.URL+"/panic", nil, "")
	p := decodeProblem(t, res, body)
	if p.Status != 500 || strings.Contains(body, "boom") || strings.Contains(body, ".go") {
		t.Errorf("GET /panic = %d %s; want a 500 problem without the panic's text", p.Status, body)
	}
	if !strings.Contains(logs.String(), "boom at /secret/path.go:42") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("log lacks the panic and its stack:\n%s", logs.String())
	}
	if err := access.Flush(); err != nil || !strings.Contains(lines.String(), "path=/panic status=500 ") {
		t.Errorf("access log = %q, %v; want the recovered panic's 500", lines.String(), err)
	}

	// A panic after the response began cuts the connection instead of
	// appending an error to half a response.
	if res, err := http.Get(ts.URL + "/late-panic"); err == nil {
		_, err = new(bytes.Buffer).ReadFrom(res.Body)
		res.Body.Close()
		if err == nil {
			t.Errorf("GET /late-panic read cleanly; want the connection cut")
		}
	}

	// The server keeps serving.
	for range 3 {
		if res, body := do(t, "GET", ts.URL+"/hello", nil, ""); res.StatusCode != 200 || body != "Hello, World!" {
			t.Errorf("GET /hello after panics = %d %q; want 200", res.StatusCode, body)
		}
	}
}

func TestLogRequests(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	access := accesslog.New(&logs, accesslog.JSON, time.Hour)
	ts := httptest.NewServer(New(Config{AccessLog: access}).Handler())
	t.Cleanup(ts.Close)
	do(t, "GET", ts.URL+"/hello", nil, "")
	do(t, "POST", ts.URL+"/hello", nil, "")
	do(t, "GET", ts.URL+"/status/204", nil, "")
	if err := access.Flush(); err != nil {
		t.Fatal(err)
	}

	var lines []map[string]any
	for line := range strings.Lines(logs.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		lines = append(lines, m)
	}
	want := []struct {
		method, path string
		status       float64
		bytes        float64
	}{{"GET", "/hello", 200, 13}, {"POST", "/hello", 405, -1}, {"GET", "/status/204", 204, 0}}
	if len(lines) != len(want) {
		t.Fatalf("got %d access log lines; want %d:\n%s", len(lines), len(want), logs.String())
	}
	for i, w := range want {
		l := lines[i]
		if l["msg"] != "request" || l["method"] != w.method || l["path"] != w.path || l["status"] != w.status || (w.bytes >= 0 && l["bytes"] != w.bytes) {
			t.Errorf("log line %d = %v; want %s %s %v", i, l, w.method, w.path, w.status)
		}
		if _, ok := l["duration_ms"].(float64); !ok {
			t.Errorf("log line %d lacks a duration_ms number: %v", i, l)
		}
	}
}
