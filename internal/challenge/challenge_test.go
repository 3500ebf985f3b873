package challenge

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/route"
)

func TestSkip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path string
		wantSkip     bool
	}{
		{"GET", "/hello", false},
		{"POST", "/echo?a=b&c", false},
		{"DELETE", "/nope", false},
		{"", "/hello", true},
		{"", "", true},
		{"GET", "hello", true},
		{"GET", "?/hello", true},
		{"HEAD", "/hello", true},
		{"GET", "/", true},
		{"get", "/hello", true},
		{"Post", "/echo", true},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			if got := Skip(route.Case{Method: tt.method, Path: tt.path}); (got != "") != tt.wantSkip {
				t.Errorf("Skip(%q, %q) = %q; want skipped %v", tt.method, tt.path, got, tt.wantSkip)
			}
		})
	}
}

func TestSays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body, want string
		wantSays   bool
	}{
		{"Not Found", "Not Found", true},
		{"Not Found\n", "Not Found", true},
		{"Not Found\r\n", "Not Found", true},
		{"Not Found\n\n", "Not Found", false},
		{"Current time: 2026-12-01T21:00:00Z", "Current time", true},
		{`{"message":"Echo received","request":{}}`, "Echo received", true},
		{`{"type":"about:blank","title":"Method Not Allowed","status":405}`, "Method Not Allowed", true},
		{`{"message":"Not Found!"}`, "Not Found", false},
		{"not found", "Not Found", false},
		{"Not Found, sorry", "Not Found", false},
		{"Current timex", "Current time", false},
		{"", "Not Found", false},
		{`["Not Found"]`, "Not Found", false},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			if got := Says(tt.body, tt.want); got != tt.wantSays {
				t.Errorf("Says(%q, %q) = %v; want %v", tt.body, tt.want, got, tt.wantSays)
			}
		})
	}
}

func TestTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
		wantErr   bool
	}{
		{"http://localhost:8080", "http://localhost:8080", false},
		{"http://localhost:8080/", "http://localhost:8080", false},
		{"https://127.0.0.1:3000", "https://127.0.0.1:3000", false},
		{"http://[::1]:8080", "http://[::1]:8080", false},
		{"localhost:8080", "", true},
		{"ftp://localhost", "", true},
		{"http://", "", true},
		{"http://localhost:8080/app", "", true},
		{"http://localhost:8080/?x=1", "", true},
		{"http://localhost:8080?", "", true},
		{"http://u:p@localhost:8080", "", true},
		{"http://localhost:8080#x", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := Target(tt.raw)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Target(%q) = %q, %v; want %q, error %v", tt.raw, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		target string
		wantOK bool
	}{
		{"http://localhost:8080", true},
		{"http://LOCALHOST:8080", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.9.9.9:8080", true},
		{"http://[::1]:8080", true},
		{"http://10.0.0.1:8080", false},
		{"http://[::ffff:10.0.0.1]:80", false},
		{"http://example.com", false},
		{"http://localhost.example.com", false},
		{"http://127.0.0.1.nip.io", false},
		{"http://0.0.0.0:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			t.Parallel()
			if err := Loopback(tt.target); (err == nil) != tt.wantOK {
				t.Errorf("Loopback(%q) = %v; want ok %v", tt.target, err, tt.wantOK)
			}
		})
	}
}

// serveRoutes is a server whose answers come from answer.
func serveRoutes(t *testing.T, answer func(method, path string) route.Response) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := answer(r.Method, r.URL.RequestURI())
		w.WriteHeader(res.Status)
		_, _ = io.WriteString(w, res.Body+"\n")
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestCheck(t *testing.T) {
	t.Parallel()
	right := func(method, path string) route.Response {
		return route.HandleRequest(route.Request{Method: method, Path: path})
	}
	no405 := func(method, path string) route.Response {
		if res := right(method, path); res.Status != http.StatusMethodNotAllowed {
			return res
		}
		return route.Response{Status: 404, Body: "Not Found"}
	}
	tests := []struct {
		name      string
		answer    func(method, path string) route.Response
		wantOK    bool
		wantHints []string
	}{
		{"HandleRequest over HTTP", right, true, nil},
		{"404 for a wrong method", no405, false, []string{route.RuleMethod, route.RuleQuery}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := serveRoutes(t, tt.answer)
			hc := NewClient(5*time.Second, true)
			defer hc.CloseIdleConnections()
			rep, err := Check(context.Background(), hc, base)
			if err != nil {
				t.Fatalf("Check(%s) = %v", base, err)
			}
			if rep.OK() != tt.wantOK {
				t.Errorf("Check(%s).OK() = %v (%d of %d passed); want %v", base, rep.OK(), rep.Passed, rep.Sent, tt.wantOK)
			}
			var skipped int
			for _, r := range rep.Results {
				if r.Skip != "" {
					skipped++
					continue
				}
				if want := route.HandleRequest(route.Request{Method: r.Case.Method, Path: r.Case.Path}); r.Pass != (tt.answer(r.Case.Method, r.Case.Path) == want) {
					t.Errorf("case %s %s: pass = %v with %d %q; want %v", r.Case.Method, r.Case.Path, r.Pass, r.Status, r.Body, !r.Pass)
				}
			}
			if got := len(route.Cases()); len(rep.Results) != got || rep.Sent+skipped != got || rep.Sent < 15 {
				t.Errorf("results = %d, sent %d, skipped %d; want all %d cases and most sent", len(rep.Results), rep.Sent, skipped, got)
			}
			var rules []string
			for _, h := range rep.Hints {
				rules = append(rules, h.Rule)
				if h.Hint != route.Hint(h.Rule) {
					t.Errorf("hint for %q = %q; want route's %q", h.Rule, h.Hint, route.Hint(h.Rule))
				}
			}
			if strings.Join(rules, "|") != strings.Join(tt.wantHints, "|") {
				t.Errorf("hinted rules = %q; want %q", rules, tt.wantHints)
			}
		})
	}
}

func TestCheckUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, target, wantErr string
	}{
		{"refused", refused, "connection refused"},
		// Dialled by the loopback client: refused before any packet leaves.
		{"not loopback", "http://192.0.2.1:80", "192.0.2.1 is not a loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc := NewClient(2*time.Second, true)
			_, err := Check(context.Background(), hc, tt.target)
			var ue *Unreachable
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "cannot reach "+tt.target) {
				t.Errorf("Check(%s) = %v; want cannot reach it: %s", tt.target, err, tt.wantErr)
			}
		})
	}
}

func TestCheckSlowAnswer(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/time" {
			<-release
		}
		res := route.HandleRequest(route.Request{Method: r.Method, Path: r.URL.RequestURI()})
		w.WriteHeader(res.Status)
		_, _ = io.WriteString(w, res.Body)
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })
	rep, err := Check(context.Background(), NewClient(300*time.Millisecond, true), ts.URL)
	if err != nil {
		t.Fatalf("Check = %v; want a report with /time failed", err)
	}
	for _, r := range rep.Results {
		if strings.HasPrefix(r.Case.Path, "/time") && r.Skip == "" && (r.Pass || r.Error != "no answer in time") {
			t.Errorf("case %s %s = pass %v, error %q; want failed with no answer in time", r.Case.Method, r.Case.Path, r.Pass, r.Error)
		}
	}
	if rep.OK() || rep.Passed == 0 {
		t.Errorf("report passed %d of %d; want all but /time's", rep.Passed, rep.Sent)
	}
}
