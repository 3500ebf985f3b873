package cli

import (
	"bytes"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the output of this run")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go test ./internal/cli -run %s -update to create it", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// sentRequest is a request as client.Do would return it.
func sentRequest(t *testing.T, method, url string, header http.Header, body string) *http.Request {
	t.Helper()
	var r *bytes.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	var req *http.Request
	var err error
	if r != nil {
		req, err = http.NewRequest(method, url, r)
	} else {
		req, err = http.NewRequest(method, url, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	return req
}

func TestWriteExchangeGolden(t *testing.T) {
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
		RemoteAddr: &net.TCPAddr{IP: net.IPv6loopback, Port: 8443}, TLSVersion: 0x0304,
	}
	greeting := &client.Response{
		Request: sentRequest(t, "GET", "http://localhost:3000/api/greeting?name=Alice", http.Header{"Accept": {"*/*"}, "User-Agent": {"roundtrip/test"}}, ""),
		Proto:   "HTTP/1.1", Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"28"}, "Server-Timing": {"read;dur=0.064, route;dur=0.010, handler;dur=0.105"}},
		Body:   []byte(`{"message":"Hello, Alice!"}` + "\n"), Timeline: newConn,
		ServerTiming: []client.Metric{{Name: "read", Dur: ms(0.064)}, {Name: "route", Dur: ms(0.010)}, {Name: "handler", Dur: ms(0.105), Desc: "greeting"}},
	}
	tests := []struct {
		name string
		resp *client.Response
		opts exchangeOptions
	}{
		{"request_greeting.golden", greeting, exchangeOptions{}},
		{"request_greeting_colour.golden", greeting, exchangeOptions{colour: palette{on: true}}},
		{"request_problem_reused.golden", &client.Response{
			Request: sentRequest(t, "POST", "http://localhost:3000/api/greeting", http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer s3cret"}}, `{"name": Bob}`),
			Proto:   "HTTP/1.1", Status: 400,
			Header: http.Header{"Content-Type": {"application/problem+json"}},
			Body:   []byte(`{"type":"about:blank","title":"Bad Request","status":400,"detail":"Invalid JSON."}`), Timeline: reused,
		}, exchangeOptions{sentBody: []byte(`{"name": Bob}`)}},
		{"request_tls_binary.golden", &client.Response{
			Request: sentRequest(t, "GET", "https://[::1]:8443/logo.png", http.Header{"Cookie": {"id=1"}}, ""),
			Proto:   "HTTP/2.0", Status: 200,
			Header: http.Header{"Content-Type": {"image/png"}},
			Body:   []byte("\x89PNG\r\n\x1a\n\x00\x00"), Truncated: true, Timeline: tlsConn,
		}, exchangeOptions{showSecrets: true}},
		{"request_hostile.golden", &client.Response{
			Request: sentRequest(t, "GET", "http://localhost:3000/x", http.Header{}, ""),
			Proto:   "HTTP/1.1", Status: 502,
			Header: http.Header{"X-Evil": {"\x1b[2J\u202egnp.exe"}},
			Body:   []byte("line one\r\n\x1b]0;pwned\x07line two\n"), Timeline: reused,
			ServerTiming: []client.Metric{{Name: "app", Dur: ms(5), Desc: "\x1b[31mred"}},
		}, exchangeOptions{}},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		writeExchange(&out, tt.resp, tt.opts)
		got := out.String()
		if !tt.opts.colour.on && strings.Contains(got, "\x1b") {
			t.Errorf("%s: uncoloured output has an escape sequence:\n%q", tt.name, got)
		}
		golden(t, tt.name, got)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000 ms"},
		{1500 * time.Nanosecond, "0.002 ms"},
		{123456 * time.Microsecond, "123.456 ms"},
		{999 * time.Millisecond, "999.000 ms"},
		{1500 * time.Millisecond, "1.50 s"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.d); got != tt.want {
			t.Errorf("formatDuration(%v) = %q; want %q", tt.d, got, tt.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello, Zoë 👋!", "Hello, Zoë 👋!"},
		{"a\tb", "a\tb"},
		{"\x1b[31mred", `\x1b[31mred`},
		{"bell\x07", `bell\a`},
		{"\u202eevil", `\u202eevil`},
		{"nul\x00", `nul\x00`},
		{"\x9b", `\x9b`},
		{"\u0085next", `\u0085next`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestUseColour(t *testing.T) {
	tests := []struct {
		mode, noColor string
		want          bool
	}{
		{"always", "", true},
		{"always", "1", true},
		{"never", "", false},
		{"auto", "", false}, // a buffer is not a terminal
		{"auto", "1", false},
	}
	for _, tt := range tests {
		e := &env{getenv: func(k string) string {
			if k == "NO_COLOR" {
				return tt.noColor
			}
			return ""
		}, stdout: new(bytes.Buffer)}
		if got := useColour(tt.mode, e); got != tt.want {
			t.Errorf("useColour(%q) with NO_COLOR=%q = %v; want %v", tt.mode, tt.noColor, got, tt.want)
		}
	}
}
