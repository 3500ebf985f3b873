package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/roundtrip/roundtrip/internal/challenge"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/route"
)

func runChallenge(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "challenge", "[--server URL]", "Send the coding challenge's cases (package route) to a server, in any language, and compare each\nanswer's status and body with the lesson's. Cases a request line cannot carry are listed as not\nsent. Without --server they go to an in-process roundtrip server on a free loopback port. Exit\nstatus 0 means every case sent passed, 1 that one failed or the server could not be reached.")
	serverURL := fs.String("server", "", "`URL` of your server, such as http://localhost:8080 (default: start roundtrip's own in process)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long each case may take")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("challenge: unexpected argument %q; give the server with --server URL", rest[0])
	}
	if *timeout <= 0 {
		return usageError("challenge: --timeout must be positive")
	}
	target := ""
	if *serverURL == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("cannot start the in-process server: %w", unwrapOpError(err))
		}
		sctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- server.New(server.Config{}).Serve(sctx, ln) }()
		defer func() { stop(); <-done }()
		target = "http://" + ln.Addr().String()
	} else if target, err = challenge.Target(*serverURL); err != nil {
		return usageError("challenge: --server: %v", err)
	}

	hc := challenge.NewClient(*timeout, false)
	defer hc.CloseIdleConnections()
	rep, err := challenge.Check(ctx, hc, target)
	if err != nil {
		return err // "cannot reach URL: connect: connection refused", exit 1
	}
	printReport(e.stdout, rep)
	if !rep.OK() {
		return &exitError{code: exitFailure, err: fmt.Errorf("challenge: %d of %d cases sent failed", rep.Sent-rep.Passed, rep.Sent)}
	}
	return nil
}

// printReport writes one line a case, then the failed rules' hints.
func printReport(w io.Writer, rep *challenge.Report) {
	fmt.Fprintf(w, "roundtrip challenge: the coding challenge's cases against %s\n\n", rep.Server)
	width := 0
	for _, r := range rep.Results {
		width = max(width, len(caseName(r.Case)))
	}
	for _, r := range rep.Results {
		name := fmt.Sprintf("%-*s", width, caseName(r.Case))
		want := answer(r.Case.Want.Status, r.Case.Want.Body)
		switch {
		case r.Skip != "":
			fmt.Fprintf(w, "  - %s  not sent: %s\n", name, r.Skip)
		case r.Error != "":
			fmt.Fprintf(w, "  ✗ %s  got no answer: %s; want %s\n", name, terminalSafe(r.Error), want)
		default:
			mark := "✗"
			if r.Pass {
				mark = "✓"
			}
			// The answer is the server's, any server's: escaped.
			fmt.Fprintf(w, "  %s %s  got %s; want %s\n", mark, name, terminalSafe(answer(r.Status, excerpt(r.Body))), want)
		}
	}
	if len(rep.Hints) > 0 {
		fmt.Fprintln(w, "\nHints:")
		for _, h := range rep.Hints {
			fmt.Fprintf(w, "  %s:\n", h.Rule)
			wrap(w, "    ", h.Hint)
		}
	}
	fmt.Fprintf(w, "\n%d of %d cases pass; %d of the table's %d not sent over HTTP.\n", rep.Passed, rep.Sent, len(rep.Results)-rep.Sent, len(rep.Results))
}

// caseName is a case's request as the table has it, quoted where it is
// empty, so that "" shows.
func caseName(c route.Case) string {
	q := func(s string) string {
		if s == "" {
			return `""`
		}
		return s
	}
	return q(c.Method) + " " + q(c.Path)
}

// excerpt is body's first gotShown characters, so that a case is a line.
func excerpt(body string) string {
	n := 0
	for i := range body {
		if n == gotShown {
			return body[:i] + "…"
		}
		n++
	}
	return body
}

// gotShown is how much of an answer's body a case's line shows.
const gotShown = 40

func answer(status int, body string) string { return strconv.Itoa(status) + " " + strconv.Quote(body) }
