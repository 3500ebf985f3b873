package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestInspectorBodyLimit: a body over an inspector endpoint's limit gets
// a 413 that closes the connection, read no further than the limit, as
// the server's own routes' (TestTooLargeChunked).
func TestInspectorBodyLimit(t *testing.T) {
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
	io.WriteString(conn, "POST /_roundtrip/api/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
	go func() {
		chunk := fmt.Sprintf("%x\r\n%s\r\n", 8<<10, strings.Repeat(" ", 8<<10))
		for range 64 { // 512 KiB, far past the report's 16 KiB
			if _, err := io.WriteString(conn, chunk); err != nil {
				return
			}
		}
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to a 512 KiB report: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !res.Close {
		t.Errorf("512 KiB report = %d, Connection %q; want 413 and close", res.StatusCode, res.Header.Get("Connection"))
	}
	const limit, slack = 16 << 10, 64 << 10
	if got := cl.beforeAnswer.Load(); got > limit+slack {
		t.Errorf("server read %d bytes of a report over its %d-byte limit before answering; want at most %d", got, limit, limit+slack)
	}
}
