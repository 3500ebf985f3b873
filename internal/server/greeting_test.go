package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/reqbody"
)

func TestGreetingGet(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		query, want string
	}{
		{"name=Alice", "Hello, Alice!"},
		{"", "Hello, World!"},
		{"name=", "Hello, World!"},
		{"other=1", "Hello, World!"},
		{"name=Tom%20%26%20Jerry", "Hello, Tom & Jerry!"},
		{"name=a+b", "Hello, a b!"},
		{"name=%2B1", "Hello, +1!"},
		{"name=x%3Dy%23z", "Hello, x=y#z!"},
		{"name=100%25", "Hello, 100%!"},
		{"name=Zoë", "Hello, Zoë!"},
		{"name=%E5%B1%B1%E7%94%B0", "Hello, 山田!"},
		{"name=%F0%9F%91%8B", "Hello, 👋!"},
		{"name=First&name=Second", "Hello, First!"},
		{"name=%3Cscript%3E", "Hello, <script>!"},
		{"name=" + strings.Repeat("a", maxNameBytes), "Hello, " + strings.Repeat("a", maxNameBytes) + "!"},
	}
	for _, tt := range tests {
		res, body := do(t, "GET", ts.URL+"/api/greeting?"+tt.query, nil, "")
		var got greeting
		if err := json.Unmarshal([]byte(body), &got); err != nil || res.StatusCode != 200 || got.Message != tt.want {
			t.Errorf("Greeting(%q) = %d %s; want 200 %q", tt.query, res.StatusCode, body, tt.want)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Greeting(%q) Content-Type = %q; want application/json", tt.query, ct)
		}
	}
}

func TestGreetingGetBadName(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		query, wantDetail string
	}{
		{"name=%FF", "not valid UTF-8"},
		{"name=a%0D%0Ab", "U+000D"},
		{"name=%00", "NUL"},
		{"name=%7F", "U+007F"},
		{"name=%zz", "malformed"},
		{"name=a;b", "malformed"},
		{"name=" + strings.Repeat("a", maxNameBytes+1), "limit is 1024"},
	}
	for _, tt := range tests {
		res, body := do(t, "GET", ts.URL+"/api/greeting?"+tt.query, nil, "")
		p := decodeProblem(t, res, body)
		if p.Status != 400 || !strings.Contains(p.Detail, tt.wantDetail) {
			t.Errorf("Greeting(%.40q) = %d %q; want 400 naming %q", tt.query, p.Status, p.Detail, tt.wantDetail)
		}
	}
}

func TestGreetingPost(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	jsonType := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name        string
		header      http.Header
		body        string
		wantStatus  int
		wantMessage string // for 200
		wantDetail  string // for problems
	}{
		{"bob", jsonType, `{"name":"Bob"}`, 200, "Hello, Bob!", ""},
		{"charset", http.Header{"Content-Type": {"application/json; charset=utf-8"}}, `{"name":"Bob"}`, 200, "Hello, Bob!", ""},
		{"plus json", http.Header{"Content-Type": {"application/vnd.x+json"}}, `{"name":"Bob"}`, 200, "Hello, Bob!", ""},
		{"no name", jsonType, `{}`, 200, "Hello, World!", ""},
		{"unknown field", jsonType, `{"nom":"x"}`, 200, "Hello, World!", ""},
		{"escapes", jsonType, `{"name":"Tom \u0026 Jerry"}`, 200, "Hello, Tom & Jerry!", ""},
		{"invalid", jsonType, `{"name": Bob}`, 400, "", "line 1, column 10"},
		{"multiline", jsonType, "{\n  \"name\": \"Bob\",\n}", 400, "", "line 3, column 1"},
		{"truncated", jsonType, `{"name":"Bob"`, 400, "", "ends before"},
		{"empty", jsonType, ``, 400, "", "empty"},
		{"trailing", jsonType, `{"name":"Bob"} {}`, 400, "", "more data"},
		{"number", jsonType, `{"name": 5}`, 400, "", "name cannot be a JSON number"},
		{"array", jsonType, `["Bob"]`, 400, "", "cannot be a JSON array"},
		{"control", jsonType, `{"name":"a\nb"}`, 400, "", "U+000A"},
		{"no content type", nil, `{"name":"Bob"}`, 415, "", "no Content-Type"},
		{"text", http.Header{"Content-Type": {"text/plain"}}, `{"name":"Bob"}`, 415, "", `"text/plain"`},
		{"form", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, `name=Bob`, 415, "", "not JSON"},
	}
	for _, tt := range tests {
		res, body := do(t, "POST", ts.URL+"/api/greeting", tt.header, tt.body)
		if res.StatusCode != tt.wantStatus {
			t.Errorf("%s: POST %q = %d %s; want %d", tt.name, tt.body, res.StatusCode, body, tt.wantStatus)
			continue
		}
		if tt.wantStatus == 200 {
			var got greeting
			if err := json.Unmarshal([]byte(body), &got); err != nil || got.Message != tt.wantMessage {
				t.Errorf("%s: POST %q = %s; want message %q", tt.name, tt.body, body, tt.wantMessage)
			}
			continue
		}
		if p := decodeProblem(t, res, body); !strings.Contains(p.Detail, tt.wantDetail) {
			t.Errorf("%s: POST %q detail = %q; want it to name %q", tt.name, tt.body, p.Detail, tt.wantDetail)
		}
	}
}

func TestGreetingPostInvalidJSONNamesPosition(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res, body := do(t, "POST", ts.URL+"/api/greeting", http.Header{"Content-Type": {"application/json"}}, "{\n  \"name\": Bob\n}")
	p := decodeProblem(t, res, body)
	if p.Line != 2 || p.Column != 11 {
		t.Errorf("invalid JSON problem at line %d, column %d; want line 2, column 11", p.Line, p.Column)
	}
}

func TestGreetingPostTooLarge(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	big := `{"name":"` + strings.Repeat("a", reqbody.Max) + `"}`
	res, body := do(t, "POST", ts.URL+"/api/greeting", http.Header{"Content-Type": {"application/json"}}, big)
	if p := decodeProblem(t, res, body); p.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("POST of %d bytes = %d; want 413", len(big), p.Status)
	}
}

func TestGreetingRoundTripsNames(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, name := range []string{"Alice", "Tom & Jerry", "a=b", "#hash", "1+1", "100%", "Zoë", "東京", "👋🏽", "\"quoted\"", "back\\slash", "a b  c"} {
		res, body := do(t, "GET", ts.URL+"/api/greeting?name="+url.QueryEscape(name), nil, "")
		var got greeting
		_ = json.Unmarshal([]byte(body), &got)
		if want := "Hello, " + name + "!"; res.StatusCode != 200 || got.Message != want {
			t.Errorf("Greeting(%q) = %q; want %q", name, got.Message, want)
		}
	}
}

// decodeProblem checks that a response is a well-formed problem and returns it.
func decodeProblem(t *testing.T, res *http.Response, body string) problem.Details {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("problem Content-Type = %q; want application/problem+json", ct)
	}
	var p problem.Details
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	if p.Type == "" || p.Title == "" || p.Status != res.StatusCode || p.Detail == "" {
		t.Errorf("problem %+v lacks type, title, detail or the response's status %d", p, res.StatusCode)
	}
	return p
}
