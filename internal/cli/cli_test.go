package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
)

// runMain calls Main with buffers and no environment.
func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestMainUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		wantCode   int
		wantStdout string // a substring; "" means empty
		wantStderr string
	}{
		{nil, 2, "", "Commands:"},
		{[]string{"--help"}, 0, "Commands:", ""},
		{[]string{"-h"}, 0, "serve", ""},
		{[]string{"help"}, 0, "version", ""},
		{[]string{"help", "serve"}, 0, "-shutdown-timeout", ""},
		{[]string{"serve", "--help"}, 0, "-log-format", ""},
		{[]string{"help", "nope"}, 2, "", "roundtrip: unknown command \"nope\"\n"},
		{[]string{"help", "help"}, 0, "Usage: roundtrip help [COMMAND]", ""},
		{[]string{"help", "--help"}, 0, "Usage: roundtrip help [COMMAND]", ""},
		{[]string{"help", "serve", "extra"}, 2, "", "roundtrip: help: unexpected argument \"extra\"\n"},
		{[]string{"serve", "--addr", "nonsense"}, 2, "", "roundtrip: serve: --addr \"nonsense\" is not HOST:PORT, such as localhost:3000 or :8080\n"},
		{[]string{"serve", "--addr", "localhost:99999"}, 2, "", "roundtrip: serve: --addr \"localhost:99999\": port out of range: 99999 (0 to 65535; 0 picks a free port)\n"},
		{[]string{"proxy", "--to", "http://localhost:8080", "--addr", "nonsense"}, 2, "", "roundtrip: proxy: --addr \"nonsense\" is not HOST:PORT, such as localhost:3000 or :8080\n"},
		{[]string{"proxy", "--to", "http://localhost:8080", "--inspector-addr", "localhost:http"}, 2, "", "roundtrip: proxy: --inspector-addr \"localhost:http\": port \"http\" is not a number\n"},
		{[]string{"nope"}, 2, "", "roundtrip: unknown command \"nope\"; run 'roundtrip help' for the list\n"},
		{[]string{"serve", "--bogus"}, 2, "", "roundtrip: serve: flag provided but not defined: -bogus\n"},
		{[]string{"serve", "extra"}, 2, "", "roundtrip: serve takes no arguments, got \"extra\"\n"},
		{[]string{"serve", "--log-format", "xml"}, 2, "", "roundtrip: serve: --log-format must be text or json, not \"xml\"\n"},
		{[]string{"serve", "--shutdown-timeout", "0s"}, 2, "", "roundtrip: serve: --shutdown-timeout must be positive\n"},
		{[]string{"version"}, 0, "roundtrip ", ""},
		{[]string{"--version"}, 0, "roundtrip ", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMain(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("Main(%q) = %d; want %d (stderr %q)", tt.args, code, tt.wantCode, stderr)
			}
			if (tt.wantStdout == "" && stdout != "") || !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("Main(%q) stdout = %q; want it to contain %q", tt.args, stdout, tt.wantStdout)
			}
			if tt.wantStderr == "" && stderr != "" || tt.wantStderr != "" && !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("Main(%q) stderr = %q; want %q", tt.args, stderr, tt.wantStderr)
			}
			if strings.Count(stderr, "\n") > 1 && code != 2 {
				t.Errorf("Main(%q) stderr has %d lines; want one", tt.args, strings.Count(stderr, "\n"))
			}
		})
	}
}

func TestParseFlagsInterspersed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args           []string
		wantPositional []string
		wantV          bool
		wantH          string
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, false, ""},
		{[]string{"-v", "a"}, []string{"a"}, true, ""},
		{[]string{"a", "-v"}, []string{"a"}, true, ""},
		{[]string{"a", "-H", "x", "b", "--v"}, []string{"a", "b"}, true, "x"},
		{[]string{"a", "--", "-v", "b"}, []string{"a", "-v", "b"}, false, ""},
		{[]string{"--", "-v"}, []string{"-v"}, false, ""},
		{nil, nil, false, ""},
		// One-letter boolean flags cluster, as curl's -sSL.
		{[]string{"-vk", "a"}, []string{"a"}, true, ""},
		{[]string{"a", "-kv"}, []string{"a"}, true, ""},
		{[]string{"-H", "-vk", "a"}, []string{"a"}, false, "-vk"},
		{[]string{"--H", "-vk"}, nil, false, "-vk"},
		{[]string{"--", "-vk"}, []string{"-vk"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			fs := newFlags(&env{stdout: new(bytes.Buffer)}, "t", "", "")
			v := fs.Bool("v", false, "")
			fs.Bool("k", false, "")
			h := fs.String("H", "", "")
			got, err := parseFlags(fs, tt.args)
			if err != nil {
				t.Fatalf("parseFlags(%q) error %v", tt.args, err)
			}
			if !reflect.DeepEqual(got, tt.wantPositional) || *v != tt.wantV || *h != tt.wantH {
				t.Errorf("parseFlags(%q) = %q, -v=%v, -H=%q; want %q, %v, %q", tt.args, got, *v, *h, tt.wantPositional, tt.wantV, tt.wantH)
			}
		})
	}
}

// TestErrorLineEscaped: a server's problem detail reaches stderr escaped,
// so its bidi controls and C1 codes can't reorder or restyle the line.
func TestErrorLineEscaped(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"title":"Bad Request","status":400,"detail":"name \u202eexe.txt\u009b31m refused"}`)
	}))
	t.Cleanup(ts.Close)
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"greet", "--server", ts.URL, "Alice"}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	got := stderr.String()
	if code != exitClientError || strings.ContainsAny(got, "\u202e\u009b") || !strings.Contains(got, `\u202e`) {
		t.Errorf("greet against a problem with U+202E and U+009B = exit %d, stderr %q; want exit %d and both escaped", code, got, exitClientError)
	}
}

// readme is the repository's README.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeSection is the text of README's section titled title, up to the
// next heading of its level or above.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	level, _, _ := strings.Cut(title, " ")
	_, text, ok := strings.Cut(readme(t), "\n"+title+"\n")
	if !ok {
		t.Fatalf("README has no section %q", title)
	}
	for i := len(level); i > 0; i-- {
		text, _, _ = strings.Cut(text, "\n"+strings.Repeat("#", i)+" ")
	}
	return text
}

// TestREADMEInstall: right after Quick start's two commands, README says
// how to get a roundtrip command, which every later example runs, and
// where go install puts it.
func TestREADMEInstall(t *testing.T) {
	t.Parallel()
	blocks := strings.Split(readmeSection(t, "## Quick start"), "```")
	// blocks[1] is the first code block; blocks[2:5] the text right after
	// it, the next code block and the paragraph after that.
	if len(blocks) < 5 {
		t.Fatalf("README's Quick start has %d code blocks; want at least two", len(blocks)/2)
	}
	next := strings.Join(blocks[2:5], "```")
	for _, want := range []string{"go install ./cmd/roundtrip", "go env GOPATH", "PATH"} {
		if !strings.Contains(next, want) {
			t.Errorf("README: what follows Quick start's commands lacks %q:\n%s", want, next)
		}
	}
}
