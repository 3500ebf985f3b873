package httpbin_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// binClient follows no redirect, so that a test sees each one.
var binClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// startBin runs the real server with cfg and returns its base URL.
func startBin(t *testing.T, cfg server.Config) string {
	t.Helper()
	base := servetest.Roundtrip(t, cfg)
	t.Cleanup(binClient.CloseIdleConnections)
	return base
}

// fetchBin sends one request and returns the response and its body.
func fetchBin(t *testing.T, method, url string, h http.Header, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := binClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return res, string(b)
}

// decodeBin decodes a JSON answer into a map.
func decodeBin(t *testing.T, what, body string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s = %q: not a JSON object: %v", what, body, err)
	}
	return m
}

// binField is the JSON text of m[key], for comparisons.
func binField(m map[string]any, key string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(m[key])
	return strings.TrimSuffix(b.String(), "\n")
}

func TestRequestGet(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	res, body := fetchBin(t, "GET", base+"/get?a=1&b=2&a=3&token=s3cret", http.Header{
		"Authorization": {"Bearer s3cret"}, "User-Agent": {"bin-test"}, "X-Thing": {"x"},
	}, "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /get = %d %s; want 200 application/json", res.StatusCode, res.Header.Get("Content-Type"))
	}
	m := decodeBin(t, "GET /get", body)
	host := strings.TrimPrefix(base, "http://")
	for key, want := range map[string]string{
		"args":   `{"a":["1","3"],"b":["2"],"token":["[redacted]"]}`,
		"method": `"GET"`,
		"origin": `"127.0.0.1"`,
		"url":    `"` + base + `/get?a=1&b=2&a=3&token=[redacted]"`,
	} {
		if got := binField(m, key); got != want {
			t.Errorf("GET /get %s = %s; want %s", key, got, want)
		}
	}
	h := m["headers"].(map[string]any)
	for key, want := range map[string]string{
		"Host": `["` + host + `"]`, "Authorization": `["[redacted]"]`, "User-Agent": `["bin-test"]`, "X-Thing": `["x"]`,
	} {
		if got := binField(h, key); got != want {
			t.Errorf("GET /get headers.%s = %s; want %s", key, got, want)
		}
	}
	if strings.Contains(body, "s3cret") {
		t.Errorf("GET /get = %s; want the secrets redacted", body)
	}

	t.Run("secrets kept", func(t *testing.T) {
		t.Parallel()
		base := startBin(t, server.Config{CaptureSecrets: true})
		_, body := fetchBin(t, "GET", base+"/get?token=s3cret", http.Header{"Authorization": {"Bearer s3cret"}}, "")
		if strings.Count(body, "s3cret") != 3 {
			t.Errorf("GET /get with secrets kept = %s; want the token in args, url and headers", body)
		}
	})
	t.Run("head", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			method, path string
			want         int
		}{
			{"HEAD", "/head", 200}, {"HEAD", "/get", 200}, {"GET", "/head", 405}, {"POST", "/get", 405},
		} {
			res, body := fetchBin(t, tt.method, base+tt.path, nil, "")
			if res.StatusCode != tt.want || (tt.method == "HEAD" && body != "") {
				t.Errorf("%s %s = %d %q; want %d", tt.method, tt.path, res.StatusCode, body, tt.want)
			}
		}
	})
}

func TestRequestBody(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("x", "y")
	fw, _ := mw.CreateFormFile("f", "a.txt")
	fw.Write([]byte("file one\n"))
	fw, _ = mw.CreateFormFile("f", "b.txt")
	fw.Write([]byte("file two"))
	mw.Close()
	tests := []struct {
		name, method, path, ctype, body string
		want                            map[string]string // field: its JSON
	}{
		{"form", "POST", "/post", "application/x-www-form-urlencoded", "a=1&b=2&a=%20",
			map[string]string{"form": `{"a":["1"," "],"b":["2"]}`, "data": `"a=1&b=2&a=%20"`, "files": `{}`, "json": `null`}},
		{"multipart", "PUT", "/put", mw.FormDataContentType(), mp.String(),
			map[string]string{"form": `{"x":["y"]}`, "files": `{"f":["file one\n","file two"]}`, "method": `"PUT"`}},
		{"json", "PATCH", "/patch", "application/json; charset=utf-8", `{"n":12345678901234567890,"s":"é"}`,
			map[string]string{"json": `{"n":12345678901234567890,"s":"é"}`, "form": `{}`, "data": `"{\"n\":12345678901234567890,\"s\":\"é\"}"`}},
		{"json in any case", "POST", "/post", "Application/JSON", `[1,2]`, map[string]string{"json": `[1,2]`}},
		{"+json", "POST", "/post", "application/merge-patch+json", `{"a":null}`, map[string]string{"json": `{"a":null}`}},
		{"text", "POST", "/post", "text/plain", "hello", map[string]string{"data": `"hello"`, "json": `null`}},
		{"html", "POST", "/post", "text/html; charset=utf-8", "<b>", map[string]string{"data": `"<b>"`}},
		{"binary", "POST", "/post", "application/octet-stream", "\xfb\xff\x00", map[string]string{"data": `"data:application/octet-stream;base64,+/8A"`}},
		{"other type", "POST", "/post", "text/csv", "a,b", map[string]string{"data": `"data:text/csv;base64,YSxi"`}},
		{"no type", "DELETE", "/delete", "", "abc", map[string]string{"data": `"data:application/octet-stream;base64,YWJj"`, "method": `"DELETE"`}},
		{"empty", "POST", "/post", "application/json", "", map[string]string{"data": `""`, "json": `null`, "form": `{}`, "files": `{}`}},
		{"delete form", "DELETE", "/delete", "application/x-www-form-urlencoded", "k=v", map[string]string{"form": `{"k":["v"]}`}},
		{"anything get", "GET", "/anything/x/y?q=1", "application/x-www-form-urlencoded", "k=v",
			map[string]string{"form": `{"k":["v"]}`, "method": `"GET"`, "url": `"` + base + `/anything/x/y?q=1"`, "args": `{"q":["1"]}`}},
		{"anything delete", "DELETE", "/anything", "", "", map[string]string{"method": `"DELETE"`, "data": `""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.ctype != "" {
				h.Set("Content-Type", tt.ctype)
			}
			res, body := fetchBin(t, tt.method, base+tt.path, h, tt.body)
			if res.StatusCode != 200 {
				t.Fatalf("%s %s (%s) = %d %s; want 200", tt.method, tt.path, tt.name, res.StatusCode, body)
			}
			m := decodeBin(t, tt.method+" "+tt.path, body)
			for key, want := range tt.want {
				if got := binField(m, key); got != want {
					t.Errorf("%s %s (%s) %s = %s; want %s", tt.method, tt.path, tt.name, key, got, want)
				}
			}
		})
	}
}

func TestRequestBodyRefused(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	tests := []struct {
		name, ctype, body string
		want              int
		wantBody          string
	}{
		{"bad json", "application/json", "{\n\"a\":}", 400, `"line":2`},
		{"bad escape", "application/x-www-form-urlencoded", "a=%zz", 400, "%zz"},
		{"no boundary", "multipart/form-data", "--x\r\n", 400, "boundary"},
		{"bad multipart", "multipart/form-data; boundary=x", "nothing", 400, "malformed"},
		{"too large", "text/plain", strings.Repeat("a", 1<<20+1), 413, `"status":413`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, "POST", base+"/post", http.Header{"Content-Type": {tt.ctype}}, tt.body)
			if res.StatusCode != tt.want || !strings.Contains(body, tt.wantBody) || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("POST /post (%s) = %d %s; want a %d problem containing %q", tt.name, res.StatusCode, body, tt.want, tt.wantBody)
			}
		})
	}
	t.Run("exactly the limit", func(t *testing.T) {
		t.Parallel()
		res, body := fetchBin(t, "POST", base+"/post", http.Header{"Content-Type": {"text/plain"}}, strings.Repeat("a", 1<<20))
		if res.StatusCode != 200 || len(body) < 1<<20 {
			t.Errorf("POST /post of 1 MiB = %d, %d bytes; want 200 with the body back", res.StatusCode, len(body))
		}
	})
	t.Run("chunked too large", func(t *testing.T) {
		t.Parallel()
		// An unknown length: the limit is found while reading.
		req, _ := http.NewRequest("POST", base+"/post", io.MultiReader(strings.NewReader(strings.Repeat("a", 1<<20)), strings.NewReader("b")))
		res, err := binClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Errorf("chunked POST /post of 1 MiB + 1 = %d; want 413", res.StatusCode)
		}
	})
	t.Run("wrong method", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct{ method, path string }{{"GET", "/post"}, {"POST", "/put"}, {"PUT", "/delete"}, {"PROPFIND", "/anything"}} {
			res, _ := fetchBin(t, tt.method, base+tt.path, nil, "")
			if res.StatusCode != 405 {
				t.Errorf("%s %s = %d; want 405", tt.method, tt.path, res.StatusCode)
			}
		}
	})
}

// TestRequestChunked: a chunked body's Transfer-Encoding is reflected, as
// go-httpbin reflects it, though net/http takes it out of the header.
func TestRequestChunked(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	for _, path := range []string{"/post", "/upload", "/anything"} {
		req, _ := http.NewRequest("POST", base+path, io.MultiReader(strings.NewReader("ab"), strings.NewReader("c")))
		req.Header.Set("Content-Type", "text/plain")
		res, err := binClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := decodeBin(t, "POST "+path, string(b))
		h := m["headers"].(map[string]any)
		if got := binField(h, "Transfer-Encoding"); got != `["chunked"]` {
			t.Errorf("chunked POST %s headers.Transfer-Encoding = %s; want [\"chunked\"]", path, got)
		}
	}
}

func TestRequestInspection(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	host := strings.TrimPrefix(base, "http://")
	tests := []struct {
		method, path string
		h            http.Header
		want         string // the whole body
		wantType     string
	}{
		{"GET", "/headers", http.Header{"Cookie": {"a=b"}, "X-A": {"1"}, "User-Agent": {"u"}, "Accept-Encoding": {"identity"}},
			`{"headers":{"Accept-Encoding":["identity"],"Cookie":["[redacted]"],"Host":["` + host + `"],"User-Agent":["u"],"X-A":["1"]}}` + "\n", "application/json"},
		{"POST", "/ip", nil, `{"origin":"127.0.0.1"}` + "\n", "application/json"},
		{"GET", "/ip", http.Header{"X-Forwarded-For": {"203.0.113.9"}}, `{"origin":"127.0.0.1"}` + "\n", "application/json"},
		{"GET", "/ip?format=text", nil, "127.0.0.1\n", "text/plain; charset=utf-8"},
		{"GET", "/user-agent", http.Header{"User-Agent": {"bin-test/1.0"}}, `{"user-agent":"bin-test/1.0"}` + "\n", "application/json"},
		{"GET", "/hostname", nil, `{"hostname":"roundtrip"}` + "\n", "application/json"},
		{"DELETE", "/env", nil, `{"env":{}}` + "\n", "application/json"},
		{"GET", "/version", nil, `{"service":"roundtrip","version":"devel"}` + "\n", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, tt.method, base+tt.path, tt.h, "")
			if res.StatusCode != 200 || body != tt.want || res.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("%s %s = %d %s %q; want 200 %s %q", tt.method, tt.path, res.StatusCode, res.Header.Get("Content-Type"), body, tt.wantType, tt.want)
			}
		})
	}
}

func TestRequestDump(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	host := strings.TrimPrefix(base, "http://")
	h := http.Header{"Authorization": {"Basic dTpw"}, "Cookie": {"sid=1"}, "User-Agent": {"u"}, "Content-Type": {"text/plain"}}
	res, body := fetchBin(t, "POST", base+"/dump/request?x=1&api_key=k3y", h, "hello")
	want := "POST /dump/request?x=1&api_key=[redacted] HTTP/1.1\r\nHost: " + host + "\r\n" +
		"Accept-Encoding: gzip\r\nAuthorization: [redacted]\r\nContent-Length: 5\r\nContent-Type: text/plain\r\nCookie: [redacted]\r\nUser-Agent: u\r\n\r\nhello"
	if res.StatusCode != 200 || body != want || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("POST /dump/request = %d %s\n%q\nwant 200 text/plain\n%q", res.StatusCode, res.Header.Get("Content-Type"), body, want)
	}
	t.Run("secrets kept", func(t *testing.T) {
		t.Parallel()
		base := startBin(t, server.Config{CaptureSecrets: true})
		_, body := fetchBin(t, "GET", base+"/dump/request?api_key=k3y", h, "")
		for _, s := range []string{"api_key=k3y", "Authorization: Basic dTpw", "Cookie: sid=1"} {
			if !strings.Contains(body, s) {
				t.Errorf("GET /dump/request with secrets kept = %q; want %q in it", body, s)
			}
		}
	})
	t.Run("too large", func(t *testing.T) {
		t.Parallel()
		res, _ := fetchBin(t, "PUT", base+"/dump/request", nil, strings.Repeat("a", 1<<20+1))
		if res.StatusCode != 413 {
			t.Errorf("PUT /dump/request of 1 MiB + 1 = %d; want 413", res.StatusCode)
		}
	})
}

func TestRequestUpload(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	tests := []struct {
		method string
		size   int
		want   int
	}{
		{"POST", 0, 200}, {"POST", 3, 200}, {"PUT", 1 << 20, 200}, {"PATCH", 1<<20 + 1, 413},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+strconv.Itoa(tt.size), func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, tt.method, base+"/upload?a=1", nil, strings.Repeat("u", tt.size))
			if res.StatusCode != tt.want {
				t.Fatalf("%s /upload of %d bytes = %d %s; want %d", tt.method, tt.size, res.StatusCode, body, tt.want)
			}
			if tt.want != 200 {
				return
			}
			m := decodeBin(t, "POST /upload", body)
			if got := binField(m, "bytes_received"); got != strconv.Itoa(tt.size) {
				t.Errorf("%s /upload of %d bytes: bytes_received = %s; want %d", tt.method, tt.size, got, tt.size)
			}
			if got := binField(m, "args"); got != `{"a":["1"]}` || binField(m, "method") != `"`+tt.method+`"` {
				t.Errorf("%s /upload = %s; want the request described", tt.method, body)
			}
			if len(body) > 1000 {
				t.Errorf("%s /upload answered %d bytes; want the body discarded, not echoed", tt.method, len(body))
			}
		})
	}
	res, _ := fetchBin(t, "GET", base+"/upload", nil, "")
	if res.StatusCode != 405 {
		t.Errorf("GET /upload = %d; want 405", res.StatusCode)
	}
}
