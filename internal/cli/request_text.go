package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
	timeline    bool // --timeline: the phases after the body
	showSecrets bool
}

// writeText writes the response's body, with -v's heads before it and
// --timeline's phases after it. Its error is the body's write error.
func writeText(w io.Writer, x *exchange, o textOptions) error {
	resp := x.resp
	if o.verbose {
		writeHeads(w, x, o)
	}
	if err := writeBody(w, resp.Body, resp.Header.Get("Content-Type"), resp.Truncated, o); err != nil {
		return err
	}
	if !o.timeline {
		return nil
	}
	if n := len(resp.Body); n > 0 && !o.human && resp.Body[n-1] != '\n' {
		fmt.Fprintln(w)
	}
	if o.verbose || len(resp.Body) > 0 {
		fmt.Fprintln(w)
	}
	writeTimeline(w, x, o.colour)
	return nil
}

// writeHeads shows the request as sent and the response's status line and
// headers, as curl -v does.
func writeHeads(w io.Writer, x *exchange, o textOptions) {
	writeRequestHead(w, o.colour, x.requestLine(), x.sentFields(o.showSecrets), x.sentBody)
	writeResponseHead(w, o.colour, x.resp.Status, x.statusLine(), x.resp.Header)
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

// writeBody writes a body raw, or for a terminal with JSON indented (and
// coloured) and control characters escaped. history show writes a stored
// one with it.
func writeBody(w io.Writer, body []byte, contentType string, truncated bool, o textOptions) error {
	if len(body) == 0 {
		return nil
	}
	if !o.human {
		if _, err := w.Write(body); err != nil {
			return fmt.Errorf("cannot write the body: %w", err)
		}
		return nil
	}
	var indented bytes.Buffer
	if isJSON(contentType) && json.Indent(&indented, body, "", "  ") == nil {
		// Indent keeps the body's trailing newline; Fprintln adds one.
		fmt.Fprintln(w, colourJSON(strings.TrimRight(indented.String(), " \t\r\n"), o.colour))
	} else {
		writeEscaped(w, body, "")
	}
	if truncated {
		fmt.Fprintf(w, "[cut at %d bytes]\n", len(body))
	}
	return nil
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
