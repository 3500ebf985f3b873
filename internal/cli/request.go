package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/client"
)

const requestSummary = `Send one HTTP request, as curl and HTTPie do, and write the response's body
to stdout as it arrives. In a pipe or a file the body is written byte for
byte, however long. On a terminal control characters are escaped, a JSON
body of up to 1 MiB is pretty-printed and coloured (a longer one is shown
as it came: the limit is the display's only), and a binary body is a
one-line notice of its size, as HTTPie does. Event streams and
chunked bodies are written as they arrive, as curl -N does. --timeout
bounds the wait for the answer's head, --max-time the whole exchange.
-v writes the request as sent (> lines) and the response's status line and
headers (< lines) before the body, to stdout so that | less shows them;
--timeline draws the round trip phase by phase after it, with the wait split
by the server's Server-Timing header when it sends one. --output json writes
one JSON document with the request, the response, TLS and the timings.

URL may leave out the scheme (http://) and, starting with / or :PORT, the
host: roundtrip request /api/greeting?name=Alice asks localhost:3000.
Spaces and other characters that cannot go on the wire are percent-encoded.
METHOD defaults to GET, or POST with a body. -d sends no Content-Type unless
-H or --json gives one. Redirects are not followed unless -L (--follow):
stderr says so, with the Location; with -L, -v shows every hop.

Exit status: 0 for a 1xx, 2xx or 3xx answer, 4 for 4xx, 5 for 5xx, 1 when
no answer came or its body broke off, such as at --max-time (the reason on
stderr; what came is written), 2 for a wrong command line.`

func runRequest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "request", "[flags] [METHOD] URL", requestSummary)
	method := fs.String("X", "", "request `method`, the same as the METHOD argument")
	header := newHeaderFlag()
	fs.Var(header, "H", "add a request `header`, as 'Name: value', as curl does: 'Host: NAME' sets the Host, 'Name:' removes one (User-Agent too), 'Name;' sends it empty; repeatable")
	data := fs.String("d", "", "request `body`; @FILE reads a file and @- standard input")
	jsonBody := fs.Bool("json", false, "send -d as JSON: check that it parses, and set Content-Type and Accept to application/json unless -H sets them")
	var follow, verbose bool
	fs.BoolVar(&follow, "follow", false, "follow up to 10 redirects, as fetch does: -v shows every hop, --timeline the last; without it a redirect is the answer, and stderr says so")
	fs.BoolVar(&follow, "L", false, "the same as --follow")
	fs.BoolVar(&verbose, "v", false, "before the body, write the request as the transport wrote it, in order, and the response's status line and headers (with -L, every hop's)")
	fs.BoolVar(&verbose, "verbose", false, "the same as -v")
	timeline := fs.Bool("timeline", false, "after the body, draw the round trip's phases with their durations")
	output := fs.String("output", "text", "`format`: text, or json for one JSON document with the request, response, TLS and timings")
	colour := fs.String("color", "auto", "`when` to colour: auto (stdout is a terminal and NO_COLOR is unset), always (which also pretty-prints in a pipe) or never")
	secrets := fs.Bool("show-secrets", false, "show Authorization, Proxy-Authorization and Cookie values instead of [redacted]")
	cf := addClientFlags(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	a, err := splitRequestArgs(rest)
	if err != nil {
		return err
	}
	if a.method != "" {
		if *method != "" && *method != a.method {
			return usageError("request: two methods, -X %s and %s", *method, a.method)
		}
		*method = a.method
	}
	if *method != "" && !client.IsToken(*method) {
		return usageError("request: %q is not an HTTP method (a token, such as GET or PURGE)", *method)
	}
	if *colour != "auto" && *colour != "always" && *colour != "never" {
		return usageError("request: --color must be auto, always or never, not %q", *colour)
	}
	if *output != "text" && *output != "json" {
		return usageError("request: --output must be text or json, not %q", *output)
	}
	u, err := targetURL("request", a.url)
	if err != nil {
		return err
	}
	if err := checkItems(a.items); err != nil {
		return err
	}
	cfg, err := cf.config("request")
	if err != nil {
		return err
	}
	cfg.FollowRedirects = follow

	spec := newRequestSpec(*method, u)
	for _, h := range header.args {
		if err := spec.addHeader(h); err != nil {
			return err
		}
	}
	body, err := readData(e, "request", "-d", *data)
	if err != nil {
		return err
	}
	spec.body = body
	if *jsonBody {
		if err := checkJSON(body); len(body) > 0 && err != nil {
			return usageError("request: -d is not valid JSON: %v", err)
		}
		spec.defaultHeader("Content-Type", "application/json")
		spec.defaultHeader("Accept", "application/json")
	}
	spec.defaultHeader("Accept", "*/*") // as curl does
	req, err := spec.request(ctx)
	if err != nil {
		return err
	}

	c := client.New(cfg)
	defer c.Close()
	stream, err := c.Open(ctx, req)
	if err != nil {
		if *output == "json" {
			writeErrorJSON(e.stdout, err)
		}
		return err
	}
	defer stream.Close()
	if *output == "json" {
		x := newExchange(stream.Response, stream, body, jsonMaxBody)
		if err := x.readKept(); err != nil {
			writeErrorJSON(e.stdout, err)
			return err
		}
		if err := writeExchangeJSON(e.stdout, x, *secrets); err != nil {
			return fmt.Errorf("cannot write the answer: %w", err)
		}
		if x.truncated() {
			fmt.Fprintf(e.stderr, "roundtrip: warning: the document holds the body's first %s (body_truncated); without --output json it is written whole\n", formatSize(jsonMaxBody))
		}
		if !follow {
			noteRedirect(e, stream.Response)
		}
		return answerError(x.answerErr())
	}
	keep := 0
	if stream.Status >= 400 {
		keep = problemMaxBody
	}
	x := newExchange(stream.Response, stream, body, keep)
	on := useColour(*colour, e)
	o := textOptions{
		colour:      palette{on: on},
		human:       on || isTerminalWriter(e.stdout),
		verbose:     verbose,
		timeline:    *timeline,
		showSecrets: *secrets,
	}
	if err := writeText(e.stdout, x, o); err != nil {
		return err
	}
	if !follow {
		noteRedirect(e, stream.Response)
	}
	return answerError(x.answerErr())
}

// noteRedirect says on stderr that resp redirects, without -L: a 3xx's
// body is often empty, and without the note the request seemed to do
// nothing.
func noteRedirect(e *env, resp *client.Response) {
	if note := redirectNotFollowed(resp); note != "" {
		fmt.Fprintf(e.stderr, "roundtrip: %s\n", terminalSafe(note))
	}
}

// problemMaxBody is how much of a 4xx or 5xx body the text view keeps, to
// read a problem's detail for stderr.
const problemMaxBody = 64 << 10

// checkJSON reports why b is not one JSON value, naming the line and
// column (counted in bytes from 1) where the parser stopped.
func checkJSON(b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("it is not UTF-8")
	}
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err // nil, as Unmarshal into any fails only on syntax
	}
	// The place says more than "looking for beginning of value".
	msg := strings.TrimSuffix(se.Error(), " looking for beginning of value")
	at := min(max(se.Offset-1, 0), int64(len(b)))
	if msg == "unexpected end of JSON input" {
		at = int64(len(b))
	}
	line := 1 + bytes.Count(b[:at], []byte("\n"))
	col := at - int64(bytes.LastIndexByte(b[:at], '\n'))
	return fmt.Errorf("%s at line %d, column %d", msg, line, col)
}
