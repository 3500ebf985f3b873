package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/reqbody"
)

// TestTooLargeAnswersBeforeReading sends only the head of a request that
// declares a 2 MiB body: the 413 must come without the body being sent.
func TestTooLargeAnswersBeforeReading(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, path := range []string{"/api/greeting", "/echo"} {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"name\":", path, 2<<20)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("POST %s with a 2 MiB Content-Length and no body: %v; want a 413 at once", path, err)
		}
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with a 2 MiB Content-Length = %d; want 413", path, res.StatusCode)
		}
		res.Body.Close()
		conn.Close()
	}
}

// TestTooLargeIsHalfClosed: after refusing an upload it will not read,
// the server half-closes, so the client reads the whole 413 before the
// reset that the unread bytes cause.
func TestTooLargeIsHalfClosed(t *testing.T) {
	t.Parallel()
	addr := startServer(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	const size = 2 << 20
	fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", size)
	go conn.Write(make([]byte, size)) // fails once the server hangs up
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer to a 2 MiB upload: %v", err)
	}
	io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB upload = %d; want 413", res.StatusCode)
	}
	// A half-close sends FIN right after the answer; without it the
	// connection is reset 500 ms later.
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read after the 413 = %d, %v; want EOF (a half-close)", n, err)
	}
}

// TestTooLargeChunked streams a chunked body past a route's limit: the
// server answers 413, closes the connection and reads no further than the
// limit, on its own routes and the inspector's alike (each bounds its body
// with reqbody.Limit, under the middleware's wrapper).
func TestTooLargeChunked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path  string
		limit int
	}{
		{"/echo", reqbody.Max},
		{"/_roundtrip/api/reports", 16 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cl := &countingListener{Listener: ln}
			serveOn(t, New(Config{ShutdownTimeout: time.Second}), cl)
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(conn, "POST "+tt.path+" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
			go func() {
				chunk := fmt.Sprintf("%x\r\n%s\r\n", 32<<10, strings.Repeat(" ", 32<<10))
				for range 4 * tt.limit / (32 << 10) { // four times the limit
					if _, err := io.WriteString(conn, chunk); err != nil {
						return
					}
				}
			}()
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("reading the answer to a chunked upload of 4 × %d bytes: %v", tt.limit, err)
			}
			io.Copy(io.Discard, res.Body)
			if res.StatusCode != http.StatusRequestEntityTooLarge || !res.Close {
				t.Errorf("POST %s of 4 × its limit = %d, Connection %q; want 413 and close", tt.path, res.StatusCode, res.Header.Get("Connection"))
			}
			// net/http reads up to 256 KiB more after answering, hoping to
			// keep the connection; before the answer, only the limit and
			// what its buffers took with it.
			const slack = 64 << 10
			if got := cl.beforeAnswer.Load(); got > int64(tt.limit+slack) {
				t.Errorf("server read %d bytes of a chunked body over the %d-byte limit before answering; want at most %d", got, tt.limit, tt.limit+slack)
			}
		})
	}
}

// countingListener counts the bytes its connections read before their
// first write: what the server had read when it answered.
type countingListener struct {
	net.Listener
	beforeAnswer atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l        *countingListener
	read     int64
	answered atomic.Bool
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.answered.Load() {
		c.read += int64(n)
	}
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	if !c.answered.Swap(true) {
		c.l.beforeAnswer.Store(c.read)
	}
	return c.Conn.Write(p)
}
