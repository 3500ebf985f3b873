package cli

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/server"
)

// newServe starts roundtrip serve's handler on a free loopback port.
func newServe(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(server.New(server.Config{}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// runMainEnv calls Main with buffers, stdin and an environment.
func runMainEnv(t *testing.T, environ map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, func(k string) string { return environ[k] }, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// freeAddr is a loopback address where nothing listens.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRequest(t *testing.T) {
	srv := newServe(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	_, port, _ := net.SplitHostPort(host)
	bodyFile := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(bodyFile, []byte(`{"name":"File"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	refused := freeAddr(t)

	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantCode   int
		wantStdout []string // substrings, in order
		wantStderr string   // exactly; "" means empty
	}{
		{"greeting", "", []string{"request", srv.URL + "/api/greeting?name=Alice"}, 0, []string{
			"> GET /api/greeting?name=Alice HTTP/1.1\n", "> Host: " + host + "\n", "> Accept: */*\n", "> User-Agent: roundtrip/",
			"< HTTP/1.1 200 OK\n", "< Content-Type: application/json\n", "< Server-Timing: read;dur=",
			`{"message":"Hello, Alice!"}` + "\n", "Round trip to " + host + " over a new connection, ",
			"  TCP connect ", "  waiting (TTFB) ", "  total ", "Server-Timing: what the server says it spent\n", "  handler ",
		}, ""},
		{"no scheme, method first", "", []string{"request", "GET", host + "/hello"}, 0, []string{"> GET /hello HTTP/1.1", "Hello, World!\n"}, ""},
		{"port only", "", []string{"request", ":" + port + "/healthz"}, 0, []string{"> Host: localhost:" + port + "\n", "< HTTP/1.1 200 OK", "  DNS lookup "}, ""},
		{"flags after the URL", "", []string{"request", srv.URL + "/echo", "-X", "POST", "-H", "X-Lesson: one", "-d", "hi"}, 0, []string{
			"> POST /echo HTTP/1.1", "> Content-Length: 2\n", "> X-Lesson: one\n", ">\n> hi\n", `"Echo received"`,
		}, ""},
		{"json body", "", []string{"request", srv.URL + "/api/greeting", "--json", `{"name":"Bob"}`}, 0, []string{
			"> POST /api/greeting", "> Accept: application/json\n", "> Content-Type: application/json\n", `{"message":"Hello, Bob!"}`,
		}, ""},
		{"body from a file", "", []string{"request", "--json", "@" + bodyFile, srv.URL + "/api/greeting"}, 0, []string{`Hello, File!`}, ""},
		{"body from stdin", `{"name":"Stdin"}`, []string{"request", "--json", "@-", srv.URL + "/api/greeting"}, 0, []string{`Hello, Stdin!`}, ""},
		{"body only", "", []string{"request", "--body-only", srv.URL + "/hello"}, 0, []string{"Hello, World!"}, ""},
		{"redirect shown", "", []string{"request", srv.URL + "/status/302"}, 0, []string{"< HTTP/1.1 302 Found"}, ""},
		{"secret redacted", "", []string{"request", "-H", "Authorization: Bearer s3cret", srv.URL + "/hello"}, 0, []string{"> Authorization: [redacted; --show-secrets shows it]"}, ""},
		{"secret shown", "", []string{"request", "--show-secrets", "-H", "Authorization: Bearer s3cret", srv.URL + "/hello"}, 0, []string{"> Authorization: Bearer s3cret"}, ""},
		{"colour always", "", []string{"request", "--color", "always", srv.URL + "/hello"}, 0, []string{"\x1b[1;32mHTTP/1.1 200 OK\x1b[0m"}, ""},
		{"404 problem", "", []string{"request", srv.URL + "/nope"}, 4, []string{"< HTTP/1.1 404 Not Found", "application/problem+json"},
			"roundtrip: 404 Not Found: No route matches /nope.\n"},
		{"405", "", []string{"request", "POST", srv.URL + "/hello"}, 4, []string{"< Allow: GET, HEAD, OPTIONS"}, ""},
		{"lowercase method is another method", "", []string{"request", "get", srv.URL + "/hello"}, 4, []string{"> get /hello HTTP/1.1", "405 Method Not Allowed"}, ""},
		{"503 problem", "", []string{"request", srv.URL + "/status/503"}, 5, []string{"< HTTP/1.1 503 Service Unavailable"},
			"roundtrip: 503 Service Unavailable: This 503 was asked for at /status/503.\n"},
		{"body only with 500", "", []string{"request", "--body-only", srv.URL + "/status/500"}, 5, []string{`"status":500`},
			"roundtrip: 500 Internal Server Error: This 500 was asked for at /status/500.\n"},
		{"refused", "", []string{"request", "http://" + refused + "/"}, 1, nil,
			"roundtrip: connection refused by " + refused + " (is the server running?)\n"},
		{"timeout", "", []string{"request", "--timeout", "50ms", srv.URL + "/delay/5"}, 1, nil, "roundtrip: timed out after 50ms\n"},
		{"no URL", "", []string{"request"}, 2, nil, "roundtrip: request takes [METHOD] URL, such as roundtrip request POST localhost:3000/echo -d hi\n"},
		{"too many", "", []string{"request", "GET", "x", "y"}, 2, nil, "roundtrip: request takes [METHOD] URL, such as roundtrip request POST localhost:3000/echo -d hi\n"},
		{"two methods", "", []string{"request", "-X", "PUT", "GET", srv.URL}, 2, nil, "roundtrip: request: two methods, -X PUT and GET\n"},
		{"bad method", "", []string{"request", "G T", srv.URL}, 2, nil, "roundtrip: request: \"G T\" is not an HTTP method (a token, such as GET or PURGE)\n"},
		{"bad scheme", "", []string{"request", "ftp://example.com/"}, 2, nil, "roundtrip: request: \"ftp://example.com/\" is not an http:// or https:// URL\n"},
		{"bad header", "", []string{"request", "-H", "nocolon", srv.URL}, 2, nil, "roundtrip: request: invalid value \"nocolon\" for flag -H: header \"nocolon\" is not Name: value\n"},
		{"bad header name", "", []string{"request", "-H", "Bad Name: x", srv.URL}, 2, nil, "roundtrip: request: header \"Bad Name\": \"x\" cannot be sent\n"},
		{"both bodies", "", []string{"request", "-d", "a", "--json", "{}", srv.URL}, 2, nil, "roundtrip: request: give -d or --json, not both\n"},
		{"missing body file", "", []string{"request", "-d", "@/nonexistent/body", srv.URL}, 2, nil, "roundtrip: request: cannot read the body file /nonexistent/body\n"},
		{"bad colour", "", []string{"request", "--color", "sometimes", srv.URL}, 2, nil, "roundtrip: request: --color must be auto, always or never, not \"sometimes\"\n"},
		{"bad timeout", "", []string{"request", "--timeout", "0s", srv.URL}, 2, nil, "roundtrip: request: --timeout must be positive\n"},
		{"missing cacert", "", []string{"request", "--cacert", "/nonexistent.pem", srv.URL}, 2, nil, "roundtrip: request: cannot read --cacert file /nonexistent.pem\n"},
		{"help", "", []string{"request", "--help"}, 0, []string{"Usage: roundtrip request [flags] [METHOD] URL", "Exit status: 0 for a 1xx, 2xx or 3xx answer, 4 for 4xx, 5 for 5xx", "-insecure"}, ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := runMainEnv(t, nil, tt.stdin, tt.args...)
		if code != tt.wantCode {
			t.Errorf("%s: Main(%q) = %d; want %d (stderr %q)", tt.name, tt.args, code, tt.wantCode, stderr)
		}
		rest := stdout
		for _, want := range tt.wantStdout {
			i := strings.Index(rest, want)
			if i < 0 {
				t.Errorf("%s: Main(%q) stdout lacks %q (in order):\n%s", tt.name, tt.args, want, stdout)
				break
			}
			rest = rest[i+len(want):]
		}
		if tt.wantStdout == nil && stdout != "" {
			t.Errorf("%s: Main(%q) stdout = %q; want none", tt.name, tt.args, stdout)
		}
		if tt.wantStderr != "" && stderr != tt.wantStderr || tt.wantStderr == "" && code == 0 && stderr != "" {
			t.Errorf("%s: Main(%q) stderr = %q; want %q", tt.name, tt.args, stderr, tt.wantStderr)
		}
		if code != 0 && strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: Main(%q) stderr = %q; want one line", tt.name, tt.args, stderr)
		}
	}
}

func TestRequestBodyOnlyIsExact(t *testing.T) {
	body := []byte("\x89PNG\r\n\x1a\n\x00binary\x1b[2J")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	t.Cleanup(srv.Close)
	code, stdout, stderr := runMainEnv(t, nil, "", "request", "--body-only", srv.URL)
	if code != 0 || stdout != string(body) {
		t.Errorf("Main(request --body-only) = %d, %q (stderr %q); want 0, %q", code, stdout, stderr, body)
	}
	code, stdout, _ = runMainEnv(t, nil, "", "request", srv.URL)
	if code != 0 || strings.Contains(stdout, "\x1b") || !strings.Contains(stdout, "[19 bytes of binary data, not shown") {
		t.Errorf("Main(request) = %d, %q; want the binary body summarised, no escape sequence", code, stdout)
	}
}

func TestRequestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(server.New(server.Config{}).Handler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{[]string{"request", srv.URL + "/hello"}, 1, "", "roundtrip: TLS error: certificate signed by unknown authority (trust it with --cacert, or skip checks with --insecure)\n"},
		{[]string{"request", "--insecure", srv.URL + "/hello"}, 0, "over a new TLS 1.3 connection", ""},
		{[]string{"request", "--cacert", caFile, srv.URL + "/hello"}, 0, "< HTTP/2.0 200 OK", ""},
		{[]string{"request", "--cacert", notPEM, srv.URL + "/hello"}, 2, "", "roundtrip: request: --cacert file " + notPEM + " holds no PEM certificate\n"},
		{[]string{"greet", "--server", srv.URL, "--cacert", caFile, "TLS"}, 0, "Hello, TLS!\n", ""},
		{[]string{"greet", "--server", srv.URL, "TLS"}, 1, "", "roundtrip: TLS error: certificate signed by unknown authority (trust it with --cacert, or skip checks with --insecure)\n"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runMainEnv(t, nil, "", tt.args...)
		if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || stderr != tt.wantStderr {
			t.Errorf("Main(%q) = %d, stdout %q, stderr %q; want %d, stdout containing %q, stderr %q", tt.args, code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
		}
	}
}
