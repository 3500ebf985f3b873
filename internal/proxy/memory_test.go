package proxy_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// footprint is the heap and the stacks in use after a collection, and the
// goroutines.
func footprint() (bytes int64, goroutines int) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse), runtime.NumGoroutine()
}

// perOpen opens n of something with open, which returns once one is
// established end to end, and returns what each holds: heap and stacks,
// and goroutines. One is opened and closed first, so that what the first
// use sets up once (pools, the transport's connection) is not counted.
// Everything is closed before it returns, and the goroutines waited for.
func perOpen(t *testing.T, n int, open func() io.Closer) (bytes int64, goroutines float64) {
	t.Helper()
	first := open()
	first.Close()
	settle()
	b0, g0 := footprint()
	opened := make([]io.Closer, 0, n)
	defer func() {
		for _, c := range opened {
			c.Close()
		}
		waitGoroutines(t, g0)
	}()
	for range n {
		opened = append(opened, open())
	}
	b1, g1 := footprint()
	return (b1 - b0) / int64(n), float64(g1-g0) / float64(n)
}

// settle waits, 5 s at most, for the goroutine count to hold still for
// 100 ms: the servers' own have started, and a closed connection's have
// returned.
func settle() {
	deadline := time.Now().Add(5 * time.Second)
	n, since := runtime.NumGoroutine(), time.Now()
	for time.Since(since) < 100*time.Millisecond && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		if m := runtime.NumGoroutine(); m != n {
			n, since = m, time.Now()
		}
	}
}

// waitGoroutines waits, 10 s at most, for the goroutines to come down to
// want: the closed connections' handlers return once they see the close.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			t.Errorf("%d goroutines 10 s after closing; want %d, as before opening", runtime.NumGoroutine(), want)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMemoryPerConnection measures what each open switched connection,
// CONNECT tunnel and in-flight stream holds, and bounds it. The figures
// are the whole process's: the proxy's share (the server's connection,
// the handler and, for a switch, ReverseProxy's two copying goroutines
// with their 32 KiB buffers and its watch on the request; for a stream,
// the transport's connection with its read and write loops, and the
// copy's buffer), the app's (its handler, and its server's buffers and
// background read), and the test's client, a raw socket with a 4 KiB
// reader and no goroutine. Not parallel: the figures need the process
// quiet, as the parallel tests are until the sequential ones are done.
//
// Measured here (Go 1.26, amd64): an upgrade about 127 KiB and 5
// goroutines, of which ReverseProxy's two copy buffers are 64 KiB; a
// tunnel about 58 KiB and 3; a stream about 110 KiB and 6. The race
// detector adds 10 to 20 KiB to each. The bound leaves room for both, and fails
// on what would matter: a message or a body held whole, or a goroutine
// left behind.
func TestMemoryPerConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 600 connections through the proxies")
	}
	const (
		n             = 200
		maxBytes      = 192 << 10
		maxGoroutines = 8
	)
	release := make(chan struct{})
	defer close(release) // the streams' last events, should one still be open
	app := boundApp(t, release)
	reverse, _ := front(t, app, proxy.Config{})
	forward, _ := forwardProxy(t, proxy.ForwardConfig{})
	echo := servetest.Conns(t, func(c net.Conn) { io.Copy(c, c) })

	tests := []struct {
		name string
		open func(t *testing.T) io.Closer
	}{
		{"upgrade", func(t *testing.T) io.Closer {
			conn, r, res := dial(t, reverse, upgradeHead)
			if res.StatusCode != http.StatusSwitchingProtocols || !echoes(t, conn, r) {
				conn.Close()
				t.Fatalf("an upgrade through the reverse proxy = %d, or no echo; want 101 and the echo", res.StatusCode)
			}
			return conn
		}},
		{"tunnel", func(t *testing.T) io.Closer {
			conn, r, res := dial(t, forward.String(), fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\n", echo, echo))
			if res.StatusCode != http.StatusOK || !echoes(t, conn, r) {
				conn.Close()
				t.Fatalf("a CONNECT through the forward proxy = %d, or no echo; want 200 and the echo", res.StatusCode)
			}
			return conn
		}},
		{"stream", func(t *testing.T) io.Closer {
			conn, _, res := dial(t, reverse, streamHead)
			if res.StatusCode != http.StatusOK || !firstLine(res.Body, "data: first\n") {
				conn.Close()
				t.Fatalf("a stream through the reverse proxy = %d, or no first event; want 200 and the event", res.StatusCode)
			}
			return conn
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bytes, goroutines := perOpen(t, n, func() io.Closer { return tt.open(t) })
			t.Logf("per %s: %.1f KiB, %.2f goroutines (%d open)", tt.name, float64(bytes)/1024, goroutines, n)
			if bytes >= maxBytes || goroutines > maxGoroutines {
				t.Errorf("each %s holds %.1f KiB and %.2f goroutines; want under %d KiB and at most %d", tt.name, float64(bytes)/1024, goroutines, maxBytes>>10, maxGoroutines)
			}
		})
	}
}

// firstLine reports whether r's first line is want.
func firstLine(r io.Reader, want string) bool {
	b := make([]byte, len(want))
	_, err := io.ReadFull(r, b)
	return err == nil && string(b) == want
}
