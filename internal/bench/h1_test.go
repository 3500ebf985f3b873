package bench

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// newTestH1 is a lean client for tg, dialling tg.addr as it is when called.
func newTestH1(tg *target, end time.Time) *h1 {
	return newTestH1Phases(tg, end, nil)
}

func newTestH1Phases(tg *target, end time.Time, phases *phaseRecorder) *h1 {
	d := &dialer{addr: tg.addr, timeout: 5 * time.Second, phases: phases}
	return newH1(context.Background(), tg, d, 5*time.Second, end)
}

// cannedServer answers every request on a real socket with resp, verbatim,
// and closes the connection after it when closeAfter is set.
func cannedServer(t *testing.T, resp string, closeAfter bool) string {
	t.Helper()
	return "http://" + servetest.Conns(t, func(conn net.Conn) {
		br := bufio.NewReader(conn)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			req.Body.Close()
			if _, err := conn.Write([]byte(resp)); err != nil || closeAfter {
				return
			}
		}
	}) + "/"
}

func TestH1Responses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		resp       string
		closeAfter bool
		method     string
		wantStatus int
		wantKeep   bool
		wantErr    string // an error kind; empty for none
		wantBody   int64  // the body's bytes, as the client reports them
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, "GET", 200, true, "", 5},
		{"header case", "HTTP/1.1 201 Created\r\nCONTENT-LENGTH:  3 \r\n\r\nabc", false, "GET", 201, true, "", 3},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n", false, "GET", 200, true, "", 11},
		{"connection close", "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno", true, "GET", 503, false, "", 2},
		{"http/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", true, "GET", 200, false, "", 2},
		{"http/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", false, "GET", 200, true, "", 2},
		{"no framing reads to close", "HTTP/1.1 200 OK\r\n\r\nuntil the end", true, "GET", 200, false, "", 13},
		{"interim 100 skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, "POST", 200, true, "", 0},
		{"204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", false, "GET", 204, true, "", 0},
		{"head has no body", "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n", false, "HEAD", 200, true, "", 0},
		{"bare LF lines", "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", false, "GET", 200, true, "", 1},
		{"not http", "SSH-2.0-OpenSSH_9.6\r\n\r\n", true, "GET", 0, false, "malformed response", 0},
		{"bad status", "HTTP/1.1 2x0 OK\r\n\r\n", true, "GET", 0, false, "malformed response", 0},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", true, "GET", 0, false, "malformed response", 0},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", true, "GET", 0, false, "malformed response", 0},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true, "GET", 0, false, "connection closed", 0},
		{"closed before answering", "", true, "GET", 0, false, "connection closed", 0},
		{"header too long", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 20<<10) + "\r\n\r\n", true, "GET", 0, false, "malformed response", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := cannedServer(t, tt.resp, tt.closeAfter)
			tg, err := newTarget(&Config{URL: url, Method: tt.method})
			if err != nil {
				t.Fatal(err)
			}
			c := newTestH1(tg, time.Now().Add(time.Minute))
			defer c.close()
			status, n, err := c.roundTrip(false)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("roundTrip() = %d, nil; want a %s error", status, tt.wantErr)
				}
				if got := errorKind(err); got != tt.wantErr {
					t.Errorf("errorKind(%v) = %q; want %q", err, got, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("roundTrip() error = %v", err)
			}
			if status != tt.wantStatus {
				t.Errorf("status = %d; want %d", status, tt.wantStatus)
			}
			if n != tt.wantBody {
				t.Errorf("body bytes = %d; want %d", n, tt.wantBody)
			}
			if got := c.conn != nil; got != tt.wantKeep {
				t.Errorf("connection kept = %v; want %v", got, tt.wantKeep)
			}
			// A second round trip works, on the kept or a new connection.
			if status2, _, err := c.roundTrip(false); err != nil || status2 != tt.wantStatus {
				t.Errorf("second roundTrip() = %d, %v; want %d, nil", status2, err, tt.wantStatus)
			}
		})
	}
}

func TestTargetWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want []string // lines the request must hold
	}{
		{"get", Config{URL: "http://127.0.0.1:8080/hello?x=1"},
			[]string{"GET /hello?x=1 HTTP/1.1", "Host: 127.0.0.1:8080", "User-Agent: roundtrip-bench"}},
		{"body", Config{URL: "http://localhost/echo", Body: []byte(`{"a":1}`), Header: http.Header{"Content-Type": {"application/json"}}},
			[]string{"POST /echo HTTP/1.1", "Content-Type: application/json", "Content-Length: 7", `{"a":1}`}},
		{"put", Config{URL: "http://localhost/echo", Method: "PUT", Body: []byte("a=1")},
			[]string{"PUT /echo HTTP/1.1", "Content-Length: 3"}},
		{"headers", Config{URL: "http://localhost/", Header: http.Header{"Host": {"example.test"}, "X-Id": {"7"}, "User-Agent": {"me"}}},
			[]string{"Host: example.test", "X-Id: 7", "User-Agent: me"}},
		{"empty post", Config{URL: "http://localhost/", Method: "POST"}, []string{"Content-Length: 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tg, err := newTarget(&tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			wire := string(tg.wire)
			for _, line := range tt.want {
				if !strings.Contains(wire, line) {
					t.Errorf("request %q lacks %q", wire, line)
				}
			}
			if tt.cfg.Header.Get("Content-Type") == "" && strings.Contains(wire, "Content-Type") {
				t.Errorf("request %q has a Content-Type nobody asked for", wire)
			}
			if strings.Count(wire, "Host:") != 1 {
				t.Errorf("request %q has %d Host lines; want 1", wire, strings.Count(wire, "Host:"))
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string // a word of the error; empty for valid
	}{
		{"ok", Config{URL: "http://127.0.0.1/", Total: 1}, ""},
		{"unbounded", Config{URL: "http://127.0.0.1/"}, "bounded"},
		{"not a url", Config{URL: "127.0.0.1", Total: 1}, "not a URL"},
		{"scheme", Config{URL: "ftp://127.0.0.1/", Total: 1}, "not an http"},
		{"no host", Config{URL: "http:///hello", Total: 1}, "not an http"},
		{"method", Config{URL: "http://127.0.0.1/", Total: 1, Method: "GE T"}, "method"},
		{"header name", Config{URL: "http://127.0.0.1/", Total: 1, Header: http.Header{"A B": {"x"}}}, "header name"},
		{"header value", Config{URL: "http://127.0.0.1/", Total: 1, Header: http.Header{"A": {"x\r\nB: y"}}}, "line break"},
		{"negative rate", Config{URL: "http://127.0.0.1/", Total: 1, Rate: -1}, "rate"},
		{"too many", Config{URL: "http://127.0.0.1/", Total: 1, Conns: 20000}, "connections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v; want an error about %q", err, tt.want)
			}
		})
	}
}

// fixedServer reads requests of exactly reqLen bytes and answers each with
// resp, allocating nothing per request, so AllocsPerRun sees the client's.
func fixedServer(t testing.TB, reqLen int, resp string) string {
	t.Helper()
	return "http://" + servetest.Conns(t, func(conn net.Conn) {
		buf, out := make([]byte, reqLen), []byte(resp)
		for {
			if _, err := io.ReadFull(conn, buf); err != nil {
				return
			}
			if _, err := conn.Write(out); err != nil {
				return
			}
		}
	}) + "/hello"
}

func TestH1RoundTripAllocs(t *testing.T) {
	tests := []struct {
		name   string
		resp   string
		sample bool // time the phases
		wantID string
	}{
		{"plain", "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!", false, ""},
		{"request id", "HTTP/1.1 200 OK\r\nX-Request-Id: 3846d6c89e16-42\r\nContent-Length: 13\r\n\r\nHello, World!", false, "3846d6c89e16-42"},
		{"phases", "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg, err := newTarget(&Config{URL: "http://127.0.0.1:1/hello"})
			if err != nil {
				t.Fatal(err)
			}
			tg.addr = strings.TrimPrefix(fixedServer(t, len(tg.wire), tt.resp), "http://")
			tg.addr = strings.TrimSuffix(tg.addr, "/hello")
			phases := &phaseRecorder{s: newPhaseSummary()}
			c := newTestH1Phases(tg, time.Now().Add(time.Minute), phases)
			defer c.close()
			if _, _, err := c.roundTrip(tt.sample); err != nil { // dial outside the count
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(100, func() {
				if status, _, err := c.roundTrip(tt.sample); err != nil || status != 200 {
					t.Fatalf("roundTrip() = %d, %v; want 200, nil", status, err)
				}
			})
			if allocs != 0 {
				t.Errorf("roundTrip allocates %v times; want 0", allocs)
			}
			if got := c.requestID(); got != tt.wantID {
				t.Errorf("requestID() = %q; want %q", got, tt.wantID)
			}
			if got, want := phases.s.Count(client.Wait), int64(0); tt.sample && got <= want || !tt.sample && got != want {
				t.Errorf("wait timed %d times; want %v", got, map[bool]string{true: "> 0", false: "0"}[tt.sample])
			}
		})
	}
}

// BenchmarkH1RoundTrip is the client's cost per request against a server
// that does almost nothing.
func BenchmarkH1RoundTrip(b *testing.B) {
	tg, err := newTarget(&Config{URL: "http://127.0.0.1:1/hello"})
	if err != nil {
		b.Fatal(err)
	}
	url := fixedServer(b, len(tg.wire), "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!")
	tg.addr = strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/hello")
	c := newTestH1(tg, time.Now().Add(time.Hour))
	defer c.close()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.roundTrip(false); err != nil {
			b.Fatal(err)
		}
	}
}

func TestH1RetriesStaleConnection(t *testing.T) {
	t.Parallel()
	// The server answers one request per connection and then closes it
	// without saying so: the next request finds the connection dead.
	url := cannedServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true)
	tg, err := newTarget(&Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	c := newTestH1(tg, time.Now().Add(time.Minute))
	defer c.close()
	for i := range 5 {
		if status, _, err := c.roundTrip(false); err != nil || status != 200 {
			t.Fatalf("roundTrip() #%d = %d, %v; want 200, nil", i+1, status, err)
		}
		time.Sleep(10 * time.Millisecond) // let the server's close arrive
	}
}
