package servetest_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
	"go.uber.org/goleak"
)

// TestMain holds the servers to their promise: nothing they start
// outlives its test.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// refused reports whether a dial to addr is refused.
func refused(t *testing.T, addr string) bool {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err == nil {
		c.Close()
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func TestRoundtrip(t *testing.T) {
	t.Parallel()
	c, pemBytes, err := cert.SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	tests := []struct {
		name       string
		cfg        server.Config
		path       string
		wantScheme string
		wantStatus int
		wantProto  string
		wantTiming string // a prefix of Server-Timing
	}{
		// Serve's own listener times the read phase; the bare Handler cannot.
		{"greeting", server.Config{}, "/hello", "http", 200, "HTTP/1.1", "read;dur="},
		{"inspector", server.Config{}, "/_roundtrip/api/exchanges", "http", 200, "HTTP/1.1", "read;dur="},
		{"no inspector", server.Config{NoInspector: true}, "/_roundtrip/api/exchanges", "http", 404, "HTTP/1.1", "read;dur="},
		{"tls", server.Config{TLS: &tls.Config{Certificates: []tls.Certificate{c}}}, "/hello", "https", 200, "HTTP/2.0", "route;dur="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var host string
			t.Run("serving", func(t *testing.T) {
				base := servetest.Roundtrip(t, tt.cfg)
				u, err := url.Parse(base)
				if err != nil || u.Scheme != tt.wantScheme || u.Hostname() != "127.0.0.1" || u.Port() == "0" || u.Path != "" {
					t.Fatalf("Roundtrip = %q; want %s://127.0.0.1:PORT", base, tt.wantScheme)
				}
				host = u.Host
				tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
				t.Cleanup(tr.CloseIdleConnections)
				res, err := (&http.Client{Transport: tr}).Get(base + tt.path)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != tt.wantStatus || res.Proto != tt.wantProto {
					t.Errorf("GET %s = %d %s; want %d %s", tt.path, res.StatusCode, res.Proto, tt.wantStatus, tt.wantProto)
				}
				if got := res.Header.Get("Server-Timing"); !strings.HasPrefix(got, tt.wantTiming) {
					t.Errorf("GET %s Server-Timing = %q; want it to start %q", tt.path, got, tt.wantTiming)
				}
			})
			if !refused(t, host) {
				t.Errorf("dial %s after the test ended was not refused; want the server stopped", host)
			}
		})
	}
}

func TestConns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		handle func(net.Conn)
		send   string
		read   bool   // whether the client reads to the end before the test ends
		want   string // what it reads
	}{
		{"hang up", func(net.Conn) {}, "", true, ""},
		{"answer", func(c net.Conn) {
			if _, err := io.ReadFull(c, make([]byte, 4)); err == nil {
				io.WriteString(c, "pong")
			}
		}, "ping", true, "pong"},
		// Closed by the cleanup, which waits for it.
		{"until closed", func(c net.Conn) { io.Copy(io.Discard, c) }, "ping", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const conns = 2
			var started, returned atomic.Int64
			var addr string
			t.Run("serving", func(t *testing.T) {
				addr = servetest.Conns(t, func(c net.Conn) {
					started.Add(1)
					defer returned.Add(1)
					tt.handle(c)
				})
				for range conns {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { c.Close() })
					c.SetDeadline(time.Now().Add(10 * time.Second))
					io.WriteString(c, tt.send)
					if !tt.read {
						continue
					}
					if got, err := io.ReadAll(c); err != nil || string(got) != tt.want {
						t.Errorf("read %q, %v; want %q, nil", got, err, tt.want)
					}
				}
				// Each connection has its own goroutine: the second is
				// handled while the first still is.
				for i := 0; started.Load() < conns; i++ {
					if i == 1000 { // bounded: 1000 × 10ms
						t.Fatalf("%d of %d connections handled after 10s", started.Load(), conns)
					}
					time.Sleep(10 * time.Millisecond)
				}
			})
			if got := returned.Load(); got != conns {
				t.Errorf("%d of %d handlers returned by the end of the test; want all", got, conns)
			}
			if !refused(t, addr) {
				t.Errorf("dial %s after the test ended was not refused; want the listener closed", addr)
			}
		})
	}
}

func TestRefusedAddr(t *testing.T) {
	t.Parallel()
	addr := servetest.RefusedAddr(t)
	if host, _, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" {
		t.Fatalf("RefusedAddr = %q; want 127.0.0.1:PORT", addr)
	}
	for range 3 {
		if !refused(t, addr) {
			t.Fatalf("dial RefusedAddr() %s was not refused", addr)
		}
	}
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Errorf("listen on RefusedAddr() %s succeeded; want the port held for the test", addr)
	}
}

func TestFreeAddr(t *testing.T) {
	t.Parallel()
	addr := servetest.FreeAddr(t)
	if host, _, err := net.SplitHostPort(addr); err != nil || host != "127.0.0.1" {
		t.Fatalf("FreeAddr = %q; want 127.0.0.1:PORT", addr)
	}
	if !refused(t, addr) {
		t.Errorf("dial FreeAddr() %s was not refused; want nothing listening", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on FreeAddr() %s: %v; want it free", addr, err)
	}
	ln.Close()
}
