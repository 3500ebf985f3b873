package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// newServer is a real server on a free port, counting its requests.
func newServer(t testing.TB, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	return newServerH2C(t, h, false)
}

// newServerH2C is newServer that also speaks cleartext HTTP/2 when h2c is set.
func newServerH2C(t testing.TB, h http.HandlerFunc, h2c bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	if h2c {
		srv.Config.Protocols = new(http.Protocols)
		srv.Config.Protocols.SetHTTP1(true)
		srv.Config.Protocols.SetUnencryptedHTTP2(true)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &n
}

func run(t *testing.T, cfg Config) (*Runner, *Summary) {
	t.Helper()
	r, err := NewRunner(cfg)
	if err != nil {
		t.Fatalf("NewRunner(%+v) error = %v", cfg, err)
	}
	s, err := r.Run(context.Background())
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	return r, s
}

func TestRunCount(t *testing.T) {
	t.Parallel()
	hello := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello, World!") }
	chunked := func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part one, ")
		w.(http.Flusher).Flush()
		io.WriteString(w, "part two")
	}
	echo := func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Test") != "yes" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		io.Copy(w, r.Body)
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		cfg     Config
	}{
		{"one connection", hello, Config{Conns: 1, Total: 50}},
		{"more connections than requests", hello, Config{Conns: 20, Total: 7}},
		{"chunked", chunked, Config{Conns: 4, Total: 100}},
		{"post", echo, Config{Conns: 3, Total: 60, Body: []byte(`{"name":"Alice"}`), Header: http.Header{"X-Test": {"yes"}, "Content-Type": {"application/json"}}}},
		{"http2 cleartext", hello, Config{Conns: 4, Total: 40, HTTP2: true}},
		{"open loop", hello, Config{Conns: 2, Total: 30, Rate: 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, served := newServerH2C(t, tt.handler, tt.cfg.HTTP2)
			tt.cfg.URL = srv.URL + "/x"
			_, s := run(t, tt.cfg)
			if s.Requests != tt.cfg.Total || s.Status[200] != tt.cfg.Total {
				t.Errorf("Requests, Status[200] = %d, %d; want %d: %v", s.Requests, s.Status[200], tt.cfg.Total, s.Status)
			}
			if got := served.Load(); got != tt.cfg.Total {
				t.Errorf("server saw %d requests; want %d", got, tt.cfg.Total)
			}
			if s.Errors != 0 {
				t.Errorf("Errors = %d (%v); want 0", s.Errors, s.ErrorsBy)
			}
			if s.Latency.Min <= 0 || s.Latency.Max < s.Latency.P50 || s.Bytes <= 0 || s.RequestsPerSecond() <= 0 {
				t.Errorf("summary %+v lacks latencies, bytes or throughput", s)
			}
		})
	}
}

func TestRunStatuses(t *testing.T) {
	t.Parallel()
	var i atomic.Int64
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if i.Add(1)%4 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	_, s := run(t, Config{URL: srv.URL, Conns: 2, Total: 40})
	if s.Status[200] != 30 || s.Status[503] != 10 {
		t.Errorf("Status = %v; want 200: 30, 503: 10", s.Status)
	}
}

func TestRunDuration(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	_, s := run(t, Config{URL: srv.URL, Conns: 2, Length: 200 * time.Millisecond})
	if s.Elapsed != 200*time.Millisecond {
		t.Errorf("Elapsed = %v; want the whole 200ms window", s.Elapsed)
	}
	if s.Requests == 0 || s.Errors != 0 {
		t.Errorf("Requests, Errors = %d, %d (%v); want some, 0", s.Requests, s.Errors, s.ErrorsBy)
	}
}

func TestRunTimeouts(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	_, s := run(t, Config{URL: srv.URL, Conns: 2, Total: 4, Timeout: 50 * time.Millisecond})
	if s.ErrorsBy["timeout"] != 4 || s.Requests != 0 {
		t.Errorf("ErrorsBy, Requests = %v, %d; want timeout: 4, 0", s.ErrorsBy, s.Requests)
	}
}

func TestRunResets(t *testing.T) {
	t.Parallel()
	// A server that accepts and hangs up at once: every request fails.
	addr := servetest.Conns(t, func(net.Conn) {})
	_, s := run(t, Config{URL: "http://" + addr, Conns: 2, Total: 10})
	if s.Errors != 10 || s.Requests != 0 {
		t.Errorf("Errors, Requests = %d (%v), %d; want 10, 0", s.Errors, s.ErrorsBy, s.Requests)
	}
	for kind := range s.ErrorsBy {
		if kind != "connection closed" && kind != "connection reset" {
			t.Errorf("error kind %q; want connection closed or reset", kind)
		}
	}
}

func TestRunUnreachable(t *testing.T) {
	t.Parallel()
	r, err := NewRunner(Config{URL: "http://" + servetest.RefusedAddr(t), Length: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(context.Background()); !errors.Is(err, ErrUnreachable) {
		t.Errorf("Run() error = %v; want ErrUnreachable", err)
	}
}

// TestRunNoH2C: --http2 on http:// to a server that answers the HTTP/2
// preface in HTTP/1.1 fails at once, saying so, instead of loading it with
// requests that all fail.
func TestRunNoH2C(t *testing.T) {
	t.Parallel()
	// Express (node's http) answers the preface so, and closes.
	express := "http://" + servetest.Conns(t, func(c net.Conn) {
		c.Read(make([]byte, 64))
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
	})
	tests := []struct {
		name string
		url  string
		want error // nil: the run goes ahead
	}{
		{"roundtrip serve", servetest.Roundtrip(t, server.Config{}), ErrNoH2C},
		{"express", express, ErrNoH2C},
		{"roundtrip serve --h2c", servetest.Roundtrip(t, server.Config{H2C: true}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewRunner(Config{URL: tt.url + "/hello", HTTP2: true, Conns: 2, Total: 10})
			if err != nil {
				t.Fatal(err)
			}
			s, err := r.Run(context.Background())
			if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
				t.Fatalf("Run() error = %v; want %v", err, tt.want)
			}
			if err != nil {
				if got, want := err.Error(), "the server does not speak cleartext HTTP/2 (h2c): it answered the HTTP/2 preface with \"HTTP/1.1 400 Bad Request\""; got != want {
					t.Errorf("Run() error = %q; want %q", got, want)
				}
				return
			}
			if s.Status[200] != 10 {
				t.Errorf("Status = %v, errors %v; want 200: 10", s.Status, s.ErrorsBy)
			}
		})
	}
}

func TestRunCancel(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	r, err := NewRunner(Config{URL: srv.URL, Conns: 2, Length: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for r.Progress().Requests < 20 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	s, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Requests < 20 || s.Errors != 0 {
		t.Errorf("Requests, Errors = %d, %d (%v); want >= 20, 0: a cancelled run keeps what completed", s.Requests, s.Errors, s.ErrorsBy)
	}
	if p := r.Progress(); p.Requests != s.Requests {
		t.Errorf("Progress().Requests = %d; want %d", p.Requests, s.Requests)
	}
}

func TestRunTLS(t *testing.T) {
	t.Parallel()
	var h2 atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 {
			h2.Add(1)
		}
		io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused certificate's handshake errors
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tests := []struct {
		http2    bool
		protocol string
		wantH2   int64
	}{
		{false, "HTTP/1.1 over TLS", 0},
		{true, "HTTP/2", 10},
	}
	for _, tt := range tests {
		// In turn: the rows share the server's count.
		t.Run(fmt.Sprintf("HTTP2=%v", tt.http2), func(t *testing.T) {
			h2.Store(0)
			r, s := run(t, Config{URL: srv.URL, Conns: 2, Total: 10, HTTP2: tt.http2, Insecure: true})
			if s.Status[200] != 10 {
				t.Errorf("Status = %v, errors %v; want 200: 10", s.Status, s.ErrorsBy)
			}
			if got := h2.Load(); got != tt.wantH2 {
				t.Errorf("server saw %d HTTP/2 requests; want %d", got, tt.wantH2)
			}
			if r.Protocol() != tt.protocol {
				t.Errorf("Protocol() = %q; want %q", r.Protocol(), tt.protocol)
			}
		})
	}
	// Without --insecure, the test server's certificate is refused.
	_, s := run(t, Config{URL: srv.URL, Conns: 1, Total: 2})
	if s.Errors != 2 || !strings.Contains(strings.Join(keys(s.ErrorsBy), " "), "other") {
		t.Errorf("ErrorsBy = %v; want 2 certificate errors", s.ErrorsBy)
	}
}

// TestRunBytes holds every client to one count: the response bodies' bytes,
// as they are after the transfer coding, framing and headers left out. The
// lean HTTP/1.1 client, net/http over TLS and HTTP/2, and --phases' traced
// connection read the same bodies, so they report the same bytes.
func TestRunBytes(t *testing.T) {
	t.Parallel()
	c, _, err := cert.SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	plain := servetest.Roundtrip(t, server.Config{H2C: true})
	secure := servetest.Roundtrip(t, server.Config{TLS: &tls.Config{Certificates: []tls.Certificate{c}}})
	const n = 20
	tests := []struct {
		name string
		cfg  Config
		path string
		body int64 // bytes per response body
	}{
		{"http/1.1", Config{URL: plain}, "/hello", 13},
		{"http/1.1 chunked", Config{URL: plain}, "/stream-bytes/100?chunk_size=10&seed=1", 100},
		{"http/1.1 phases", Config{URL: plain, Phases: true}, "/hello", 13},
		{"h2c", Config{URL: plain, HTTP2: true}, "/hello", 13},
		{"h2c phases", Config{URL: plain, HTTP2: true, Phases: true}, "/hello", 13},
		{"tls", Config{URL: secure, Insecure: true}, "/hello", 13},
		{"tls chunked", Config{URL: secure, Insecure: true}, "/stream-bytes/100?chunk_size=10&seed=1", 100},
		{"tls h2", Config{URL: secure, Insecure: true, HTTP2: true}, "/hello", 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.URL += tt.path
			tt.cfg.Conns, tt.cfg.Total = 2, n
			_, s := run(t, tt.cfg)
			if s.Status[200] != n {
				t.Fatalf("Status = %v, errors %v; want 200: %d", s.Status, s.ErrorsBy, n)
			}
			if got, want := s.Bytes, n*tt.body; got != want {
				t.Errorf("Bytes = %d; want %d, %d bodies of %d bytes", got, want, n, tt.body)
			}
		})
	}
}

func keys(m map[string]int64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestRunPhases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
	}{
		{"one connection", Config{Conns: 1, Total: 20}},
		{"one of three", Config{Conns: 3, Total: 60}},
		{"http2", Config{Conns: 2, Total: 20, HTTP2: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServerH2C(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, tt.cfg.HTTP2)
			tt.cfg.URL, tt.cfg.Phases = srv.URL, true
			_, s := run(t, tt.cfg)
			p := s.Phases
			if p == nil {
				t.Fatal("Phases = nil; want a sample")
			}
			if s.Requests != tt.cfg.Total || p.Requests < 1 || p.Requests > s.Requests {
				t.Errorf("Requests, Phases.Requests = %d, %d; want %d, 1 to %d", s.Requests, p.Requests, tt.cfg.Total, tt.cfg.Total)
			}
			// Every request has a wait; one in PhaseEvery is timed.
			if p.Count(client.Wait) < 1 || p.Count(client.Wait) > p.Requests || p.Percentile(client.Wait, 50) <= 0 {
				t.Errorf("wait count, p50 = %d, %v; want 1 to %d, > 0", p.Count(client.Wait), p.Percentile(client.Wait, 50), p.Requests)
			}
			if want := (s.Requests + PhaseEvery - 1) / PhaseEvery; p.Requests < want-int64(tt.cfg.Conns) || p.Requests > want+int64(tt.cfg.Conns) {
				t.Errorf("Phases.Requests = %d; want about 1 in %d of %d", p.Requests, PhaseEvery, s.Requests)
			}
			// Every connection's dial is timed: -c of them, or HTTP/2's one.
			wantConns := int64(tt.cfg.Conns)
			if tt.cfg.HTTP2 {
				wantConns = 1
			}
			if got := p.Count(client.Connect); got != wantConns {
				t.Errorf("connect count = %d; want %d", got, wantConns)
			}
			if p.Count(client.TLS) != 0 {
				t.Errorf("tls count = %d; want 0 on http", p.Count(client.TLS))
			}
		})
	}
}

// TestRunCoordinatedOmission stalls the server's first answer for 200ms.
// Closed-loop, one slow request hides the requests that were never sent
// during the stall; open-loop charges the stall to every request scheduled
// in it, as wrk2 does. It measures latency, so it runs alone.
func TestRunCoordinatedOmission(t *testing.T) {
	tests := []struct {
		name     string
		rate     float64
		wantSlow bool // whether the median carries the stall
	}{
		{"closed loop", 0, false},
		{"open loop", 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first atomic.Bool
			srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if first.CompareAndSwap(false, true) {
					time.Sleep(200 * time.Millisecond)
				}
				io.WriteString(w, "ok")
			})
			_, s := run(t, Config{URL: srv.URL, Conns: 1, Total: 20, Rate: tt.rate})
			if s.Requests != 20 {
				t.Fatalf("Requests = %d; want 20", s.Requests)
			}
			if s.Latency.Max < 200*time.Millisecond {
				t.Errorf("max = %v; want the 200ms stall", s.Latency.Max)
			}
			// Open loop at 100/s: requests 0-9 were due during the stall,
			// each >= 100ms late, so the median is near 100ms.
			if slow := s.Latency.P50 >= 80*time.Millisecond; slow != tt.wantSlow {
				t.Errorf("p50 = %v; want the stall in the median: %v", s.Latency.P50, tt.wantSlow)
			}
			// Uncorrected, from the actual sends, only the stalled request
			// is slow: the median is not, and those sent late are counted.
			switch u := s.Uncorrected; {
			case tt.rate == 0 && u != nil:
				t.Errorf("closed loop: Uncorrected = %+v; want none", u)
			case tt.rate > 0 && (u == nil || u.P50 >= 80*time.Millisecond || u.Max < 200*time.Millisecond):
				t.Errorf("open loop: Uncorrected = %+v; want a fast median and the stall as max", u)
			case tt.rate > 0 && (s.Delayed < 15 || s.Delayed > 20):
				t.Errorf("open loop: Delayed = %d; want the 19 requests due during the stall", s.Delayed)
			}
		})
	}
}

// TestRunWarmsConnections: the connections open before timing, TLS and
// HTTP/2 set up, and the run adds none: the server sees -c connections
// (HTTP/2: one) however many streams the first wave has.
func TestRunWarmsConnections(t *testing.T) {
	t.Parallel()
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the probe's handshake that never was
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	plain, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	tests := []struct {
		name      string
		cfg       Config
		wantConns int64
	}{
		{"http/1.1 over tls", Config{URL: srv.URL, Conns: 6, Total: 60, Insecure: true}, 6},
		{"http/2", Config{URL: srv.URL, Conns: 50, Total: 200, Insecure: true, HTTP2: true}, 1},
		{"http/1.1", Config{URL: plain.URL, Conns: 4, Total: 40}, 4},
	}
	for _, tt := range tests {
		// In turn: the rows share the TLS server's count.
		t.Run(tt.name, func(t *testing.T) {
			opened.Store(0)
			_, s := run(t, tt.cfg)
			if s.Status[200] != tt.cfg.Total {
				t.Fatalf("Status = %v, errors %v; want 200: %d", s.Status, s.ErrorsBy, tt.cfg.Total)
			}
			if s.Setup == nil || int64(s.Setup.Conns) != tt.wantConns || s.Setup.Failed != 0 || s.Setup.Elapsed <= 0 {
				t.Errorf("Setup = %+v; want %d connections, none failed", s.Setup, tt.wantConns)
			}
			// And the probe's, which checks the target is up.
			if got := opened.Load(); srv.URL == tt.cfg.URL && got != tt.wantConns+1 {
				t.Errorf("the server saw %d connections; want %d and the probe's, all opened before timing", got, tt.wantConns)
			}
		})
	}
}

func TestRunStartAt(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	at := time.Now().Add(200 * time.Millisecond)
	_, s := run(t, Config{URL: srv.URL, Conns: 1, Total: 3, StartAt: at})
	if s.Start.Before(at) || s.Requests != 3 {
		t.Errorf("Start, Requests = %v, %d; want from %v, 3", s.Start, s.Requests, at)
	}
	// A cancelled wait ends the run before any request.
	r, err := NewRunner(Config{URL: srv.URL, Conns: 1, Total: 3, StartAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run() waiting for StartAt, cancelled: error = %v; want the context's", err)
	}
}

// TestRunExemplars: the slowest exchanges are kept with the request ids
// roundtrip serve gave them, over the lean client and net/http's.
func TestRunExemplars(t *testing.T) {
	t.Parallel()
	c, _, err := cert.SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	plain := servetest.Roundtrip(t, server.Config{})
	secure := servetest.Roundtrip(t, server.Config{TLS: &tls.Config{Certificates: []tls.Certificate{c}}})
	tests := []struct {
		name string
		cfg  Config
	}{
		{"http/1.1", Config{URL: plain + "/hello"}},
		{"tls", Config{URL: secure + "/hello", Insecure: true}},
		{"http/2", Config{URL: secure + "/hello", Insecure: true, HTTP2: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.Conns, tt.cfg.Total = 3, 30
			_, s := run(t, tt.cfg)
			if len(s.Exemplars) != exemplarsKept {
				t.Fatalf("%d exemplars; want %d", len(s.Exemplars), exemplarsKept)
			}
			for i, e := range s.Exemplars {
				if e.RequestID == "" || e.Status != 200 || e.URL != tt.cfg.URL || e.Latency <= 0 || (i > 0 && e.Latency > s.Exemplars[i-1].Latency) {
					t.Errorf("exemplar %d = %+v; want a request id, 200, the URL, slowest first", i, e)
				}
			}
			if s.Exemplars[0].Latency != s.Latency.Max {
				t.Errorf("slowest exemplar %v; want the max, %v", s.Exemplars[0].Latency, s.Latency.Max)
			}
		})
	}
}
