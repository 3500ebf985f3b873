package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

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
	h := New(Config{}).Handler()
	f.Fuzz(func(t *testing.T, method, target, header, body string) {
		if strings.HasPrefix(target, "/delay/") {
			return // waiting is its purpose, not a fuzzing finding
		}
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
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusInternalServerError || rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("%s %q = %d %s", method, target, rec.Code, rec.Body)
		}
		if rec.Header().Get("Content-Type") == "application/problem+json" {
			var p problem.Details
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || p.Title == "" {
				t.Fatalf("%s %q: bad problem %q (%v)", method, target, rec.Body, err)
			}
		}
	})
}
