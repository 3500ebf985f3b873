package httpbin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/servertiming"
)

// get sends method url with header h on client and returns the response
// and its whole body.
func get(t *testing.T, client *http.Client, method, url string, h http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return res, body
}

// wantProblem checks that an answer is a problem of status code that
// names param (unless param is empty).
func wantProblem(t *testing.T, what string, res *http.Response, body []byte, code int, param string) {
	t.Helper()
	if res.StatusCode != code {
		t.Fatalf("%s = %d %q; want %d", what, res.StatusCode, body, code)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q; want application/problem+json", what, ct)
	}
	var p struct {
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%s: the problem %q is not JSON: %v", what, body, err)
	}
	if p.Status != code || (param != "" && !strings.Contains(p.Title+" "+p.Detail, param)) {
		t.Errorf("%s: problem %+v; want status %d naming %q", what, p, code, param)
	}
}

// timings is a Server-Timing field's metrics by name.
func timings(values []string) map[string]servertiming.Metric {
	m := map[string]servertiming.Metric{}
	for _, mt := range servertiming.Parse(values) {
		m[mt.Name] = mt
	}
	return m
}
