package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
	"github.com/roundtrip/roundtrip/route"
)

func TestChallenge(t *testing.T) {
	t.Parallel()
	good := servetest.Roundtrip(t, server.Config{})
	// The lesson's router, except that a wrong method is 404, not 405.
	no405 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res := route.HandleRequest(route.Request{Method: r.Method, Path: r.URL.RequestURI()})
		if res.Status == http.StatusMethodNotAllowed {
			res = route.Response{Status: 404, Body: "Not Found"}
		}
		w.WriteHeader(res.Status)
		_, _ = io.WriteString(w, res.Body+"\n")
	}))
	t.Cleanup(no405.Close)
	gone := "http://" + servetest.RefusedAddr(t)

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr string // a substring; "" means empty
	}{
		{"in process", []string{"challenge"}, 0, []string{
			"roundtrip challenge: the coding challenge's cases against http://127.0.0.1:",
			`✓ GET /hello        got 200 "Hello, World!"; want 200 "Hello, World!"`,
			`✓ POST /hello       got 405 "{\"type\":\"about:blank\",\"title\":\"Method No…"; want 405 "Method Not Allowed"`,
			`- "" ""             not sent: an HTTP request always has a method`,
			"- get /hello        not sent: many servers",
			"16 of 16 cases pass; 9 of the table's 25 not sent over HTTP.",
		}, ""},
		{"roundtrip serve", []string{"challenge", "--server", good + "/"}, 0, []string{"against " + good + "\n", "16 of 16 cases pass"}, ""},
		{"a server that gets 405 wrong", []string{"challenge", "--server", no405.URL}, 1, []string{
			`✓ GET /hello        got 200 "Hello, World!"; want 200 "Hello, World!"`,
			`✗ POST /hello       got 404 "Not Found"; want 405 "Method Not Allowed"`,
			`✗ GET /echo         got 404 "Not Found"; want 405 "Method Not Allowed"`,
			"Hints:\n  a known path with another method is 405:\n    When the path is in the table but the method is not its method",
			"  the query string plays no part:\n    Cut the path",
			"12 of 16 cases pass",
		}, "roundtrip: challenge: 4 of 16 cases sent failed\n"},
		{"refused", []string{"challenge", "--server", gone}, 1, nil, "roundtrip: cannot reach " + gone + ": connect: connection refused\n"},
		{"not a URL", []string{"challenge", "--server", "localhost:8080"}, 2, nil, "roundtrip: challenge: --server: the server must be an http:// or https:// URL such as http://localhost:8080, not \"localhost:8080\"\n"},
		{"a path", []string{"challenge", "--server", good + "/app"}, 2, nil, "roundtrip: challenge: --server: the server's URL must be scheme, host and port only"},
		{"an argument", []string{"challenge", good}, 2, nil, "roundtrip: challenge: unexpected argument"},
		{"bad timeout", []string{"challenge", "--timeout", "0s"}, 2, nil, "roundtrip: challenge: --timeout must be positive\n"},
		{"help", []string{"challenge", "--help"}, 0, []string{"Usage: roundtrip challenge [--server URL]", "-server URL"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMain(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("Main(%q) = %d; want %d (stderr %q)", tt.args, code, tt.wantCode, stderr)
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("Main(%q) stdout lacks %q; got:\n%s", tt.args, want, stdout)
				}
			}
			if tt.wantStderr == "" && stderr != "" || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("Main(%q) stderr = %q; want %q", tt.args, stderr, tt.wantStderr)
			}
			if strings.Count(stderr, "\n") > 1 {
				t.Errorf("Main(%q) stderr has %d lines; want at most one", tt.args, strings.Count(stderr, "\n"))
			}
		})
	}
}
