package server

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestHostAllowed(t *testing.T) {
	t.Parallel()
	a := newAccess("", []string{"Dev.Example", ".apps.example."}, false)
	tests := []struct {
		host string
		want bool
	}{
		{"", true}, // HTTP/1.0 without Host: not a browser
		{"localhost", true},
		{"localhost:3000", true},
		{"LOCALHOST.:3000", true},
		{"app.localhost:3000", true},
		{"127.0.0.1:3000", true},
		{"127.0.0.1", true},
		{"[::1]:3000", true},
		{"[::1]", true},
		{"192.168.1.20:3000", true}, // any IP literal: a page sends it only when loaded from it
		{"dev.example:3000", true},
		{"dev.example.", true},
		{"apps.example", true},
		{"a.b.apps.example:443", true},
		{"attacker.example:3000", false},
		{"localhost.attacker.example", false},
		{"127.0.0.1.nip.io:3000", false},
		{"evil-dev.example", false},
		{"xapps.example", false},
		{"dev.example.attacker.example", false},
	}
	for _, tt := range tests {
		if got := a.hostAllowed(tt.host); got != tt.want {
			t.Errorf("hostAllowed(%q) = %v; want %v", tt.host, got, tt.want)
		}
	}
}

// TestRebindingRefused is DNS rebinding without a browser: a request to
// 127.0.0.1 whose Host is another site's name, as a page on that site
// sends once its name resolves here. Before the Host check, every one of
// these answered 200 with the history.
func TestRebindingRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, New(Config{ShutdownTimeout: 5 * time.Second, AllowedHosts: []string{"dev.example"}}), ln)
	base := "http://" + ln.Addr().String()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	do(t, "GET", base+"/hello", nil, "") // something to steal

	own := []struct{ method, path string }{
		{"GET", "/"},
		{"GET", "/_roundtrip/static/app.js"},
		{"GET", "/_roundtrip/api/experiments"},
		{"GET", "/_roundtrip/api/challenge"},
		{"GET", "/_roundtrip/api/quiz"},
		{"GET", "/_roundtrip/api/exchanges"},
		{"GET", "/_roundtrip/api/exchanges/1"},
		{"GET", "/_roundtrip/api/exchanges/1/as/curl"},
		{"GET", "/_roundtrip/api/events"},
		{"GET", "/_roundtrip/api/har"},
		{"GET", "/_roundtrip/api/store"},
		{"GET", "/_roundtrip/api/info"},
		{"GET", "/_roundtrip/api/resolve?name=localhost"},
		{"GET", "/_roundtrip/x/1"},
		{"GET", "/metrics"},
		{"DELETE", "/_roundtrip/api/exchanges"},
	}
	// A stream that is answered would never end: the client gives up.
	client := &http.Client{Timeout: 3 * time.Second}
	for _, tt := range own {
		for _, host := range []string{"attacker.example:" + port, "attacker.example", "ATTACKER.example.:" + port} {
			req, _ := http.NewRequest(tt.method, base+tt.path, nil)
			req.Host = host
			res, err := client.Do(req)
			if err != nil {
				t.Errorf("%s %s with Host %s: %v; want a 403 problem", tt.method, tt.path, host, err)
				continue
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			body := string(b)
			if res.StatusCode != http.StatusForbidden || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, "--allowed-host") {
				t.Errorf("%s %s with Host %s = %d %s %s; want a 403 problem naming --allowed-host", tt.method, tt.path, host, res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			if strings.Contains(body, "/hello") {
				t.Errorf("%s %s with Host %s leaked the history: %s", tt.method, tt.path, host, body)
			}
		}
		for _, host := range []string{"localhost:" + port, "127.0.0.1:" + port, "dev.example:" + port} {
			if tt.method == "DELETE" || tt.path == "/_roundtrip/api/events" {
				continue // would clear the history, or stream until cut
			}
			if res, _ := do(t, tt.method, base+tt.path, http.Header{"Host": {host}}, ""); res.StatusCode != http.StatusOK {
				t.Errorf("%s %s with Host %s = %d; want 200", tt.method, tt.path, host, res.StatusCode)
			}
		}
	}
	// The lesson's demo endpoints answer any Host.
	for _, path := range []string{"/hello", "/api/greeting", "/status/204"} {
		if res, _ := do(t, "GET", base+path, http.Header{"Host": {"attacker.example:" + port}}, ""); res.StatusCode >= 300 {
			t.Errorf("GET %s with Host attacker.example = %d; want it answered", path, res.StatusCode)
		}
	}
}

// TestOriginChecked: a request that changes state is refused when it comes
// from another site's page, as its Origin or Sec-Fetch-Site says.
func TestOriginChecked(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, New(Config{ShutdownTimeout: 5 * time.Second}), ln)
	base := "http://" + ln.Addr().String()
	tests := []struct {
		name   string
		header http.Header
		want   int
	}{
		{"no origin (curl)", nil, 204},
		{"same origin", http.Header{"Origin": {base}}, 204},
		{"same origin, fetch metadata", http.Header{"Sec-Fetch-Site": {"same-origin"}}, 204},
		{"other site", http.Header{"Origin": {"http://attacker.example"}}, 403},
		{"other port", http.Header{"Origin": {"http://127.0.0.1:1"}}, 403},
		{"opaque origin", http.Header{"Origin": {"null"}}, 403},
		{"cross-site fetch metadata", http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, "DELETE", base+"/_roundtrip/api/exchanges", tt.header, "")
			if res.StatusCode != tt.want {
				t.Errorf("DELETE exchanges with %v = %d %s; want %d", tt.header, res.StatusCode, body, tt.want)
			}
			if tt.want == 403 && res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("DELETE exchanges with %v: Content-Type %q; want a problem", tt.header, res.Header.Get("Content-Type"))
			}
		})
	}
}

func TestRequireTokenOnLoopback(t *testing.T) {
	t.Parallel()
	const token = "test-token-0123456789"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, New(Config{ShutdownTimeout: 5 * time.Second, InspectorToken: token, RequireToken: true}), ln)
	base := "http://" + ln.Addr().String()
	for _, path := range []string{"/_roundtrip/api/exchanges", "/_roundtrip/api/har", "/metrics"} {
		if res, _ := do(t, "GET", base+path, nil, ""); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without the token, RequireToken set = %d; want 401", path, res.StatusCode)
		}
		if res, _ := do(t, "GET", base+path, http.Header{"Authorization": {"Bearer " + token}}, ""); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with the token = %d; want 200", path, res.StatusCode)
		}
	}
	if res, _ := do(t, "GET", base+"/hello", nil, ""); res.StatusCode != http.StatusOK {
		t.Errorf("GET /hello, RequireToken set = %d; want 200: the demo needs no token", res.StatusCode)
	}
}
