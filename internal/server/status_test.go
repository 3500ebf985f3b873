package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		method, code string
		wantStatus   int
		wantBody     string // a substring
	}{
		{"GET", "200", 200, "200 OK"},
		{"GET", "201", 201, "201 Created"},
		{"POST", "201", 201, "201 Created"},
		{"DELETE", "202", 202, "202 Accepted"},
		{"GET", "204", 204, ""},
		{"GET", "304", 304, ""},
		{"GET", "302", 302, "302 Found"},
		{"GET", "413", 413, `"title":"Content Too Large"`},
		{"GET", "404", 404, `"status":404`},
		{"GET", "418", 418, "I'm a teapot"},
		{"GET", "503", 503, `"title":"Service Unavailable"`},
		{"GET", "599", 599, `"title":"Unassigned"`},
		{"GET", "103", 200, "103 Early Hints"},
		{"GET", "101", 400, "Upgrade"},
		{"GET", "99", 400, "100 to 599"},
		{"GET", "600", 400, "100 to 599"},
		{"GET", "abc", 400, "100 to 599"},
		{"GET", "2e2", 400, "100 to 599"},
		{"GET", "-200", 400, "100 to 599"},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, ts.URL+"/status/"+tt.code, nil)
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		body := string(b)
		if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
			t.Errorf("%s /status/%s = %d %q; want %d containing %q", tt.method, tt.code, res.StatusCode, body, tt.wantStatus, tt.wantBody)
		}
		if (tt.wantStatus == 204 || tt.wantStatus == 304) && body != "" {
			t.Errorf("%s /status/%s body = %q; want none", tt.method, tt.code, body)
		}
	}
}

// TestStatusSendsWhatItNeeds checks the headers a status requires or
// needs to be of use, as go-httpbin sends them.
func TestStatusSendsWhatItNeeds(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		code, header, want string
	}{
		{"301", "Location", "/hello"},
		{"302", "Location", "/hello"},
		{"303", "Location", "/hello"},
		{"307", "Location", "/hello"},
		{"308", "Location", "/hello"},
		{"401", "WWW-Authenticate", `Basic realm="roundtrip"`},
		{"407", "Proxy-Authenticate", `Basic realm="roundtrip"`},
		{"405", "Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"},
		{"416", "Content-Range", "bytes */0"},
		{"206", "Content-Range", "bytes 0-18/19"},
		{"200", "Location", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			res, err := noRedirect.Get(ts.URL + "/status/" + tt.code)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if got := res.Header.Get(tt.header); got != tt.want || strconv.Itoa(res.StatusCode) != tt.code {
				t.Errorf("/status/%s = %d with %s %q; want %s %q", tt.code, res.StatusCode, tt.header, got, tt.header, tt.want)
			}
		})
	}
	// 405 on /status says what OPTIONS on it says.
	res, _ := do(t, "OPTIONS", ts.URL+"/status/405", nil, "")
	if got := res.Header.Get("Allow"); got != "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" {
		t.Errorf("OPTIONS /status/405 Allow = %q; want what /status/405 sends", got)
	}
}

// TestStatusTitles: problems are titled with RFC 9110's phrases.
func TestStatusTitles(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for code, want := range map[string]string{"413": "Content Too Large", "422": "Unprocessable Content", "404": "Not Found"} {
		_, body := do(t, "GET", ts.URL+"/status/"+code, nil, "")
		if !strings.Contains(body, `"title":"`+want+`"`) {
			t.Errorf("/status/%s = %s; want the title %q", code, body, want)
		}
	}
}

// TestStatusInterimNotToHTTP10: RFC 9110 §15.2 forbids 1xx responses to
// HTTP/1.0 clients; HTTP/1.1 clients get them.
func TestStatusInterimNotToHTTP10(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, tt := range []struct {
		proto, wantFirst string
	}{
		{"HTTP/1.0", "HTTP/1.0 200 OK"},
		{"HTTP/1.1", "HTTP/1.1 103 Early Hints"},
	} {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "GET /status/103 %s\r\nHost: x\r\nConnection: close\r\n\r\n", tt.proto)
		first, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if got := strings.TrimSpace(first); got != tt.wantFirst {
			t.Errorf("%s GET /status/103: first line %q (%v); want %q", tt.proto, got, err, tt.wantFirst)
		}
	}
}

func TestDelay(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	tests := []struct {
		seconds    string
		wantStatus int
		wantBody   string
	}{
		{"0", 200, `"seconds":0`},
		{"0.05", 200, `"seconds":0.05`},
		{"10.5", 400, "0 to 10"},
		{"-1", 400, "0 to 10"},
		{"NaN", 400, "0 to 10"},
		{"Inf", 400, "0 to 10"},
		{"20ms", 200, `"seconds":0.02`}, // a Go duration, as go-httpbin takes it
		{"11s", 400, "0 to 10"},
		{"", 404, ""},
	}
	for _, tt := range tests {
		res, body := do(t, "GET", ts.URL+"/delay/"+tt.seconds, nil, "")
		if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
			t.Errorf("GET /delay/%s = %d %q; want %d containing %q", tt.seconds, res.StatusCode, body, tt.wantStatus, tt.wantBody)
		}
	}
}
