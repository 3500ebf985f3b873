package cli

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
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

// hops are the requests sent and their answers, oldest first: the
// redirects followed, then the answer.
func (x *exchange) hops() []*client.Response {
	return slices.Concat(x.resp.Redirects, []*client.Response{x.resp})
}

// bodyOf is the body r's request carried, as its head says: a
// redirect may drop it (303, or a POST's 301 and 302) or send it again
// (307, 308).
func (x *exchange) bodyOf(r *client.Response) []byte {
	for _, f := range r.Sent {
		if strings.EqualFold(f.Name, "Content-Length") && f.Value != "0" || strings.EqualFold(f.Name, "Transfer-Encoding") {
			return x.sentBody
		}
	}
	return nil
}

// requestLine is r's request's first line as sent. net/http writes
// HTTP/1's itself, from the method and the URL; over HTTP/2 the
// :method and :path pseudo-headers carry it.
func requestLine(r *client.Response) string {
	if h2 := pseudo(r.Sent); h2 != nil {
		return h2[":method"] + " " + h2[":path"] + " HTTP/2.0"
	}
	return r.Request.Method + " " + r.Request.URL.RequestURI() + " HTTP/1.1"
}

// pseudo is an HTTP/2 request's pseudo-headers by name, nil for HTTP/1.
func pseudo(sent []client.Field) map[string]string {
	var m map[string]string
	for _, f := range sent {
		if strings.HasPrefix(f.Name, ":") {
			if m == nil {
				m = map[string]string{}
			}
			m[f.Name] = f.Value
		}
	}
	return m
}

// sentFields is r's request's header as the transport wrote it, in order,
// secrets redacted unless showSecrets. The request line's own
// pseudo-headers are left to it.
func sentFields(r *client.Response, showSecrets bool) []field {
	var fields []field
	for _, f := range r.Sent {
		if f.Name != ":method" && f.Name != ":path" {
			fields = append(fields, field{f.Name, f.Value})
		}
	}
	if !showSecrets {
		redact(fields)
	}
	return fields
}

// sentHeader is sentFields as a header map, as HTTP/1 names them:
// HTTP/2's :authority is Host, its other pseudo-headers are in the line.
func sentHeader(r *client.Response, showSecrets bool) http.Header {
	h := http.Header{}
	for _, f := range sentFields(r, showSecrets) {
		switch {
		case f.name == ":authority":
			h.Add("Host", f.value)
		case !strings.HasPrefix(f.name, ":"):
			h.Add(f.name, f.value)
		}
	}
	return h
}

// statusLine is r's status line, with RFC 9110's reason phrase.
func statusLine(r *client.Response) string {
	return fmt.Sprintf("%s %d %s", r.Proto, r.Status, http.StatusText(r.Status))
}

// redirectNotFollowed is what to say of an answer that redirects, when
// the client did not follow it: "" for any other.
func redirectNotFollowed(r *client.Response) string {
	switch r.Status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return ""
	}
	loc := r.Header.Get("Location")
	if loc == "" {
		return ""
	}
	return fmt.Sprintf("%d %s: the redirect to %s was not followed; -L follows it", r.Status, http.StatusText(r.Status), loc)
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
