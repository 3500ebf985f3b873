package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestInfo: the inspector says what it watches, for each mode.
func TestInfo(t *testing.T) {
	t.Parallel()
	app := http.NotFoundHandler()
	tests := []struct {
		name string
		cfg  Config
		want info
	}{
		{"serve", Config{}, info{Mode: "serve", Listener: "http://127.0.0.1:3000", Inspector: true}},
		{"serve without the inspector", Config{NoInspector: true}, info{Mode: "serve", Listener: "http://127.0.0.1:3000"}},
		{"reverse", Config{Proxy: app, Target: "http://localhost:8080"}, info{Mode: "reverse", Listener: "http://127.0.0.1:3000", Target: "http://localhost:8080", Inspector: true}},
		{"forward", Config{Proxy: app, Forward: true, Intercept: true, Target: "ignored"}, info{Mode: "forward", Listener: "http://127.0.0.1:3000", Intercept: true, Inspector: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			handleInfo(&tt.cfg, func() string { return "http://127.0.0.1:3000" }).ServeHTTP(rec, httptest.NewRequest("GET", "/_roundtrip/api/info", nil))
			var got info
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("info = %q: %v", rec.Body, err)
			}
			if got != tt.want || rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("info = %+v (Cache-Control %q); want %+v, no-store", got, rec.Header().Get("Cache-Control"), tt.want)
			}
		})
	}
}

// TestInfoRoute: serve answers GET /_roundtrip/api/info, and nothing else there.
func TestInfoRoute(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res, body := do(t, "GET", ts.URL+"/_roundtrip/api/info", nil, "")
	var got info
	if err := json.Unmarshal([]byte(body), &got); res.StatusCode != 200 || err != nil || got.Mode != "serve" {
		t.Errorf("GET /_roundtrip/api/info = %d %q; want 200 with mode serve", res.StatusCode, body)
	}
	if res, _ := do(t, "POST", ts.URL+"/_roundtrip/api/info", nil, ""); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /_roundtrip/api/info = %d; want 405", res.StatusCode)
	}
}
