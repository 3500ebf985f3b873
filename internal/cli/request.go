package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/roundtrip/roundtrip/internal/client"
)

const requestSummary = `Send one HTTP request and show the whole round trip: the request as sent,
the response, and a waterfall of its phases (DNS lookup, TCP connect, TLS
handshake, request sent, waiting for the first byte, content download),
with the wait split by the server's Server-Timing header when it sends one.

URL may leave out the scheme (http://) and, starting with / or :PORT, the
host: roundtrip request /api/greeting?name=Alice asks localhost:3000.
METHOD defaults to GET, or POST with a body. Redirects are shown, not
followed, unless -L.

Exit status: 0 for a 1xx, 2xx or 3xx answer, 4 for 4xx, 5 for 5xx, 1 when
no answer came (the reason on stderr), 2 for a wrong command line.`

func runRequest(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "request", "[flags] [METHOD] URL", requestSummary)
	method := fs.String("X", "", "request `method`, the same as the METHOD argument")
	header := &benchHeaders{h: http.Header{}}
	fs.Var(header, "H", "add a request `header`, as 'Name: value'; repeatable")
	data := fs.String("d", "", "request `body`; @FILE reads a file and @- standard input")
	jsonBody := fs.String("json", "", "JSON request `body`, sent with Content-Type and Accept application/json; @FILE and @- as for -d")
	follow := fs.Bool("L", false, "follow up to 10 redirects, as fetch does; the waterfall shows the last hop")
	bodyOnly := fs.Bool("body-only", false, "write only the response body, byte for byte, for a pipe or a file")
	colour := fs.String("color", "auto", "`when` to colour: auto (stdout is a terminal and NO_COLOR is unset), always or never")
	secrets := fs.Bool("show-secrets", false, "show Authorization, Proxy-Authorization and Cookie values instead of [redacted]")
	cf := addClientFlags(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var rawURL string
	switch len(rest) {
	case 1:
		rawURL = rest[0]
	case 2:
		if *method != "" && *method != rest[0] {
			return usageError("request: two methods, -X %s and %s", *method, rest[0])
		}
		*method, rawURL = rest[0], rest[1]
	default:
		return usageError("request takes [METHOD] URL, such as roundtrip request POST localhost:3000/echo -d hi")
	}
	if *method != "" && !isToken(*method) {
		return usageError("request: %q is not an HTTP method (a token, such as GET or PURGE)", *method)
	}
	if *colour != "auto" && *colour != "always" && *colour != "never" {
		return usageError("request: --color must be auto, always or never, not %q", *colour)
	}
	for k, vs := range header.h {
		for _, v := range vs {
			if !isToken(k) || strings.ContainsAny(v, "\r\n\x00") {
				return usageError("request: header %q: %q cannot be sent", k, v)
			}
		}
	}
	if *data != "" && *jsonBody != "" {
		return usageError("request: give -d or --json, not both")
	}
	u, err := targetURL("request", rawURL)
	if err != nil {
		return err
	}
	cfg, err := cf.config("request")
	if err != nil {
		return err
	}
	cfg.FollowRedirects = *follow

	src := *data
	if *jsonBody != "" {
		src = *jsonBody
		setDefault(header.h, "Content-Type", "application/json")
		setDefault(header.h, "Accept", "application/json")
	}
	body, err := readRequestData(e, src)
	if err != nil {
		return err
	}
	setDefault(header.h, "Accept", "*/*") // as curl does
	if *method == "" {
		*method = http.MethodGet
		if len(body) > 0 {
			*method = http.MethodPost
		}
	}
	var reqBody io.Reader
	if len(body) > 0 {
		reqBody = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, *method, u.String(), reqBody)
	if err != nil {
		return usageError("request: %v", err)
	}
	req.Header = header.h

	c := client.New(cfg)
	defer c.Close()
	resp, err := c.Do(ctx, req)
	if err != nil {
		return err
	}
	if *bodyOnly {
		if _, err := e.stdout.Write(resp.Body); err != nil {
			return fmt.Errorf("cannot write the body: %w", err)
		}
	} else {
		writeExchange(e.stdout, resp, exchangeOptions{colour: palette{on: useColour(*colour, e)}, showSecrets: *secrets, sentBody: body})
	}
	return answerError(resp.Err())
}

func setDefault(h http.Header, key, value string) {
	if h.Get(key) == "" {
		h.Set(key, value)
	}
}

// readRequestData reads -d or --json: literal text, @FILE, or @- for
// standard input, up to 64 MiB.
func readRequestData(e *env, data string) ([]byte, error) {
	const limit = 64 << 20
	name, ok := strings.CutPrefix(data, "@")
	if !ok {
		return []byte(data), nil
	}
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageError("request: cannot read the body file %s", name)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the body from %s: %w", data, err)
	}
	if len(b) > limit {
		return nil, usageError("request: the body from %s is over 64 MiB", data)
	}
	return b, nil
}

// isToken reports whether s is an RFC 9110 token, as methods and header
// names are.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
