package httpbin_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
)

func TestCache(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	base := startBin(t, server.Config{Now: func() time.Time { return now }})
	tests := []struct {
		name       string
		h          http.Header
		wantStatus int
	}{
		{"plain", nil, 200},
		{"if-modified-since", http.Header{"If-Modified-Since": {"Wed, 04 Mar 2026 04:06:07 GMT"}}, 304},
		{"if-none-match", http.Header{"If-None-Match": {`"x"`}}, 304},
		{"if-match alone", http.Header{"If-Match": {`"x"`}}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, "GET", base+"/cache?a=1", tt.h, "")
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("GET /cache (%s) = %d; want %d", tt.name, res.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == 304 {
				if body != "" {
					t.Errorf("GET /cache (%s) = 304 with %q; want no body", tt.name, body)
				}
				return
			}
			if got := res.Header.Get("Last-Modified"); got != "Wed, 04 Mar 2026 04:06:07 GMT" {
				t.Errorf("GET /cache Last-Modified = %q; want the clock's time in IMF-fixdate", got)
			}
			if etag := res.Header.Get("ETag"); len(etag) != 42 || etag[0] != '"' || etag[41] != '"' {
				t.Errorf("GET /cache ETag = %q; want a quoted SHA-1", etag)
			}
			if m := decodeBin(t, "GET /cache", body); binField(m, "args") != `{"a":["1"]}` || binField(m, "url") != `"`+base+`/cache?a=1"` {
				t.Errorf("GET /cache = %s; want /get's answer", body)
			}
		})
	}
}

func TestCacheFor(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	tests := []struct {
		seconds      string
		wantStatus   int
		wantControl  string
		wantInDetail string
	}{
		{"0", 200, "public, max-age=0", ""},
		{"60", 200, "public, max-age=60", ""},
		{"2147483648", 200, "public, max-age=2147483648", ""},
		{"2147483649", 400, "", "0 to 2147483648"},
		{"-5", 400, "", "Bad parameter seconds"},
		{"1.5", 400, "", "Bad parameter seconds"},
		{"x", 400, "", "Bad parameter seconds"},
		{"99999999999999999999999", 400, "", "Bad parameter seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.seconds, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, "GET", base+"/cache/"+tt.seconds, nil, "")
			if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantInDetail) {
				t.Fatalf("GET /cache/%s = %d %s; want %d containing %q", tt.seconds, res.StatusCode, body, tt.wantStatus, tt.wantInDetail)
			}
			if tt.wantStatus == 200 {
				if got := res.Header.Get("Cache-Control"); got != tt.wantControl {
					t.Errorf("GET /cache/%s Cache-Control = %q; want %q", tt.seconds, got, tt.wantControl)
				}
				if m := decodeBin(t, "GET /cache/n", body); binField(m, "method") != `"GET"` {
					t.Errorf("GET /cache/%s = %s; want /get's answer", tt.seconds, body)
				}
			}
		})
	}
}

// TestCacheETag follows RFC 9110 §13: If-Match compares strongly and
// answers 412, If-None-Match compares weakly and answers 304 to GET and
// HEAD, 412 to the rest; If-Match is evaluated first.
func TestCacheETag(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	tests := []struct {
		name, method, etag string
		h                  http.Header
		wantStatus         int
	}{
		{"plain", "GET", "abc", nil, 200},
		{"none-match", "GET", "abc", http.Header{"If-None-Match": {`"abc"`}}, 304},
		{"none-match head", "HEAD", "abc", http.Header{"If-None-Match": {`"abc"`}}, 304},
		{"none-match list", "GET", "abc", http.Header{"If-None-Match": {`"123", "abc"`}}, 304},
		{"none-match lines", "GET", "abc", http.Header{"If-None-Match": {`"123"`, `W/"abc"`}}, 304},
		{"none-match star", "GET", "abc", http.Header{"If-None-Match": {"*"}}, 304},
		{"none-match weak", "GET", "c3piozzzz", http.Header{"If-None-Match": {`W/"xyzzy", W/"r2d2xxxx", W/"c3piozzzz"`}}, 304},
		{"none-match other", "GET", "abc", http.Header{"If-None-Match": {`"123"`}}, 200},
		{"none-match unquoted", "GET", "abc", http.Header{"If-None-Match": {`abc`}}, 200},
		{"none-match malformed", "GET", "abc", http.Header{"If-None-Match": {`"123" "abc"`}}, 200},
		{"none-match post", "POST", "abc", http.Header{"If-None-Match": {`"abc"`}}, 412},
		{"none-match put star", "PUT", "abc", http.Header{"If-None-Match": {"*"}}, 412},
		{"match", "GET", "abc", http.Header{"If-Match": {`"abc"`}}, 200},
		{"match list", "PUT", "abc", http.Header{"If-Match": {`"123", "abc"`}}, 200},
		{"match star", "DELETE", "abc", http.Header{"If-Match": {"*"}}, 200},
		{"match other", "GET", "abc", http.Header{"If-Match": {`"xxxxxx"`}}, 412},
		{"match weak is not strong", "PUT", "abc", http.Header{"If-Match": {`W/"abc"`}}, 412},
		{"match malformed", "PUT", "abc", http.Header{"If-Match": {`"abc`}}, 412},
		{"match before none-match", "GET", "abc", http.Header{"If-Match": {`"x"`}, "If-None-Match": {`"abc"`}}, 412},
		{"match then none-match", "GET", "abc", http.Header{"If-Match": {`"abc"`}, "If-None-Match": {`"abc"`}}, 304},
		{"dates ignored", "GET", "abc", http.Header{"If-Modified-Since": {"Wed, 04 Mar 2099 04:06:07 GMT"}, "If-Unmodified-Since": {"Wed, 04 Mar 1999 04:06:07 GMT"}}, 200},
		{"bad etag", "GET", `a"b`, nil, 400},
		{"space in etag", "GET", "a%20b", nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, tt.method, base+"/etag/"+tt.etag, tt.h, "")
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("%s /etag/%s with %v = %d %s; want %d", tt.method, tt.etag, tt.h, res.StatusCode, body, tt.wantStatus)
			}
			switch tt.wantStatus {
			case 200, 304, 412:
				if got := res.Header.Get("ETag"); got != `"`+tt.etag+`"` {
					t.Errorf("%s /etag/%s ETag = %q; want %q", tt.method, tt.etag, got, `"`+tt.etag+`"`)
				}
			}
			switch {
			case tt.wantStatus == 304 && body != "":
				t.Errorf("%s /etag/%s = 304 with %q; want no body", tt.method, tt.etag, body)
			case tt.wantStatus == 412 && res.Header.Get("Content-Type") != "application/problem+json":
				t.Errorf("%s /etag/%s = 412 as %q; want a problem", tt.method, tt.etag, res.Header.Get("Content-Type"))
			case tt.wantStatus == 200 && tt.method == "GET" && !strings.Contains(body, `"url":"`+base+"/etag/"+tt.etag+`"`):
				t.Errorf("%s /etag/%s = %s; want /get's answer", tt.method, tt.etag, body)
			}
		})
	}
}

func TestCacheResponseHeaders(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	secrets := startBin(t, server.Config{CaptureSecrets: true})
	tests := []struct {
		name, base, query string
		wantStatus        int
		wantBody          string
		wantHeaders       http.Header
	}{
		{"two values", base, "X-A=1&X-A=2&b=x", 200, `{"Content-Type":["application/json"],"X-A":["1","2"],"b":["x"]}` + "\n",
			http.Header{"X-A": {"1", "2"}, "B": {"x"}, "Content-Type": {"application/json"}}},
		{"content type", base, "Content-Type=text/plain%3B+charset=utf-8&x=%3Cb%3E", 200, `{"Content-Type":["text/plain; charset=utf-8"],"x":["<b>"]}` + "\n",
			http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X": {"<b>"}}},
		{"html escaped", base, "content-type=text/html&x=%3Cscript%3E", 200, `{"content-type":["text/html"],"x":["&lt;script&gt;"]}` + "\n",
			http.Header{"Content-Type": {"text/html"}, "X": {"<script>"}, "X-Content-Type-Options": {"nosniff"}}},
		{"bad type escaped", base, "Content-Type=%3C&%3Cb%3E=1", 400, "Bad parameter <b>", nil},
		{"secret redacted", base, "Set-Cookie=a%3Db&X-Api-Key=k", 200, `{"Content-Type":["application/json"],"Set-Cookie":["[redacted]"],"X-Api-Key":["[redacted]"]}` + "\n",
			http.Header{"Set-Cookie": {"a=b"}, "X-Api-Key": {"k"}}},
		{"secret kept", secrets, "X-Api-Key=k", 200, `"X-Api-Key":["k"]`, http.Header{"X-Api-Key": {"k"}}},
		{"none", base, "", 200, `{"Content-Type":["application/json"]}` + "\n", nil},
		{"empty value", base, "X-E=", 200, `"X-E":[""]`, http.Header{"X-E": {""}}},
		{"content-length", base, "Content-Length=3", 400, "Bad parameter Content-Length", nil},
		{"transfer-encoding", base, "transfer-encoding=chunked", 400, "Bad parameter transfer-encoding", nil},
		{"connection", base, "Connection=close", 400, "Bad parameter Connection", nil},
		{"upgrade", base, "Upgrade=websocket", 400, "Bad parameter Upgrade", nil},
		{"trailer", base, "Trailer=X", 400, "Bad parameter Trailer", nil},
		{"request id", base, "X-Request-Id=1", 400, "sets X-Request-Id itself", nil},
		{"two types", base, "Content-Type=text/plain&content-type=text/html", 400, "one Content-Type", nil},
		{"bad name", base, "X%20A=1", 400, "not a valid header field name", nil},
		{"colon name", base, "%3Astatus=200", 400, "not a valid header field name", nil},
		{"crlf", base, "X-A=1%0D%0ASet-Cookie:+a%3Db", 400, "not a valid header field value", nil},
		{"nul", base, "X-A=%00", 400, "not a valid header field value", nil},
		{"semicolon", base, "X-A=1;X-B=2", 400, "The query is malformed", nil},
		{"bad escape", base, "X-A=%zz", 400, "The query is malformed", nil},
		{"padded", base, "X-A=+1", 400, "not a valid header field value", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, "GET", tt.base+"/response-headers?"+tt.query, nil, "")
			if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("GET /response-headers?%s = %d %q; want %d containing %q", tt.query, res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			for k, want := range tt.wantHeaders {
				if got := res.Header.Values(k); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("GET /response-headers?%s %s = %q; want %q", tt.query, k, got, want)
				}
			}
			if tt.wantStatus == 400 && res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET /response-headers?%s = 400 as %q; want a problem", tt.query, res.Header.Get("Content-Type"))
			}
		})
	}
}
