// Package observe watches a server's HTTP exchanges. One middleware turns
// each request and its response into a finished Exchange record and hands
// it to the observers (the access log, metrics, the inspector); a listener
// wrapper and two http.Server hooks let it time what happens before a
// request reaches a handler: the TLS handshake and the read of its head.
package observe

import (
	"encoding/base64"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/status"
	"github.com/roundtrip/roundtrip/internal/trace"
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
	Status      int       `json:"status"` // status.ClientClosedRequest (499) when the client left first
	BytesIn     int64     `json:"bytes_in"`
	BytesOut    int64     `json:"bytes_out"` // body bytes sent: none for HEAD
	RequestID   string    `json:"request_id"`
	ContentType string    `json:"content_type"`
	// ClientGone is set when the client went away before the response was
	// complete: before it began (Status is then 499) or while it was sent.
	ClientGone bool `json:"client_gone"`
	// Listener is the address of the listener that captured the exchange,
	// when a store is shared by more than one; Imported marks one loaded
	// from a HAR file rather than captured.
	Listener string `json:"listener,omitempty"`
	Imported bool   `json:"imported,omitempty"`
}

// Exchange is one request and its response, as the server saw them. The
// middleware hands it to observers finished; none may change it.
type Exchange struct {
	Summary
	Traceparent string `json:"traceparent"` // the client's, when valid
	// TraceID and SpanID are the server's span of this exchange: of the
	// client's trace, a child of its traceparent, or of a new one. The
	// response's Server-Timing carries them as traceparent.
	TraceID  trace.ID     `json:"trace_id"`
	SpanID   trace.SpanID `json:"span_id"`
	Request  Message      `json:"request"`
	Response Message      `json:"response"`
	Phases   []Phase      `json:"phases"`
	// Upstream is a proxied exchange's second leg, to the app; nil for
	// serve's own.
	Upstream *Upstream `json:"upstream,omitempty"`
	// Upgrade is what crossed the connection after a protocol switch
	// (a 101, such as a WebSocket's); nil without one.
	Upgrade *Stream `json:"upgrade,omitempty"`
	// Stream is a text/event-stream response's events; nil for others.
	Stream *Stream `json:"stream,omitempty"`

	// Times are the raw instants the server took. Derive fills Started,
	// DurationMS, Phases and ContentType from them as an exchange is read
	// out, not on the request's path.
	Times Times `json:"-"`
	// Internal marks roundtrip's own routes (the inspector, the page's
	// files, /metrics): logged and counted, but not captured.
	Internal bool `json:"-"`

	size int64 // Size, once the middleware has worked it out
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
// exchange's first instant.
type Phase struct {
	Name       string  `json:"name"`
	Label      string  `json:"label"`
	StartMS    float64 `json:"start_ms"`
	DurationMS float64 `json:"duration_ms"`
}

// Times bound an exchange's phases. TLSStart and TLSEnd are the TLS
// handshake, set only on the first exchange of a TLS connection. Read is
// when the request's first bytes arrived (HTTP/1.x only; zero when
// unknown) and Start when the middleware saw the request. Routed (a
// route's handler began), Wrote (the response's headers went out) and End
// (the handler returned) are offsets from Start, zero when not reached:
// offsets, so that taking them reads only the monotonic clock.
type Times struct {
	TLSStart, TLSEnd   time.Time
	Read, Start        time.Time
	Routed, Wrote, End time.Duration
}

// Phases turns t into the server's phases: the TLS handshake when t has
// one, then headers read, routed, handler ran and response written.
// Missing instants collapse their phase to zero length.
func (t Times) Phases() []Phase {
	origin := t.origin()
	at := func(u time.Time) float64 { return Millis(u.Sub(origin)) }
	out := make([]Phase, 0, 5)
	if !t.TLSStart.IsZero() && !t.TLSEnd.Before(t.TLSStart) {
		out = append(out, Phase{Name: "tls", Label: "TLS handshake", StartMS: 0, DurationMS: Millis(t.TLSEnd.Sub(t.TLSStart))})
	}
	read := t.Start // no read phase when its start is unknown
	if !t.Read.IsZero() && t.Read.Before(t.Start) {
		read = t.Read
	}
	routed := max(t.Routed, 0)
	wrote := max(t.Wrote, routed)
	end := max(t.End, wrote)
	start := at(t.Start)
	return append(out,
		Phase{Name: "read", Label: "headers read", StartMS: at(read), DurationMS: Millis(t.Start.Sub(read))},
		Phase{Name: "route", Label: "routed", StartMS: start, DurationMS: Millis(routed)},
		Phase{Name: "handler", Label: "handler ran", StartMS: start + Millis(routed), DurationMS: Millis(wrote - routed)},
		Phase{Name: "write", Label: "response written", StartMS: start + Millis(wrote), DurationMS: Millis(end - wrote)},
	)
}

// origin is t's first known instant.
func (t Times) origin() time.Time {
	o := t.Start
	if !t.Read.IsZero() && t.Read.Before(o) {
		o = t.Read
	}
	if !t.TLSStart.IsZero() && t.TLSStart.Before(o) {
		o = t.TLSStart
	}
	return o
}

// Derive fills in Started, DurationMS and Phases from Times, and
// ContentType from the response's headers. Call it on a copy: the
// observers' record is never changed.
func (ex *Exchange) Derive() {
	ex.DeriveSummary()
	ex.Phases = ex.Times.Phases()
	if up := ex.Upstream; up != nil && !up.Times.Start.IsZero() && !ex.Times.Start.IsZero() {
		u := *up // the record's is shared
		u.Phases = u.Times.phases(ex.Times.origin())
		ex.Upstream = &u
	}
}

// DeriveSummary is Derive for the Summary's fields alone: what a list or
// an event shows, without the phases' allocations.
func (ex *Exchange) DeriveSummary() {
	t := ex.Times
	ex.ContentType = ex.Response.Headers.Get("Content-Type")
	if t.Start.IsZero() {
		return // made by hand, as in tests, or imported
	}
	ex.Started, ex.DurationMS = t.started(), t.durationMS()
}

// DurationMillis is the exchange's duration in milliseconds: DurationMS
// when it is derived (or imported), else worked out from Times, as a
// record in the inspector's history has it. Filters read it.
func (ex *Exchange) DurationMillis() float64 {
	if ex.DurationMS != 0 || ex.Times.Start.IsZero() {
		return ex.DurationMS
	}
	return ex.Times.durationMS()
}

func (t Times) started() time.Time { return t.origin().UTC().Truncate(time.Microsecond) }

func (t Times) durationMS() float64 {
	return Millis(t.Start.Add(max(t.End, 0)).Sub(t.origin()))
}

// StatusText is the exchange's status phrase, RFC 9110's.
func (ex *Exchange) StatusText() string { return status.Text(ex.Status) }

// Size estimates the bytes ex holds on the heap: its bodies, its headers
// and strings, and the record itself. Histories bound themselves by it.
// The middleware works it out as it finishes the record.
func (ex *Exchange) Size() int64 {
	if ex.size > 0 {
		return ex.size
	}
	req, _ := scan(ex.Request.Headers)
	res, _ := scan(ex.Response.Headers)
	return ex.sizeWith(req + res)
}

// sizeWith is Size, given the headers' share.
func (ex *Exchange) sizeWith(headers int64) int64 {
	const record = 1 << 10 // the struct, its phases and small allocations
	n := record + len(ex.Client) + len(ex.Method) + len(ex.URL) + len(ex.Path) + len(ex.Host) + len(ex.RequestID) + len(ex.Traceparent) +
		len(ex.Request.Body) + len(ex.Request.BodyBase64) + len(ex.Response.Body) + len(ex.Response.BodyBase64)
	if up := ex.Upstream; up != nil {
		n += 512 + len(up.URL) + len(up.Remote) + len(up.ServerTiming) + len(up.Error)
	}
	if u := ex.Upgrade; u != nil {
		n += u.size()
	}
	if s := ex.Stream; s != nil {
		n += s.size()
	}
	return int64(n) + headers
}

// scan is h's share of Size, and whether h holds a secret header: one
// pass over h for both, as it runs on every request.
func scan(h http.Header) (size int64, secret bool) {
	for k, vs := range h {
		size += int64(len(k)) + 48 // a map entry and a slice header
		for _, v := range vs {
			size += int64(len(v)) + 16
		}
		secret = secret || IsSecretHeader(k)
	}
	return size, secret
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
