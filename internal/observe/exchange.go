// Package inspect is roundtrip's inspector: it keeps the server's recent
// exchanges in a bounded ring, streams them as Server-Sent Events, exports
// them as HAR and serves them under /_roundtrip/api/. It is the server-side
// twin of the browser's Network tab, for every client.
package inspect

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// Summary is one exchange as lists and events show it.
type Summary struct {
	ID          uint64    `json:"id"`
	Started     time.Time `json:"started"`
	DurationMS  float64   `json:"duration_ms"`
	Client      string    `json:"client"`
	Method      string    `json:"method"`
	URL         string    `json:"url"` // as on the request line
	Path        string    `json:"path"`
	Route       string    `json:"route"` // the ServeMux pattern that matched
	Host        string    `json:"host"`
	Proto       string    `json:"proto"`
	TLS         string    `json:"tls"`
	Status      int       `json:"status"`
	BytesIn     int64     `json:"bytes_in"`
	BytesOut    int64     `json:"bytes_out"`
	RequestID   string    `json:"request_id"`
	ContentType string    `json:"content_type"`
}

// Exchange is one request and its response, as the server saw them.
// It is never changed once added to an Inspector.
type Exchange struct {
	Summary
	Traceparent string   `json:"traceparent"`
	Request     Message  `json:"request"`
	Response    Message  `json:"response"`
	Phases      [4]Phase `json:"phases"`

	// Times, when set, are the raw instants the server took. The
	// Inspector derives Started, DurationMS and Phases from them, and
	// ContentType from the response's headers, as the exchange is read
	// out, not on the request's path.
	Times Times `json:"-"`
}

// Message is one side of an exchange. Body holds text; bytes that are not
// UTF-8 go to BodyBase64 instead.
type Message struct {
	Headers       http.Header `json:"headers"`
	Body          string      `json:"body"`
	BodyBase64    string      `json:"body_base64"`
	BodySize      int64       `json:"body_size"`
	BodyTruncated bool        `json:"body_truncated"`
}

// Phase is one server-side step of an exchange, in milliseconds from the
// moment the request's first bytes were read.
type Phase struct {
	Name       string  `json:"name"`
	Label      string  `json:"label"`
	StartMS    float64 `json:"start_ms"`
	DurationMS float64 `json:"duration_ms"`
}

// Times bound an exchange's phases. Read is when the request's first bytes
// arrived (zero when unknown) and Start when the middleware saw the
// request. Routed (a route's handler began), Wrote (the response's headers
// went out) and End (the handler returned) are offsets from Start, zero
// when not reached: offsets, so that taking them reads only the monotonic
// clock and they add nothing for the garbage collector to trace.
type Times struct {
	Read, Start        time.Time
	Routed, Wrote, End time.Duration
}

// Phases turns t into the four phases: headers read, routed, handler ran,
// response written. Missing instants collapse their phase to zero length.
func (t Times) Phases() [4]Phase {
	read := time.Duration(0) // from Read to Start
	if !t.Read.IsZero() && t.Read.Before(t.Start) {
		read = t.Start.Sub(t.Read)
	}
	routed := max(t.Routed, 0)
	wrote := max(t.Wrote, routed)
	end := max(t.End, wrote)
	at := func(d time.Duration) float64 { return Millis(read + d) }
	return [4]Phase{
		{Name: "read", Label: "headers read", StartMS: 0, DurationMS: Millis(read)},
		{Name: "route", Label: "routed", StartMS: at(0), DurationMS: Millis(routed)},
		{Name: "handler", Label: "handler ran", StartMS: at(routed), DurationMS: Millis(wrote - routed)},
		{Name: "write", Label: "response written", StartMS: at(wrote), DurationMS: Millis(end - wrote)},
	}
}

// derive fills in Started, DurationMS and Phases from Times, and
// ContentType from the response's headers.
func (ex *Exchange) derive() {
	t := ex.Times
	if t.Start.IsZero() {
		return
	}
	started, before := t.Start, time.Duration(0)
	if !t.Read.IsZero() && t.Read.Before(started) {
		started, before = t.Read, t.Start.Sub(t.Read)
	}
	ex.Started = started.UTC().Truncate(time.Microsecond)
	ex.DurationMS = Millis(before + max(t.End, 0))
	ex.Phases = t.Phases()
	ex.ContentType = ex.Response.Headers.Get("Content-Type")
}

// Millis is d in milliseconds, to the microsecond.
func Millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// SetBody fills m's body from b, the first bytes of a body of size bytes.
// Fewer bytes than size means truncated, whatever truncated says.
func (m *Message) SetBody(b string, size int64, truncated bool) {
	m.BodySize = size
	m.BodyTruncated = truncated || int64(len(b)) < size
	if len(b) == 0 {
		return
	}
	text := b
	if truncated {
		text = trimPartialRune(b)
	}
	if utf8.ValidString(text) {
		m.Body = text
		return
	}
	m.BodyBase64 = base64.StdEncoding.EncodeToString([]byte(b))
}

// trimPartialRune drops a UTF-8 sequence cut off at the end of s, so a
// truncated text body still reads as text.
func trimPartialRune(s string) string {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return s[:i]
			}
			break
		}
	}
	return s
}

// AppendServerTiming appends the W3C Server-Timing value for the phases
// known when the response's headers leave: read (when measured: HTTP/1.x
// only), route and handler, with durations in milliseconds.
func (t Times) AppendServerTiming(b []byte) []byte {
	if !t.Read.IsZero() && !t.Read.After(t.Start) {
		b = append(b, "read;dur="...)
		b = appendMillis(b, t.Start.Sub(t.Read))
		b = append(b, ", "...)
	}
	routed := max(t.Routed, 0)
	b = append(b, "route;dur="...)
	b = appendMillis(b, routed)
	b = append(b, ", handler;dur="...)
	return appendMillis(b, max(t.Wrote-routed, 0))
}

// appendMillis appends d, which is not negative, in milliseconds to the
// microsecond, with integer arithmetic: it runs on every response.
func appendMillis(b []byte, d time.Duration) []byte {
	us := int64((d + time.Microsecond/2) / time.Microsecond)
	b = strconv.AppendInt(b, us/1000, 10)
	frac := us % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}
