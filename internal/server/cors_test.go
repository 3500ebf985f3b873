package server

import (
	"net/http"
	"testing"
)

func TestLoopbackOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		origin string
		want   bool
	}{
		{"http://localhost:3000", true}, {"http://tour-abc-1.localhost:3000", true}, {"https://LOCALHOST", true},
		{"http://127.0.0.1:3000", true}, {"http://127.8.9.1", true}, {"http://[::1]:3000", true},
		{"http://example.com", false}, {"http://localhost.example.com", false}, {"http://evil-localhost", false},
		{"http://10.0.0.1:3000", false}, {"null", false}, {"file://", false}, {"http://localhost:3000/x", false},
		{"http://user@localhost", false}, {"ftp://localhost", false},
	}
	for _, tt := range tests {
		if got := loopbackOrigin(tt.origin); got != tt.want {
			t.Errorf("loopbackOrigin(%q) = %v; want %v", tt.origin, got, tt.want)
		}
	}
}

// TestLoopbackCORS: the lesson's routes answer a loopback origin's page
// with CORS and Timing-Allow-Origin; another origin, and roundtrip's own
// routes, get none.
func TestLoopbackCORS(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		path, origin string
		want         bool
	}{
		{"/api/greeting?name=Alice", "http://127.0.0.1:3000", true},
		{"/hello", "http://localhost:3000", true},
		{"/api/greeting", "http://attacker.example", false},
		{"/api/greeting", "", false},
		{"/_roundtrip/api/exchanges", "http://localhost:3000", false},
		{"/metrics", "http://localhost:3000", false},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		res, _ := do(t, "GET", ts.URL+tt.path, h, "")
		got := res.Header.Get("Access-Control-Allow-Origin")
		if tt.want && (got != tt.origin || res.Header.Get("Timing-Allow-Origin") != tt.origin || res.Header.Get("Access-Control-Expose-Headers") != "Server-Timing, X-Request-Id") {
			t.Errorf("GET %s from %s: ACAO %q, TAO %q, expose %q; want the origin allowed and both headers exposed", tt.path, tt.origin, got, res.Header.Get("Timing-Allow-Origin"), res.Header.Get("Access-Control-Expose-Headers"))
		}
		if !tt.want && got != "" {
			t.Errorf("GET %s from %q: ACAO %q; want none", tt.path, tt.origin, got)
		}
		if res.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("GET %s allows credentials; want never", tt.path)
		}
	}
}
