package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

func TestLab(t *testing.T) {
	t.Parallel()
	good := servetest.Roundtrip(t, server.Config{})
	// A server that answers 200 to everything gets every experiment but (a) wrong.
	lenient := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"message":"Hello, Alice!"}`))
	}))
	t.Cleanup(lenient.Close)
	// The excerpt's 600 bytes end inside the é.
	long := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("a", 599) + "é and more"))
	}))
	t.Cleanup(long.Close)
	gone := "http://" + servetest.FreeAddr(t)

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string
		wantStderr string // a substring; "" means empty
	}{
		{"in process", []string{"lab"}, 0, []string{
			"(a) GET the greeting", "> GET /api/greeting?name=Alice HTTP/1.1", `< {"message":"Hello, Alice!"}`,
			"(b) Change GET to POST", "< Allow: GET, HEAD, OPTIONS", "(c) A route that answers 404", "< HTTP/1.1 404 Not Found",
			"(d) Invalid JSON in a body", `"line":2,"column":11`, "Why: ", "All 4 experiments turned out as expected.",
		}, ""},
		{"against --server", []string{"lab", "--server", good + "/"}, 0, []string{"against " + good + "\n", "All 4 experiments"}, ""},
		{"one by label, flag after", []string{"lab", "b", "--server", good}, 0, []string{"(b) ", "All 1 experiments"}, ""},
		{"one by name", []string{"lab", "invalid-json"}, 0, []string{"(d) ", "> Content-Type: application/json", ">   \"name\": Bob"}, ""},
		{"wrong outcomes", []string{"lab", "--server", lenient.URL}, 1, []string{"ok: as expected", "UNEXPECTED: status is 200; want 405"},
			"roundtrip: lab: 3 of 4 experiments did not turn out as expected\n"},
		{"excerpt cut at a character", []string{"lab", "a", "--server", long.URL}, 1, []string{"  < " + strings.Repeat("a", 599) + "\n  < ... (11 more bytes)\n"}, "roundtrip: lab: 1 of 1"},
		{"unreachable", []string{"lab", "--server", gone}, 1, []string{"roundtrip lab:"}, "roundtrip: cannot reach " + gone + ": "},
		{"bad url", []string{"lab", "--server", "localhost:3000"}, 2, nil, "roundtrip: lab: --server must be an http:// or https:// URL, not \"localhost:3000\"\n"},
		{"unknown experiment", []string{"lab", "z"}, 2, nil, "roundtrip: lab: no experiment \"z\"; choose from a, b, c, d or their names\n"},
		{"bad timeout", []string{"lab", "--timeout", "0s"}, 2, nil, "roundtrip: lab: --timeout must be positive\n"},
		{"help", []string{"lab", "--help"}, 0, []string{"Usage: roundtrip lab", "-server"}, ""},
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

func TestWrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, prefix, text, want string
	}{
		{"short", "  Why: ", "short", "  Why: short\n"},
		{"long", "> ", strings.Repeat("word ", 20), "> " + strings.TrimSpace(strings.Repeat("word ", 15)) + "\n  " + strings.TrimSpace(strings.Repeat("word ", 5)) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			wrap(&b, tt.prefix, tt.text)
			if got := b.String(); got != tt.want {
				t.Errorf("wrap(%q, %q) = %q; want %q", tt.prefix, tt.text, got, tt.want)
			}
		})
	}
}
