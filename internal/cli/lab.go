package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
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
	fs := newFlags(e, "lab", "[--server URL] [EXPERIMENT...]", "Run the lesson's four experiments (a greeting, b method, c not-found, d invalid-json) and print\n"+
		"each request, response and explanation. Without --server they run against an in-process\n"+
		"server on a free loopback port. Each outcome is judged against what HTTP specifies; where HTTP\n"+
		"leaves the answer to the server, a server that answers otherwise than roundtrip serve is told\n"+
		"apart, not failed. Exit status 0 means no outcome went against HTTP, 1 that one did or the\n"+
		"server could not be reached, 2 a wrong command line.")
	serverURL := fs.String("server", "", "`URL` of a running server, roundtrip serve or another, such as http://localhost:3000 (default: start one in process)")
	timeout := fs.Duration("timeout", 15*time.Second, "how long each request may take")
	cf := clientFlags{
		timeout:  timeout,
		insecure: fs.Bool("insecure", false, "skip TLS certificate verification, such as for serve --tls's self-signed one"),
		cacert:   fs.String("cacert", "", "trust the CA certificates in this PEM `file` for https:// (as well as the system's), such as serve --write-cert's"),
	}
	names, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	ccfg, err := cf.config("lab")
	if err != nil {
		return err
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
	hc := labClient(*timeout, &tls.Config{InsecureSkipVerify: ccfg.Insecure, RootCAs: ccfg.RootCAs}) //nolint:gosec // the user asked, with --insecure
	defer hc.CloseIdleConnections()
	// The URLs and commands to try by hand: the in-process server is gone
	// by the time they are read, so they go to serve's default address.
	tryBase, tryNote := base, ""
	if *serverURL == "" {
		tryBase, tryNote = defaultServer, "with roundtrip serve running:"
	}

	w := e.stdout
	fmt.Fprintf(w, "roundtrip lab: the lesson's experiments against %s\n", base)
	var against []string // the labels of the experiments that went against HTTP
	differed, who := 0, ""
	for _, x := range exps {
		fmt.Fprintf(w, "\n(%s) %s\n", x.Label, x.Title)
		wrap(w, "    ", x.Task)
		follows, same := true, true
		for _, r := range lab.Run(ctx, hc, base, x) {
			if r.Err != nil {
				return fmt.Errorf("cannot reach %s: %v", base, reachCause(r.Err))
			}
			printStep(w, host, r)
			follows, same = follows && r.FollowsHTTP(), same && len(r.Differs) == 0
			if who == "" || who == "this server" {
				who = r.Server
			}
		}
		printTry(w, x, tryBase, tryNote)
		switch {
		case !follows:
			against = append(against, x.Label)
		case !same:
			differed++
		}
	}
	fmt.Fprintln(w)
	who = terminalSafe(who)
	const open = "answers otherwise than roundtrip serve where HTTP leaves the answer to the server."
	switch {
	case len(against) > 0:
		if rest := len(exps) - len(against); rest > 0 && differed > 0 {
			wrap(w, "", fmt.Sprintf("In the other %d experiments %s follows HTTP; in %d, it %s", rest, who, differed, open))
		} else if rest > 0 {
			wrap(w, "", fmt.Sprintf("In the other %d experiments %s follows HTTP.", rest, who))
		}
		return &exitError{code: exitFailure, err: fmt.Errorf("lab: %d of %d experiments show %s going against HTTP: %s", len(against), len(exps), who, strings.Join(against, ", "))}
	case differed > 0:
		wrap(w, "", fmt.Sprintf("All %d experiments follow HTTP; in %d, %s %s", len(exps), differed, who, open))
	default:
		fmt.Fprintf(w, "All %d experiments turned out as expected.\n", len(exps))
	}
	return nil
}

// printTry prints x's terminal note and what it refers to, after note if
// any: the URLs of its steps that a browser can open, and x.Try as a
// roundtrip request command, each against base, one a line to copy.
func printTry(w io.Writer, x lab.Experiment, base, note string) {
	wrap(w, "  Try it: ", x.Terminal)
	if note != "" {
		fmt.Fprintf(w, "    %s\n", note)
	}
	for _, s := range x.Steps {
		if s.Browse {
			fmt.Fprintf(w, "      %s%s\n", terminalSafe(base), s.Request.Path)
		}
	}
	if r := x.Try; r != nil {
		cmd := "roundtrip request " + r.Method + " " + shellQuote(base+r.Path)
		for _, k := range slices.Sorted(maps.Keys(r.Headers)) {
			if k == "Content-Type" && r.Headers[k] == "application/json" {
				cmd += " --json"
				continue
			}
			cmd += " -H " + shellQuote(k+": "+r.Headers[k])
		}
		if r.Body != "" {
			cmd += " -d " + shellQuote(r.Body)
		}
		fmt.Fprintf(w, "      %s\n", terminalSafe(cmd))
	}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=?&%+@,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// reachCause is netCause, with what to do about a certificate nobody
// vouches for, such as serve --tls's self-signed one.
func reachCause(err error) string {
	cause := netCause(err).Error()
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		cause += " (trust it with --cacert FILE, or skip the check with --insecure)"
	}
	return cause
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

// labClient sends lab's and quiz's requests, each bounded by timeout, over
// TLS with tc (nil for Go's defaults).
func labClient(timeout time.Duration, tc *tls.Config) *http.Client {
	return &http.Client{
		Transport: &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: timeout}).DialContext, TLSClientConfig: tc},
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
	// The sentences name the server as it names itself: terminalSafe too.
	want := r.Step.Want
	switch {
	case len(r.Departs) > 0:
	case r.Status == want.Status && want.Spec != "":
		fmt.Fprintf(w, "  ok: %d, as %s says\n", want.Status, want.Spec)
	case r.Status == want.Status:
		fmt.Fprintf(w, "  ok: as expected (%d)\n", want.Status)
	}
	for _, s := range r.Departs {
		wrap(w, "  AGAINST HTTP: ", terminalSafe(s))
	}
	for _, s := range r.Differs {
		wrap(w, "  differs: ", terminalSafe(s))
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
