package cli

import (
	"crypto/tls"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/lab"
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
	express := expressLike(t)
	gone := "http://" + servetest.RefusedAddr(t)

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
		{"wrong outcomes", []string{"lab", "--server", lenient.URL}, 1, []string{"ok: as expected (200)", "AGAINST HTTP: this server answers 200 here; RFC 9110 §15.5.6 says 405\n",
			"differs: this server answers 200 here, where roundtrip serve answers 404\n"},
			"roundtrip: lab: 3 of 4 experiments show this server going against HTTP: b, c, d\n"},
		{"like express", []string{"lab", "--server", express}, 1, []string{"AGAINST HTTP: Express answers 404 here; RFC 9110 §15.5.6 says 405\n",
			"differs: Express answers 404 here: it has no route for POST /api/greeting,\n" +
				"           which roundtrip serve answers with 200\n",
			"ok: 404, as RFC 9110 §15.5.5 says", "In the other 3 experiments Express follows HTTP; in 2, it answers otherwise than\nroundtrip serve where HTTP leaves the answer to the server.\n"},
			"roundtrip: lab: 1 of 4 experiments show Express going against HTTP: b\n"},
		{"only where http leaves it open", []string{"lab", "c", "d", "--server", express}, 0, []string{"All 2 experiments follow HTTP; in 2, Express answers otherwise than roundtrip\nserve where HTTP leaves the answer to the server.\n"}, ""},
		{"excerpt cut at a character", []string{"lab", "a", "--server", long.URL}, 0, []string{"  < " + strings.Repeat("a", 599) + "\n  < ... (11 more bytes)\n"}, ""},
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

// expressLike answers as the lesson's Express server (bench/express) does,
// for the tests that must run without node: its routes, and Express's
// HTML 404 for any other method or path, which RFC 9110 would have be a 405
// where the path exists.
func expressLike(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Powered-By", "Express")
		switch r.Method + " " + r.URL.Path {
		case "GET /api/greeting":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			fmt.Fprintf(w, `{"message":"Hello, %s!"}`, r.URL.Query().Get("name"))
		case "GET /hello":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "Hello, World!")
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, "<!DOCTYPE html>\n<pre>Cannot %s %s</pre>\n", r.Method, html.EscapeString(r.URL.Path))
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestLabExpress runs the lab against the lesson's own Express server:
// where it goes against HTTP, the lab says so and says what HTTP specifies,
// and no explanation claims what Express did not do.
func TestLabExpress(t *testing.T) {
	t.Parallel()
	base := startExpress(t)
	code, stdout, stderr := runMain(t, "lab", "--server", base)
	if want := "roundtrip: lab: 1 of 4 experiments show Express going against HTTP: b\n"; code != 1 || stderr != want {
		t.Errorf("lab against Express = %d, stderr %q; want 1, %q", code, stderr, want)
	}
	for _, want := range []string{
		"AGAINST HTTP: Express answers 404 here; RFC 9110 §15.5.6 says 405\n",
		"differs: Express answers 404 here: it has no route for POST /api/greeting,\n" +
			"           which roundtrip serve answers with 400\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lab against Express lacks %q; got:\n%s", want, stdout)
		}
	}
}

// TestLabTerminalWording: roundtrip lab prints the table's terminal notes,
// never the page's, and none of the words that only make sense on the page.
func TestLabTerminalWording(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	tests := []struct {
		name     string
		args     []string
		wantURLs []string
	}{
		{"in process", []string{"lab"}, []string{
			"    with roundtrip serve running:\n      http://localhost:3000/api/greeting?name=Alice\n",
			"    with roundtrip serve running:\n      http://localhost:3000/echo\n",
			"    with roundtrip serve running:\n      roundtrip request POST http://localhost:3000/api/greeting --json -d '{\"name\": \"Bob\"}'\n",
		}},
		{"against --server", []string{"lab", "--server", base}, []string{
			"      " + base + "/no/such/route\n",
			"      roundtrip request POST " + base + "/api/greeting --json -d '{\"name\": \"Bob\"}'\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMain(t, tt.args...)
			if code != 0 {
				t.Fatalf("Main(%q) = %d (stderr %q); want 0", tt.args, code, stderr)
			}
			flat := strings.Join(strings.Fields(stdout), " ")
			for _, x := range lab.Experiments {
				if note := strings.Join(strings.Fields(x.Terminal), " "); !strings.Contains(flat, note) {
					t.Errorf("Main(%q) lacks (%s)'s terminal note %q", tt.args, x.Label, x.Terminal)
				}
				if note := strings.Join(strings.Fields(x.Browser), " "); strings.Contains(flat, note) {
					t.Errorf("Main(%q) prints (%s)'s page note %q", tt.args, x.Label, x.Browser)
				}
			}
			// The lab's own lines: the exchanges' (> and <) are the server's.
			var own []string
			for line := range strings.Lines(stdout) {
				if !strings.HasPrefix(line, "  > ") && !strings.HasPrefix(line, "  < ") {
					own = append(own, line)
				}
			}
			for _, w := range lab.PageWords {
				if strings.Contains(strings.ToLower(strings.Join(own, "")), w) {
					t.Errorf("Main(%q) prints the page's %q; got:\n%s", tt.args, w, stdout)
				}
			}
			for _, want := range tt.wantURLs {
				if !strings.Contains(stdout, want) {
					t.Errorf("Main(%q) lacks %q; got:\n%s", tt.args, want, stdout)
				}
			}
		})
	}
}

// TestLabTLS reaches serve --tls, its certificate trusted with --cacert or
// not checked with --insecure.
func TestLabTLS(t *testing.T) {
	t.Parallel()
	base, certFile := tlsServer(t)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string // a prefix; "" means empty
	}{
		{"cacert", []string{"--cacert", certFile}, 0, "All 4 experiments turned out as expected.", ""},
		{"insecure", []string{"--insecure", "b"}, 0, "All 1 experiments turned out as expected.", ""},
		{"untrusted", nil, 1, "", "roundtrip: cannot reach " + base + ": tls: failed to verify certificate: x509: certificate signed by unknown authority (trust it with --cacert FILE, or skip the check with --insecure)\n"},
		{"missing cacert", []string{"--cacert", "/nonexistent.pem"}, 2, "", "roundtrip: lab: cannot read --cacert file /nonexistent.pem\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"lab", "--server", base}, tt.args...)
			code, stdout, stderr := runMain(t, args...)
			if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || stderr != tt.wantStderr {
				t.Errorf("Main(%q) = %d, stderr %q; want %d, %q, stdout with %q; got:\n%s", args, code, stderr, tt.wantCode, tt.wantStderr, tt.wantStdout, stdout)
			}
		})
	}
}

// tlsServer is serve --tls with a self-signed certificate, and the PEM
// file that trusts it, as serve --write-cert writes it.
func tlsServer(t *testing.T) (base, certFile string) {
	t.Helper()
	c, pemBytes, err := cert.SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return servetest.Roundtrip(t, server.Config{TLS: &tls.Config{Certificates: []tls.Certificate{c}}}), certFile
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
