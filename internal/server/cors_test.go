package server

import (
	"net/http"
	"testing"
)

// TestCORS holds both halves of the policy: the lesson's and httpbin's
// routes answer any origin's page as go-httpbin does, preflights included;
// roundtrip's own routes (the page, the inspector's API, /metrics) never
// send a CORS header.
func TestCORS(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	const site = "http://attacker.example"
	tests := []struct {
		method, path, origin string
		want                 bool
	}{
		{"GET", "/api/greeting?name=Alice", "http://127.0.0.1:3000", true},
		{"GET", "/hello", "http://tour-1.localhost:3000", true},
		{"GET", "/get", site, true},
		{"POST", "/post", site, true},
		{"GET", "/status/418", site, true},
		{"GET", "/no/such/path", site, true},
		{"GET", "/api/greeting", "", false},
		{"GET", "/", site, false},
		{"GET", "/_roundtrip/api/exchanges", "http://localhost:3000", false},
		{"GET", "/_roundtrip/api/experiments", site, false},
		{"GET", "/_roundtrip/static/app.js", site, false},
		{"GET", "/metrics", "http://localhost:3000", false},
		{"OPTIONS", "/_roundtrip/api/exchanges", site, false},
		{"OPTIONS", "/metrics", site, false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path+" from "+tt.origin, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			if tt.method == "OPTIONS" {
				h.Set("Access-Control-Request-Method", "DELETE")
			}
			res, _ := do(t, tt.method, ts.URL+tt.path, h, "")
			got := res.Header.Get("Access-Control-Allow-Origin")
			if !tt.want {
				for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Expose-Headers", "Timing-Allow-Origin"} {
					if v := res.Header.Get(k); v != "" {
						t.Errorf("%s %s from %q: %s %q; want none", tt.method, tt.path, tt.origin, k, v)
					}
				}
				return
			}
			if got != tt.origin || res.Header.Get("Access-Control-Allow-Credentials") != "true" {
				t.Errorf("%s %s from %s: ACAO %q, credentials %q; want the origin reflected, credentials allowed", tt.method, tt.path, tt.origin, got, res.Header.Get("Access-Control-Allow-Credentials"))
			}
			if res.Header.Get("Timing-Allow-Origin") != tt.origin || res.Header.Get("Access-Control-Expose-Headers") != "Server-Timing, X-Request-Id" {
				t.Errorf("%s %s from %s: TAO %q, expose %q; want the timings and both headers exposed", tt.method, tt.path, tt.origin, res.Header.Get("Timing-Allow-Origin"), res.Header.Get("Access-Control-Expose-Headers"))
			}
		})
	}
}

// TestCORSPreflight: a preflight is answered 200 for every method the
// routes take, with the headers asked for, cached an hour; a plain OPTIONS
// keeps its 204 and Allow.
func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	h := http.Header{"Origin": {"http://app.example"}, "Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"content-type, x-trace"}}
	res, body := do(t, "OPTIONS", ts.URL+"/put", h, "")
	if res.StatusCode != http.StatusOK || body != "" {
		t.Errorf("preflight OPTIONS /put = %d %q; want 200 and no body", res.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":  "http://app.example",
		"Access-Control-Allow-Methods": corsMethods,
		"Access-Control-Allow-Headers": "content-type, x-trace",
		"Access-Control-Max-Age":       "3600",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("preflight %s = %q; want %q", k, got, want)
		}
	}
	res, _ = do(t, "OPTIONS", ts.URL+"/api/greeting", nil, "")
	if res.StatusCode != http.StatusNoContent || res.Header.Get("Allow") == "" || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("plain OPTIONS /api/greeting = %d, Allow %q, ACAO %q; want 204 with Allow and no CORS", res.StatusCode, res.Header.Get("Allow"), res.Header.Get("Access-Control-Allow-Origin"))
	}
}

// TestCORSNoCredentialsWithSecrets: with secrets kept, another site's page
// may read the routes, but not with the user's cookies.
func TestCORSNoCredentialsWithSecrets(t *testing.T) {
	t.Parallel()
	ts := newTestServerConfig(t, Config{CaptureSecrets: true})
	res, _ := do(t, "GET", ts.URL+"/get", http.Header{"Origin": {"http://app.example"}}, "")
	if res.Header.Get("Access-Control-Allow-Origin") != "http://app.example" || res.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("GET /get with secrets kept: ACAO %q, credentials %q; want the origin, no credentials", res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Access-Control-Allow-Credentials"))
	}
}
