package cli

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/servertiming"
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
		}, textOptions{verbose: true, timeline: true, sentBody: []byte(`{"name": Bob}`)}},
		{"request_tls_binary.golden", &client.Response{
			Request: sentRequest(t, "GET", "https://[::1]:8443/logo.png", http.Header{"Cookie": {"id=1"}}, ""),
			Proto:   "HTTP/2.0", Status: 200,
			Header: http.Header{"Content-Type": {"image/png"}},
			Body:   []byte("\x89PNG\r\n\x1a\n\x00\x00"), Truncated: true, Timeline: tlsConn,
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
			if err := writeText(&out, tt.resp, tt.opts); err != nil {
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
			if err := writeText(&out, resp, textOptions{timeline: tt.timeline}); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); !strings.HasPrefix(got, tt.want) || !tt.timeline && got != tt.want {
				t.Errorf("writeText(%q, timeline %v) = %q; want it to start %q", tt.body, tt.timeline, got, tt.want)
			}
		})
	}
}

func TestWriteExchangeJSONGolden(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	cert := &x509.Certificate{
		Subject:  pkix.Name{CommonName: "localhost", Organization: []string{"roundtrip"}},
		Issuer:   pkix.Name{CommonName: "roundtrip test CA"},
		NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), DNSNames: []string{"localhost"},
	}
	resp := &client.Response{
		Request: sentRequest(t, "POST", "https://localhost:8443/api/greeting", http.Header{
			"Content-Type": {"application/json"}, "Accept": {"application/json"}, "Authorization": {"Bearer s3cret"},
		}, `{"name":"Zoë & <Bob>"}`),
		Proto: "HTTP/2.0", Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}, "Server-Timing": {`handler;dur=0.5;desc="greeting"`}},
		Body:   []byte(`{"message":"Hello, Zoë & <Bob>!"}`),
		TLS: &tls.ConnectionState{
			Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256, NegotiatedProtocol: "h2",
			PeerCertificates: []*x509.Certificate{cert},
		},
		Timeline: client.Timeline{
			Start: at(0), DNSStart: at(10), DNSDone: at(110), ConnectStart: at(120), ConnectDone: at(320),
			TLSStart: at(320), TLSDone: at(1320), GotConn: at(1330), WroteRequest: at(1400), FirstByte: at(2400), End: at(2500),
			TLSVersion: tls.VersionTLS13,
		},
		ServerTiming: []servertiming.Metric{{Name: "handler", Dur: 500 * time.Microsecond, Desc: "greeting"}},
	}
	binary := &client.Response{
		Request: sentRequest(t, "GET", "http://localhost:3000/logo.png", http.Header{}, ""),
		Proto:   "HTTP/1.1", Status: 404, Header: http.Header{"Content-Type": {"image/png"}},
		Body: []byte("\x89PNG\xff"),
	}
	tests := []struct {
		name     string
		resp     *client.Response
		sentBody string
	}{
		{"request_exchange.json", resp, `{"name":"Zoë & <Bob>"}`},
		{"request_exchange_binary.json", binary, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if err := writeExchangeJSON(&out, tt.resp, []byte(tt.sentBody), false); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, out.String())
		})
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

func TestHeaderFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    http.Header
		wantErr string
	}{
		{"X-Lesson: one", http.Header{"X-Lesson": {"one"}}, ""},
		{"accept:  text/plain ", http.Header{"Accept": {"text/plain"}}, ""},
		{"X-Empty:", http.Header{"X-Empty": {""}}, ""},
		{"X-Colon: a:b", http.Header{"X-Colon": {"a:b"}}, ""},
		{"nocolon", nil, `header "nocolon" is not Name: value`},
		{": value", nil, `header ": value" is not Name: value`},
		{"Bad Name: x", nil, `header name "Bad Name" cannot be sent: it is not a token`},
		{"X-Split: a\r\nEvil: 1", nil, "header X-Split: its value cannot hold a line break or NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			f := newHeaderFlag()
			err := f.Set(tt.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr || err == nil && !reflect.DeepEqual(f.h, tt.want) {
				t.Errorf("headerFlag.Set(%q) = %v, %q; want %v, %q", tt.in, f.h, gotErr, tt.want, tt.wantErr)
			}
		})
	}
}

func TestEscapeQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"name=Alice", "name=Alice"},
		{"name=Tom%20%26%20Jerry&x=1+1", "name=Tom%20%26%20Jerry&x=1+1"},
		{"name=Zoë 👋", "name=Zo%C3%AB%20%F0%9F%91%8B"},
		{`q="<{|}>"`, "q=%22%3C%7B%7C%7D%3E%22"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := escapeQuery(tt.in); got != tt.want {
				t.Errorf("escapeQuery(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
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
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := formatDuration(tt.d); got != tt.want {
				t.Errorf("formatDuration(%v) = %q; want %q", tt.d, got, tt.want)
			}
		})
	}
}

func TestUseColour(t *testing.T) {
	t.Parallel()
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
		t.Run(tt.mode+" NO_COLOR="+tt.noColor, func(t *testing.T) {
			t.Parallel()
			e := &env{getenv: func(k string) string {
				if k == "NO_COLOR" {
					return tt.noColor
				}
				return ""
			}, stdout: new(bytes.Buffer)}
			if got := useColour(tt.mode, e); got != tt.want {
				t.Errorf("useColour(%q) with NO_COLOR=%q = %v; want %v", tt.mode, tt.noColor, got, tt.want)
			}
		})
	}
}
