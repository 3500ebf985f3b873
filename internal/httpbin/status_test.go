package httpbin_test

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
)

func TestStatusCodes(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	tests := []struct {
		method, code string
		wantStatus   int
		wantBody     string // a substring
		header, want string // a header it must send
	}{
		{"GET", "200", 200, "200 OK", "Content-Type", "text/plain; charset=utf-8"},
		{"POST", "201", 201, "201 Created", "", ""},
		{"DELETE", "202", 202, "202 Accepted", "", ""},
		{"GET", "204", 204, "", "", ""},
		{"GET", "300", 300, "300 Multiple Choices", "Location", "/hello"},
		{"GET", "302", 302, "302 Found", "Location", "/hello"},
		{"GET", "305", 305, "305 Use Proxy", "Location", "/hello"},
		{"GET", "308", 308, "308 Permanent Redirect", "Location", "/hello"},
		{"GET", "304", 304, "", "", ""},
		{"GET", "401", 401, `"status":401`, "WWW-Authenticate", `Basic realm="roundtrip"`},
		{"GET", "402", 402, `"title":"Payment Required"`, "X-More-Info", "http://vimeo.com/22053820"},
		{"GET", "405", 405, `"status":405`, "Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"},
		{"GET", "407", 407, `"status":407`, "Proxy-Authenticate", `Basic realm="roundtrip"`},
		{"GET", "416", 416, `"status":416`, "Content-Range", "bytes */0"},
		{"GET", "418", 418, "I'm a teapot!", "X-More-Info", "http://tools.ietf.org/html/rfc2324"},
		{"GET", "500", 500, `"detail":"This 500 was asked for at /status/500."`, "Content-Type", "application/problem+json"},
		{"GET", "599", 599, `"title":"Unassigned"`, "", ""},
		{"PUT", "206", 206, "206 Partial Content", "Content-Range", "bytes 0-18/19"},
		{"GET", "103", 200, "103 Early Hints", "", ""},
		{"GET", "101", 400, "Upgrade", "", ""},
		{"GET", "99", 400, `"title":"Bad parameter code"`, "", ""},
		{"GET", "600", 400, "100 to 599", "", ""},
		{"GET", "abc", 400, "100 to 599", "", ""},
		{"GET", "-200", 400, "100 to 599", "", ""},
		{"GET", "2e2", 400, "100 to 599", "", ""},
		{"GET", "1" + strings.Repeat("0", 40), 400, "100 to 599", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.code, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, tt.method, base+"/status/"+tt.code, nil, "")
			if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s /status/%s = %d %q; want %d containing %q", tt.method, tt.code, res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if tt.header != "" && res.Header.Get(tt.header) != tt.want {
				t.Errorf("%s /status/%s %s = %q; want %q", tt.method, tt.code, tt.header, res.Header.Get(tt.header), tt.want)
			}
			if (tt.wantStatus == 204 || tt.wantStatus == 304) && body != "" {
				t.Errorf("%s /status/%s body = %q; want none", tt.method, tt.code, body)
			}
		})
	}
}

func TestStatusHeadAndOptions(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	res, body := fetchBin(t, "HEAD", base+"/status/503", nil, "")
	if res.StatusCode != 503 || body != "" {
		t.Errorf("HEAD /status/503 = %d %q; want 503 and no body", res.StatusCode, body)
	}
	res, _ = fetchBin(t, "OPTIONS", base+"/status/503", nil, "")
	if got, want := res.Header.Get("Allow"), "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"; res.StatusCode != 204 || got != want {
		t.Errorf("OPTIONS /status/503 = %d Allow %q; want 204 Allow %q", res.StatusCode, got, want)
	}
}

// TestStatusInterim: 1xx codes go out as interim responses to HTTP/1.1
// clients and not at all to HTTP/1.0 ones (RFC 9110 §15.2).
func TestStatusInterim(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	addr := strings.TrimPrefix(base, "http://")
	tests := []struct{ proto, code, wantFirst string }{
		{"HTTP/1.0", "103", "HTTP/1.0 200 OK"},
		{"HTTP/1.1", "103", "HTTP/1.1 103 Early Hints"},
		{"HTTP/1.1", "102", "HTTP/1.1 102 Processing"},
	}
	for _, tt := range tests {
		t.Run(tt.proto+" "+tt.code, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(conn, "GET /status/%s %s\r\nHost: x\r\nConnection: close\r\n\r\n", tt.code, tt.proto)
			first, err := bufio.NewReader(conn).ReadString('\n')
			if got := strings.TrimSpace(first); got != tt.wantFirst {
				t.Errorf("%s GET /status/%s: first line %q (%v); want %q", tt.proto, tt.code, got, err, tt.wantFirst)
			}
		})
	}
}

// TestStatusList: a list is a weighted random choice, repeated by ?seed=.
func TestStatusList(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	code := func(path string) int {
		t.Helper()
		res, _ := fetchBin(t, "GET", base+path, nil, "")
		return res.StatusCode
	}
	t.Run("seed repeats", func(t *testing.T) {
		t.Parallel()
		for seed := range 5 {
			path := "/status/200,404,500,503?seed=" + strconv.Itoa(seed)
			first := code(path)
			for range 3 {
				if got := code(path); got != first {
					t.Fatalf("GET %s = %d, then %d; want the same with the same seed", path, first, got)
				}
			}
		}
	})
	t.Run("weights", func(t *testing.T) {
		t.Parallel()
		counts := map[int]int{}
		const n = 200
		for seed := range n {
			counts[code("/status/200:0.7,500:0.3,404:0?seed="+strconv.Itoa(seed))]++
		}
		if counts[404] != 0 || counts[200]+counts[500] != n {
			t.Errorf("GET /status/200:0.7,500:0.3,404:0 over %d seeds = %v; want 200 and 500 only", n, counts)
		}
		if counts[200] < n/2 || counts[200] > n*9/10 {
			t.Errorf("GET /status/200:0.7,500:0.3 over %d seeds: %d of 200; want about %d", n, counts[200], n*7/10)
		}
	})
	t.Run("one weighted", func(t *testing.T) {
		t.Parallel()
		if got := code("/status/418:1"); got != 418 {
			t.Errorf("GET /status/418:1 = %d; want 418", got)
		}
		if got := code("/status/500:0,201"); got != 201 {
			t.Errorf("GET /status/500:0,201 = %d; want 201", got)
		}
	})
	t.Run("bad", func(t *testing.T) {
		t.Parallel()
		many := strings.TrimSuffix(strings.Repeat("200,", 101), ",")
		for _, tt := range []struct{ path, want string }{
			{"/status/200:x,500", "Bad parameter code"},
			{"/status/200:-1,500", "Bad parameter code"},
			{"/status/200:NaN,500", "Bad parameter code"},
			{"/status/200:Inf,500", "Bad parameter code"},
			{"/status/200:1e308,500:1e308", "Bad parameter code"},
			{"/status/200:0,500:0", "add up to more than 0"},
			{"/status/101,200", "Upgrade"},
			{"/status/abc,200", "Bad parameter code"},
			{"/status/200,", "Bad parameter code"},
			{"/status/,", "Bad parameter code"},
			{"/status/200:", "Bad parameter code"},
			{"/status/99,200", "100 to 599"},
			{"/status/" + many, "at most 100"},
			{"/status/200,500?seed=-1", "Bad parameter seed"},
			{"/status/200,500?seed=x", "Bad parameter seed"},
		} {
			res, body := fetchBin(t, "GET", base+tt.path, nil, "")
			if res.StatusCode != 400 || !strings.Contains(body, tt.want) {
				t.Errorf("GET %s = %d %s; want 400 containing %q", tt.path, res.StatusCode, body, tt.want)
			}
		}
	})
}

func TestStatusUnstable(t *testing.T) {
	t.Parallel()
	base := startBin(t, server.Config{})
	tests := []struct {
		query      string
		wantStatus int
		wantBody   string
	}{
		{"?failure_rate=0", 200, "200 OK"},
		{"?failure_rate=1", 500, `"status":500`},
		{"?failure_rate=1&seed=3", 500, "failure_rate=1"},
		{"?failure_rate=2", 400, "Bad parameter failure_rate"},
		{"?failure_rate=-0.1", 400, "Bad parameter failure_rate"},
		{"?failure_rate=NaN", 400, "Bad parameter failure_rate"},
		{"?failure_rate=x", 400, "Bad parameter failure_rate"},
		{"?seed=x", 400, "Bad parameter seed"},
		{"?seed=18446744073709551616", 400, "Bad parameter seed"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			res, body := fetchBin(t, "GET", base+"/unstable"+tt.query, nil, "")
			if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("GET /unstable%s = %d %q; want %d containing %q", tt.query, res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	t.Run("seeded", func(t *testing.T) {
		t.Parallel()
		counts := map[int]int{}
		for seed := range 100 {
			path := "/unstable?failure_rate=0.5&seed=" + strconv.Itoa(seed)
			first, _ := fetchBin(t, "GET", base+path, nil, "")
			again, _ := fetchBin(t, "GET", base+path, nil, "")
			if first.StatusCode != again.StatusCode {
				t.Errorf("GET %s = %d, then %d; want the same with the same seed", path, first.StatusCode, again.StatusCode)
			}
			counts[first.StatusCode]++
		}
		if counts[200] < 25 || counts[500] < 25 || counts[200]+counts[500] != 100 {
			t.Errorf("GET /unstable?failure_rate=0.5 over 100 seeds = %v; want about half 200, half 500", counts)
		}
	})
}
