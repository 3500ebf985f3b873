package server

import (
	"net/http"
	"strings"
	"testing"
)

func TestProblemHTMLEscapes(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	browser := http.Header{"Accept": {"text/html,*/*;q=0.8"}}
	res, body := do(t, "GET", ts.URL+"/%3Cscript%3Ealert(1)%3C/script%3E", browser, "")
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("browser GET of an unknown path = %d %q; want a 404 HTML page", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("HTML problem page does not escape the path:\n%s", body)
	}
	if !strings.Contains(body, "404 Not Found") {
		t.Errorf("HTML problem page lacks its title:\n%s", body)
	}
	res, body = do(t, "POST", ts.URL+"/api/greeting", http.Header{"Accept": {"text/html"}, "Content-Type": {"application/json"}}, "{\n<b>")
	if res.StatusCode != 400 || !strings.Contains(body, "line 2, column 1") || strings.Contains(body, "<b>") {
		t.Errorf("browser POST of invalid JSON = %d:\n%s\nwant a 400 page naming line 2, column 1, escaped", res.StatusCode, body)
	}
}

func TestProblemsLeakNoInternals(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	json := http.Header{"Content-Type": {"application/json"}}
	requests := []struct{ method, path, body string }{
		{"POST", "/api/greeting", `{"name":`},
		{"POST", "/api/greeting", `{"name":{"a":1}}`},
		{"POST", "/api/greeting", `{"name":1e999}`},
		{"POST", "/echo", `[` + strings.Repeat(`[`, 11000)},
		{"GET", "/status/x", ""},
		{"GET", "/delay/x", ""},
		{"GET", "/api/greeting?name=%zz", ""},
	}
	for _, r := range requests {
		_, body := do(t, r.method, ts.URL+r.path, json, r.body)
		for _, leak := range []string{"goroutine", ".go:", "/usr/", "/work/", "runtime.", "Go struct", "Go value", "*json.", "interface {}", "main."} {
			if strings.Contains(body, leak) {
				t.Errorf("%s %s: problem %s leaks %q", r.method, r.path, body, leak)
			}
		}
	}
}
