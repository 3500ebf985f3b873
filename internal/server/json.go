package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxBodyBytes bounds every request body the server reads.
const maxBodyBytes = 1 << 20

// writeJSON writes v as JSON. A Content-Type set before the call (such as
// problem+json) is kept.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = appJSON
	}
	h["X-Content-Type-Options"] = nosniff
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // served as JSON with nosniff, never as HTML
	_ = enc.Encode(v)        // a write error means the client left
}

// readBody reads the whole body, refusing more than maxBodyBytes. It reads
// before any response starts: net/http discards the unread rest of a request
// once the response begins.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *problem) {
	if r.ContentLength > maxBodyBytes {
		return nil, tooLarge(r.ContentLength)
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return nil, tooLarge(-1)
	}
	if err != nil {
		return nil, newProblem(http.StatusBadRequest, "The request body could not be read completely.")
	}
	return buf.Bytes(), nil
}

func tooLarge(n int64) *problem {
	if n > 0 {
		return newProblem(http.StatusRequestEntityTooLarge, "The body is %d bytes; this server accepts at most %d bytes (1 MiB).", n, maxBodyBytes)
	}
	return newProblem(http.StatusRequestEntityTooLarge, "The body is larger than %d bytes (1 MiB), the most this server accepts.", maxBodyBytes)
}

// isJSON reports whether a Content-Type names JSON: application/json or any
// +json type.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func requireJSON(r *http.Request) *problem {
	ct := r.Header.Get("Content-Type")
	if isJSON(ct) {
		return nil
	}
	if ct == "" {
		return newProblem(http.StatusUnsupportedMediaType, "The request has no Content-Type; send JSON with Content-Type: application/json.")
	}
	return newProblem(http.StatusUnsupportedMediaType, "The body is %q, not JSON; send it with Content-Type: application/json.", ct)
}

// decodeJSON decodes exactly one JSON value from body into v. Its problems
// name the line and column and never a Go type.
func decodeJSON(body []byte, v any) *problem {
	if !utf8.Valid(body) {
		// encoding/json would quietly turn bad bytes into U+FFFD.
		return newProblem(http.StatusBadRequest, "The body is not valid UTF-8, which JSON requires (RFC 8259).")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return jsonProblem(body, int(dec.InputOffset()), "There is more data after the JSON value")
		}
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF) && len(bytes.TrimSpace(body)) == 0:
		return newProblem(http.StatusBadRequest, "The body is empty; it must hold a JSON value.")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return jsonProblem(body, len(body), "The JSON ends before it is complete")
	case errors.As(err, &syntax):
		return jsonProblem(body, int(syntax.Offset)-1, "Invalid JSON: "+syntax.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return jsonProblem(body, int(typ.Offset)-1, "Invalid JSON field: "+field+" cannot be a JSON "+typ.Value)
	default:
		return newProblem(http.StatusBadRequest, "The body is not valid JSON.")
	}
}

// jsonProblem is a 400 that points at byte offset off of body, as a
// 1-based line and column (in characters) that an editor would show.
func jsonProblem(body []byte, off int, msg string) *problem {
	off = min(max(off, 0), len(body))
	before := body[:off]
	line := 1 + bytes.Count(before, []byte{'\n'})
	col := 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	p := newProblem(http.StatusBadRequest, "%s at line %d, column %d.", msg, line, col)
	p.Line, p.Column = line, col
	return p
}
