package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/bench"
)

// BenchmarkServe is the benchmark suite's three requests against the real
// Serve with serve's defaults (capture and access log on), driven over
// loopback by roundtrip bench's lean HTTP/1.1 client in the same process;
// ns/op is the inverse of throughput.
func BenchmarkServe(b *testing.B) {
	tests := []struct {
		name, method, path string
		body               string
	}{
		{"GET /hello", "GET", "/hello", ""},
		{"GET /api/greeting", "GET", "/api/greeting?name=Alice", ""},
		{"POST /echo 1KiB", "POST", "/echo", kibBody},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			s := New(Config{AccessLog: accesslog.New(io.Discard, accesslog.Text, 100*time.Millisecond), ShutdownTimeout: 5 * time.Second})
			done := make(chan error, 1)
			go func() { done <- s.Serve(ctx, ln) }()
			defer func() { cancel(); <-done }()

			cfg := bench.Config{URL: "http://" + ln.Addr().String() + tt.path, Method: tt.method, Conns: 16, Total: int64(b.N), Length: time.Minute}
			if tt.body != "" {
				cfg.Body = []byte(tt.body)
				cfg.Header = http.Header{"Content-Type": {"application/json"}}
			}
			r, err := bench.NewRunner(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			sum, err := r.Run(ctx)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if sum.Errors != 0 || sum.Status[http.StatusOK] != sum.Requests {
				b.Fatalf("%s %s: %d errors %v, statuses %v; want only 200s", tt.method, tt.path, sum.Errors, sum.ErrorsBy, sum.Status)
			}
		})
	}
}

// BenchmarkConn is the whole server per request without the kernel's
// sockets: net/http's connection loop reads b.N GET /hello requests from
// an in-memory connection and writes the responses to it, through bare
// net/http (no timeouts), hardened net/http (serve's timeouts and header
// limit, the suite's fair peer) and Serve with serve's defaults. Their
// ratios are what the suite's GET /hello rows measure, less the socket
// reads and writes all pay alike; it varies far less from run to run than
// a load test. cpu-ns/op is the process's CPU time per request, which
// other load on the machine disturbs less than ns/op. The connection's deadlines cost what a socket's do: each
// goes to the runtime's poller, on a pipe.
func BenchmarkConn(b *testing.B) {
	for _, v := range []string{"bare", "hardened", "serve"} {
		b.Run(v, func(b *testing.B) {
			ln := &memListener{conns: make(chan net.Conn, 1), done: make(chan struct{})}
			done := make(chan error, 1)
			switch v {
			case "bare", "hardened":
				srv := &http.Server{Handler: helloMux()} // as the suite's peer: a ServeMux in front
				if v == "hardened" {
					srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes = ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout, MaxHeaderBytes
				}
				go func() { done <- srv.Serve(ln) }()
				defer func() { srv.Close(); <-done }()
			default:
				ctx, cancel := context.WithCancel(context.Background())
				s := New(Config{AccessLog: accesslog.New(io.Discard, accesslog.Text, 100*time.Millisecond), ShutdownTimeout: 5 * time.Second})
				go func() { done <- s.Serve(ctx, ln) }()
				defer func() { cancel(); <-done }()
			}
			c := newMemConn(b, []byte("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), b.N)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			ln.conns <- c
			<-c.closed // net/http closes it after the last response
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(c.written)/float64(b.N), "B/response")
		})
	}
}

// memConn is a client that sends req left times, back to back, and then
// closes its end; it discards the responses, counting their bytes. Its
// deadlines are set on an idle pipe, so that each costs what a socket's
// does: a timer in the runtime's poller.
type memConn struct {
	mu        sync.Mutex
	req       []byte
	off, left int
	written   int64
	closed    chan struct{}
	closeOnce sync.Once
	pipe      *os.File
}

func newMemConn(b *testing.B, req []byte, n int) *memConn {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close(); w.Close() })
	return &memConn{req: req, left: n, closed: make(chan struct{}), pipe: r}
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.req[c.off:]) // at most one request per read, as from a socket
	if c.off += n; c.off == len(c.req) {
		c.off, c.left = 0, c.left-1
	}
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.written += int64(len(p))
	c.mu.Unlock()
	return len(p), nil
}

func (c *memConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func (c *memConn) LocalAddr() net.Addr                { return memAddr }
func (c *memConn) RemoteAddr() net.Addr               { return memAddr }
func (c *memConn) SetDeadline(t time.Time) error      { return c.pipe.SetDeadline(t) }
func (c *memConn) SetReadDeadline(t time.Time) error  { return c.pipe.SetReadDeadline(t) }
func (c *memConn) SetWriteDeadline(t time.Time) error { return c.pipe.SetWriteDeadline(t) }

var memAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}

// memListener hands out the connections sent on conns.
type memListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr }
