package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestStatus(t *testing.T) {
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

func TestDelay(t *testing.T) {
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
		{"1s", 400, "0 to 10"},
		{"", 404, ""},
	}
	for _, tt := range tests {
		res, body := do(t, "GET", ts.URL+"/delay/"+tt.seconds, nil, "")
		if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
			t.Errorf("GET /delay/%s = %d %q; want %d containing %q", tt.seconds, res.StatusCode, body, tt.wantStatus, tt.wantBody)
		}
	}
}
