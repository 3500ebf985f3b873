package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// JSON's colours, as jq's: keys bold blue, strings green.
const (
	jsonKey     = "1;34"
	jsonString  = "32"
	jsonNumber  = "36"
	jsonLiteral = "35"
)

// textOptions shape writeText's output.
type textOptions struct {
	colour      palette
	human       bool // for a terminal: JSON indented, control characters escaped; otherwise the body is raw
	verbose     bool // -v: the request and the response's head before the body
	include     bool // -i: the response's head before the body, where the body goes
	timeline    bool // --timeline: the phases after the body
	showSecrets bool
	bodyTo      io.Writer // -o's file, which gets the body as it came (and -i's head); nil for w
}

// displayLimit is how much of a JSON body the view for a terminal holds
// to indent it; a longer one is shown as it comes, escaped but not
// indented. It bounds the display only: a pipe or a file gets every byte.
const displayLimit = 1 << 20

// writeText writes the response's body as it arrives, with -v's heads
// before it and --timeline's phases after it, and closes the body. Its
// error is the body's write error, or its read error (a *bodyError) once
// what had come is written.
func writeText(w io.Writer, x *exchange, o textOptions) error {
	if o.verbose {
		writeHeads(w, x, o)
	}
	bo, shown := o, &tailWriter{w: w}
	var body io.Writer = shown
	if o.bodyTo != nil {
		bo.human, bo.colour = false, palette{} // a file gets the bytes
		body = o.bodyTo
	}
	if o.include && !(o.verbose && o.bodyTo == nil) { // -v has shown them there
		writeIncluded(body, x, bo)
	}
	err := writeBody(body, x, x.resp.Header.Get("Content-Type"), bo)
	x.Close()
	if !o.timeline {
		return err
	}
	if shown.n > 0 && shown.last != '\n' {
		fmt.Fprintln(w)
	}
	if o.verbose || shown.n > 0 {
		fmt.Fprintln(w)
	}
	writeTimeline(w, x, o.colour)
	return err
}

// tailWriter notes how much was written and its last byte.
type tailWriter struct {
	w    io.Writer
	n    int64
	last byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if n > 0 {
		t.n += int64(n)
		t.last = p[n-1]
	}
	return n, err
}

// writeHeads shows each request as sent and its answer's status line and
// headers, as curl -v does: with -L, every hop.
func writeHeads(w io.Writer, x *exchange, o textOptions) {
	for _, r := range x.hops() {
		writeRequestHead(w, o.colour, requestLine(r), sentFields(r, o.showSecrets), x.bodyOf(r))
		writeResponseHead(w, o.colour, r.Status, statusLine(r), r.Header)
	}
}

// writeIncluded writes each answer's status line and headers as curl -i
// does, CRLF-ended as on the wire, before the body: with -L, every hop's.
func writeIncluded(w io.Writer, x *exchange, o textOptions) {
	safe := func(s string) string { return s }
	if o.human {
		safe = terminalSafe
	}
	for _, r := range x.hops() {
		fmt.Fprintf(w, "%s\r\n", o.colour.status(r.Status, safe(statusLine(r))))
		for _, k := range sortedKeys(r.Header) {
			for _, v := range r.Header[k] {
				fmt.Fprintf(w, "%s: %s\r\n", o.colour.name(safe(k)), safe(v))
			}
		}
		io.WriteString(w, "\r\n")
	}
}

// writeRequestHead writes a request as > lines: its request line, its
// header fields in order and its body, binary data as a note. Every piece
// goes through terminalSafe. history show writes a stored request with it.
func writeRequestHead(w io.Writer, p palette, line string, fields []field, body []byte) {
	out := func(prefix, line string) { fmt.Fprintf(w, "%s %s\n", p.dim(prefix), line) }
	out(">", p.bold(terminalSafe(line)))
	for _, f := range fields {
		out(">", p.name(terminalSafe(f.name))+": "+terminalSafe(f.value))
	}
	fmt.Fprintln(w, p.dim(">"))
	if len(body) > 0 {
		if !utf8.Valid(body) || slices.Contains(body, 0) {
			out(">", fmt.Sprintf("[%d bytes of binary data]", len(body)))
		} else {
			writeEscaped(w, body, p.dim(">")+" ")
		}
	}
}

// writeResponseHead writes a response's status line, coloured by code,
// and its headers as < lines.
func writeResponseHead(w io.Writer, p palette, code int, statusLine string, header http.Header) {
	out := func(prefix, line string) { fmt.Fprintf(w, "%s %s\n", p.dim(prefix), line) }
	out("<", p.status(code, terminalSafe(statusLine)))
	for _, k := range sortedKeys(header) {
		for _, v := range header[k] {
			out("<", p.name(terminalSafe(k))+": "+terminalSafe(v))
		}
	}
	fmt.Fprintln(w, p.dim("<"))
}

// writeBody writes a body as it arrives: raw, or for a terminal escaped
// line by line, a JSON body of up to displayLimit indented (and coloured)
// once it is whole, and a binary one as a one-line notice of its size,
// read to its end. history show writes a stored one with it.
func writeBody(w io.Writer, body io.Reader, contentType string, o textOptions) error {
	if !o.human {
		return copyBody(w, body)
	}
	// The first read tells text from binary, as HTTPie does, without
	// waiting for more of a stream.
	br := bufio.NewReaderSize(body, 32<<10)
	if _, err := br.Peek(1); err != nil && err != io.EOF {
		return err
	}
	if first, _ := br.Peek(br.Buffered()); isBinary(first, contentType) {
		n, err := io.Copy(io.Discard, br)
		so := ""
		if err != nil {
			so = " so far"
		}
		if _, werr := fmt.Fprintln(w, o.colour.dim(fmt.Sprintf("[binary body, %d bytes%s; redirect to a file to save it]", n, so))); err == nil {
			err = writeError(werr)
		}
		return err
	}
	body = br
	if isJSON(contentType) {
		head, err := io.ReadAll(io.LimitReader(body, displayLimit+1))
		var indented bytes.Buffer
		if err == nil && len(head) <= displayLimit && json.Indent(&indented, head, "", "  ") == nil {
			// Indent keeps the body's trailing newline; Fprintln adds one.
			_, err = fmt.Fprintln(w, colourJSON(strings.TrimRight(indented.String(), " \t\r\n"), o.colour))
			return writeError(err)
		}
		if err != nil {
			writeEscaped(w, head, "")
			return err
		}
		body = io.MultiReader(bytes.NewReader(head), body)
	}
	ew := &escapeWriter{w: w}
	err := copyBody(ew, body)
	if ferr := ew.finish(); err == nil {
		err = writeError(ferr)
	}
	return err
}

// isBinary reports whether a body that begins with b is not for a
// terminal: it holds a NUL, or, unless its type says text, is not UTF-8
// (a character cut at b's end aside).
func isBinary(b []byte, contentType string) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	if utf8.Valid(b[:len(b)-heldTail(b)]) {
		return false
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	return !strings.HasPrefix(mt, "text/")
}

// copyBody copies body to w as it arrives, each read written at once, so
// that a stream shows as it comes. A read error is returned as it is.
func copyBody(w io.Writer, body io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return writeError(werr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func writeError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cannot write the body: %w", err)
}

// escapeWriter writes text through terminalSafe as it comes, as
// writeEscaped does: a CR before an LF goes, and a UTF-8 sequence cut
// between two writes waits for its end. finish ends the last line.
type escapeWriter struct {
	w       io.Writer
	pending []byte // a trailing CR, or the start of a cut UTF-8 sequence
	midLine bool   // what was written does not end with a newline
}

func (e *escapeWriter) Write(p []byte) (int, error) {
	b := append(e.pending, p...)
	hold := heldTail(b)
	e.pending = bytes.Clone(b[len(b)-hold:])
	b = b[:len(b)-hold]
	var out strings.Builder
	for len(b) > 0 {
		line, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			out.WriteString(terminalSafe(string(b)))
			e.midLine = true
			break
		}
		out.WriteString(terminalSafe(string(bytes.TrimSuffix(line, []byte("\r")))))
		out.WriteByte('\n')
		e.midLine = false
		b = rest
	}
	if _, err := io.WriteString(e.w, out.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// finish writes what was held back, a last CR aside, and ends the line.
func (e *escapeWriter) finish() error {
	s := terminalSafe(string(bytes.TrimSuffix(e.pending, []byte("\r"))))
	if s != "" || e.midLine {
		s += "\n"
	}
	e.pending, e.midLine = nil, false
	_, err := io.WriteString(e.w, s)
	return err
}

// heldTail is how many bytes at b's end must wait for the next write: a
// CR, which an LF may follow, or a UTF-8 sequence not yet complete.
func heldTail(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	if b[len(b)-1] == '\r' {
		return 1
	}
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if b[i] >= utf8.RuneSelf && !utf8.FullRune(b[i:]) {
				return len(b) - i
			}
			return 0
		}
	}
	return 0
}

// colourJSON colours indented JSON, escaping what its strings hold that
// could move the cursor or recolour the terminal.
func colourJSON(s string, p palette) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		j := i + 1
		switch {
		case c == '"':
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			colour := jsonString
			if j < len(s) && s[j] == ':' {
				colour = jsonKey
			}
			b.WriteString(p.paint(colour, terminalSafe(s[i:j])))
		case c == '-' || c >= '0' && c <= '9':
			for j < len(s) && strings.IndexByte("+-.0123456789eE", s[j]) >= 0 {
				j++
			}
			b.WriteString(p.paint(jsonNumber, s[i:j]))
		case c >= 'a' && c <= 'z':
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			b.WriteString(p.paint(jsonLiteral, s[i:j]))
		default:
			b.WriteByte(c)
		}
		i = j
	}
	return b.String()
}
