package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

func TestWriteTextGolden(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3000}
	newConn := client.Timeline{
		Start: at(0), DNSStart: at(20), DNSDone: at(180), ConnectStart: at(200), ConnectDone: at(400),
		GotConn: at(420), WroteRequest: at(460), FirstByte: at(1800), End: at(2000), RemoteAddr: addr,
	}
	reused := client.Timeline{Start: at(0), GotConn: at(10), WroteRequest: at(60), FirstByte: at(900), End: at(950), Reused: true, RemoteAddr: addr}
	tlsConn := client.Timeline{
		Start: at(0), ConnectStart: at(10), ConnectDone: at(2000), TLSStart: at(2000), TLSDone: at(9000),
		GotConn: at(9010), WroteRequest: at(9100), FirstByte: at(1_500_000), End: at(1_520_000),
		RemoteAddr: &net.TCPAddr{IP: net.IPv6loopback, Port: 8443}, TLSVersion: tls.VersionTLS13,
	}
	greeting := &client.Response{
		Request: sentRequest(t, "GET", "http://localhost:3000/api/greeting?name=Alice", http.Header{"Accept": {"*/*"}, "User-Agent": {"roundtrip/test"}}, ""),
		Proto:   "HTTP/1.1", Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"28"}, "Server-Timing": {"read;dur=0.064, route;dur=0.010, handler;dur=0.105"}},
		Body:   []byte(`{"message":"Hello, Alice!"}` + "\n"), Timeline: newConn,
		ServerTiming: []servertiming.Metric{{Name: "read", Dur: ms(0.064)}, {Name: "route", Dur: ms(0.010)}, {Name: "handler", Dur: ms(0.105), Desc: "greeting"}},
	}
	nested := &client.Response{
		Request: sentRequest(t, "GET", "http://localhost:3000/data", http.Header{}, ""),
		Proto:   "HTTP/1.1", Status: 200,
		Header: http.Header{"Content-Type": {"application/problem+json; charset=utf-8"}},
		Body:   []byte(`{"name":"Zoë 👋","n":[1,-2.5e3,0],"ok":true,"none":null,"evil":"\u001b[2J","bidi":"\u202e` + "\u202e\x7f" + `","empty":{},"list":[]}`), Timeline: reused,
	}
	tests := []struct {
		name string
		resp *client.Response
		opts textOptions
	}{
		{"request_body_raw.golden", nested, textOptions{}},
		{"request_pretty.golden", nested, textOptions{human: true}},
		{"request_pretty_colour.golden", nested, textOptions{human: true, colour: palette{on: true}}},
		{"request_greeting_pretty.golden", greeting, textOptions{human: true, timeline: true}},
		{"request_greeting.golden", greeting, textOptions{verbose: true, timeline: true}},
		{"request_greeting_colour.golden", greeting, textOptions{human: true, verbose: true, timeline: true, colour: palette{on: true}}},
		{"request_problem_reused.golden", &client.Response{
			Request: sentRequest(t, "POST", "http://localhost:3000/api/greeting", http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer s3cret"}}, `{"name": Bob}`),
			Proto:   "HTTP/1.1", Status: 400,
			Header: http.Header{"Content-Type": {"application/problem+json"}},
			Body:   []byte(`{"type":"about:blank","title":"Bad Request","status":400,"detail":"Invalid JSON."}`), Timeline: reused,
		}, textOptions{verbose: true, timeline: true}},
		{"request_tls_binary.golden", &client.Response{
			Request: sentRequest(t, "GET", "https://[::1]:8443/logo.png", http.Header{"Cookie": {"id=1"}}, ""),
			Sent: []client.Field{
				{Name: ":authority", Value: "[::1]:8443"}, {Name: ":method", Value: "GET"}, {Name: ":path", Value: "/logo.png"},
				{Name: ":scheme", Value: "https"}, {Name: "cookie", Value: "id=1"}, {Name: "user-agent", Value: "Go-http-client/2.0"},
			},
			Proto: "HTTP/2.0", Status: 200,
			Header: http.Header{"Content-Type": {"image/png"}},
			Body:   []byte("\x89PNG\r\n\x1a\n\x00\x00"), Timeline: tlsConn,
			TLS: &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256, NegotiatedProtocol: "h2"},
		}, textOptions{human: true, verbose: true, timeline: true, showSecrets: true}},
		{"request_hostile.golden", &client.Response{
			Request: sentRequest(t, "GET", "http://localhost:3000/x", http.Header{}, ""),
			Proto:   "HTTP/1.1", Status: 502,
			Header: http.Header{"X-Evil": {"\x1b[2J\u202egnp.exe"}},
			Body:   []byte("line one\r\n\x1b]0;pwned\x07line two\n"), Timeline: reused,
			ServerTiming: []servertiming.Metric{{Name: "app", Dur: ms(5), Desc: "\x1b[31mred"}},
		}, textOptions{human: true, verbose: true, timeline: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if err := writeText(&out, testExchange(t, tt.resp), tt.opts); err != nil {
				t.Fatalf("writeText: %v", err)
			}
			got := out.String()
			if tt.opts.human && !tt.opts.colour.on && strings.Contains(got, "\x1b") {
				t.Errorf("uncoloured output for a terminal has an escape sequence:\n%q", got)
			}
			golden(t, tt.name, got)
		})
	}
}

func TestWriteTextRawBodyIsExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		timeline bool
		want     string
	}{
		{"json", `{"a":1}`, false, `{"a":1}`},
		{"binary", "\x89PNG\x00\x1b[2J", false, "\x89PNG\x00\x1b[2J"},
		{"no newline before the timeline", "no newline", true, "no newline\n\nRound trip"},
		{"newline before the timeline", "newline\n", true, "newline\n\nRound trip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &client.Response{
				Request: sentRequest(t, "GET", "http://localhost:3000/", http.Header{}, ""),
				Proto:   "HTTP/1.1", Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(tt.body),
			}
			var out bytes.Buffer
			if err := writeText(&out, testExchange(t, resp), textOptions{timeline: tt.timeline}); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); !strings.HasPrefix(got, tt.want) || !tt.timeline && got != tt.want {
				t.Errorf("writeText(%q, timeline %v) = %q; want it to start %q", tt.body, tt.timeline, got, tt.want)
			}
		})
	}
}

// TestEscapeWriter: text written in pieces, split anywhere (inside a CRLF
// or a UTF-8 sequence too), comes out as writeEscaped writes it whole.
func TestEscapeWriter(t *testing.T) {
	t.Parallel()
	tests := []string{
		"one\ntwo\n",
		"no final newline",
		"crlf\r\nlines\r\n",
		"lone\rcr\r",
		"Zoë 👋🏽 日本語\n",
		"\x1b[2J\u202eexe\u200d\x9b\xff\n",
		"a\n\nb",
		"\r\n",
		"data: one\n\ndata: two\n\n",
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			var want strings.Builder
			writeEscaped(&want, []byte(in), "")
			for cut := range len(in) + 1 {
				for cut2 := cut; cut2 <= len(in); cut2++ {
					var got strings.Builder
					ew := &escapeWriter{w: &got}
					for _, part := range []string{in[:cut], in[cut:cut2], in[cut2:]} {
						if _, err := ew.Write([]byte(part)); err != nil {
							t.Fatal(err)
						}
					}
					if err := ew.finish(); err != nil {
						t.Fatal(err)
					}
					if got.String() != want.String() {
						t.Fatalf("escapeWriter(%q cut at %d and %d) = %q; want %q", in, cut, cut2, got.String(), want.String())
					}
				}
			}
		})
	}
}

// onTerminal runs Main with a pseudo-terminal as stdout and returns what
// the terminal showed, its CRLFs made LFs again.
func onTerminal(t *testing.T, args ...string) (code int, shown, stderr string) {
	t.Helper()
	master, slave := openPTY(t)
	read := make(chan string, 1)
	go func() {
		// Read as it comes, or the terminal's buffer fills and Main waits.
		b, _ := io.ReadAll(master) // EIO once the slave is closed
		read <- string(b)
	}()
	var errOut bytes.Buffer
	code = Main(context.Background(), args, func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }, strings.NewReader(""), slave, &errOut)
	slave.Close()
	return code, strings.ReplaceAll(<-read, "\r\n", "\n"), errOut.String()
}

// TestRequestOnATerminal: a binary body is a one-line notice on a
// terminal, text is shown escaped; in a pipe both are the bytes.
func TestRequestOnATerminal(t *testing.T) {
	t.Parallel()
	binary := bytes.Repeat([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\x1b[2J"), 300)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/logo.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(binary)
		case "/latin1":
			w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
			io.WriteString(w, "caf\xe9\n")
		default:
			io.WriteString(w, "hello \x1b[31mred\n")
		}
	}))
	t.Cleanup(srv.Close)
	notice := fmt.Sprintf("[binary body, %d bytes; redirect to a file to save it]\n", len(binary))
	tests := []struct {
		name      string
		args      []string
		wantShown string // the whole terminal, or with verbose its end
		verbose   bool
	}{
		{"binary", []string{srv.URL + "/logo.png"}, notice, false},
		{"binary after -v", []string{"-v", srv.URL + "/logo.png"}, "\n<\n" + notice, true},
		{"text", []string{srv.URL + "/hello"}, `hello \x1b[31mred` + "\n", false},
		{"latin-1 text", []string{srv.URL + "/latin1"}, `caf\xe9` + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"request"}, tt.args...)
			code, shown, stderr := onTerminal(t, args...)
			if code != 0 || stderr != "" || !tt.verbose && shown != tt.wantShown || tt.verbose && !strings.HasSuffix(shown, tt.wantShown) {
				t.Errorf("Main(%q) on a terminal = %d, stderr %q, shown:\n%q\nwant 0 and:\n%q", args, code, stderr, shown, tt.wantShown)
			}
		})
	}
	// In a pipe, the bytes.
	code, stdout, stderr := runMainEnv(t, nil, "", "request", srv.URL+"/logo.png")
	if code != 0 || stderr != "" || stdout != string(binary) {
		t.Errorf("request of a binary body in a pipe = %d, %d bytes, stderr %q; want 0 and the %d bytes", code, len(stdout), stderr, len(binary))
	}
}

func TestIsBinary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, contentType string
		want                    bool
	}{
		{"text", "hello\n", "", false},
		{"escapes are text", "\x1b[2J\u202e", "application/octet-stream", false},
		{"UTF-8 cut at the end", "Zo\xc3", "", false},
		{"NUL", "a\x00b", "text/plain", true},
		{"not UTF-8", "\x89PNG", "image/png", true},
		{"not UTF-8, no type", "\xff\xfe", "", true},
		{"latin-1 text", "caf\xe9", "text/plain; charset=iso-8859-1", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := isBinary([]byte(tt.body), tt.contentType); got != tt.want {
				t.Errorf("isBinary(%q, %q) = %v; want %v", tt.body, tt.contentType, got, tt.want)
			}
		})
	}
}
