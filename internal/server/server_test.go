package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTestServer starts the whole handler stack on a free loopback port.
func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(New(Config{}).Handler())
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

// do sends one request and returns the response with its body read.
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
