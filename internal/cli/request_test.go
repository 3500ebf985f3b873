package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// runMainEnv calls Main with buffers, stdin and an environment.
func runMainEnv(t *testing.T, environ map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, func(k string) string { return environ[k] }, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRequest(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	host := strings.TrimPrefix(base, "http://")
	_, port, _ := net.SplitHostPort(host)
	bodyFile := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(bodyFile, []byte(`{"name":"File"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, base+"/hello", http.StatusFound)
	}))
	t.Cleanup(moved.Close)
	refused := servetest.RefusedAddr(t)
	greeting := `{"message":"Hello, Alice!"}` + "\n"
	usage := "roundtrip: request takes [METHOD] URL, such as roundtrip request POST localhost:3000/echo -d hi\n"
	notItem := "a request item is Name:value, name==value, name=value, name:=json or name@file\n"

	tests := []struct {
		name       string
		environ    map[string]string
		stdin      string
		args       []string
		wantCode   int
		wantStdout []string // substrings, in order
		notStdout  string   // a substring that must not appear; "" for none
		wantStderr string   // exactly; "" means empty
	}{
		{"body only by default", nil, "", []string{"request", base + "/api/greeting?name=Alice"}, 0, []string{greeting}, ">", ""},
		{"verbose", nil, "", []string{"request", "-v", base + "/api/greeting?name=Alice"}, 0, []string{
			"> GET /api/greeting?name=Alice HTTP/1.1\n", "> Host: " + host + "\n", "> User-Agent: roundtrip/", "> Accept: */*\n", ">\n",
			"< HTTP/1.1 200 OK\n", "< Content-Type: application/json\n", "< Server-Timing: read;dur=", "<\n" + greeting,
		}, "Round trip", ""},
		{"timeline", nil, "", []string{"request", "--timeline", base + "/api/greeting?name=Alice"}, 0, []string{
			greeting + "\nRound trip to " + host + " over a new connection, ", "  DNS lookup ", "  TCP connect ", "  TLS handshake              -\n",
			"  request sent ", "  waiting (TTFB) ", "    of which the server's Server-Timing:\n", "    read ", "    route ", "    handler ",
			"  content transfer ", "  total ",
		}, "> GET", ""},
		{"verbose long flag", nil, "", []string{"request", "--verbose", base + "/hello"}, 0, []string{"< HTTP/1.1 200 OK\n", "Hello, World!"}, "", ""},
		{"no scheme, method first", nil, "", []string{"request", "-v", "GET", host + "/hello"}, 0, []string{"> GET /hello HTTP/1.1", "<\nHello, World!"}, "", ""},
		{"port only", nil, "", []string{"request", "-v", ":" + port + "/healthz"}, 0, []string{"> Host: localhost:" + port + "\n", "< HTTP/1.1 200 OK"}, "", ""},
		{"flags after the URL", nil, "", []string{"request", base + "/echo", "-X", "POST", "-H", "X-Lesson: one", "-d", "hi", "-v"}, 0, []string{
			"> POST /echo HTTP/1.1", "> Content-Length: 2\n", "> X-Lesson: one\n", ">\n> hi\n", `"body":"hi"`,
		}, "> Content-Type", ""},
		{"-d sends no Content-Type", nil, "", []string{"request", base + "/echo", "-d", "a=1"}, 0, []string{`"body":"a=1"`}, `"Content-Type"`, ""},
		{"json", nil, "", []string{"request", base + "/api/greeting", "--json", "-d", `{"name":"Bob"}`, "-v"}, 0, []string{
			"> POST /api/greeting", "> Accept: application/json\n", "> Content-Type: application/json\n", `{"message":"Hello, Bob!"}`,
		}, "", ""},
		{"json keeps -H Accept", nil, "", []string{"request", "-v", "--json", "-H", "Accept: text/plain", "-d", "{}", base + "/echo"}, 0, []string{
			"> Accept: text/plain\n", "> Content-Type: application/json\n",
		}, "Accept: application/json", ""},
		{"json without a body", nil, "", []string{"request", "-v", "--json", base + "/hello"}, 0, []string{"> GET /hello", "> Accept: application/json\n"}, "", ""},
		{"body from a file", nil, "", []string{"request", "--json", "-d", "@" + bodyFile, base + "/api/greeting"}, 0, []string{`Hello, File!`}, "", ""},
		{"body from stdin", nil, `{"name":"Stdin"}`, []string{"request", "--json", "-d", "@-", base + "/api/greeting"}, 0, []string{`Hello, Stdin!`}, "", ""},
		{"redirect shown", nil, "", []string{"request", "-v", moved.URL}, 0, []string{"< HTTP/1.1 302 Found", "< Location: " + base + "/hello\n"}, "Hello, World!",
			"roundtrip: 302 Found: the redirect to " + base + "/hello was not followed; -L follows it\n"},
		{"redirect not followed", nil, "", []string{"request", base + "/status/301"}, 0, []string{"Moved Permanently"}, "", "roundtrip: 301 Moved Permanently: the redirect to /hello was not followed; -L follows it\n"},
		{"redirect not followed as json", nil, "", []string{"request", "--output", "json", base + "/status/308"}, 0, []string{`"status": 308`}, "",
			"roundtrip: 308 Permanent Redirect: the redirect to /hello was not followed; -L follows it\n"},
		{"304 is no redirect", nil, "", []string{"request", base + "/status/304"}, 0, nil, "", ""},
		{"follow", nil, "", []string{"request", "--follow", moved.URL}, 0, []string{"Hello, World!"}, "", ""},
		{"-L follows", nil, "", []string{"request", "-L", moved.URL}, 0, []string{"Hello, World!"}, "", ""},
		{"secret redacted", nil, "", []string{"request", "-v", "-H", "Authorization: Bearer s3cret", base + "/hello"}, 0, []string{"> Authorization: [redacted; --show-secrets shows it]"}, "s3cret", ""},
		{"secret shown", nil, "", []string{"request", "-v", "--show-secrets", "-H", "Authorization: Bearer s3cret", base + "/hello"}, 0, []string{"> Authorization: Bearer s3cret"}, "", ""},
		{"colour always pretty-prints", nil, "", []string{"request", "--color", "always", base + "/api/greeting?name=Alice"}, 0, []string{
			"{\n  \x1b[1;34m\"message\"\x1b[0m: \x1b[32m\"Hello, Alice!\"\x1b[0m\n}\n",
		}, "", ""},
		{"colour always beats NO_COLOR", map[string]string{"NO_COLOR": "1"}, "", []string{"request", "-v", "--color", "always", base + "/hello"}, 0, []string{"\x1b[1;32mHTTP/1.1 200 OK\x1b[0m"}, "", ""},
		{"colour never", nil, "", []string{"request", "--color", "never", base + "/api/greeting?name=Alice"}, 0, []string{greeting}, "\x1b", ""},
		{"404 problem", nil, "", []string{"request", base + "/nope"}, 4, []string{`"status":404`}, "",
			"roundtrip: 404 Not Found: No route matches /nope.\n"},
		{"405", nil, "", []string{"request", "-v", "POST", base + "/hello"}, 4, []string{"< Allow: GET, HEAD, OPTIONS"}, "", ""},
		{"lowercase method is another method", nil, "", []string{"request", "-v", "get", base + "/hello"}, 4, []string{"> get /hello HTTP/1.1", "405 Method Not Allowed"}, "", ""},
		{"503 problem", nil, "", []string{"request", base + "/status/503"}, 5, []string{`"status":503`}, "",
			"roundtrip: 503 Service Unavailable: This 503 was asked for at /status/503.\n"},
		{"refused", nil, "", []string{"request", "http://" + refused + "/"}, 1, nil, "",
			"roundtrip: connection refused by " + refused + " (is the server running?)\n"},
		{"timeout", nil, "", []string{"request", "--timeout", "50ms", base + "/delay/5"}, 1, nil, "", "roundtrip: timed out after 50ms\n"},
		{"no URL", nil, "", []string{"request"}, 2, nil, "", usage},
		{"too many", nil, "", []string{"request", "GET", "x", "y"}, 2, nil, "", "roundtrip: request: unexpected argument \"y\": " + notItem},
		{"extra argument", nil, "", []string{"request", ":" + port + "/hello", "extra"}, 2, nil, "", "roundtrip: request: unexpected argument \"extra\": " + notItem},
		{"query item", nil, "", []string{"request", ":" + port + "/api/greeting", "name==Alice"}, 0, []string{greeting}, "", ""},
		{"header item", nil, "", []string{"request", "-v", "GET", ":" + port + "/hello", "X-Lesson:one"}, 0, []string{"> X-Lesson: one\n", "Hello, World!"}, "", ""},
		{"field item", nil, "", []string{"request", ":" + port + "/api/greeting", "name=Bob"}, 0, []string{`{"message":"Hello, Bob!"}`}, "", ""},
		{"unclosed IPv6 bracket", nil, "", []string{"request", "http://[::1"}, 2, nil, "", "roundtrip: request: \"http://[::1\" is not a valid URL: missing ']' in host\n"},
		{"port out of range", nil, "", []string{"request", ":99999/hello"}, 2, nil, "", "roundtrip: request: \"http://localhost:99999/hello\": port out of range: 99999 (1 to 65535)\n"},
		{"two methods", nil, "", []string{"request", "-X", "PUT", "GET", base}, 2, nil, "", "roundtrip: request: two methods, -X PUT and GET\n"},
		{"bad method", nil, "", []string{"request", "G T", base}, 2, nil, "", "roundtrip: request: \"G T\" is not an HTTP method (a token, such as GET or PURGE)\n"},
		{"bad scheme", nil, "", []string{"request", "ftp://example.com/"}, 2, nil, "", "roundtrip: request: \"ftp://example.com/\" is not an http:// or https:// URL\n"},
		{"bad header", nil, "", []string{"request", "-H", "nocolon", base}, 2, nil, "", "roundtrip: request: invalid value \"nocolon\" for flag -H: header \"nocolon\" is not Name: value (or Name: to remove it, Name; to send it empty)\n"},
		{"bad header name", nil, "", []string{"request", "-H", "Bad Name: x", base}, 2, nil, "",
			"roundtrip: request: invalid value \"Bad Name: x\" for flag -H: header name \"Bad Name\" cannot be sent: it is not a token\n"},
		{"header splitting", nil, "", []string{"request", "-H", "X-A: 1\r\nEvil: 2", base}, 2, nil, "",
			"roundtrip: request: invalid value \"X-A: 1\\r\\nEvil: 2\" for flag -H: header X-A: its value cannot hold a line break or NUL\n"},
		{"Host cannot be removed", nil, "", []string{"request", "-H", "Host:", base}, 2, nil, "", "roundtrip: request: -H 'Host:' cannot remove Host: HTTP/1.1 requires one\n"},
		{"Host must be a host", nil, "", []string{"request", "-H", "Host: a b", base}, 2, nil, "", "roundtrip: request: -H 'Host: a b' is not a host a Host header can hold\n"},
		{"json is checked before sending", nil, "", []string{"request", "--json", "-d", `{"name": Bob}`, base + "/api/greeting"}, 2, nil, "",
			"roundtrip: request: -d is not valid JSON: invalid character 'B' at line 1, column 10\n"},
		{"json cut short", nil, "{\n  \"name\": \"Bob\"\n", []string{"request", "--json", "-d", "@-", base + "/api/greeting"}, 2, nil, "",
			"roundtrip: request: -d is not valid JSON: unexpected end of JSON input at line 3, column 1\n"},
		{"missing body file", nil, "", []string{"request", "-d", "@/nonexistent/body", base}, 2, nil, "", "roundtrip: request: cannot read -d file /nonexistent/body\n"},
		{"--json takes no value", nil, "", []string{"request", "--json=maybe", base}, 2, nil, "", "roundtrip: request: invalid boolean value \"maybe\" for -json: parse error\n"},
		{"bad colour", nil, "", []string{"request", "--color", "sometimes", base}, 2, nil, "", "roundtrip: request: --color must be auto, always or never, not \"sometimes\"\n"},
		{"bad output", nil, "", []string{"request", "--output", "yaml", base}, 2, nil, "", "roundtrip: request: --output must be text or json, not \"yaml\"\n"},
		{"body-only is gone", nil, "", []string{"request", "--body-only", base}, 2, nil, "", "roundtrip: request: flag provided but not defined: -body-only\n"},
		{"bad timeout", nil, "", []string{"request", "--timeout", "0s", base}, 2, nil, "", "roundtrip: request: --timeout must be positive\n"},
		{"missing cacert", nil, "", []string{"request", "--cacert", "/nonexistent.pem", base}, 2, nil, "", "roundtrip: request: cannot read --cacert file /nonexistent.pem\n"},
		{"help", nil, "", []string{"request", "--help"}, 0, []string{
			"Usage: roundtrip request [flags] [METHOD] URL", "Exit status: 0 for a 1xx, 2xx or 3xx answer, 4 for 4xx, 5 for 5xx",
			"-follow", "-insecure", "-json", "-output format", "-timeline",
		}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMainEnv(t, tt.environ, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Errorf("Main(%q) = %d; want %d (stderr %q)", tt.args, code, tt.wantCode, stderr)
			}
			rest := stdout
			for _, want := range tt.wantStdout {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("Main(%q) stdout lacks %q (in order):\n%s", tt.args, want, stdout)
					break
				}
				rest = rest[i+len(want):]
			}
			if tt.notStdout != "" && strings.Contains(stdout, tt.notStdout) {
				t.Errorf("Main(%q) stdout has %q; want none:\n%s", tt.args, tt.notStdout, stdout)
			}
			if tt.wantStdout == nil && stdout != "" {
				t.Errorf("Main(%q) stdout = %q; want none", tt.args, stdout)
			}
			if tt.wantStderr != "" && stderr != tt.wantStderr || tt.wantStderr == "" && code == 0 && stderr != "" {
				t.Errorf("Main(%q) stderr = %q; want %q", tt.args, stderr, tt.wantStderr)
			}
			if code != 0 && strings.Count(stderr, "\n") != 1 {
				t.Errorf("Main(%q) stderr = %q; want one line", tt.args, stderr)
			}
		})
	}
}

func TestRequestExitCodes(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	refused := servetest.RefusedAddr(t)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"200", []string{"request", base + "/status/200"}, 0},
		{"103", []string{"request", base + "/status/103"}, 0},
		{"204", []string{"request", base + "/status/204"}, 0},
		{"301", []string{"request", base + "/status/301"}, 0},
		{"304", []string{"request", base + "/status/304"}, 0},
		{"399", []string{"request", base + "/status/399"}, 0},
		{"400", []string{"request", base + "/status/400"}, 4},
		{"404", []string{"request", base + "/status/404"}, 4},
		{"418", []string{"request", base + "/status/418"}, 4},
		{"499", []string{"request", base + "/status/499"}, 4},
		{"500", []string{"request", base + "/status/500"}, 5},
		{"503", []string{"request", base + "/status/503"}, 5},
		{"599", []string{"request", base + "/status/599"}, 5},
		{"404 as json", []string{"request", "--output", "json", base + "/status/404"}, 4},
		{"502 as json", []string{"request", "--output", "json", base + "/status/502"}, 5},
		{"refused", []string{"request", "http://" + refused + "/"}, 1},
		{"refused as json", []string{"request", "--output", "json", "http://" + refused + "/"}, 1},
		{"bad flag", []string{"request", "--bogus", base}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runMainEnv(t, nil, "", tt.args...)
			if code != tt.want {
				t.Errorf("Main(%q) = %d; want %d (stderr %q)", tt.args, code, tt.want, stderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("Main(%q) stderr = %q; want no stack trace", tt.args, stderr)
			}
		})
	}
}

func TestRequestBodyIsExact(t *testing.T) {
	t.Parallel()
	body := []byte("\x89PNG\r\n\x1a\n\x00binary\x1b[2J\xff")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/json" {
			w.Header().Set("Content-Type", "application/vnd.api+json")
			io.WriteString(w, `{"b":[1,2],"a":"\u001b"}`)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name     string
		args     []string
		want     string // the whole stdout, or with contains, a part
		contains bool
	}{
		{"binary", []string{"request", srv.URL}, string(body), false},
		{"json", []string{"request", srv.URL + "/json"}, `{"b":[1,2],"a":"\u001b"}`, false},
		// For a terminal, a binary body is a notice.
		{"binary for a terminal", []string{"request", "--color", "always", srv.URL}, "\x1b[2m[binary body, 20 bytes; redirect to a file to save it]\x1b[0m\n", false},
		{"json for a terminal", []string{"request", "--color", "always", srv.URL + "/json"}, "\x1b[1;34m\"b\"\x1b[0m: [\n    \x1b[36m1\x1b[0m,", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMainEnv(t, nil, "", tt.args...)
			if code != 0 || stderr != "" || !tt.contains && stdout != tt.want || tt.contains && !strings.Contains(stdout, tt.want) {
				t.Errorf("Main(%q) = %d, %q (stderr %q); want 0, %q", tt.args, code, stdout, stderr, tt.want)
			}
		})
	}
}

// TestRequestWholeBody: a body goes to a file or a pipe whole, however
// long, with nothing on stderr.
func TestRequestWholeBody(t *testing.T) {
	t.Parallel()
	const size = 20 << 20 // over any limit a display may have
	big := make([]byte, size)
	for i := range big {
		big[i] = byte(i*7 + i>>13) // varied, and no run repeats
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)

	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	var stderr bytes.Buffer
	args := []string{"request", srv.URL + "/big.bin"}
	code := Main(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), out, &stderr)
	got, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || stderr.Len() != 0 || len(got) != size || !bytes.Equal(got, big) {
		t.Errorf("Main(%q) > file = %d, %d bytes (equal: %v), stderr %q; want 0, the %d bytes served, no stderr", args, code, len(got), bytes.Equal(got, big), stderr.String(), size)
	}
}

// TestRequestDisplayLimit: for a terminal, JSON up to displayLimit is
// indented; a longer body is shown whole, as it came.
func TestRequestDisplayLimit(t *testing.T) {
	t.Parallel()
	small := `{"a":[1,2]}`
	big := `{"items":["` + strings.Repeat("x", displayLimit) + `"]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/big" {
			io.WriteString(w, big)
			return
		}
		io.WriteString(w, small)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		path, want string
	}{
		{"/small", "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n"},
		{"/big", big + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMainEnv(t, nil, "", "request", "--color", "always", srv.URL+tt.path)
			// The palette's codes aside, what is left is the text.
			got := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(stdout, "")
			if code != 0 || stderr != "" || got != tt.want {
				t.Errorf("request %s for a terminal = %d, stderr %q, %d bytes (%.40q...); want 0, %d bytes (%.40q...)", tt.path, code, stderr, len(got), got, len(tt.want), tt.want)
			}
		})
	}
}

// rawServer answers each connection with handle, given the request's head
// once it has been read, on a raw TCP server; it returns its base URL.
func rawServer(t *testing.T, handle func(c net.Conn, head string)) string {
	t.Helper()
	return "http://" + servetest.Conns(t, func(c net.Conn) {
		head, err := readHead(bufio.NewReader(c))
		if err != nil {
			return
		}
		handle(c, head)
	})
}

// readHead reads a request's head, through the empty line that ends it.
func readHead(r *bufio.Reader) (string, error) {
	var head strings.Builder
	for {
		line, err := r.ReadString('\n')
		head.WriteString(line)
		if err != nil {
			return head.String(), err
		}
		if line == "\r\n" {
			return head.String(), nil
		}
	}
}

// writeChunk writes s as one chunk of a chunked body.
func writeChunk(w io.Writer, s string) {
	fmt.Fprintf(w, "%x\r\n%s\r\n", len(s), s)
}

// watchedBuffer is a stdout whose writes can be waited for.
type watchedBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{}
}

func newWatchedBuffer() *watchedBuffer { return &watchedBuffer{written: make(chan struct{}, 1)} }

func (w *watchedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.written <- struct{}{}:
	default:
	}
	return w.b.Write(p)
}

func (w *watchedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitFor reports whether what was written comes to hold s within d.
func (w *watchedBuffer) waitFor(s string, d time.Duration) bool {
	deadline := time.After(d)
	for !strings.Contains(w.String(), s) {
		select {
		case <-w.written:
		case <-deadline:
			return false
		}
	}
	return true
}

// TestRequestStreams: each part of a chunked body is written as it
// arrives: the server sends its second event only once the first is on
// stdout.
func TestRequestStreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType string
		args              []string
	}{
		{"event stream to a pipe", "text/event-stream", nil},
		{"event stream for a terminal", "text/event-stream", []string{"--color", "always"}},
		{"chunked text", "text/plain", nil},
		{"chunked text for a terminal", "text/plain", []string{"--color", "always"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := newWatchedBuffer()
			waited := make(chan bool, 1)
			base := rawServer(t, func(c net.Conn, _ string) {
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n", tt.contentType)
				writeChunk(c, "data: one\n\n")
				waited <- out.waitFor("data: one\n\n", 5*time.Second)
				writeChunk(c, "data: two\n\n")
				io.WriteString(c, "0\r\n\r\n")
			})
			var stderr bytes.Buffer
			args := append([]string{"request", base + "/events"}, tt.args...)
			code := Main(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), out, &stderr)
			if !<-waited {
				t.Errorf("Main(%q) had not written the first event 5s after it came; want each written as it arrives", args)
			}
			if want := "data: one\n\ndata: two\n\n"; code != 0 || out.String() != want || stderr.Len() != 0 {
				t.Errorf("Main(%q) = %d, %q, stderr %q; want 0, %q", args, code, out.String(), stderr.String(), want)
			}
		})
	}
}

// TestRequestFollowVerbose: with -L -v, each hop's request as written
// and its answer's head, in order; a 307 sends the body again.
func TestRequestFollowVerbose(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	host := strings.TrimPrefix(base, "http://")
	hops := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case "/b":
			http.Redirect(w, r, base+"/hello", http.StatusMovedPermanently)
		case "/post":
			io.Copy(io.Discard, r.Body)
			http.Redirect(w, r, base+"/echo", http.StatusTemporaryRedirect)
		}
	}))
	t.Cleanup(hops.Close)
	hopsHost := strings.TrimPrefix(hops.URL, "http://")
	tests := []struct {
		name string
		args []string
		want []string // in order
	}{
		{"two hops", []string{"-L", "-v", hops.URL + "/a"}, []string{
			"> GET /a HTTP/1.1\n> Host: " + hopsHost + "\n", ">\n",
			"< HTTP/1.1 302 Found\n", "< Location: /b\n", "<\n",
			"> GET /b HTTP/1.1\n> Host: " + hopsHost + "\n", ">\n",
			"< HTTP/1.1 301 Moved Permanently\n", "< Location: " + base + "/hello\n", "<\n",
			"> GET /hello HTTP/1.1\n> Host: " + host + "\n", ">\n",
			"< HTTP/1.1 200 OK\n", "<\nHello, World!",
		}},
		{"307 sends the body again", []string{"-L", "-v", "-d", "hi", hops.URL + "/post"}, []string{
			"> POST /post HTTP/1.1\n", "> Content-Length: 2\n", ">\n> hi\n",
			"< HTTP/1.1 307 Temporary Redirect\n", "<\n",
			"> POST /echo HTTP/1.1\n", "> Content-Length: 2\n", ">\n> hi\n",
			"< HTTP/1.1 200 OK\n", `"body":"hi"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"request"}, tt.args...)
			code, stdout, stderr := runMainEnv(t, nil, "", args...)
			if code != 0 || stderr != "" {
				t.Errorf("Main(%q) = %d, stderr %q; want 0 and none", args, code, stderr)
			}
			rest := stdout
			for _, want := range tt.want {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("Main(%q) stdout lacks %q (in order):\n%s", args, want, stdout)
				}
				rest = rest[i+len(want):]
			}
		})
	}
}

// TestRequestVerboseIsTheWire: -v's request lines are the bytes a raw
// socket received, in order; -H Host sets the Host, an empty -H value
// removes the header and 'Name;' sends it empty, as in curl.
func TestRequestVerboseIsTheWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		wants []string // lines the server must have received
		nots  []string // names it must not have
	}{
		{"host and no user agent", []string{"-H", "Host: vhost.example", "-H", "User-Agent:"}, []string{"Host: vhost.example"}, []string{"User-Agent"}},
		{"no accept", []string{"-H", "Accept:", "-H", "X-Lesson: one"}, []string{"X-Lesson: one"}, []string{"Accept"}},
		{"removed after added", []string{"-H", "X-Lesson: one", "-H", "X-Lesson:"}, nil, []string{"X-Lesson"}},
		{"empty header", []string{"-H", "X-Empty;"}, []string{"X-Empty: "}, nil},
		{"body and headers", []string{"-X", "POST", "-d", "hi", "-H", "X-B: 2", "-H", "X-A: 1", "-H", "Authorization: Bearer s3cret", "--show-secrets"},
			[]string{"POST /echo HTTP/1.1", "Content-Length: 2", "X-A: 1", "X-B: 2", "Authorization: Bearer s3cret"}, nil},
		{"json", []string{"--json", "-d", `{"a":1}`}, []string{"Content-Type: application/json", "Accept: application/json"}, nil},
		{"empty -d is a POST", []string{"-d", ""}, []string{"POST /echo HTTP/1.1", "Content-Length: 0"}, []string{"Content-Type"}}, // as curl -d ''
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			received := make(chan string, 1)
			base := rawServer(t, func(c net.Conn, head string) {
				received <- head
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			})
			args := append([]string{"request", "-v", base + "/echo"}, tt.args...)
			code, stdout, stderr := runMainEnv(t, nil, "", args...)
			if code != 0 {
				t.Fatalf("Main(%q) = %d, stderr %q; want 0", args, code, stderr)
			}
			wire := strings.Split(strings.TrimSuffix(<-received, "\r\n\r\n"), "\r\n")
			var shown []string
			for line := range strings.SplitSeq(stdout, "\n") {
				if line == ">" {
					break // the head's end
				}
				if l, ok := strings.CutPrefix(line, "> "); ok {
					shown = append(shown, l)
				}
			}
			if !slices.Equal(shown, wire) {
				t.Errorf("Main(%q): -v shows\n%s\nbut the server received\n%s", args, strings.Join(shown, "\n"), strings.Join(wire, "\n"))
			}
			for _, want := range tt.wants {
				if !slices.Contains(wire, want) {
					t.Errorf("Main(%q): the server received no %q line:\n%s", args, want, strings.Join(wire, "\n"))
				}
			}
			for _, not := range tt.nots {
				if slices.ContainsFunc(wire, func(l string) bool { return strings.HasPrefix(l, not+":") }) {
					t.Errorf("Main(%q): the server received %s; want none:\n%s", args, not, strings.Join(wire, "\n"))
				}
			}
		})
	}
}

// TestRequestTimeouts: --timeout bounds the wait for the answer's head,
// --max-time the whole exchange; what came before either ran out stays
// written.
func TestRequestTimeouts(t *testing.T) {
	t.Parallel()
	const head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
	hang := func(c net.Conn) { io.Copy(io.Discard, c) } // until the client or the cleanup closes it
	silent := rawServer(t, func(c net.Conn, _ string) { hang(c) })
	oneEvent := rawServer(t, func(c net.Conn, _ string) {
		io.WriteString(c, head)
		writeChunk(c, "data: one\n\n")
		hang(c)
	})
	slowBody := rawServer(t, func(c net.Conn, _ string) {
		io.WriteString(c, head)
		writeChunk(c, "first\n")
		time.Sleep(800 * time.Millisecond) // past --timeout
		writeChunk(c, "second\n")
		io.WriteString(c, "0\r\n\r\n")
	})
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"timeout before the head", []string{"--timeout", "200ms", silent}, 1, "", "roundtrip: timed out after 200ms\n"},
		{"timeout is for the head only", []string{"--timeout", "250ms", slowBody}, 0, "first\nsecond\n", ""},
		{"max-time before the head", []string{"--max-time", "200ms", silent}, 1, "", "roundtrip: timed out after 200ms (--max-time)\n"},
		{"max-time keeps what came", []string{"--max-time", "300ms", oneEvent}, 1, "data: one\n\n",
			"roundtrip: timed out after 300ms (--max-time), 11 bytes into the body\n"},
		{"max-time for a terminal", []string{"--color", "always", "--max-time", "300ms", oneEvent}, 1, "data: one\n\n",
			"roundtrip: timed out after 300ms (--max-time), 11 bytes into the body\n"},
		{"max-time as json", []string{"--output", "json", "--max-time", "300ms", oneEvent}, 1,
			"{\n  \"error\": \"timed out after 300ms (--max-time), 11 bytes into the body\",\n  \"kind\": \"timeout\"\n}\n",
			"roundtrip: timed out after 300ms (--max-time), 11 bytes into the body\n"},
		{"negative max-time", []string{"--max-time", "-1s", silent}, 2, "", "roundtrip: request: --max-time must not be negative\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"request"}, tt.args...)
			code, stdout, stderr := runMainEnv(t, nil, "", args...)
			if code != tt.wantCode || stdout != tt.wantStdout || stderr != tt.wantStderr {
				t.Errorf("Main(%q) = %d, %q, stderr %q; want %d, %q, %q", args, code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

// TestRequestEventStream: serve's event stream shows under request, and
// --max-time ends it with what came written.
func TestRequestEventStream(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	args := []string{"request", "--timeout", "500ms", "--max-time", "1500ms", base + "/_roundtrip/api/events"}
	code, stdout, stderr := runMainEnv(t, nil, "", args...)
	if code != 1 || !strings.HasPrefix(stdout, ": connected\n\n") ||
		!strings.HasPrefix(stderr, "roundtrip: timed out after 1.5s (--max-time), ") || !strings.HasSuffix(stderr, " bytes into the body\n") {
		t.Errorf("Main(%q) = %d, %q, stderr %q; want 1, the stream's first event, and the time out on stderr", args, code, stdout, stderr)
	}
}

// exchangeDoc is --output json's document, as a script would read it.
type exchangeDoc struct {
	Request struct {
		Method  string              `json:"method"`
		URL     string              `json:"url"`
		Proto   string              `json:"proto"`
		Headers map[string][]string `json:"headers"`
		Body    any                 `json:"body"`
	} `json:"request"`
	Response struct {
		Status     int                 `json:"status"`
		StatusText string              `json:"status_text"`
		Proto      string              `json:"proto"`
		Headers    map[string][]string `json:"headers"`
		Body       any                 `json:"body"`
	} `json:"response"`
	TLS *struct {
		Version         string `json:"version"`
		CipherSuite     string `json:"cipher_suite"`
		ALPN            string `json:"alpn"`
		PeerCertificate struct {
			DNSNames []string `json:"dns_names"`
		} `json:"peer_certificate"`
	} `json:"tls"`
	Timings      map[string]float64 `json:"timings"`
	ServerTiming []struct {
		Name  string  `json:"name"`
		DurMS float64 `json:"dur_ms"`
	} `json:"server_timing"`
}

// requestDoc runs request --output json and decodes its document,
// checking the timings: none negative, and with stalled_ms summing to
// total_ms.
func requestDoc(t *testing.T, wantCode int, args ...string) exchangeDoc {
	t.Helper()
	args = append([]string{"request", "--output", "json"}, args...)
	code, stdout, stderr := runMainEnv(t, nil, "", args...)
	if code != wantCode {
		t.Fatalf("Main(%q) = %d; want %d (stderr %q)", args, code, wantCode, stderr)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("Main(%q) stdout is not one JSON document: %v\n%s", args, err, stdout)
	}
	for _, k := range []string{"request", "response", "tls", "timings", "server_timing"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("Main(%q) document lacks %q:\n%s", args, k, stdout)
		}
	}
	var doc exchangeDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, k := range []string{"dns_ms", "connect_ms", "tls_ms", "send_ms", "wait_ms", "receive_ms", "stalled_ms"} {
		v, ok := doc.Timings[k]
		if !ok || v < 0 {
			t.Errorf("Main(%q) timings[%q] = %v, %v; want a duration", args, k, v, ok)
		}
		sum += v
	}
	if total := doc.Timings["total_ms"]; total <= 0 || math.Abs(sum-total) > 1e-6 {
		t.Errorf("Main(%q) timings sum to %v ms; want total_ms %v", args, sum, total)
	}
	return doc
}

func TestRequestOutputJSON(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	doc := requestDoc(t, 0, base+"/api/greeting?name=Alice")
	if got, want := doc.Response.Body, map[string]any{"message": "Hello, Alice!"}; !reflect.DeepEqual(got, want) {
		t.Errorf("response.body = %#v; want %#v", got, want)
	}
	if doc.Request.Method != "GET" || doc.Request.URL != base+"/api/greeting?name=Alice" || doc.Request.Proto != "HTTP/1.1" || doc.Request.Body != "" {
		t.Errorf("request = %+v; want GET %s/api/greeting?name=Alice over HTTP/1.1, no body", doc.Request, base)
	}
	if doc.Response.Status != 200 || doc.Response.StatusText != "OK" || doc.Response.Proto != "HTTP/1.1" || doc.TLS != nil {
		t.Errorf("response = %d %q %s, tls %v; want 200 OK HTTP/1.1 without TLS", doc.Response.Status, doc.Response.StatusText, doc.Response.Proto, doc.TLS)
	}
	if got := doc.Response.Headers["Content-Type"]; !reflect.DeepEqual(got, []string{"application/json"}) {
		t.Errorf("response.headers[Content-Type] = %q; want [application/json]", got)
	}
	var names []string
	for _, m := range doc.ServerTiming {
		names = append(names, m.Name)
	}
	if !slices.Contains(names, "handler") || doc.Timings["dns_ms"] != 0 {
		t.Errorf("server_timing names = %q, dns_ms = %v; want handler among them and no DNS for 127.0.0.1", names, doc.Timings["dns_ms"])
	}

	doc = requestDoc(t, 0, "-H", "Cookie: id=1", "-d", "a=1&b=2", base+"/echo")
	if doc.Request.Method != "POST" || doc.Request.Body != "a=1&b=2" || doc.Request.Headers["Cookie"][0] != "[redacted; --show-secrets shows it]" {
		t.Errorf("request = %+v; want POST a=1&b=2 with the cookie redacted", doc.Request)
	}
	if _, ok := doc.Request.Headers["Content-Type"]; ok {
		t.Errorf("request.headers = %v; want no Content-Type for -d without --json", doc.Request.Headers)
	}

	doc = requestDoc(t, 4, base+"/nope")
	if body, ok := doc.Response.Body.(map[string]any); doc.Response.Status != 404 || !ok || body["status"] != 404.0 {
		t.Errorf("response = %d %#v; want the 404 problem, parsed", doc.Response.Status, doc.Response.Body)
	}
}

func TestRequestOutputJSONErrors(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	refused := servetest.RefusedAddr(t)
	tests := []struct {
		args     []string
		want     string
		wantKind string
	}{
		{[]string{"http://" + refused + "/"}, "connection refused by " + refused + " (is the server running?)", "connection_refused"},
		{[]string{"--timeout", "50ms", base + "/delay/5"}, "timed out after 50ms", "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.wantKind, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"request", "--output", "json"}, tt.args...)
			code, stdout, stderr := runMainEnv(t, nil, "", args...)
			var got struct{ Error, Kind string }
			if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 1 || got.Error != tt.want || got.Kind != tt.wantKind {
				t.Errorf("Main(%q) = %d, %q (%v); want 1 and {error: %q, kind: %q}", args, code, stdout, err, tt.want, tt.wantKind)
			}
			if stderr != "roundtrip: "+tt.want+"\n" {
				t.Errorf("Main(%q) stderr = %q; want the one-line reason", args, stderr)
			}
		})
	}
}

func TestRequestTLS(t *testing.T) {
	t.Parallel()
	newTLS := func(h2 bool) (*httptest.Server, string) {
		t.Helper()
		srv := httptest.NewUnstartedServer(server.New(server.Config{}).Handler())
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
		srv.EnableHTTP2 = h2
		srv.StartTLS()
		t.Cleanup(srv.Close)
		caFile := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
			t.Fatal(err)
		}
		return srv, caFile
	}
	h2, caFile := newTLS(true)
	h1, h1CA := newTLS(false)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}

	jsonTests := []struct {
		name      string
		args      []string
		wantProto string
		wantALPN  string
	}{
		{"json h2 trusted", []string{"--cacert", caFile, h2.URL + "/hello"}, "HTTP/2.0", "h2"},
		{"json h2 insecure", []string{"--insecure", h2.URL + "/hello"}, "HTTP/2.0", "h2"},
		{"json h1 trusted", []string{"--cacert", h1CA, h1.URL + "/hello"}, "HTTP/1.1", "http/1.1"},
	}
	for _, tt := range jsonTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := requestDoc(t, 0, tt.args...)
			if doc.Request.Proto != tt.wantProto || doc.Response.Proto != tt.wantProto || doc.TLS == nil {
				t.Fatalf("request %q: proto %s/%s, tls %v; want %s over TLS", tt.args, doc.Request.Proto, doc.Response.Proto, doc.TLS, tt.wantProto)
			}
			if doc.TLS.Version != "TLS 1.3" || !strings.HasPrefix(doc.TLS.CipherSuite, "TLS_") || doc.TLS.ALPN != tt.wantALPN ||
				!slices.Contains(doc.TLS.PeerCertificate.DNSNames, "example.com") || doc.Timings["tls_ms"] <= 0 {
				t.Errorf("request %q: tls %+v, tls_ms %v; want TLS 1.3, ALPN %s, httptest's certificate", tt.args, *doc.TLS, doc.Timings["tls_ms"], tt.wantALPN)
			}
		})
	}

	const untrusted = "roundtrip: TLS error: certificate signed by unknown authority (trust it with --cacert, or skip checks with --insecure)\n"
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"untrusted", []string{"request", h2.URL + "/hello"}, 1, "", untrusted},
		{"timeline says TLS 1.3", []string{"request", "--insecure", "--timeline", h2.URL + "/hello"}, 0, "over a new TLS 1.3 connection", ""},
		{"timeline has the handshake", []string{"request", "--insecure", "--timeline", h2.URL + "/hello"}, 0, "  TLS handshake ", ""},
		{"timeline has ALPN", []string{"request", "--insecure", "--timeline", h2.URL + "/hello"}, 0, ", ALPN h2\n", ""},
		{"verbose response over h2", []string{"request", "-v", "--cacert", caFile, h2.URL + "/hello"}, 0, "< HTTP/2.0 200 OK", ""},
		{"verbose request over h2", []string{"request", "-v", "--cacert", caFile, h2.URL + "/hello"}, 0, "> GET /hello HTTP/2.0", ""},
		{"cacert not PEM", []string{"request", "--cacert", notPEM, h2.URL + "/hello"}, 2, "", "roundtrip: request: --cacert file " + notPEM + " holds no PEM certificate\n"},
		{"untrusted as json", []string{"request", "--output", "json", h2.URL + "/hello"}, 1, `"kind": "tls_error"`, untrusted},
		{"greet trusted", []string{"greet", "--server", h2.URL, "--cacert", caFile, "TLS"}, 0, "Hello, TLS!\n", ""},
		{"greet untrusted", []string{"greet", "--server", h2.URL, "TLS"}, 1, "", untrusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMainEnv(t, nil, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || stderr != tt.wantStderr {
				t.Errorf("Main(%q) = %d, stdout %q, stderr %q; want %d, stdout containing %q, stderr %q", tt.args, code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

// awkwardNames must arrive whole: each has something a URL or a shell
// gives a meaning to.
var awkwardNames = []string{
	"Tom & Jerry", "a=b", "#1 fan", "1+1", "100%", "%41", "  spaced  out  ", "Zoë", "日本語", "👋🏽 emoji", "a/b?c", `"quoted" \ back`,
}

func TestRequestAwkwardNames(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	for _, name := range awkwardNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := "Hello, " + name + "!"
			for _, args := range [][]string{
				{"greet", "--server", base, name},
				{"greet", "--server", base, "--post", name},
			} {
				code, stdout, stderr := runMainEnv(t, nil, "", args...)
				if code != 0 || stdout != want+"\n" {
					t.Errorf("Main(%q) = %d, %q (stderr %q); want 0, %q", args, code, stdout, stderr, want+"\n")
				}
			}
			// Percent-encoded by the user, as in a browser's address bar.
			doc := requestDoc(t, 0, base+"/api/greeting?name="+url.QueryEscape(name))
			if body, ok := doc.Response.Body.(map[string]any); !ok || body["message"] != want {
				t.Errorf("request ?name=%s: body %#v; want message %q", url.QueryEscape(name), doc.Response.Body, want)
			}
			// Sent as JSON.
			payload, _ := json.Marshal(map[string]string{"name": name})
			doc = requestDoc(t, 0, "--json", "-d", string(payload), base+"/api/greeting")
			if body, ok := doc.Response.Body.(map[string]any); !ok || body["message"] != want {
				t.Errorf("request --json -d %s: body %#v; want message %q", payload, doc.Response.Body, want)
			}
		})
	}
	// Typed raw, spaces and UTF-8 are percent-encoded on the way out.
	code, stdout, stderr := runMainEnv(t, nil, "", "request", base+"/api/greeting?name=Zoë 👋 &x=1")
	if want := `{"message":"Hello, Zoë 👋 !"}` + "\n"; code != 0 || stdout != want {
		t.Errorf("request with a raw query = %d, %q (stderr %q); want 0, %q", code, stdout, stderr, want)
	}
}

func TestCheckJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{`{"name":"Bob"}`, ""},
		{`[1, 2.5, null, true, "x"]`, ""},
		{`{"name": Bob}`, "invalid character 'B' at line 1, column 10"},
		{"{\n  \"a\": 1,\n  \"b\" 2\n}", "invalid character '2' after object key at line 3, column 7"},
		{`{"a": tru}`, "invalid character '}' in literal true (expecting 'e') at line 1, column 10"},
		{`{"a":1`, "unexpected end of JSON input at line 1, column 7"},
		{`{"a":1} x`, "invalid character 'x' after top-level value at line 1, column 9"},
		{`{'a':1}`, `invalid character '\'' looking for beginning of object key string at line 1, column 2`},
		{"\"\xff\"", "it is not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got := ""
			if err := checkJSON([]byte(tt.in)); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("checkJSON(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestREADMERequestFlags: README's table for request has every flag
// request --help lists.
func TestREADMERequestFlags(t *testing.T) {
	t.Parallel()
	table := readmeSection(t, "### `roundtrip request [METHOD] URL [ITEM...]`")
	_, help, _ := runMainEnv(t, nil, "", "request", "--help")
	for _, m := range regexp.MustCompile(`(?m)^  -(\S+)`).FindAllStringSubmatch(help, -1) {
		name := m[1]
		dashes := "--"
		if len(name) == 1 {
			dashes = "-"
		}
		if !strings.Contains(table, "`"+dashes+name) {
			t.Errorf("README's request section lacks %s%s", dashes, name)
		}
	}
}

// TestRequestCurlFlagsOnTheWire: -u, -F, -b and --compressed as a raw
// socket receives them, -v showing the same bytes.
func TestRequestCurlFlagsOnTheWire(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	upload := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(upload, []byte("A\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	jar := filepath.Join(dir, "jar.txt")
	if err := os.WriteFile(jar, []byte("127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tfrom-file\n"+
		".example.com\tTRUE\t/\tFALSE\t0\tother\tno\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantHeader map[string]string
		wantBody   string // BOUNDARY for a multipart boundary
	}{
		{"-u", []string{"-u", "alice:s3cret"}, map[string]string{"Authorization": "Basic YWxpY2U6czNjcmV0"}, ""},
		{"--user, empty password", []string{"--user", "alice:"}, map[string]string{"Authorization": "Basic YWxpY2U6"}, ""},
		{"-H Authorization wins", []string{"-u", "a:b", "-H", "Authorization: Bearer t"}, map[string]string{"Authorization": "Bearer t"}, ""},
		{"-b pairs", []string{"-b", "a=1; b=2", "--cookie", "c=3"}, map[string]string{"Cookie": "a=1; b=2; c=3"}, ""},
		{"-H Cookie and -b", []string{"-H", "Cookie: h=0", "-b", "a=1"}, map[string]string{"Cookie": "h=0; a=1"}, ""},
		{"-b file", []string{"-b", jar}, map[string]string{"Cookie": "session=from-file"}, ""},
		{"-b file and pairs", []string{"-b", jar, "-b", "a=1"}, map[string]string{"Cookie": "a=1; session=from-file"}, ""},
		{"--compressed", []string{"--compressed"}, map[string]string{"Accept-Encoding": "gzip, deflate"}, ""},
		{"--compressed with -H", []string{"--compressed", "-H", "Accept-Encoding: gzip"}, map[string]string{"Accept-Encoding": "gzip"}, ""},
		{"-F", []string{"-F", "a=1", "-F", "f=@" + upload, "--form-string", "s=@literal;x", "-F", "t=<" + upload + ";type=text/plain"},
			map[string]string{"Content-Type": "multipart/form-data; boundary=BOUNDARY"},
			"--BOUNDARY\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nA\n\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"s\"\r\n\r\n@literal;x\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"t\"\r\nContent-Type: text/plain\r\n\r\nA\n\r\n" +
				"--BOUNDARY--\r\n"},
		{"-F with a Content-Type", []string{"-F", "a=1", "-H", "Content-Type: multipart/mixed"},
			map[string]string{"Content-Type": "multipart/mixed; boundary=BOUNDARY"},
			"--BOUNDARY\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--BOUNDARY--\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stderr, wire := sendWire(t, "/x", tt.args...)
			if code != 0 {
				t.Fatalf("request %q = %d, stderr %q; want 0", tt.args, code, stderr)
			}
			ct, _ := wire.get("Content-Type")
			_, boundary, _ := strings.Cut(ct, "boundary=")
			unbound := func(s string) string {
				if boundary == "" {
					return s
				}
				return strings.ReplaceAll(s, boundary, "BOUNDARY")
			}
			for name, want := range tt.wantHeader {
				if got, _ := wire.get(name); unbound(got) != want {
					t.Errorf("request %q sent %s: %q; want %q", tt.args, name, got, want)
				}
			}
			if got := unbound(wire.body); got != tt.wantBody {
				t.Errorf("request %q sent the body\n%q\nwant\n%q", tt.args, got, tt.wantBody)
			}
			if tt.wantBody != "" && wire.line != "POST /x HTTP/1.1" {
				t.Errorf("request %q sent %q; want a POST", tt.args, wire.line)
			}
		})
	}
}

// TestRequestCurlFlags: -u, -F, -b, -c, --compressed and -i against
// serve's httpbin endpoints.
func TestRequestCurlFlags(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{CaptureSecrets: true}) // /cookies shows the values
	dir := t.TempDir()
	upload := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(upload, []byte("some notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string // in order
		wantStderr string
	}{
		{"-u", []string{"-u", "u:p", base + "/basic-auth/u/p"}, 0, []string{`"authenticated":true`, `"user":"u"`}, ""},
		{"-u wrong", []string{"-u", "u:nope", base + "/basic-auth/u/p"}, 4, []string{`"authenticated":false`}, "roundtrip: 401 Unauthorized\n"},
		{"-u without a password", []string{"-u", "alice", base + "/basic-auth/u/p"}, 2, nil,
			"roundtrip: request: -u alice gives no password, and roundtrip does not ask for one: give -u 'alice:PASSWORD', or 'alice:' for an empty one\n"},
		{"-F", []string{"-F", "greeting=hello", "-F", "notes=@" + upload, base + "/post"}, 0,
			[]string{`"files":{"notes":["some notes\n"]}`, `"form":{"greeting":["hello"]}`}, ""},
		{"items as a multipart form", []string{"--form", base + "/post", "greeting=hello", "notes@" + upload}, 0,
			[]string{`"files":{"notes":["some notes\n"]}`, `"form":{"greeting":["hello"]}`}, ""},
		{"items as a form", []string{"--form", base + "/post", "a=1", "b:=2"}, 0, []string{`"form":{"a":["1"],"b":["2"]}`}, ""},
		{"items as JSON", []string{base + "/anything", "a=1", "b:=[2]", "q==3"}, 0,
			[]string{`"args":{"q":["3"]}`, `"method":"POST"`, `"json":{"a":"1","b":[2]}`}, ""},
		{"-b pairs", []string{"-b", "a=1; b=2", base + "/cookies"}, 0, []string{`{"cookies":{"a":"1","b":"2"}}`}, ""},
		{"--compressed gzip", []string{"--compressed", base + "/gzip"}, 0, []string{`"Accept-Encoding":["gzip, deflate"]`, `"gzipped":true}`}, ""},
		{"--compressed deflate", []string{"--compressed", base + "/deflate"}, 0, []string{`"deflated":true}`}, ""},
		{"--compressed -v", []string{"--compressed", "-v", base + "/gzip"}, 0, []string{"> Accept-Encoding: gzip, deflate\n", "< Content-Encoding: gzip\n", `"gzipped":true}`}, ""},
		{"--compressed, brotli", []string{"--compressed", "-H", "Accept-Encoding: br", base + "/brotli"}, 0, []string{""},
			"roundtrip: the body is br-coded, which roundtrip cannot decode: it is written as it came\n"},
		{"-i", []string{"-i", base + "/hello"}, 0, []string{"HTTP/1.1 200 OK\r\n", "Content-Type: text/plain; charset=utf-8\r\n", "\r\n\r\nHello, World!"}, ""},
		{"-i -L", []string{"-i", "-L", base + "/redirect/1"}, 0, []string{"HTTP/1.1 302 Found\r\n", "Location: /get\r\n", "\r\n\r\nHTTP/1.1 200 OK\r\n", "\r\n\r\n{"}, ""},
		{"-i with -v, once", []string{"-i", "-v", base + "/hello"}, 0, []string{"< HTTP/1.1 200 OK\n", "<\nHello, World!"}, ""},
		{"-s", []string{"-s", base + "/status/404"}, 4, []string{`"status":404`}, ""},
		{"-s, redirect", []string{"--silent", base + "/status/301"}, 0, []string{"Moved Permanently"}, ""},
		{"-sS", []string{"-sS", base + "/status/404"}, 4, []string{`"status":404`}, "roundtrip: 404 Not Found: This 404 was asked for at /status/404.\n"},
		{"-s --show-error", []string{"-s", "--show-error", base + "/status/503"}, 5, []string{`"status":503`}, "roundtrip: 503 Service Unavailable: This 503 was asked for at /status/503.\n"},
		{"-s, a usage error", []string{"-s", "-X", "G T", base}, 2, nil, "roundtrip: request: \"G T\" is not an HTTP method (a token, such as GET or PURGE)\n"},
		{"-s, refused", []string{"-s", "http://" + servetest.RefusedAddr(t) + "/"}, 1, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"request"}, tt.args...)
			code, stdout, stderr := runMainEnv(t, nil, "", args...)
			if code != tt.wantCode || stderr != tt.wantStderr {
				t.Errorf("Main(%q) = %d, stderr %q; want %d, %q", args, code, stderr, tt.wantCode, tt.wantStderr)
			}
			rest := stdout
			for _, want := range tt.wantStdout {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("Main(%q) stdout lacks %q (in order):\n%s", args, want, stdout)
					break
				}
				rest = rest[i+len(want):]
			}
			if tt.wantStdout == nil && stdout != "" {
				t.Errorf("Main(%q) stdout = %q; want none", args, stdout)
			}
		})
	}
}

// TestRequestCookieJar: -c writes the cookies an answer set, a
// redirect's included, in the Netscape format; -b reads them back and
// sends them; -b jar -c jar starts from no file.
func TestRequestCookieJar(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{CaptureSecrets: true})
	host := strings.TrimPrefix(base, "http://")
	hostname, _, _ := net.SplitHostPort(host)
	jar := filepath.Join(t.TempDir(), "jar.txt")

	code, stdout, stderr := runMainEnv(t, nil, "", "request", "-L", "-b", jar, "-c", jar, base+"/cookies/set?a=1&b=two")
	if code != 0 || stdout != `{"cookies":{"a":"1","b":"two"}}`+"\n" {
		t.Fatalf("-L -b jar -c jar /cookies/set = %d, %q, stderr %q; want the cookies sent on to /cookies", code, stdout, stderr)
	}
	saved, err := os.ReadFile(jar)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Netscape HTTP Cookie File\n# https://curl.se/docs/http-cookies.html\n# This file was generated by roundtrip. Edit at your own risk.\n\n" +
		"#HttpOnly_" + hostname + "\tFALSE\t/\tFALSE\t0\ta\t1\n" +
		"#HttpOnly_" + hostname + "\tFALSE\t/\tFALSE\t0\tb\ttwo\n"
	if string(saved) != want {
		t.Errorf("the jar holds\n%s\nwant\n%s", saved, want)
	}
	if fi, _ := os.Stat(jar); fi.Mode().Perm() != 0o600 {
		t.Errorf("the jar's mode is %v; want 0600: it holds sessions", fi.Mode().Perm())
	}

	code, stdout, _ = runMainEnv(t, nil, "", "request", "-b", jar, base+"/cookies")
	if code != 0 || stdout != `{"cookies":{"a":"1","b":"two"}}`+"\n" {
		t.Errorf("-b jar /cookies = %d, %q; want both cookies sent", code, stdout)
	}
	// Deleted by the server, and gone from the jar written.
	code, _, _ = runMainEnv(t, nil, "", "request", "-b", jar, "-c", jar, base+"/cookies/delete?a")
	saved, _ = os.ReadFile(jar)
	if code != 0 || strings.Contains(string(saved), "\ta\t") || !strings.Contains(string(saved), "\tb\ttwo\n") {
		t.Errorf("after /cookies/delete?a the jar holds\n%s\nwant b only", saved)
	}

	args := []string{"request", "-c", filepath.Join(t.TempDir(), "no", "dir", "jar"), base + "/hello"}
	if code, stdout, stderr := runMainEnv(t, nil, "", args...); code != 1 || stdout != "Hello, World!" || !strings.HasPrefix(stderr, "roundtrip: cannot write the cookie jar ") {
		t.Errorf("Main(%q) = %d, %q, stderr %q; want the answer, then 1 and why the jar was not written", args, code, stdout, stderr)
	}
	args = []string{"request", "-b", t.TempDir(), base + "/hello"}
	if code, _, stderr := runMainEnv(t, nil, "", args...); code != 2 || !strings.HasPrefix(stderr, "roundtrip: request: cannot read -b file ") {
		t.Errorf("Main(%q) = %d, stderr %q; want 2, the -b file named", args, code, stderr)
	}
}

// TestRequestOutputFile: -o and -O write the body byte for byte to a
// file, -i's head with it; stdout keeps -v and --timeline.
func TestRequestOutputFile(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	dir := t.TempDir()
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name       string
		args       []string
		file       string
		wantFile   string // the whole file, or with a trailing …, its start, or (N bytes)
		wantStdout string // a part of stdout; "" for none at all
	}{
		{"-o", []string{"-o", filepath.Join(dir, "a.json"), base + "/api/greeting?name=File"}, "a.json", `{"message":"Hello, File!"}` + "\n", ""},
		{"-o binary", []string{"--color", "always", "-o", filepath.Join(dir, "b.bin"), base + "/bytes/4?seed=1"}, "b.bin", "(4 bytes)", ""},
		{"-o -v", []string{"-v", "-o", filepath.Join(dir, "c.txt"), base + "/hello"}, "c.txt", "Hello, World!", "< HTTP/1.1 200 OK\n"},
		{"-o -i", []string{"-i", "-o", filepath.Join(dir, "d.txt"), base + "/hello"}, "d.txt", "HTTP/1.1 200 OK\r\n…", ""},
		{"-o --timeline", []string{"--timeline", "-o", filepath.Join(dir, "e.txt"), base + "/hello"}, "e.txt", "Hello, World!", "Round trip to "},
		{"-o --output json", []string{"--output", "json", "-o", filepath.Join(dir, "f.json"), base + "/hello"}, "f.json", "{\n  \"request\": {…", ""},
		{"-O", []string{"-O", "--output-dir", dir, base + "/anything/hello%20world.json"}, "hello world.json", "{\"args\":{}…", ""},
		{"--remote-name", []string{"--remote-name", "--output-dir", dir, base + "/bytes/3?seed=2"}, "3", "(3 bytes)", ""},
		{"-o in --output-dir", []string{"-o", "g.txt", "--output-dir", dir, base + "/hello"}, "g.txt", "Hello, World!", ""},
		{"-o -", []string{"-o", "-", base + "/hello"}, "", "", "Hello, World!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"request"}, tt.args...)
			code, stdout, stderr := runMainEnv(t, nil, "", args...)
			if code != 0 || stderr != "" {
				t.Fatalf("Main(%q) = %d, stderr %q; want 0", args, code, stderr)
			}
			if tt.wantStdout == "" && stdout != "" || !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("Main(%q) stdout = %q; want %q in it", args, stdout, tt.wantStdout)
			}
			if tt.file == "" {
				return
			}
			got := read(tt.file)
			start, prefix := strings.CutSuffix(tt.wantFile, "…")
			switch {
			case strings.HasSuffix(tt.wantFile, " bytes)"):
				// Binary, and for a terminal (--color always): the bytes as
				// they came, not a notice.
				if want := fmt.Sprintf("(%d bytes)", len(got)); want != tt.wantFile || strings.Contains(got, "binary body") {
					t.Errorf("Main(%q) wrote %q; want %s", args, got, tt.wantFile)
				}
			case prefix && !strings.HasPrefix(got, start), !prefix && got != tt.wantFile:
				t.Errorf("Main(%q) wrote %q; want %q", args, got, tt.wantFile)
			}
		})
	}

	errs := []struct {
		args []string
		want string
	}{
		{[]string{"-O", base + "/"}, "roundtrip: request: -O: the URL " + base + "/ has no file name at its path's end; use -o FILE\n"},
		{[]string{"-O", base + "/anything/.bashrc"}, "roundtrip: request: -O: \".bashrc\", the URL's last path segment, is not a safe file name; use -o FILE\n"},
		{[]string{"-O", base + "/anything/a%2Fb"}, "roundtrip: request: -O: \"a%2Fb\", the URL's last path segment, is not a safe file name; use -o FILE\n"},
		{[]string{"-O", base + "/anything/a%0Ab"}, "roundtrip: request: -O: \"a%0Ab\", the URL's last path segment, is not a safe file name; use -o FILE\n"},
		{[]string{"-O", base + "/anything/..%2F..%2Fx"}, "roundtrip: request: -O: \"..%2F..%2Fx\", the URL's last path segment, is not a safe file name; use -o FILE\n"},
		{[]string{"-O", "-o", "x", base + "/hello"}, "roundtrip: request: -o and -O each name the file: give one\n"},
		{[]string{"--output-dir", dir, base + "/hello"}, "roundtrip: request: --output-dir is for -o FILE and -O\n"},
	}
	for _, tt := range errs {
		args := append([]string{"request"}, tt.args...)
		if code, stdout, stderr := runMainEnv(t, nil, "", args...); code != 2 || stdout != "" || stderr != tt.want {
			t.Errorf("Main(%q) = %d, %q, stderr %q; want 2, none, %q", args, code, stdout, stderr, tt.want)
		}
	}
	args := []string{"request", "-o", filepath.Join(dir, "no", "such", "dir"), base + "/hello"}
	if code, _, stderr := runMainEnv(t, nil, "", args...); code != 1 || stderr != "roundtrip: cannot write the body to "+filepath.Join(dir, "no", "such", "dir")+": no such file or directory\n" {
		t.Errorf("Main(%q) = %d, stderr %q; want 1 and why", args, code, stderr)
	}
}
