// Package httpjson is roundtrip's one way to put JSON on an HTTP response
// and take it off a request: Write, Decode, whose errors name the line and
// column, and Is, which tells a JSON media type.
package httpjson

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Write writes v as JSON with status. A Content-Type set before the call
// (such as application/problem+json) is kept.
func Write(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	if _, ok := h["Content-Type"]; !ok {
		h.Set("Content-Type", "application/json")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // served as JSON with nosniff, never as HTML
	_ = enc.Encode(v)        // a write error means the client left
}

// Begin sends the headers Write sends, with status, and returns a buffered
// writer for a body encoded in pieces, so that a long answer never sits
// whole in memory while a slow client reads it. The caller flushes it.
func Begin(w http.ResponseWriter, status int) *bufio.Writer {
	h := w.Header()
	if _, ok := h["Content-Type"]; !ok {
		h.Set("Content-Type", "application/json")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	return bufio.NewWriterSize(w, beginBuffer)
}

// beginBuffer is what a streamed answer holds at most between writes.
const beginBuffer = 32 << 10

// Is reports whether a Content-Type names JSON: application/json or any
// +json type, such as application/problem+json.
func Is(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// Error is why a body is not the JSON asked for, in words for the person
// who sent it, never naming a Go type. Line and Column (1-based, in
// characters, as an editor shows them) are zero when no position applies.
type Error struct {
	Detail       string
	Line, Column int
}

func (e *Error) Error() string { return e.Detail }

// Decode decodes exactly one JSON value from body into v, with numbers as
// json.Number. It refuses invalid UTF-8, which encoding/json would quietly
// turn into U+FFFD. Its errors are *Error.
func Decode(body []byte, v any) error {
	if !utf8.Valid(body) {
		return &Error{Detail: "The body is not valid UTF-8, which JSON requires (RFC 8259)."}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil {
		end := int(dec.InputOffset())
		if _, terr := dec.Token(); terr != io.EOF {
			rest := body[end:]
			extra := end + len(rest) - len(bytes.TrimLeft(rest, " \t\r\n"))
			return at(body, extra, "There is more data after the JSON value")
		}
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF) && len(bytes.TrimSpace(body)) == 0:
		return &Error{Detail: "The body is empty; it must hold a JSON value."}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return at(body, len(body), "The JSON ends before it is complete")
	case errors.As(err, &syntax):
		return at(body, int(syntax.Offset)-1, "Invalid JSON: "+syntax.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return at(body, int(typ.Offset)-1, "Invalid JSON field: "+field+" cannot be a JSON "+typ.Value)
	default:
		return &Error{Detail: "The body is not valid JSON."}
	}
}

// at is an Error at byte offset off of body, as the line and column an
// editor would show.
func at(body []byte, off int, msg string) *Error {
	off = min(max(off, 0), len(body))
	before := body[:off]
	line := 1 + bytes.Count(before, []byte{'\n'})
	col := 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	e := &Error{Line: line, Column: col}
	e.Detail = msg + " at line " + strconv.Itoa(line) + ", column " + strconv.Itoa(col) + "."
	return e
}
