package cli

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

func TestGreet(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("name") {
		case "html":
			io.WriteString(w, "<p>Hello</p>")
		case "escape":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"message":"\u001b[2JHello"}`)
		case "moved":
			http.Redirect(w, r, "/api/greeting?name=escape", http.StatusFound)
		default:
			http.Error(w, "boom", http.StatusBadGateway)
		}
	}))
	t.Cleanup(odd.Close)
	refused := servetest.RefusedAddr(t)

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"name", []string{"greet", "--server", base, "Alice"}, 0, "Hello, Alice!\n", ""},
		{"no name", []string{"greet", "--server", base}, 0, "Hello, World!\n", ""},
		{"ampersand", []string{"greet", "--server", base, "Tom & Jerry"}, 0, "Hello, Tom & Jerry!\n", ""},
		{"two words, flag after", []string{"greet", "Ada", "Lovelace", "--server", base}, 0, "Hello, Ada Lovelace!\n", ""},
		{"percent", []string{"greet", "--server", base, "100%"}, 0, "Hello, 100%!\n", ""},
		{"post", []string{"greet", "--server", base + "/", "--post", "Bob"}, 0, "Hello, Bob!\n", ""},
		{"no scheme", []string{"greet", "--server", strings.TrimPrefix(base, "http://"), "NoScheme"}, 0, "Hello, NoScheme!\n", ""},
		{"control character", []string{"greet", "--server", base, "bad\x07name"}, 4, "", "roundtrip: 400 Bad Request: The name contains the control character"},
		{"too long", []string{"greet", "--server", base, strings.Repeat("x", 1025)}, 4, "", "roundtrip: 400 Bad Request: The name is 1025 bytes long; the limit is 1024.\n"},
		{"not found", []string{"greet", "--server", base + "/nowhere"}, 4, "", "roundtrip: 404 Not Found: "},
		{"502", []string{"greet", "--server", odd.URL, "boom"}, 5, "", "roundtrip: 502 Bad Gateway\n"},
		{"html", []string{"greet", "--server", odd.URL, "html"}, 1, "", "roundtrip: the answer is not a greeting: 200 with Content-Type \"text/html; charset=utf-8\", not JSON\n"},
		{"escape sequence", []string{"greet", "--server", odd.URL, "escape"}, 0, `\x1b[2JHello` + "\n", ""},
		{"redirect followed", []string{"greet", "--server", odd.URL, "moved"}, 0, `\x1b[2JHello` + "\n", ""},
		{"refused", []string{"greet", "--server", "http://" + refused}, 1, "", "roundtrip: connection refused by " + refused + " (is the server running?)\n"},
		{"bad timeout", []string{"greet", "--server", base, "--timeout", "-1s"}, 2, "", "roundtrip: greet: --timeout must be positive\n"},
		{"ftp", []string{"greet", "--server", "ftp://x"}, 2, "", "roundtrip: greet: \"ftp://x\" is not an http:// or https:// URL\n"},
		{"bad flag", []string{"greet", "--bogus"}, 2, "", "roundtrip: greet: flag provided but not defined: -bogus\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMainEnv(t, nil, "", tt.args...)
			if code != tt.wantCode || stdout != tt.wantStdout {
				t.Errorf("Main(%.80q) = %d, stdout %q; want %d, %q (stderr %q)", tt.args, code, stdout, tt.wantCode, tt.wantStdout, stderr)
			}
			if !strings.HasPrefix(stderr, tt.wantStderr) || tt.wantStderr == "" && stderr != "" {
				t.Errorf("Main(%.80q) stderr = %q; want it to start %q", tt.args, stderr, tt.wantStderr)
			}
			if code != 0 && strings.Count(stderr, "\n") != 1 {
				t.Errorf("Main(%.80q) stderr = %q; want one line", tt.args, stderr)
			}
		})
	}
}

func TestGreetHelp(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runMainEnv(t, nil, "", "help", "greet")
	for _, want := range []string{"Usage: roundtrip greet [flags] [NAME...]", "Exit status: 0 for a greeting, 4 when the server answers 4xx, 5 for 5xx", "-post", "-server URL"} {
		if code != 0 || !strings.Contains(stdout, want) || stderr != "" {
			t.Errorf("Main(help greet) = %d, stdout %q, stderr %q; want 0 and %q", code, stdout, stderr, want)
		}
	}
}

// startExpress runs the lesson's Express server on a free loopback port and
// returns its URL. It skips without node or the installed peer, except
// under CI=true, where the peer must run.
func startExpress(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "bench", "express")
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "express"))
	}
	if err != nil {
		msg := "the Express peer needs node and its packages: run npm ci --prefix bench/express (" + err.Error() + ")"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	addr := servetest.FreeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(node, "server.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+port)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting node: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	// It prints "Server listening on port N" once it listens.
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening") {
				ready <- true
				break
			}
		}
		io.Copy(io.Discard, stdout)
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("node exited before the Express server listened")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the Express server did not listen within 15s")
	}
	return "http://" + addr
}

func TestGreetExpress(t *testing.T) {
	t.Parallel()
	base := startExpress(t)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // a substring
		wantStderr string
	}{
		{"name", []string{"greet", "--server", base, "Alice"}, 0, "Hello, Alice!\n", ""},
		{"no name", []string{"greet", "--server", base}, 0, "Hello, World!\n", ""},
		// The lesson's fetch would send ?name=Tom & Jerry and greet "Tom ".
		{"ampersand", []string{"greet", "--server", base, "Tom & Jerry"}, 0, "Hello, Tom & Jerry!\n", ""},
		// Express has no POST route: its 404 is HTML, not a problem.
		{"post", []string{"greet", "--server", base, "--post", "Bob"}, 4, "", "roundtrip: 404 Not Found\n"},
		{"no Server-Timing", []string{"request", "--timeline", base + "/api/greeting?name=Alice"}, 0, "The server sent no Server-Timing header", ""},
		{"post hello", []string{"request", "POST", base + "/hello"}, 4, "Cannot POST /hello", "roundtrip: 404 Not Found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMainEnv(t, nil, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || stderr != tt.wantStderr {
				t.Errorf("Main(%q) = %d, stdout %q, stderr %q; want %d, stdout containing %q, stderr %q", tt.args, code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}
