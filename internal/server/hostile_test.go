package server

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
	"go.uber.org/goleak"
)

// rawExchange writes raw bytes on a fresh connection and reads one response.
func rawExchange(t *testing.T, addr, raw string) (*http.Response, string, net.Conn) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to %.60q: %v", raw, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body), conn
}

// assertServes checks the server still answers a well-formed request.
func assertServes(t *testing.T, ts *httptest.Server) {
	t.Helper()
	if res, body := do(t, "GET", ts.URL+"/hello", nil, ""); res.StatusCode != 200 || body != "Hello, World!" {
		t.Fatalf("GET /hello afterwards = %d %q; want 200 Hello, World!", res.StatusCode, body)
	}
}

func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	addr := ts.Listener.Addr().String()
	tests := []struct {
		name, raw  string
		wantStatus int
	}{
		{"garbage line", "GARBAGE\r\n\r\n", 400},
		{"bad version", "GET /hello HTTP/9.9\r\nHost: x\r\n\r\n", 505},
		{"no host", "GET /hello HTTP/1.1\r\n\r\n", 400},
		{"two hosts", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"header without colon", "GET /hello HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n", 400},
		{"space in header name", "GET /hello HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400},
		{"NUL in header value", "GET /hello HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400},
		{"conflicting lengths", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"bad length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400},
		{"bad chunking", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
		{"unknown encoding", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"CRLF smuggled in target", "GET /hello\rX HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	}
	for _, tt := range tests {
		res, _, conn := rawExchange(t, addr, tt.raw)
		if res.StatusCode != tt.wantStatus {
			t.Errorf("%s: status = %d; want %d", tt.name, res.StatusCode, tt.wantStatus)
		}
		if tt.wantStatus != 400 && tt.wantStatus != 505 && tt.wantStatus != 501 {
			continue
		}
		// net/http closes the connection after refusing a request.
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if n, err := conn.Read(make([]byte, 1)); err == nil {
			t.Errorf("%s: connection still open after the error (read %d bytes); want it closed", tt.name, n)
		}
	}
	assertServes(t, ts)
}

func TestHeaderBlockTooLarge(t *testing.T) {
	t.Parallel()
	addr := startServer(t)
	big := strings.Repeat("a", MaxHeaderBytes+8<<10)
	for name, raw := range map[string]string{
		"long header":       "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n",
		"long query string": "GET /api/greeting?name=" + big + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"many headers":      "GET /hello HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: 0123456789012345678901234567890123456789\r\n", 2000) + "\r\n",
	} {
		if res, _, _ := rawExchange(t, addr, raw); res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%s: status = %d; want 431", name, res.StatusCode)
		}
	}
	if res, _, _ := rawExchange(t, addr, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"); res.StatusCode != 200 {
		t.Errorf("GET /hello after oversized heads = %d; want 200", res.StatusCode)
	}
}

func TestLongQueryUnderTheLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res, body := do(t, "GET", ts.URL+"/api/greeting?name="+strings.Repeat("a", 7<<10), nil, "")
	if p := decodeProblem(t, res, body); p.Status != 400 || !strings.Contains(p.Detail, "limit") {
		t.Errorf("GET with a 7 KiB name = %d %q; want 400 naming the limit", p.Status, p.Detail)
	}
}

// TestLongLines: a request line or a header field over 8 KiB is refused,
// as nginx refuses it, though the whole head is under MaxHeaderBytes.
func TestLongLines(t *testing.T) {
	t.Parallel()
	addr := startServer(t)
	long := strings.Repeat("a", MaxHeaderLine)
	tests := []struct {
		name, raw string
		want      int
	}{
		{"long target", "GET /hello?q=" + long + " HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusRequestURITooLong},
		{"long field", "GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: " + long + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"long cookie", "GET /hello HTTP/1.1\r\nHost: x\r\nCookie: c=" + long + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"fields just under", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: " + long[:MaxHeaderLine-5] + "\r\nX-B: " + long[:MaxHeaderLine-5] + "\r\n\r\n", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body, _ := rawExchange(t, addr, tt.raw)
			if res.StatusCode != tt.want {
				t.Errorf("%s = %d %s; want %d", tt.name, res.StatusCode, body, tt.want)
			}
			if tt.want != 200 && (res.Header.Get("Content-Type") != "application/problem+json" || strings.Contains(body, long)) {
				t.Errorf("%s: %s %.200s; want a problem that does not repeat the line", tt.name, res.Header.Get("Content-Type"), body)
			}
		})
	}
}

// TestSlowloris trickles a request head, as a connection's first request
// and after one already answered on it; ReadHeaderTimeout must cut it off.
func TestSlowloris(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for ReadHeaderTimeout")
	}
	t.Parallel()
	addr := startServer(t)
	for _, tt := range []struct {
		name   string
		before string // a request answered first on the same connection
	}{
		{"first request", ""},
		{"after a request", "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"},
		// The next head's start pipelined behind the first request: timedConn
		// let this one trickle for 119.9 s.
		{"pipelined behind a request", "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if tt.before != "" {
				conn.Write([]byte(tt.before))
				res, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, res.Body); err != nil || res.StatusCode != 200 {
					t.Fatalf("the first request = %d, %v; want 200", res.StatusCode, err)
				}
				if !strings.HasSuffix(tt.before, "\r\n\r\n") {
					start := time.Now()
					// The pipelined partial head is read now: cut off within the timeout.
					conn.SetReadDeadline(time.Now().Add(ReadHeaderTimeout + 5*time.Second))
					if _, err := conn.Read(make([]byte, 1)); err == nil || isTimeout(err) {
						t.Fatalf("a pipelined partial head was not cut off after %v (%v); want it cut after ReadHeaderTimeout (%v)", time.Since(start).Round(time.Second), err, ReadHeaderTimeout)
					}
					if elapsed := time.Since(start); elapsed > ReadHeaderTimeout+time.Second {
						t.Errorf("a pipelined partial head was cut off after %v; want ReadHeaderTimeout (%v)", elapsed, ReadHeaderTimeout)
					}
					return
				}
				time.Sleep(time.Second) // idle between requests, which must not count
			}
			start := time.Now()
			head := "GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 100)
			var cut bool
			for i := 0; i < len(head) && time.Since(start) < ReadHeaderTimeout+5*time.Second; i++ {
				if _, err := conn.Write([]byte{head[i]}); err != nil {
					cut = true
					break
				}
				time.Sleep(100 * time.Millisecond)
				conn.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := conn.Read(make([]byte, 512)); err != nil && !isTimeout(err) {
					cut = true // the server closed the connection
					break
				}
			}
			if !cut {
				t.Fatalf("a client trickling its head for %v was not cut off; want it cut after ReadHeaderTimeout (%v)", time.Since(start).Round(time.Second), ReadHeaderTimeout)
			}
			if elapsed := time.Since(start); elapsed < ReadHeaderTimeout-time.Second {
				t.Errorf("cut off after %v; want no sooner than ReadHeaderTimeout (%v)", elapsed, ReadHeaderTimeout)
			}
		})
	}
	t.Cleanup(func() { // the server still serves others
		res, err := http.Get("http://" + addr + "/hello")
		if err != nil {
			t.Error(err)
			return
		}
		res.Body.Close()
		http.DefaultClient.CloseIdleConnections()
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestDisconnectsLeaveNoGoroutines drops clients mid-body and mid-response.
func TestDisconnectsLeaveNoGoroutines(t *testing.T) {
	before := goleak.IgnoreCurrent()
	ts := httptest.NewServer(New(Config{}).Handler())
	addr := ts.Listener.Addr().String()
	for range 20 {
		// Mid-body: announce 1000 bytes, send 10, hang up.
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789")
		c.Close()
		// Mid-response: ask for a delayed answer, hang up while it waits.
		c, err = net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, "GET /delay/5 HTTP/1.1\r\nHost: x\r\n\r\n")
		c.Close()
	}
	assertServes(t, ts)
	http.DefaultClient.CloseIdleConnections()
	closed := make(chan struct{})
	go func() { ts.Close(); close(closed) }()
	select {
	case <-closed: // Close waits for every handler, so the /delay ones ended early
	case <-time.After(4 * time.Second):
		t.Fatal("handlers of departed clients still running after 4s; /delay must stop when its client leaves")
	}
	goleak.VerifyNone(t, before)
}

// TestJSONBombs sends bodies built to cost CPU or memory; each gets a 4xx
// (or an echo) while the memory it costs stays a small multiple of 1 MiB.
func TestJSONBombs(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	jsonType := http.Header{"Content-Type": {"application/json"}}
	bombs := []struct {
		name, path, body string
		wantStatus       int
	}{
		{"deep arrays", "/echo", strings.Repeat("[", 500000) + strings.Repeat("]", 500000), 400},
		{"deep objects", "/api/greeting", strings.Repeat(`{"a":`, 200000), 400},
		{"huge number", "/api/greeting", `{"name":1` + strings.Repeat("0", 900000) + `}`, 400},
		{"huge exponent", "/echo", `[1e999999999999]`, 200},
		{"huge number echoed", "/echo", `[` + strings.Repeat("9", 900000) + `]`, 200},
		{"many keys", "/echo", "{" + strings.Repeat(`"k":0,`, 150000) + `"k":1}`, 200},
		{"invalid UTF-8 in string", "/api/greeting", "{\"name\":\"\xff\xfe\"}", 400},
		{"past the limit", "/echo", "[" + strings.Repeat("0,", 600000) + "0]", 413},
	}
	for _, b := range bombs {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		res, _ := do(t, "POST", ts.URL+b.path, jsonType, b.body)
		runtime.ReadMemStats(&m1)
		if res.StatusCode != b.wantStatus {
			t.Errorf("%s: POST %s = %d; want %d", b.name, b.path, res.StatusCode, b.wantStatus)
		}
		// Client and server share this process; both are counted.
		if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > 256<<20 {
			t.Errorf("%s: allocated %d MiB for a body of %d KiB; want it bounded", b.name, alloc>>20, len(b.body)>>10)
		}
	}
	assertServes(t, ts)
}

func TestScriptInNamesAndPathsStaysText(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res, body := do(t, "GET", ts.URL+"/api/greeting?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E", http.Header{"Accept": {"text/html"}}, "")
	if res.Header.Get("Content-Type") != "application/json" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("greeting with <script> served as %q, nosniff %q; want application/json with nosniff so no browser runs it",
			res.Header.Get("Content-Type"), res.Header.Get("X-Content-Type-Options"))
	}
	if !strings.Contains(body, "<script>alert(1)</script>") {
		t.Errorf("greeting body = %q; want the name back as JSON text", body)
	}
	res, body = do(t, "GET", ts.URL+"/status/%3Cscript%3E", http.Header{"Accept": {"text/html"}}, "")
	if res.StatusCode != 400 || strings.Contains(body, "<script>") {
		t.Errorf("HTML problem for /status/<script> = %d, raw <script> present: %v; want 400, escaped", res.StatusCode, strings.Contains(body, "<script>"))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("HTML problem CSP = %q; want default-src 'none' so no script can run", csp)
	}
}

// TestOversizedHeadGets431 sends a request line far over the header limit:
// net/http answers 431 and half-closes, so the client reads all of the
// answer, whose body ends at the connection's end, before the reset.
func TestOversizedHeadGets431(t *testing.T) {
	t.Parallel()
	addr := startServer(t)
	head := "GET /hello?q=" + strings.Repeat("a", 200_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"
	got := 0
	for range 20 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, head) // a client sends its request, then reads; the write may fail
		// net/http's 431 has no Content-Length: its body ends at the FIN
		// that a half-close sends, or is lost to the reset that follows.
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			_, err = io.ReadAll(res.Body)
		}
		if err == nil && res.StatusCode == http.StatusRequestHeaderFieldsTooLarge {
			got++
		}
		conn.Close()
	}
	if got != 20 {
		t.Errorf("431 answers read for a 200 kB request line = %d of 20; want 20 of 20", got)
	}
}

// TestErrorsBeforeHandlers pins the answers net/http writes itself, before
// any handler runs and so in plain text, not as problems: the README lists
// exactly these.
func TestErrorsBeforeHandlers(t *testing.T) {
	t.Parallel()
	addr := startServer(t)
	tests := []struct {
		name, raw  string
		wantStatus int
		wantBody   string
	}{
		{"head over 64 KiB", "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 80<<10) + "\r\n\r\n", 431, "431 Request Header Fields Too Large"},
		{"malformed request", "GARBAGE\r\n\r\n", 400, "400 Bad Request"},
		{"no Host", "GET /hello HTTP/1.1\r\n\r\n", 400, "400 Bad Request: missing required Host header"},
		{"unknown transfer coding", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "Unsupported transfer encoding"},
		{"unknown version", "GET /hello HTTP/9.9\r\nHost: x\r\n\r\n", 505, "505 HTTP Version Not Supported: unsupported protocol version"},
		{"unknown expectation", "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}", 417, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body, _ := rawExchange(t, addr, tt.raw)
			ct := res.Header.Get("Content-Type")
			if res.StatusCode != tt.wantStatus || body != tt.wantBody || (body != "" && ct != "text/plain; charset=utf-8") {
				t.Errorf("%s = %d %q %q; want %d text/plain %q", tt.name, res.StatusCode, ct, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// TestPlainHTTPToTLS: net/http answers plain HTTP on a TLS port itself.
func TestPlainHTTPToTLS(t *testing.T) {
	t.Parallel()
	crt, _, err := cert.SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	base, _ := served(t, Config{TLS: &tls.Config{Certificates: []tls.Certificate{crt}}}, &logs)
	res, body, _ := rawExchange(t, strings.TrimPrefix(base, "https://"), "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	if res.StatusCode != 400 || body != "Client sent an HTTP request to an HTTPS server.\n" {
		t.Errorf("plain HTTP to the TLS port = %d %q; want net/http's 400", res.StatusCode, body)
	}
}

// TestChunkedRequestClosesConnection: after a request with both
// Transfer-Encoding and Content-Length the connection is closed (RFC 9112
// §6.1), which net/http alone does not do; one with Content-Length only
// keeps it.
func TestChunkedRequestClosesConnection(t *testing.T) {
	t.Parallel()
	addr := startServer(t)
	tests := []struct {
		name      string
		framing   string
		body      string
		wantClose bool
	}{
		{"Transfer-Encoding and Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "3\r\nabc\r\n0\r\n\r\n", true},
		{"Transfer-Encoding", "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n", true},
		{"Content-Length", "Content-Length: 3\r\n", "abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n%s\r\n%s", tt.framing, tt.body)
			br := bufio.NewReader(conn)
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 || !strings.Contains(string(body), `"body":"abc"`) {
				t.Fatalf("POST /echo with %q = %d %s; want 200 echoing abc", tt.framing, res.StatusCode, body)
			}
			// A second request on the connection: answered, or met by EOF.
			fmt.Fprintf(conn, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
			_, err = http.ReadResponse(br, nil)
			if closed := err != nil; closed != tt.wantClose || res.Close != tt.wantClose {
				t.Errorf("with %q: Connection: close %v, next request failed %v (%v); want both %v", tt.framing, res.Close, closed, err, tt.wantClose)
			}
		})
	}
}
