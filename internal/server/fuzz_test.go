package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/problem"
)

// FuzzDecodeGreeting feeds arbitrary bodies to the greeting's JSON decoding:
// it never panics, and a problem always points inside the body.
func FuzzDecodeGreeting(f *testing.F) {
	for _, s := range []string{`{"name":"Bob"}`, `{"name": Bob}`, `{"name":`, ``, `[]`, `{"name":1e999}`, "{\"name\":\"\xff\"}", `{"name":"a"} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in struct {
			Name string `json:"name"`
		}
		p := decodeJSON(body, &in)
		if p == nil {
			return
		}
		if p.Status != http.StatusBadRequest || p.Detail == "" {
			t.Fatalf("decodeJSON(%q) = %+v; want a 400 with a detail", body, p)
		}
		if p.Line > 0 && (p.Line > bytes.Count(body, []byte{'\n'})+1 || p.Column < 1 || p.Column > len(body)+1) {
			t.Fatalf("decodeJSON(%q) points at line %d, column %d: outside the body", body, p.Line, p.Column)
		}
	})
}

// FuzzHandler sends arbitrary requests through the whole handler stack. A
// request net/http would refuse to parse is skipped; any other gets an
// answer that is never a 500, and every problem is valid JSON.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/api/greeting?name=Alice", "Accept: */*", "")
	f.Add("POST", "/api/greeting", "Content-Type: application/json", `{"name":"Bob"}`)
	f.Add("POST", "/echo?a=1&a=2", "Content-Type: application/json", `{"x":[1,{"y":null}]}`)
	f.Add("PUT", "/hello", "Accept: text/html", "")
	f.Add("GET", "/status/418", "", "")
	f.Add("GET", "/delay/0", "", "")
	f.Add("OPTIONS", "/echo", "", "")
	f.Add("HEAD", "/time", "", "")
	f.Add("GET", "/api/greeting?name=%FF%0D", "", "")
	f.Add("DELETE", "/nope/<script>", "Accept: text/html;q=0.9, application/json;q=0.1", "")
	// One case per httpbin endpoint (internal/httpbin).
	for _, c := range [][4]string{
		{"GET", "/get?a=1", "", ""}, {"HEAD", "/head", "", ""},
		{"POST", "/post", "Content-Type: application/x-www-form-urlencoded", "a=1&b=2"},
		{"PUT", "/put", "Content-Type: multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nhi\r\n--x--\r\n"},
		{"PATCH", "/patch", "Content-Type: application/json", `{"a":1}`}, {"DELETE", "/delete", "", ""},
		{"POST", "/anything/a/b?x=1", "Content-Type: application/json", `[1`},
		{"GET", "/headers", "X-A: 1", ""}, {"GET", "/ip", "", ""}, {"GET", "/user-agent", "User-Agent: f", ""},
		{"GET", "/dump/request", "", ""}, {"GET", "/hostname", "", ""}, {"GET", "/env", "", ""}, {"GET", "/version", "", ""},
		{"POST", "/upload", "", "xyz"},
		{"GET", "/basic-auth/u/p", "Authorization: Basic dTpw", ""}, {"GET", "/hidden-basic-auth/u/p", "Authorization: Basic !!", ""},
		{"GET", "/bearer", "Authorization: Bearer t", ""},
		{"GET", "/digest-auth/auth/u/p", `Authorization: Digest username="u", realm="x", nonce="n", uri="/digest-auth/auth/u/p", response="0", qop=auth, nc=00000001, cnonce="c"`, ""},
		{"GET", "/digest-auth/auth-int/u/p/SHA-256", "", ""},
		{"GET", "/status/200:0.7,500:0.3?seed=1", "", ""}, {"GET", "/unstable?failure_rate=0.5&seed=2", "", ""},
		{"GET", "/redirect/3", "", ""}, {"GET", "/relative-redirect/2", "", ""}, {"GET", "/absolute-redirect/2", "", ""},
		{"GET", "/redirect-to?url=/get&status_code=307", "", ""},
		{"GET", "/cache", "If-None-Match: \"x\"", ""}, {"GET", "/cache/60", "", ""}, {"GET", "/etag/abc", "If-Match: W/\"abc\"", ""},
		{"GET", "/response-headers?X-A=1&Content-Type=text/html", "", ""},
		{"GET", "/cookies", "Cookie: a=b", ""}, {"GET", "/cookies/set?a=b", "", ""}, {"GET", "/cookies/delete?a", "", ""},
		{"GET", "/json", "", ""}, {"GET", "/jsonl?count=2&duration=0", "", ""}, {"GET", "/xml", "", ""}, {"GET", "/html", "", ""},
		{"GET", "/robots.txt", "", ""}, {"GET", "/deny", "", ""}, {"GET", "/encoding/utf8", "", ""},
		{"GET", "/gzip", "", ""}, {"GET", "/deflate", "", ""}, {"GET", "/brotli", "", ""},
		{"GET", "/image", "Accept: image/webp;q=0.5, image/*;q=0.1", ""}, {"GET", "/image/svg", "", ""}, {"GET", "/forms/post", "", ""},
		{"GET", "/bytes/64?seed=3", "", ""}, {"GET", "/stream-bytes/64?chunk_size=7", "", ""}, {"GET", "/stream/2", "", ""},
		{"GET", "/range/100", "Range: bytes=1-2,5-", ""}, {"GET", "/drip?numbytes=3&duration=0&delay=0", "", ""},
		{"GET", "/links/3/1", "", ""}, {"GET", "/base64/decode/aGk=?content-type=text/html", "", ""}, {"GET", "/uuid", "", ""},
		{"GET", "/sse?count=2&duration=0&delay=0", "", ""}, {"GET", "/trailers?X-A=1", "", ""},
		{"GET", "/respond?status=503&header=Retry-After:5&body=hi&seed=4", "", ""},
		{"GET", "/respond?body=hello&drip=2x1ms&close=mid-body&trailer=X-A:1&gzip=true", "", ""},
		{"GET", "/websocket/echo", "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", ""},
	} {
		f.Add(c[0], c[1], c[2], c[3])
	}
	// A panic is the finding, not a 500: /status/500, /unstable and
	// /respond answer 500 on purpose. The server logs each panic it
	// recovers; an abort (http.ErrAbortHandler, /respond?close=) is
	// net/http's to handle, and it does so quietly, as here.
	var panics atomic.Int64
	h := New(Config{Logger: slog.New(panicCounter{&panics})}).Handler()
	serve := func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				panic(v)
			}
		}()
		h.ServeHTTP(w, r)
	}
	f.Fuzz(func(t *testing.T, method, target, header, body string) {
		var raw strings.Builder
		raw.WriteString(method + " " + target + " HTTP/1.1\r\nHost: fuzz\r\n")
		if header != "" {
			raw.WriteString(header + "\r\n")
		}
		raw.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw.String())))
		if err != nil {
			return // net/http answers 400 before any handler runs
		}
		// Waiting is some endpoints' purpose, not a finding: each request
		// has 10 ms, and a handler that waits must give up when it ends.
		ctx, cancel := context.WithTimeout(req.Context(), 10*time.Millisecond)
		defer cancel()
		rec := httptest.NewRecorder()
		before := panics.Load()
		serve(rec, req.WithContext(ctx))
		if panics.Load() != before || rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("%s %q = %d %s (a handler panicked: %v)", method, target, rec.Code, rec.Body, panics.Load() != before)
		}
		if rec.Header().Get("Content-Type") == "application/problem+json" {
			var p problem.Details
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || p.Title == "" {
				t.Fatalf("%s %q: bad problem %q (%v)", method, target, rec.Body, err)
			}
		}
	})
}

// panicCounter is a slog.Handler that counts the server's "handler panic"
// records and drops the rest.
type panicCounter struct{ n *atomic.Int64 }

func (p panicCounter) Enabled(context.Context, slog.Level) bool { return true }
func (p panicCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "handler panic" {
		p.n.Add(1)
	}
	return nil
}
func (p panicCounter) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p panicCounter) WithGroup(string) slog.Handler      { return p }
