// Package servetest starts servers for tests: the real roundtrip server and
// raw TCP accept loops, each on a free loopback port and stopped when its
// test ends, as net/http/httptest does for a plain handler.
package servetest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
)

// shutdownTimeout bounds a Roundtrip server's cleanup: a test's requests
// are over by then, and one still running is the test's fault.
const shutdownTimeout = 5 * time.Second

// Roundtrip runs server.New(cfg) with its Serve, so with the listener,
// timeouts and limits of roundtrip serve, on a free loopback port until the
// test ends, and returns its base URL: http://127.0.0.1:PORT, or https://
// when cfg.TLS is set. Cleanup reports a Serve that does not shut down
// cleanly. A zero cfg.ShutdownTimeout is 5s, not serve's 15s. HTTP/2 clients
// should close their idle connections first, in a cleanup registered after
// this call, or the graceful shutdown waits a second for them.
func Roundtrip(t testing.TB, cfg server.Config) string {
	t.Helper()
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = shutdownTimeout
	}
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.New(cfg).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v; want nil after shutdown", err)
		}
	})
	scheme := "http://"
	if cfg.TLS != nil {
		scheme = "https://"
	}
	return scheme + ln.Addr().String()
}

// Proxy runs server.New(cfg), cfg.Proxy set, as roundtrip proxy does: the
// proxy's listener and the inspector's, each on a free loopback port until
// the test ends. It returns their base URLs and the server, for its
// Inspector.
func Proxy(t testing.TB, cfg server.Config) (proxyURL, inspectorURL string, srv *server.Server) {
	t.Helper()
	if cfg.Proxy == nil {
		t.Fatal("servetest.Proxy: cfg.Proxy is nil")
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = shutdownTimeout
	}
	srv = server.New(cfg)
	ln, iln := listen(t), listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- srv.Serve(ctx, ln) }()
	go func() { done <- srv.ServeInspector(ctx, iln) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("Serve or ServeInspector = %v; want nil after shutdown", err)
			}
		}
	})
	return "http://" + ln.Addr().String(), "http://" + iln.Addr().String(), srv
}

// Conns accepts connections on a free loopback port until the test ends,
// handing each to handle in its own goroutine and closing it once handle
// returns. It returns the address, host:port. Cleanup closes the listener
// and every open connection and waits for the handlers, so none outlives
// the test; handle must return once its connection is closed.
func Conns(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln := listen(t)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		open    = map[net.Conn]bool{}
		stopped bool
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // the listener is closed
			}
			mu.Lock()
			if stopped {
				mu.Unlock()
				c.Close()
				return
			}
			open[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(open, c)
					mu.Unlock()
					c.Close()
				}()
				handle(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		stopped = true
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// FreeAddr returns a loopback address, host:port, that nothing listens on,
// for a server to take. Another listener may take the port too, in this
// process or another, so use it soon; for a dial that must be refused,
// RefusedAddr holds its port.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln := listen(t)
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// listen listens on a free port of 127.0.0.1.
func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
