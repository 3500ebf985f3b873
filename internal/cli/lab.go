package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/lab"
	"github.com/roundtrip/roundtrip/internal/server"
)

// labExcerpt bounds how much of each response body lab prints.
const labExcerpt = 600

func runLab(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "lab", "[--server URL] [EXPERIMENT...]", "Run the lesson's four experiments (a greeting, b method, c not-found, d invalid-json) and print\neach request, response and explanation. Without --server they run against an in-process\nserver on a free loopback port. Exit status 0 means every outcome was as expected, 1 that\none was not or the server could not be reached.")
	serverURL := fs.String("server", "", "`URL` of a running roundtrip server, such as http://localhost:3000 (default: start one in process)")
	timeout := fs.Duration("timeout", 15*time.Second, "how long each request may take")
	names, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usageError("lab: --timeout must be positive")
	}
	exps := lab.Experiments
	if len(names) > 0 {
		exps = nil
		for _, n := range names {
			x, ok := lab.Lookup(n)
			if !ok {
				return usageError("lab: no experiment %q; choose from a, b, c, d or their names", n)
			}
			exps = append(exps, x)
		}
	}

	base, stop, err := labTarget(ctx, "lab", *serverURL)
	if err != nil {
		return err
	}
	defer stop()
	host := hostOf(base)
	hc := labClient(*timeout)
	defer hc.CloseIdleConnections()

	w := e.stdout
	fmt.Fprintf(w, "roundtrip lab: the lesson's experiments against %s\n", base)
	failed := 0
	for _, x := range exps {
		fmt.Fprintf(w, "\n(%s) %s\n", x.Label, x.Title)
		wrap(w, "    ", x.Task)
		ok := true
		for _, r := range lab.Run(ctx, hc, base, x) {
			if r.Err != nil {
				return fmt.Errorf("cannot reach %s: %v", base, netCause(r.Err))
			}
			printStep(w, host, r)
			ok = ok && r.OK()
		}
		wrap(w, "  In the browser: ", x.Browser)
		if !ok {
			failed++
		}
	}
	fmt.Fprintln(w)
	if failed > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("lab: %d of %d experiments did not turn out as expected", failed, len(exps))}
	}
	fmt.Fprintf(w, "All %d experiments turned out as expected.\n", len(exps))
	return nil
}

// labTarget is where lab and quiz send their requests: serverURL, without
// a trailing slash, or else an in-process server on a free loopback port,
// which stop shuts down.
func labTarget(ctx context.Context, cmd, serverURL string) (base string, stop func(), err error) {
	if serverURL != "" {
		if _, err := client.ParseURL(serverURL); err != nil {
			return "", nil, usageError("%s: --server must be an http:// or https:// URL, not %q", cmd, serverURL)
		}
		return strings.TrimRight(serverURL, "/"), func() {}, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("cannot start the in-process server: %w", unwrapOpError(err))
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- server.New(server.Config{}).Serve(sctx, ln) }()
	return "http://" + ln.Addr().String(), func() { cancel(); <-done }, nil
}

// hostOf is base's host[:port], for the Host line of a request shown raw.
func hostOf(base string) string {
	host := base[strings.Index(base, "://")+3:]
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	return host
}

// labClient sends lab's and quiz's requests, each bounded by timeout.
func labClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: timeout}).DialContext},
		Timeout:   timeout,
		// Show a redirect as it is, as the browser's Network tab does.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func printStep(w io.Writer, host string, r lab.Result) {
	fmt.Fprintln(w)
	// The request is the table's, but host is --server's; the answer is
	// the server's, any server's: all of it goes through terminalSafe.
	head, body, _ := strings.Cut(r.Step.Request.Raw(host), "\r\n\r\n")
	for line := range strings.SplitSeq(head, "\r\n") {
		fmt.Fprintf(w, "  > %s\n", terminalSafe(line))
	}
	if body != "" {
		fmt.Fprintln(w, "  >")
		writeEscaped(w, []byte(body), "  > ")
	}
	fmt.Fprintf(w, "  < %s %d %s\n", terminalSafe(r.Proto), r.Status, http.StatusText(r.Status))
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  < %s: %s\n", terminalSafe(k), terminalSafe(strings.Join(r.Header[k], ", ")))
	}
	if len(r.Body) > 0 {
		fmt.Fprintln(w, "  <")
		body := r.Body
		cut := len(body) > labExcerpt
		if cut {
			// At a character's start, or half of one would show as \xe2\x80.
			n := labExcerpt
			for n > labExcerpt-utf8.UTFMax && !utf8.RuneStart(body[n]) {
				n--
			}
			body = body[:n]
		}
		writeEscaped(w, body, "  < ")
		if cut {
			fmt.Fprintf(w, "  < ... (%d more bytes)\n", len(r.Body)-len(body))
		}
	}
	wrap(w, "  = ", fmt.Sprintf("%d %s", r.Status, lab.Explain(r.Status)))
	if r.OK() {
		fmt.Fprintf(w, "  ok: as expected (%d)\n", r.Step.Want.Status)
	} else {
		fmt.Fprintf(w, "  UNEXPECTED: %s\n", strings.Join(r.Mismatches, "; "))
	}
	wrap(w, "  Why: ", r.Step.Why)
}

// wrap writes text after prefix, folded at 80 columns, with later lines
// indented as far as the prefix.
func wrap(w io.Writer, prefix, text string) {
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	line := prefix
	fresh := true
	for word := range strings.FieldsSeq(text) {
		if !fresh && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > 80 {
			fmt.Fprintln(w, line)
			line, fresh = indent, true
		}
		if !fresh {
			line += " "
		}
		line += word
		fresh = false
	}
	fmt.Fprintln(w, line)
}

// netCause drops the "Get URL:" and "dial tcp ADDR:" wrappers, which repeat
// what the message already says.
func netCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return unwrapOpError(err)
}
