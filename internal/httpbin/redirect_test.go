package httpbin_test

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
)

func TestRedirectChains(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	tests := []struct {
		method, path string
		wantStatus   int
		wantLocation string // "BASE" stands for the server's URL
		wantBody     string
	}{
		{"GET", "/redirect/3", 302, "/relative-redirect/2", ""},
		{"POST", "/redirect/1", 302, "/get", ""},
		{"GET", "/redirect/2?absolute=TRUE", 302, "BASE/absolute-redirect/1", ""},
		{"GET", "/redirect/2?absolute=no", 302, "/relative-redirect/1", ""},
		{"GET", "/relative-redirect/2", 302, "/relative-redirect/1", ""},
		{"HEAD", "/relative-redirect/1", 302, "/get", ""},
		{"GET", "/absolute-redirect/5?x=1", 302, "BASE/absolute-redirect/4", ""},
		{"GET", "/absolute-redirect/1", 302, "BASE/get", ""},
		{"GET", "/redirect/100", 302, "/relative-redirect/99", ""},
		{"GET", "/redirect/0", 400, "", "Bad parameter n"},
		{"GET", "/redirect/101", 400, "", "1 to 100"},
		{"GET", "/relative-redirect/-1", 400, "", "Bad parameter n"},
		{"GET", "/absolute-redirect/99999999999999999999", 400, "", "Bad parameter n"},
		{"GET", "/redirect/x", 400, "", "Bad parameter n"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, tt.method, base+tt.path, nil, "")
			want := strings.ReplaceAll(tt.wantLocation, "BASE", base)
			if res.StatusCode != tt.wantStatus || res.Header.Get("Location") != want || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s %s = %d Location %q %q; want %d Location %q containing %q", tt.method, tt.path, res.StatusCode, res.Header.Get("Location"), body, tt.wantStatus, want, tt.wantBody)
			}
		})
	}
	t.Run("followed", func(t *testing.T) {
		t.Parallel()
		var hops int
		c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error { hops = len(via); return nil }}
		for _, path := range []string{"/redirect/5", "/absolute-redirect/5", "/redirect/5?absolute=true"} {
			res, err := c.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 200 || res.Request.URL.Path != "/get" || hops != 5 {
				t.Errorf("GET %s followed = %d at %s after %d hops; want 200 at /get after 5", path, res.StatusCode, res.Request.URL.Path, hops)
			}
		}
		c.CloseIdleConnections()
	})
}

// TestRedirectAbsoluteWithoutHost: an HTTP/1.0 request without Host gets
// the server's listening address in an absolute Location.
func TestRedirectAbsoluteWithoutHost(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("GET /absolute-redirect/1 HTTP/1.0\r\n\r\n"))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Location"); res.StatusCode != 302 || got != base+"/get" {
		t.Errorf("HTTP/1.0 GET /absolute-redirect/1 without Host = %d Location %q; want 302 %q", res.StatusCode, got, base+"/get")
	}
}

func TestRedirectTo(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	port := base[strings.LastIndexByte(base, ':'):]
	tests := []struct {
		target, status string
		wantStatus     int
		wantLocation   string // "BASE" stands for the server's URL
		wantBody       string
	}{
		{"/get", "", 302, "/get", ""},
		{"/get?a=1&b=2#frag", "307", 307, "/get?a=1&b=2#frag", ""},
		{"/anything/é", "308", 308, "/anything/%C3%A9", ""},
		{"/%2F%2Fevil.example", "", 302, "/%2F%2Fevil.example", ""},
		{"BASE/get", "301", 301, "BASE/get", ""},
		{"HTTP://127.0.0.1" + port + "/get", "", 302, "http://127.0.0.1" + port + "/get", ""},
		{"/get", "300", 300, "/get", ""},
		{"/get", "399", 399, "/get", ""},
		{"", "", 400, "", "url is required"},
		{"/get", "200", 400, "", "Bad parameter status_code"},
		{"/get", "400", 400, "", "Bad parameter status_code"},
		{"/get", "x", 400, "", "Bad parameter status_code"},
		{"http://evil.example/", "", 400, "", "no open redirect"},
		{"https://evil.example", "", 400, "", "no open redirect"},
		{"//evil.example/", "", 400, "", "Bad parameter url"},
		{"///evil.example/", "", 400, "", "Bad parameter url"},
		{"/\\evil.example/", "", 400, "", "backslash"},
		{"\\\\evil.example/", "", 400, "", "backslash"},
		{"/\t/evil.example/", "", 400, "", "control character"},
		{"/\r\nSet-Cookie: a=b", "", 400, "", "control character"},
		{"http:evil.example", "", 400, "", "no open redirect"},
		{"javascript:alert(1)", "", 400, "", "no open redirect"},
		{"https://127.0.0.1" + port + "/get", "", 400, "", "no open redirect"},
		{"http://127.0.0.1:1/get", "", 400, "", "no open redirect"},
		{"http://127.0.0.1" + port + "@evil.example/", "", 400, "", "Bad parameter url"},
		{"http://u:p@127.0.0.1" + port + "/", "", 400, "", "credentials"},
		{"get", "", 400, "", "not a path from the root"},
		{"?a=1", "", 400, "", "not a path from the root"},
		{" /get", "", 400, "", "Bad parameter url"},
		{"%zz", "", 400, "", "Bad parameter url"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			t.Parallel()
			q := url.Values{}
			if tt.target != "" {
				q.Set("url", strings.ReplaceAll(tt.target, "BASE", base))
			}
			if tt.status != "" {
				q.Set("status_code", tt.status)
			}
			res, body := fetchBin(t, "GET", base+"/redirect-to?"+q.Encode(), nil, "")
			want := strings.ReplaceAll(tt.wantLocation, "BASE", base)
			if res.StatusCode != tt.wantStatus || res.Header.Get("Location") != want || !strings.Contains(body, tt.wantBody) {
				t.Errorf("GET /redirect-to?%s = %d Location %q %q; want %d Location %q containing %q", q.Encode(), res.StatusCode, res.Header.Get("Location"), body, tt.wantStatus, want, tt.wantBody)
			}
		})
	}
	t.Run("host header", func(t *testing.T) {
		t.Parallel()
		// The allow-list is the Host the request names: a page's link
		// cannot name another, and a client that sends one is redirected
		// to where it asked.
		req, _ := http.NewRequest("GET", base+"/redirect-to?url="+url.QueryEscape("http://other.example/x"), nil)
		req.Host = "other.example"
		res, err := binClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 302 || res.Header.Get("Location") != "http://other.example/x" {
			t.Errorf("GET /redirect-to with Host other.example = %d Location %q; want 302 to that host", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
