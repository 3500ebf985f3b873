package server

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/reqbody"
)

func TestEcho(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	kib := strings.Repeat("x", 1024)
	tests := []struct {
		name     string
		header   http.Header
		body     string
		wantBody any
	}{
		{"json", http.Header{"Content-Type": {"application/json"}}, `{"a":[1,2.50,1e400],"b":"x"}`,
			map[string]any{"a": []any{json.Number("1"), json.Number("2.50"), json.Number("1e400")}, "b": "x"}},
		{"text", http.Header{"Content-Type": {"text/plain"}}, "hello\nworld", "hello\nworld"},
		{"untyped", nil, "a=b", "a=b"},
		{"1 KiB", http.Header{"Content-Type": {"text/plain"}}, kib, kib},
		{"empty", nil, "", nil},
	}
	for _, tt := range tests {
		res, body := do(t, "POST", ts.URL+"/echo?q=1&q=2&r=", tt.header, tt.body)
		if res.StatusCode != 200 {
			t.Errorf("%s: POST /echo = %d %s; want 200", tt.name, res.StatusCode, body)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		var got echoed
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%s: POST /echo body %q: %v", tt.name, body, err)
		}
		if got.Message != "Echo received" {
			t.Errorf("%s: message = %q; want %q", tt.name, got.Message, "Echo received")
		}
		r := got.Request
		if r.Method != "POST" || r.Path != "/echo" || !reflect.DeepEqual(r.Query, map[string][]string{"q": {"1", "2"}, "r": {""}}) {
			t.Errorf("%s: echoed %s %s %v; want POST /echo with query q=1&q=2&r=", tt.name, r.Method, r.Path, r.Query)
		}
		if r.Headers["Host"] == "" || r.Headers["User-Agent"] == "" {
			t.Errorf("%s: echoed headers %v lack Host or User-Agent", tt.name, r.Headers)
		}
		if !reflect.DeepEqual(r.Body, tt.wantBody) {
			t.Errorf("%s: echoed body = %#v; want %#v", tt.name, r.Body, tt.wantBody)
		}
	}
}

func TestEchoBinaryBody(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	raw := "\xff\xfe\x00binary"
	_, body := do(t, "POST", ts.URL+"/echo", http.Header{"Content-Type": {"application/octet-stream"}}, raw)
	var got struct {
		Request struct {
			Body       any    `json:"body"`
			BodyBase64 string `json:"body_base64"`
		} `json:"request"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if want := base64.StdEncoding.EncodeToString([]byte(raw)); got.Request.BodyBase64 != want || got.Request.Body != nil {
		t.Errorf("echoed binary body = %v, base64 %q; want only base64 %q", got.Request.Body, got.Request.BodyBase64, want)
	}
}

func TestEchoInvalidJSON(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res, body := do(t, "POST", ts.URL+"/echo", http.Header{"Content-Type": {"application/json"}}, `{"a":}`)
	if p := decodeProblem(t, res, body); p.Status != 400 || p.Line != 1 || p.Column != 6 {
		t.Errorf("POST /echo {\"a\":} = %d at %d:%d; want 400 at 1:6", p.Status, p.Line, p.Column)
	}
}

// worstJSON are bodies just under the 1 MiB limit that make the most values
// per byte, the worst cases for echoing JSON.
func worstJSON() map[string]string {
	fill := func(unit, open, close string) string {
		return open + strings.TrimSuffix(strings.Repeat(unit, (reqbody.Max-2)/len(unit)), ",") + close
	}
	var keys strings.Builder
	keys.WriteString("{")
	for i := 0; keys.Len() < reqbody.Max-20; i++ {
		keys.WriteString(`"` + strconv.FormatInt(int64(i), 36) + `":0,`)
	}
	return map[string]string{
		"zeros":         fill("0,", "[", "]"),
		"empty objects": fill("{},", "[", "]"),
		"empty arrays":  fill("[],", "[", "]"),
		"distinct keys": strings.TrimSuffix(keys.String(), ",") + "}",
	}
}

// TestEchoWorstJSONBounded: the worst JSON under the body limit costs
// /echo a few copies of the body, not tens of MiB: decoded into Go values,
// [0,0,...] took 66 MB and 524,439 allocations.
func TestEchoWorstJSONBounded(t *testing.T) {
	h := New(Config{NoInspector: true}).Handler()
	for name, body := range worstJSON() {
		t.Run(name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(3, func() {
				req := httptest.NewRequest("POST", "/echo", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				h.ServeHTTP(httptest.NewRecorder(), req)
			})
			if allocs > 1000 {
				t.Errorf("POST /echo with %s (%d bytes): %.0f allocations; want under 1000", name, len(body), allocs)
			}
		})
	}
}

func BenchmarkEchoWorstJSON(b *testing.B) {
	h := New(Config{NoInspector: true}).Handler()
	for name, body := range worstJSON() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", "/echo", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("POST /echo with %s = %d", name, w.Code)
				}
			}
		})
	}
}
