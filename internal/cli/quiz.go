package cli

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/quiz"
)

func runQuiz(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "quiz", "[--server URL] [--insecure | --cacert FILE]", "Ask the lesson's Quick Quiz in the terminal: answer each question with its letter or number.\nEach answer gets the explanation and, where the question has one, a live check against the\nserver that proves it. Without --server the checks run against an in-process server on a free\nloopback port. The score comes at the end, or at end of input (Ctrl-D); the exit status is 0.")
	serverURL := fs.String("server", "", "`URL` of a running roundtrip server for the live checks, such as http://localhost:3000 (default: start one in process)")
	timeout := fs.Duration("timeout", 15*time.Second, "how long each live check may take")
	cf := clientFlags{
		timeout:  timeout,
		insecure: fs.Bool("insecure", false, "skip TLS certificate verification, such as for serve --tls's self-signed one"),
		cacert:   fs.String("cacert", "", "trust the CA certificates in this PEM `file` for https:// (as well as the system's), such as serve --write-cert's"),
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	ccfg, err := cf.config("quiz")
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("quiz: unexpected argument %q", rest[0])
	}
	base, stop, err := labTarget(ctx, "quiz", *serverURL)
	if err != nil {
		return err
	}
	defer stop()
	hc := labClient(*timeout, &tls.Config{InsecureSkipVerify: ccfg.Insecure, RootCAs: ccfg.RootCAs}) //nolint:gosec // the user asked, with --insecure
	defer hc.CloseIdleConnections()

	w := e.stdout
	qs := quiz.Questions
	fmt.Fprintf(w, "roundtrip quiz: %d questions on the lesson. Answer each with its letter or number; end of input (Ctrl-D) stops.\n", len(qs))
	fmt.Fprintf(w, "Live checks go to %s.\n", base)
	lines := readLines(ctx, e.stdin)
	// A terminal echoes what is typed; from a pipe or a file the answers
	// are echoed here, so the transcript reads the same.
	echo := !isTerminalReader(e.stdin)
	right, asked, checks := 0, 0, true
	for i, q := range qs {
		fmt.Fprintln(w)
		wrap(w, fmt.Sprintf("%d/%d. ", i+1, len(qs)), q.Text)
		for j, c := range q.Choices {
			wrap(w, fmt.Sprintf("  %c) ", 'a'+j), c.Text)
		}
		pick, ok := ask(ctx, w, lines, len(q.Choices), echo)
		if !ok {
			fmt.Fprintf(w, "Stopped after %d of %d questions.\n", asked, len(qs))
			break
		}
		asked++
		if pick < 0 {
			fmt.Fprintln(w, "  Skipped: no answer taken.")
			continue
		}
		if pick == q.Answer {
			right++
			fmt.Fprintln(w, "  Right.")
		} else {
			wrap(w, "  ", fmt.Sprintf("Not quite: the answer is %c) %s.", 'a'+q.Answer, q.Choices[q.Answer].Text))
			if note := q.Choices[pick].Note; note != "" {
				wrap(w, fmt.Sprintf("  Why not %c): ", 'a'+pick), note)
			}
		}
		wrap(w, "  Why: ", q.Why)
		if q.Check != nil && checks {
			checks = printCheck(ctx, w, hc, base, *q.Check)
		}
	}
	fmt.Fprintf(w, "\nScore: %d of %d answered right.\n", right, len(qs))
	return nil
}

// ask reads one answer: its index, or -1 after two lines that are not a
// choice. ok is false at the end of input or of ctx, so an interrupt ends
// the quiz with its score even while it waits for an answer.
func ask(ctx context.Context, w io.Writer, lines <-chan string, n int, echo bool) (pick int, ok bool) {
	for try := 0; try < 2; try++ {
		fmt.Fprintf(w, "Your answer (a-%c): ", 'a'+n-1)
		var line string
		select {
		case line, ok = <-lines:
		case <-ctx.Done():
		}
		if !ok {
			fmt.Fprintln(w)
			return 0, false
		}
		if echo {
			fmt.Fprintln(w, terminalSafe(strings.TrimSpace(line)))
		}
		if pick, ok := parseChoice(line, n); ok {
			return pick, true
		}
		fmt.Fprintf(w, "  %s is not a choice: type a letter from a to %c, or a number from 1 to %d.\n",
			strconv.Quote(terminalSafe(strings.TrimSpace(line))), 'a'+n-1, n)
	}
	return -1, true
}

// parseChoice reads "b", "B", "b)" or "2" as index 1 of n choices.
func parseChoice(s string, n int) (int, bool) {
	s = strings.TrimRight(strings.ToLower(strings.TrimSpace(s)), ").")
	if len(s) == 1 && s[0] >= 'a' && int(s[0]-'a') < n {
		return int(s[0] - 'a'), true
	}
	if i, err := strconv.Atoi(s); err == nil && i >= 1 && i <= n {
		return i - 1, true
	}
	return 0, false
}

// readLines sends stdin's lines, closing the channel at its end. The
// reader may outlive the quiz, blocked on a terminal; the process ends it.
func readLines(ctx context.Context, r io.Reader) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		br := bufio.NewReader(r)
		for {
			line, err := br.ReadString('\n')
			if line != "" || err == nil {
				select {
				case out <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// printCheck runs c and shows its request, the status line, the header it
// names and whether that proves the answer. It reports false when the
// server could not be reached, so later checks are not tried.
func printCheck(ctx context.Context, w io.Writer, hc *http.Client, base string, c quiz.Check) bool {
	r := c.Run(ctx, hc, base)
	fmt.Fprintln(w, "  Live check:")
	// As lab shows a step: the table's request, the --server's host, all
	// of it through terminalSafe.
	head, body, _ := strings.Cut(c.Request.Raw(hostOf(base)), "\r\n\r\n")
	for line := range strings.SplitSeq(head, "\r\n") {
		fmt.Fprintf(w, "  > %s\n", terminalSafe(line))
	}
	if body != "" {
		fmt.Fprintln(w, "  >")
		writeEscaped(w, []byte(body), "  > ")
	}
	if r.Err != nil {
		fmt.Fprintf(w, "  cannot reach %s: %v; the other checks are skipped.\n", base, terminalSafe(reachCause(r.Err)))
		return false
	}
	fmt.Fprintf(w, "  < %s %d %s\n", terminalSafe(r.Proto), r.Status, http.StatusText(r.Status))
	if c.Show != "" {
		fmt.Fprintf(w, "  < %s: %s\n", c.Show, terminalSafe(strings.Join(r.Header.Values(c.Show), ", ")))
	}
	if r.OK() {
		wrap(w, "  Proves it: ", c.Proves)
	} else {
		wrap(w, "  This server did not prove it: ", strings.Join(r.Mismatches, "; ")+".")
	}
	return true
}
