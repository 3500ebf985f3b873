package cli

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/roundtrip/roundtrip/internal/client"
)

// exchange is one round trip of request as its outputs show it: the text
// view (request_text.go), the timeline (request_timeline.go) and the JSON
// document (request_json.go) all read it, so that they agree on what was
// sent and what came back.
type exchange struct {
	resp     *client.Response // the answer's head, TLS and Server-Timing; its Timeline is complete once the body is closed
	body     io.ReadCloser    // the answer's body, read once, through Read
	sentBody []byte           // the request's body, as given
	keep     int              // how many of the body's first bytes to keep
	kept     []byte           // those bytes: what the JSON document and a 4xx's error read
	size     int64            // bytes of the body read so far
}

// newExchange is resp's exchange, its body still to be read from body,
// keeping the first keep bytes of it.
func newExchange(resp *client.Response, body io.ReadCloser, sentBody []byte, keep int) *exchange {
	return &exchange{resp: resp, body: body, sentBody: sentBody, keep: keep}
}

// Read reads the answer's body, counting it and keeping its first bytes.
// A read error is a bodyError, which says how much had come.
func (x *exchange) Read(p []byte) (int, error) {
	n, err := x.body.Read(p)
	if room := x.keep - len(x.kept); room > 0 {
		x.kept = append(x.kept, p[:min(n, room)]...)
	}
	x.size += int64(n)
	if err != nil && err != io.EOF {
		err = &bodyError{err: err, read: x.size}
	}
	return n, err
}

// Close closes the body: the timeline is then complete.
func (x *exchange) Close() error { return x.body.Close() }

// readKept reads the body up to one byte past what it keeps, and closes it.
func (x *exchange) readKept() error {
	defer x.Close()
	_, err := io.Copy(io.Discard, io.LimitReader(x, int64(x.keep)+1))
	return err
}

// truncated reports whether more of the body was read than kept.
func (x *exchange) truncated() bool { return x.size > int64(len(x.kept)) }

// answerErr is the answer's error for a 4xx or 5xx, the problem's detail
// read from the kept bytes.
func (x *exchange) answerErr() error {
	return client.AnswerError(x.resp.Status, x.resp.Header, x.kept)
}

// bodyError is a body that broke off after read bytes: what came was
// written, and the message says so.
type bodyError struct {
	err  error
	read int64
}

func (e *bodyError) Error() string {
	return fmt.Sprintf("%v, %d bytes into the body", e.err, e.read)
}

func (e *bodyError) Unwrap() error { return e.err }

// field is one header line: name and value.
type field struct{ name, value string }

// requestLine is the request's first line as sent.
func (x *exchange) requestLine() string {
	req := x.resp.Request
	return req.Method + " " + req.URL.RequestURI() + " " + protoName(x.resp.Proto)
}

// sentFields is the request's header as sent, Host first, secrets
// redacted unless showSecrets.
func (x *exchange) sentFields(showSecrets bool) []field {
	req := x.resp.Request
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if req.ContentLength > 0 {
		h.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	}
	fields := headerFields(requestHost(req), h)
	if !showSecrets {
		redact(fields)
	}
	return fields
}

// statusLine is the answer's status line, with RFC 9110's reason phrase.
func (x *exchange) statusLine() string {
	return fmt.Sprintf("%s %d %s", x.resp.Proto, x.resp.Status, http.StatusText(x.resp.Status))
}

// headerFields lists a header map as lines, Host first, then the names in
// order: history show writes a stored request with it.
func headerFields(host string, h http.Header) []field {
	fields := []field{{"Host", host}}
	for _, k := range sortedKeys(h) {
		for _, v := range h[k] {
			fields = append(fields, field{k, v})
		}
	}
	return fields
}

// fieldsHeader turns lines back into a header map.
func fieldsHeader(fields []field) http.Header {
	h := http.Header{}
	for _, f := range fields {
		h[f.name] = append(h[f.name], f.value)
	}
	return h
}

// secretHeaders are shown as [redacted] unless --show-secrets.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

const redacted = "[redacted; --show-secrets shows it]"

// redact replaces the values of secretHeaders in fields.
func redact(fields []field) {
	for i, f := range fields {
		if slices.ContainsFunc(secretHeaders, func(s string) bool { return strings.EqualFold(s, f.name) }) {
			fields[i].value = redacted
		}
	}
}

// protoName is the request line's protocol: net/http writes HTTP/1.1 for
// every request and the transport switches to HTTP/2 on its own.
func protoName(respProto string) string {
	if strings.HasPrefix(respProto, "HTTP/2") {
		return "HTTP/2.0"
	}
	return "HTTP/1.1"
}

func requestHost(req *http.Request) string {
	if req.Host != "" {
		return req.Host
	}
	return req.URL.Host
}

// isJSON reports whether a Content-Type is application/json or a +json type.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
