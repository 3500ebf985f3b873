package httpbin_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
)

func TestCookies(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	secrets := startBin(t, server.Config{CaptureSecrets: true})
	tests := []struct {
		name, base, cookie, want string
	}{
		{"redacted", base, "a=1; b=2", `{"cookies":{"a":"[redacted]","b":"[redacted]"}}` + "\n"},
		{"secrets kept", secrets, "a=1; b=x y", `{"cookies":{"a":"1","b":"x y"}}` + "\n"},
		{"the last of a name", secrets, "a=1; a=2", `{"cookies":{"a":"2"}}` + "\n"},
		{"none", base, "", `{"cookies":{}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h http.Header
			if tt.cookie != "" {
				h = http.Header{"Cookie": {tt.cookie}}
			}
			res, body := fetchBin(t, "GET", tt.base+"/cookies", h, "")
			if res.StatusCode != 200 || body != tt.want {
				t.Errorf("GET /cookies with %q = %d %q; want 200 %q", tt.cookie, res.StatusCode, body, tt.want)
			}
		})
	}
}

func TestCookiesSet(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	tests := []struct {
		query      string
		wantStatus int
		wantSet    []string
		wantBody   string
	}{
		{"b=2&a=1", 302, []string{"a=1; Path=/; HttpOnly", "b=2; Path=/; HttpOnly"}, ""},
		{"a=x%20y", 302, []string{`a="x y"; Path=/; HttpOnly`}, ""},
		{"a=1&attr[SameSite]=lax&attr[secure]=true&attr[HttpOnly]=false&attr[Path]=/x&attr[Domain]=example.com", 302,
			[]string{"a=1; Path=/x; Domain=example.com; Secure; SameSite=Lax"}, ""},
		{"a=&attr[samesite]=None&attr[Secure]=1", 302, []string{"a=; Path=/; HttpOnly; Secure; SameSite=None"}, ""},
		{"", 302, nil, ""},
		{"a=%22q%22", 400, nil, "Bad parameter a"},
		{"a=1%3B+b", 400, nil, "Bad parameter a"},
		{"a%20b=1", 400, nil, "Bad parameter a b"},
		{"a=%0A", 400, nil, "Bad parameter a"},
		{"a=1&attr[SameSite]=sometimes", 400, nil, "Bad parameter attr[SameSite]"},
		{"a=1&attr[Max-Age]=5", 400, nil, "Bad parameter attr[Max-Age]"},
		{"a=1&attr[Path]=%3B", 400, nil, "Bad parameter attr[Path]"},
		{"a=1&attr[Domain]=a%20b", 400, nil, "Bad parameter attr[Domain]"},
		{"a=1;b=2", 400, nil, "The query is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, "GET", base+"/cookies/set?"+tt.query, nil, "")
			if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("GET /cookies/set?%s = %d %q; want %d containing %q", tt.query, res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if got := res.Header.Values("Set-Cookie"); strings.Join(got, "\n") != strings.Join(tt.wantSet, "\n") {
				t.Errorf("GET /cookies/set?%s Set-Cookie = %q; want %q", tt.query, got, tt.wantSet)
			}
			if tt.wantStatus == 302 && res.Header.Get("Location") != "/cookies" {
				t.Errorf("GET /cookies/set?%s Location = %q; want /cookies", tt.query, res.Header.Get("Location"))
			}
		})
	}
}

func TestCookiesDelete(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	base := startBin(t, server.Config{Now: func() time.Time { return now }})
	res, _ := fetchBin(t, "POST", base+"/cookies/delete?a&b=ignored&attr[Path]=/p", nil, "")
	want := []string{
		"a=; Path=/p; Expires=Tue, 04 Mar 2025 05:06:07 GMT; Max-Age=0; HttpOnly",
		"b=; Path=/p; Expires=Tue, 04 Mar 2025 05:06:07 GMT; Max-Age=0; HttpOnly",
	}
	if got := res.Header.Values("Set-Cookie"); res.StatusCode != 302 || strings.Join(got, "\n") != strings.Join(want, "\n") || res.Header.Get("Location") != "/cookies" {
		t.Errorf("POST /cookies/delete?a&b = %d Set-Cookie %q Location %q; want 302 %q to /cookies", res.StatusCode, got, res.Header.Get("Location"), want)
	}
	res, _ = fetchBin(t, "GET", base+"/cookies/delete?a%3Db", nil, "")
	if res.StatusCode != 400 {
		t.Errorf("GET /cookies/delete?a%%3Db = %d; want 400 for the name a=b", res.StatusCode)
	}
}

// TestCookiesJar: a client with a cookie jar that follows the redirects
// sees its cookies set, then deleted.
func TestCookiesJar(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{CaptureSecrets: true})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	defer c.CloseIdleConnections()
	for _, tt := range []struct{ path, want string }{
		{"/cookies/set?k=v&n=1", `{"cookies":{"k":"v","n":"1"}}` + "\n"},
		{"/cookies/delete?k", `{"cookies":{"n":"1"}}` + "\n"},
	} {
		res, err := c.Get(base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 || string(b) != tt.want {
			t.Errorf("GET %s followed = %d %q (%v); want 200 %q", tt.path, res.StatusCode, b, err, tt.want)
		}
	}
}
