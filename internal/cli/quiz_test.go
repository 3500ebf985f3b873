package cli

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/quiz"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// answers is one line per question: the right choice as a letter (or a
// number, with numbers), or the one after it when wrong.
func answers(wrong, numbers bool) string {
	var b strings.Builder
	for _, q := range quiz.Questions {
		i := q.Answer
		if wrong {
			i = (i + 1) % len(q.Choices)
		}
		if numbers {
			b.WriteString(strconv.Itoa(i + 1))
		} else {
			b.WriteByte(byte('a' + i))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestQuiz(t *testing.T) {
	t.Parallel()
	good := servetest.Roundtrip(t, server.Config{})
	// A server that answers 200 to everything proves only some answers.
	lenient := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(lenient.Close)
	gone := "http://" + servetest.RefusedAddr(t)

	n, checks := len(quiz.Questions), 0
	for _, q := range quiz.Questions {
		if q.Check != nil {
			checks++
		}
	}
	first := quiz.Questions[0]
	right, wrong := string(rune('a'+first.Answer)), string(rune('a'+(first.Answer+1)%len(first.Choices)))
	total := func(k int) string {
		return "Score: " + strconv.Itoa(k) + " of " + strconv.Itoa(n) + " answered right.\n"
	}

	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStdout []string
		wantProves int    // how many "Proves it:" lines; -1 skips the count
		wantStderr string // a substring; "" means empty
	}{
		{"all right, letters, in process", []string{"quiz"}, answers(false, false), 0,
			[]string{"roundtrip quiz: " + strconv.Itoa(n) + " questions", "1/" + strconv.Itoa(n) + ". " + first.Text[:20], "  Right.\n",
				"< HTTP/1.1 405 Method Not Allowed\n  < Allow: POST, OPTIONS\n", "< Server-Timing: ", total(n)}, checks, ""},
		{"all wrong, numbers, against --server", []string{"quiz", "--server", good + "/"}, answers(true, true), 0,
			[]string{"Live checks go to " + good + ".\n", "Not quite: the answer is ", "Why not ", "  Why: ", total(0)}, checks, ""},
		{"bad input re-asks once", []string{"quiz"}, "maybe\n" + right + "\n", 0,
			[]string{`"maybe" is not a choice: type a letter from a to d, or a number from 1 to 4.`, "  Right.\n", "Stopped after 1 of", total(1)}, 0, ""},
		{"twice bad skips", []string{"quiz"}, "x\n9\n" + answers(true, false)[2:4], 0,
			[]string{"Skipped: no answer taken.\n", "2/" + strconv.Itoa(n) + ". ", "Stopped after 2 of", total(0)}, -1, ""},
		{"a wrong answer's note", []string{"quiz"}, wrong, 0,
			[]string{"Why not " + wrong + "): " + first.Choices[(first.Answer+1)%len(first.Choices)].Note[:20], "Stopped after 1 of", total(0)}, 0, ""},
		{"end of input at once", []string{"quiz"}, "", 0, []string{"Stopped after 0 of " + strconv.Itoa(n) + " questions.\n", total(0)}, 0, ""},
		{"a server that proves less", []string{"quiz", "--server", lenient.URL}, answers(false, false), 0,
			[]string{"This server did not prove it: status is 200; want 405", total(n)}, -1, ""},
		{"unreachable: checks stop", []string{"quiz", "--server", gone}, answers(false, false), 0,
			[]string{"cannot reach " + gone + ": ", "the other checks are skipped.\n", total(n)}, 0, ""},
		{"bad url", []string{"quiz", "--server", "localhost:3000"}, "", 2, nil, 0,
			"roundtrip: quiz: --server must be an http:// or https:// URL, not \"localhost:3000\"\n"},
		{"an argument", []string{"quiz", "b"}, "", 2, nil, 0, "roundtrip: quiz: unexpected argument \"b\"\n"},
		{"bad timeout", []string{"quiz", "--timeout", "-1s"}, "", 2, nil, 0, "roundtrip: quiz: --timeout must be positive\n"},
		{"help", []string{"quiz", "--help"}, "", 0, []string{"Usage: roundtrip quiz", "-server"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMainStdin(t, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Errorf("Main(%q) = %d; want %d (stderr %q)", tt.args, code, tt.wantCode, stderr)
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("Main(%q) stdout lacks %q; got:\n%s", tt.args, want, stdout)
				}
			}
			if got := strings.Count(stdout, "Proves it: "); tt.wantProves >= 0 && got != tt.wantProves {
				t.Errorf("Main(%q) proved %d answers live; want %d", tt.args, got, tt.wantProves)
			}
			if got := strings.Count(stdout, "cannot reach"); got > 1 {
				t.Errorf("Main(%q) tried an unreachable server %d times; want once", tt.args, got)
			}
			if tt.wantStderr == "" && stderr != "" || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("Main(%q) stderr = %q; want %q", tt.args, stderr, tt.wantStderr)
			}
		})
	}
}

func TestParseChoice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   int
		wantOK bool
	}{
		{"a", 0, true}, {"D", 3, true}, {" b) ", 1, true}, {"c.", 2, true}, {"1", 0, true}, {"4\n", 3, true},
		{"e", 0, false}, {"5", 0, false}, {"0", 0, false}, {"", 0, false}, {"ab", 0, false}, {"-1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := parseChoice(tt.in, 4)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseChoice(%q, 4) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestQuizTLS runs the live checks against serve --tls, its certificate
// trusted with --cacert or not checked with --insecure, as lab's.
func TestQuizTLS(t *testing.T) {
	t.Parallel()
	base, certFile := tlsServer(t)
	checks := 0
	for _, q := range quiz.Questions {
		if q.Check != nil {
			checks++
		}
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantProves int
		wantStdout string
		wantStderr string
	}{
		{"cacert", []string{"--cacert", certFile}, 0, checks, "Score: ", ""},
		{"insecure", []string{"--insecure"}, 0, checks, "Score: ", ""},
		{"untrusted", nil, 0, 0, "cannot reach " + base + ": tls: failed to verify certificate: x509: certificate signed by unknown authority (trust it with --cacert FILE, or skip the check with --insecure); the other checks are skipped.\n", ""},
		{"missing cacert", []string{"--cacert", "/nonexistent.pem"}, 2, 0, "", "roundtrip: quiz: cannot read --cacert file /nonexistent.pem\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"quiz", "--server", base}, tt.args...)
			code, stdout, stderr := runMainStdin(t, answers(false, false), args...)
			if code != tt.wantCode || stderr != tt.wantStderr || !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("Main(%q) = %d, stderr %q; want %d, %q, stdout with %q; got:\n%s", args, code, stderr, tt.wantCode, tt.wantStderr, tt.wantStdout, stdout)
			}
			if got := strings.Count(stdout, "Proves it: "); got != tt.wantProves {
				t.Errorf("Main(%q) proved %d answers live; want %d", args, got, tt.wantProves)
			}
		})
	}
}
