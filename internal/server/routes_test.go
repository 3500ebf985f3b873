package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/route"
)

// TestRoutesAgreeWithHandleRequest walks every (method, path) pair of the
// challenge, HEAD and OPTIONS among them: the server and
// route.HandleRequest give the same status, except where HTTP adds to
// what the lesson asks, which the server does and the challenge does not:
// HEAD answers wherever GET does, and OPTIONS answers 204 on every known
// path.
func TestRoutesAgreeWithHandleRequest(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	methods := []string{"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "TRACE", "PROPFIND", "get", "post", "Get", "head"}
	paths := []string{"/hello", "/time", "/echo", "/hello/", "/echo/", "/Hello", "/nope", "/hello?x=1", "/echo?x=1", "/time?hello"}
	for _, method := range methods {
		for _, path := range paths {
			if method == "CONNECT" && strings.Contains(path, "?") {
				continue // CONNECT carries an authority, not a path with a query
			}
			want := route.HandleRequest(route.Request{Method: method, Path: path}).Status
			known := want != http.StatusNotFound
			switch {
			case method == "HEAD" && route.HandleRequest(route.Request{Method: "GET", Path: path}).Status == http.StatusOK:
				want = http.StatusOK // HEAD where GET is
			case method == "OPTIONS" && known:
				want = http.StatusNoContent // OPTIONS on a known path
			}
			res, _ := do(t, method, ts.URL+path, nil, "")
			if res.StatusCode != want {
				t.Errorf("%s %s = %d; want %d (HandleRequest answers %d)", method, path, res.StatusCode, want, route.HandleRequest(route.Request{Method: method, Path: path}).Status)
			}
		}
	}
}

// TestRoutesFromTheChallenge: the server answers each route of the
// challenge's table with the table's body.
func TestRoutesFromTheChallenge(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, rt := range route.Routes() {
		res, body := do(t, rt.Method, ts.URL+rt.Path, http.Header{"Content-Type": {"application/json"}}, map[string]string{"POST": "{}"}[rt.Method])
		if res.StatusCode != 200 || !strings.Contains(body, rt.Body) {
			t.Errorf("%s %s = %d %q; want 200 with %q", rt.Method, rt.Path, res.StatusCode, body, rt.Body)
		}
	}
}

func TestRoutesHeadAndOptions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		method, path string
		wantStatus   int
		wantAllow    string
	}{
		{"HEAD", "/hello", 200, ""},
		{"HEAD", "/api/greeting?name=A", 200, ""},
		{"HEAD", "/time", 200, ""},
		{"HEAD", "/healthz", 200, ""},
		{"HEAD", "/echo", 405, "POST, OPTIONS"},
		{"HEAD", "/nope", 404, ""},
		{"OPTIONS", "/hello", 204, "GET, HEAD, OPTIONS"},
		{"OPTIONS", "/api/greeting", 204, "GET, HEAD, POST, OPTIONS"},
		{"OPTIONS", "/echo", 204, "POST, OPTIONS"},
		{"OPTIONS", "/status/200", 204, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"},
		{"OPTIONS", "/nope", 404, ""},
		{"DELETE", "/hello", 405, "GET, HEAD, OPTIONS"},
		{"PUT", "/api/greeting", 405, "GET, HEAD, POST, OPTIONS"},
	}
	for _, tt := range tests {
		res, body := do(t, tt.method, ts.URL+tt.path, nil, "")
		if res.StatusCode != tt.wantStatus {
			t.Errorf("%s %s = %d; want %d", tt.method, tt.path, res.StatusCode, tt.wantStatus)
		}
		if got := res.Header.Get("Allow"); got != tt.wantAllow {
			t.Errorf("%s %s Allow = %q; want %q", tt.method, tt.path, got, tt.wantAllow)
		}
		if (tt.method == "HEAD" || tt.wantStatus == 204) && body != "" {
			t.Errorf("%s %s body = %q; want none", tt.method, tt.path, body)
		}
	}
}

func TestRoutesHeadMatchesGetHeaders(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	get, getBody := do(t, "GET", ts.URL+"/hello", nil, "")
	head, _ := do(t, "HEAD", ts.URL+"/hello", nil, "")
	if got, want := head.Header.Get("Content-Type"), get.Header.Get("Content-Type"); got != want {
		t.Errorf("HEAD /hello Content-Type = %q; want %q as GET", got, want)
	}
	if got, want := head.ContentLength, int64(len(getBody)); got != want {
		t.Errorf("HEAD /hello Content-Length = %d; want %d as GET", got, want)
	}
}

func TestRoutesBasics(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		path, wantType, wantPrefix string
	}{
		{"/hello", "text/plain; charset=utf-8", "Hello, World!"},
		{"/time", "text/plain; charset=utf-8", "Current time: "},
		{"/healthz", "text/plain; charset=utf-8", "ok"},
	}
	for _, tt := range tests {
		res, body := do(t, "GET", ts.URL+tt.path, nil, "")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != tt.wantType || !strings.HasPrefix(body, tt.wantPrefix) {
			t.Errorf("GET %s = %d %q %q; want 200 %q starting %q", tt.path, res.StatusCode, res.Header.Get("Content-Type"), body, tt.wantType, tt.wantPrefix)
		}
	}
	if _, body := do(t, "GET", ts.URL+"/hello", nil, ""); body != "Hello, World!" {
		t.Errorf("GET /hello body = %q; want %q", body, "Hello, World!")
	}
}
