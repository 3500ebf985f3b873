package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"
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

ITEMs after the URL are HTTPie's request items: Name:value a header
(Name: removes it, Name; sends it empty), name==value a query parameter,
name=value a JSON string field, name:=json a raw JSON one (a[b]=1 nests),
name=@FILE and name:=@FILE a file's text or JSON, @FILE a file as the
body; with --form, fields of a form, and name@FILE a file to upload. A
backslash escapes a separator: a\=b==c. Data items make the method POST
and, unless --form, the body JSON with HTTPie's Content-Type and Accept.

Exit status: 0 for a 1xx, 2xx or 3xx answer, 4 for 4xx, 5 for 5xx, 1 when
no answer came or its body broke off, such as at --max-time (the reason on
stderr; what came is written), 2 for a wrong command line.`

// requestFlags are request's own flags; the transport's are clientFlags.
type requestFlags struct {
	method, data, output, colour string
	header                       *headerFlag
	form                         *formFlag    // -F and --form-string
	cookies                      *stringsFlag // -b
	user, outFile, outDir        string       // -u, -o, --output-dir
	jarFile                      string       // -c
	jsonBody, formItems          bool         // --json, --form
	multipart                    bool
	follow, verbose, include     bool // -L, -v, -i
	timeline, secrets            bool
	remoteName                   bool // -O
	silent, showError            bool // -s, -S
	client                       clientFlags
	trace                        *traceFlags
	reportTo                     string          // --report-to
	set                          map[string]bool // the flags given, by name
}

func addRequestFlags(fs *flag.FlagSet) *requestFlags {
	f := &requestFlags{header: newHeaderFlag(), form: &formFlag{}, cookies: &stringsFlag{}}
	fs.StringVar(&f.method, "X", "", "request `method`, the same as the METHOD argument")
	fs.Var(f.header, "H", "add a request `header`, as 'Name: value', as curl does: 'Host: NAME' sets the Host, 'Name:' removes one (User-Agent too), 'Name;' sends it empty; repeatable")
	fs.StringVar(&f.data, "d", "", "request `body`; @FILE reads a file and @- standard input")
	fs.BoolVar(&f.jsonBody, "json", false, "send -d as JSON: check that it parses, and set Content-Type and Accept to application/json unless -H sets them")
	fs.Var(formPartFlag{f.form, false}, "F", "add a multipart/form-data `part`, as curl does: name=value, name=@FILE a file to upload, name=<FILE a field of a file's text; ;type=TYPE and ;filename=NAME may follow; repeatable")
	fs.Var(formPartFlag{f.form, true}, "form-string", "add a multipart/form-data `part` name=value, the value as it is (no @, < or ;type=); repeatable")
	fs.BoolVar(&f.formItems, "form", false, "make the request items' data a urlencoded form, as HTTPie does (multipart when one is a file, name@FILE); with -d, send that Content-Type")
	fs.BoolVar(&f.multipart, "multipart", false, "make the request items' data a multipart/form-data form, as HTTPie does")
	fs.StringVar(&f.user, "u", "", "send Basic credentials, as curl does, as `user:password` (roundtrip asks for no password: give it, or user: for an empty one)")
	fs.StringVar(&f.user, "user", "", "the same as -u `user:password`")
	fs.Var(f.cookies, "b", "send cookies, as curl does: name=value[; name2=value2], or read a Netscape cookie `file` (one that does not exist is no error); repeatable")
	fs.Var(f.cookies, "cookie", "the same as -b `file`")
	fs.StringVar(&f.jarFile, "c", "", "after the exchange, write every cookie known (from -b files and the answers, redirects' included) to this Netscape cookie `file`, as curl does")
	fs.StringVar(&f.jarFile, "cookie-jar", "", "the same as -c `file`")
	fs.BoolVar(&f.follow, "follow", false, "follow up to 10 redirects, as fetch does: -v shows every hop, --timeline the last; without it a redirect is the answer, and stderr says so")
	fs.BoolVar(&f.follow, "L", false, "the same as --follow")
	fs.BoolVar(&f.verbose, "v", false, "before the body, write the request as the transport wrote it, in order, and the response's status line and headers (with -L, every hop's)")
	fs.BoolVar(&f.verbose, "verbose", false, "the same as -v")
	fs.BoolVar(&f.include, "i", false, "write the response's status line and headers before its body, where the body goes (with -L, every hop's), as curl does")
	fs.BoolVar(&f.include, "include", false, "the same as -i")
	fs.BoolVar(&f.timeline, "timeline", false, "after the body, draw the round trip's phases with their durations")
	fs.StringVar(&f.output, "output", "text", "`format`: text, or json for one JSON document with the request, response, TLS and timings")
	fs.StringVar(&f.outFile, "o", "", "write the body to this `file` (- for stdout), as it comes, byte for byte; with --output json, the document")
	fs.BoolVar(&f.remoteName, "O", false, "write the body to a file named as the URL's last path segment, percent-decoded, as curl does; a name that is empty, starts with a dot or holds a / is refused")
	fs.BoolVar(&f.remoteName, "remote-name", false, "the same as -O")
	fs.StringVar(&f.outDir, "output-dir", "", "put -o's and -O's file in this `directory`")
	fs.StringVar(&f.colour, "color", "auto", "`when` to colour: auto (stdout is a terminal and NO_COLOR is unset), always (which also pretty-prints in a pipe) or never")
	fs.BoolVar(&f.secrets, "show-secrets", false, "show Authorization, Proxy-Authorization and Cookie values instead of [redacted]")
	fs.BoolVar(&f.silent, "s", false, "silent, as curl: no notes and no error message on stderr (the exit code still tells); command-line errors are still shown")
	fs.BoolVar(&f.silent, "silent", false, "the same as -s")
	fs.BoolVar(&f.showError, "S", false, "with -s, still show the error message when the request fails")
	fs.BoolVar(&f.showError, "show-error", false, "the same as -S")
	f.client = addClientFlags(fs)
	f.trace = addTraceFlags(fs, "request", true)
	fs.StringVar(&f.reportTo, "report-to", "", "post the client's side of the exchange (its span and phases) to the roundtrip inspector at `URL`, such as proxy's http://localhost:4040, to see both ends on one timeline; without it, to serve's own inspector when the server is roundtrip serve on this machine")
	return f
}

func runRequest(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "request", "[flags] [METHOD] URL [ITEM...]", requestSummary)
	f := addRequestFlags(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	defer func() {
		// -s hides the message, not the exit code; usage errors still show.
		var ex *exitError
		if err != nil && f.silent && !f.showError && !(errors.As(err, &ex) && ex.code == exitUsage) {
			code := exitFailure
			if ex != nil {
				code = ex.code
			}
			err = &exitError{code: code}
		}
	}()
	notes := e.stderr
	if f.silent {
		notes = io.Discard
	}

	a, err := splitRequestArgs(rest)
	if err != nil {
		return err
	}
	if a.method != "" {
		if f.method != "" && f.method != a.method {
			return usageError("request: two methods, -X %s and %s", f.method, a.method)
		}
		f.method = a.method
	}
	if f.method != "" && !client.IsToken(f.method) {
		return usageError("request: %q is not an HTTP method (a token, such as GET or PURGE)", f.method)
	}
	if f.colour != "auto" && f.colour != "always" && f.colour != "never" {
		return usageError("request: --color must be auto, always or never, not %q", f.colour)
	}
	if f.output != "text" && f.output != "json" {
		return usageError("request: --output must be text or json, not %q", f.output)
	}
	u, err := targetURL("request", a.url)
	if err != nil {
		return err
	}
	if err := checkReportTo(f.reportTo); err != nil {
		return err
	}
	outPath, err := f.outputPath(u)
	if err != nil {
		return err
	}
	cfg, err := f.client.config("request")
	if err != nil {
		return err
	}
	cfg.FollowRedirects = f.follow
	if cfg.Parent, err = f.trace.parent(e); err != nil {
		return err
	}
	exp, stopExport, err := f.trace.exporter(ctx, e)
	if err != nil {
		return err
	}
	defer stopExport()
	cfg.Trace = exp
	spec, body, err := f.buildRequest(e, u, a.items)
	if err != nil {
		return err
	}
	jar, err := f.cookieJar(e, spec)
	if err != nil {
		return err
	}
	if jar != nil {
		cfg.Jar = jar
		defer func() {
			if werr := f.saveJar(jar); err == nil {
				err = werr
			}
		}()
	}
	req, err := spec.request(ctx)
	if err != nil {
		return err
	}
	if *f.client.http2 && u.Scheme == "http" {
		fmt.Fprintln(notes, "roundtrip: --http2 over http:// is HTTP/1.1 here: roundtrip sends no Upgrade: h2c; --http2-prior-knowledge speaks h2c to a server that has it, such as serve --h2c")
	}

	c := client.New(cfg)
	defer c.Close()
	stream, err := c.Open(ctx, req)
	if err != nil {
		if f.output == "json" {
			writeErrorJSON(e.stdout, err)
		}
		return err
	}
	defer stream.Close()
	defer report(ctx, notes, f.reportTo, u, stream) // after the body, which ends the exchange
	if coding := stream.Undecoded; coding != "" {
		fmt.Fprintf(notes, "roundtrip: the body is %s-coded, which roundtrip cannot decode: it is written as it came\n", terminalSafe(coding))
	}
	out, closeOut, err := openOutput(e, outPath)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeOut(); err == nil {
			err = cerr
		}
	}()
	if f.output == "json" {
		x := newExchange(stream.Response, stream, body, jsonMaxBody)
		if err := x.readKept(); err != nil {
			writeErrorJSON(out, err)
			return err
		}
		if err := writeExchangeJSON(out, x, f.secrets); err != nil {
			return fmt.Errorf("cannot write the answer: %w", err)
		}
		if x.truncated() {
			fmt.Fprintf(notes, "roundtrip: warning: the document holds the body's first %s (body_truncated); without --output json it is written whole\n", formatSize(jsonMaxBody))
		}
		if !f.follow {
			noteRedirect(notes, stream.Response)
		}
		return answerError(x.answerErr())
	}
	keep := 0
	if stream.Status >= 400 {
		keep = problemMaxBody
	}
	x := newExchange(stream.Response, stream, body, keep)
	on := useColour(f.colour, e)
	o := textOptions{
		colour:      palette{on: on},
		human:       on || isTerminalWriter(e.stdout),
		verbose:     f.verbose,
		include:     f.include,
		timeline:    f.timeline,
		showSecrets: f.secrets,
	}
	if out != e.stdout {
		o.bodyTo = out
	}
	if err := writeText(e.stdout, x, o); err != nil {
		return err
	}
	if !f.follow {
		noteRedirect(notes, stream.Response)
	}
	return answerError(x.answerErr())
}

// buildRequest is the request the flags, the URL and the items after it
// describe, and the body it sends.
func (f *requestFlags) buildRequest(e *env, u *url.URL, items []string) (*requestSpec, []byte, error) {
	spec := newRequestSpec(f.method, u)
	for _, h := range f.header.args {
		if err := spec.addHeader(h); err != nil {
			return nil, nil, err
		}
	}
	ib, err := applyItems(e, spec, items, f.formItems, f.multipart)
	if err != nil {
		return nil, nil, err
	}
	dataSet, formSet := f.set["d"], len(f.form.args) > 0
	switch {
	case dataSet && formSet:
		return nil, nil, usageError("request: -d and -F cannot be mixed: -d sends a body as it is, -F a multipart form")
	case dataSet && ib.data:
		return nil, nil, usageError("request: -d and request data items (such as name=value) cannot be mixed: each makes the body")
	case formSet && ib.data:
		return nil, nil, usageError("request: -F and request data items (such as name=value) cannot be mixed: each makes the body")
	case formSet && (f.formItems || f.multipart):
		return nil, nil, usageError("request: -F makes a multipart form itself; --form and --multipart shape request items")
	case dataSet && f.multipart:
		return nil, nil, usageError("request: --multipart makes the body from request items; -d gives one as it is")
	case f.jsonBody && (formSet || f.formItems || f.multipart):
		return nil, nil, usageError("request: --json sends JSON; -F, --form and --multipart send forms")
	}
	var body []byte
	multipart, boundary := ib.multipart, ib.boundary
	switch {
	case dataSet:
		if body, err = readData(e, "request", "-d", f.data); err != nil {
			return nil, nil, err
		}
		if f.jsonBody {
			if err := checkJSON(body); len(body) > 0 && err != nil {
				return nil, nil, usageError("request: -d is not valid JSON: %v", err)
			}
		}
		spec.post = true // an empty -d too, as curl's -d ''
	case formSet:
		parts, err := f.form.parts(e)
		if err != nil {
			return nil, nil, err
		}
		if body, boundary, err = multipartBody(parts); err != nil {
			return nil, nil, err
		}
		spec.post, multipart = true, true
	default:
		body, spec.post = ib.body, ib.data
	}
	spec.body = body

	if multipart {
		// A Content-Type given (multipart/mixed) gets the boundary, as in
		// curl and HTTPie.
		if ct := spec.header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "boundary=") {
			spec.header.Set("Content-Type", ct+"; boundary="+boundary)
		}
		spec.defaultHeader("Content-Type", "multipart/form-data; boundary="+boundary)
	}
	if f.jsonBody {
		spec.defaultHeader("Content-Type", "application/json")
		spec.defaultHeader("Accept", "application/json")
	}
	if ib.contentType != "" {
		spec.defaultHeader("Content-Type", ib.contentType)
	}
	if f.formItems && !multipart {
		spec.defaultHeader("Content-Type", formContentType)
	}
	if ib.accept != "" {
		spec.defaultHeader("Accept", ib.accept)
	}
	spec.defaultHeader("Accept", "*/*") // as curl does
	if f.set["u"] || f.set["user"] {
		user, password, ok := strings.Cut(f.user, ":")
		if !ok {
			return nil, nil, usageError("request: -u %s gives no password, and roundtrip does not ask for one: give -u '%s:PASSWORD', or '%s:' for an empty one", f.user, f.user, f.user)
		}
		spec.defaultHeader("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	}
	return spec, body, nil
}

// outputPath is where the body goes: -o's file, -O's name from u, in
// --output-dir; "" for stdout.
func (f *requestFlags) outputPath(u *url.URL) (string, error) {
	name := f.outFile
	switch {
	case f.remoteName && f.set["o"]:
		return "", usageError("request: -o and -O each name the file: give one")
	case f.remoteName:
		n, err := remoteFileName(u)
		if err != nil {
			return "", err
		}
		name = n
	case name == "-" || name == "":
		if f.outDir != "" {
			return "", usageError("request: --output-dir is for -o FILE and -O")
		}
		return "", nil
	}
	if f.outDir != "" && !filepath.IsAbs(name) {
		name = filepath.Join(f.outDir, name)
	}
	return name, nil
}

// remoteFileName is -O's file name: the URL's last path segment,
// percent-decoded. One that is empty, . or .., starts with a dot (a
// dotfile, such as .bashrc), or holds a slash, a backslash or a control
// character is refused: a server names it, and it lands where you are.
func remoteFileName(u *url.URL) (string, error) {
	p := u.EscapedPath()
	seg := p[strings.LastIndexByte(p, '/')+1:]
	name, err := url.PathUnescape(seg)
	switch {
	case seg == "":
		return "", usageError("request: -O: the URL %s has no file name at its path's end; use -o FILE", u.Redacted())
	case err != nil || strings.HasPrefix(name, ".") || strings.ContainsAny(name, "/\\") || strings.ContainsFunc(name, unicode.IsControl):
		return "", usageError("request: -O: %q, the URL's last path segment, is not a safe file name; use -o FILE", seg)
	}
	return name, nil
}

// openOutput opens the body's file, created or emptied, or gives stdout
// for "". The close reports a write that failed late.
func openOutput(e *env, path string) (io.Writer, func() error, error) {
	if path == "" {
		return e.stdout, func() error { return nil }, nil
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot write the body to %s: %v", path, unwrapPathError(err))
	}
	return file, func() error {
		if err := file.Close(); err != nil {
			return fmt.Errorf("cannot write the body to %s: %v", path, unwrapPathError(err))
		}
		return nil
	}, nil
}

// cookieJar reads the -b flags: name=value pairs go in the Cookie header,
// others are cookie files, read into the jar returned, which -c makes
// too; nil with neither.
func (f *requestFlags) cookieJar(e *env, spec *requestSpec) (*client.Jar, error) {
	var jar *client.Jar
	if f.jarFile != "" {
		jar = client.NewJar()
	}
	for _, b := range f.cookies.values {
		if strings.Contains(b, "=") {
			if strings.ContainsAny(b, "\r\n\x00") {
				return nil, usageError("request: -b %q: a cookie cannot hold a line break or NUL", b)
			}
			spec.addCookie(b)
			continue
		}
		if jar == nil {
			jar = client.NewJar()
		}
		file, err := os.Open(b)
		if errors.Is(err, fs.ErrNotExist) {
			continue // as curl: -b jar -c jar starts with no file
		}
		if err != nil {
			return nil, usageError("request: cannot read -b file %s: %v", b, unwrapPathError(err))
		}
		err = jar.Load(io.LimitReader(file, maxData))
		file.Close()
		if err != nil {
			return nil, usageError("request: cannot read -b file %s: %v", b, unwrapPathError(err))
		}
	}
	return jar, nil
}

// saveJar writes the jar to -c's file, readable by its owner only: it
// holds sessions.
func (f *requestFlags) saveJar(jar *client.Jar) error {
	if f.jarFile == "" {
		return nil
	}
	var b bytes.Buffer
	jar.Save(&b)
	if err := os.WriteFile(f.jarFile, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("cannot write the cookie jar %s: %v", f.jarFile, unwrapPathError(err))
	}
	return nil
}

// stringsFlag collects a repeated flag's values.
type stringsFlag struct{ values []string }

func (f *stringsFlag) String() string { return "" }

func (f *stringsFlag) Set(v string) error {
	f.values = append(f.values, v)
	return nil
}

// noteRedirect says on notes that resp redirects, without -L: a 3xx's
// body is often empty, and without the note the request seemed to do
// nothing.
func noteRedirect(notes io.Writer, resp *client.Response) {
	if note := redirectNotFollowed(resp); note != "" {
		fmt.Fprintf(notes, "roundtrip: %s\n", terminalSafe(note))
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
