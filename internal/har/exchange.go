package har

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/servertiming"
	"github.com/roundtrip/roundtrip/internal/status"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// base64Comment marks a request body FromExchange wrote in base64: HAR's
// postData has no encoding, so ToExchange reads it back by this comment.
const base64Comment = "base64: the body is not UTF-8"

// FromExchange is ex, whose derived figures are filled in
// (observe.Exchange.Derive), as an entry. The timings are the server's:
// ssl is the TLS handshake on a connection's first exchange, send is
// reading the request, wait is routing and the handler, receive is
// writing the response; blocked, dns and connect happen on the client
// and are -1 (not known), as is ssl where there was no handshake. An
// exchange whose client left before any answer has status 499. What
// crossed after a protocol switch goes in the entry's custom field
// _upgrade, and an event stream's events in _stream, each as
// observe.Stream's JSON: HAR has no field for them. The messages they
// kept go as they are, as bodies do (Redact leaves them).
func FromExchange(ex *observe.Exchange) *Entry {
	reqHeaders := nameValues(ex.Request.Headers)
	if ex.Host != "" {
		reqHeaders = append([]NameValue{{Name: "Host", Value: ex.Host}}, reqHeaders...)
	}
	e := &Entry{
		StartedDateTime: ex.Started.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Request: Request{
			Method:      ex.Method,
			URL:         requestURL(ex),
			HTTPVersion: ex.Proto,
			Cookies:     cookies(ex.Request.Headers, "Cookie"),
			Headers:     reqHeaders,
			QueryString: query(ex.URL),
			HeadersSize: -1,
			BodySize:    ex.Request.BodySize,
		},
		Response: Response{
			Status:      ex.Status,
			StatusText:  ex.StatusText(),
			HTTPVersion: ex.Proto,
			Cookies:     cookies(ex.Response.Headers, "Set-Cookie"),
			Headers:     nameValues(ex.Response.Headers),
			Content:     Content{Size: ex.Response.BodySize, MimeType: ex.ContentType},
			RedirectURL: ex.Response.Headers.Get("Location"),
			HeadersSize: -1,
			BodySize:    ex.Response.BodySize,
		},
		Timings: Timings{
			Blocked: new(-1.0), DNS: new(-1.0), Connect: new(-1.0),
			SSL:     new(phase(ex, "tls", -1)),
			Send:    phase(ex, "read", 0),
			Wait:    phase(ex, "route", 0) + phase(ex, "handler", 0),
			Receive: phase(ex, "write", 0),
		},
	}
	if up := ex.Upstream; up != nil && len(up.Phases) > 0 {
		upstreamTimings(e, ex)
	}
	// HAR's time is the sum of the timings known (connect, which would
	// hold ssl, is not).
	e.Time = max(*e.Timings.SSL, 0) + e.Timings.Send + e.Timings.Wait + e.Timings.Receive
	if ex.Upstream != nil && len(ex.Upstream.Phases) > 0 {
		e.Time = ex.DurationMS // blocked, dns and connect are known too
	}
	if ex.Client != "" {
		e.Connection = new(ex.Client)
	}
	comment := "request id " + ex.RequestID
	switch {
	case ex.Status == status.ClientClosedRequest:
		comment += "; the client closed the connection before any response: 499 is nginx's code for that, never sent"
	case ex.ClientGone:
		comment += "; the client closed the connection before the response was complete"
	}
	e.Comment = &comment
	c := &e.Response.Content
	switch {
	case ex.Response.BodyBase64 != "":
		c.Text, c.Encoding = new(ex.Response.BodyBase64), new("base64")
	case ex.Response.Body != "":
		c.Text = new(ex.Response.Body)
	}
	if ex.Response.BodyTruncated {
		c.Comment = new("truncated by roundtrip's capture limit")
	}
	if ex.Request.BodySize > 0 || ex.Request.Body != "" || ex.Request.BodyBase64 != "" {
		pd := &PostData{MimeType: ex.Request.Headers.Get("Content-Type"), Params: []Param{}, Text: new(ex.Request.Body)}
		if ex.Request.BodyBase64 != "" {
			pd.Text, pd.Comment = new(ex.Request.BodyBase64), new(base64Comment)
		}
		e.Request.PostData = pd
	}
	if !ex.TraceID.IsZero() {
		// The server's span, as Chrome's and Firefox's exports have no
		// field for it: _traceId and _spanId, W3C ids in hex.
		if e.Extra == nil {
			e.Extra = Extra{}
		}
		e.Extra["_traceId"], _ = json.Marshal(ex.TraceID.String())
		e.Extra["_spanId"], _ = json.Marshal(ex.SpanID.String())
	}
	for _, s := range [...]struct {
		key    string
		stream *observe.Stream
	}{{"_upgrade", ex.Upgrade}, {"_stream", ex.Stream}} {
		if s.stream == nil {
			continue
		}
		if b, err := json.Marshal(s.stream); err == nil { // strings and finite numbers: it cannot fail
			if e.Extra == nil {
				e.Extra = Extra{}
			}
			e.Extra[s.key] = b
		}
	}
	return e
}

// maxStreamMessages bounds the messages an imported stream keeps, as many
// as a capture's: MaxKept each way and a close each.
const maxStreamMessages = 2 * (observe.MaxKept + 1)

// stream is an entry's custom key as FromExchange writes it, or nil for
// none or another tool's of another shape.
func stream(e *Entry, key string) *observe.Stream {
	raw, ok := e.Extra[key]
	if !ok {
		return nil
	}
	var s observe.Stream
	if json.Unmarshal(raw, &s) != nil || s.Protocol == "" {
		return nil
	}
	if len(s.Messages) > maxStreamMessages {
		s.Messages = s.Messages[:maxStreamMessages:maxStreamMessages]
	}
	return &s
}

// upstreamTimings are a proxied exchange's timings as HAR means them, a
// client's: the proxy's leg to the app, its dns, connect and tls where it
// opened a connection, blocked the proxy's time before it, and the
// app's address as serverIPAddress.
func upstreamTimings(e *Entry, ex *observe.Exchange) {
	up := ex.Upstream
	get := func(name string, missing float64) float64 {
		for _, p := range up.Phases {
			if p.Name == name {
				return p.DurationMS
			}
		}
		return missing
	}
	first := up.Phases[0].StartMS
	ssl := get("tls", -1)
	connect := get("connect", -1)
	if connect >= 0 && ssl > 0 {
		connect += ssl // HAR's connect holds ssl
	}
	e.Timings.Blocked = new(first)
	e.Timings.DNS = new(get("dns", -1))
	e.Timings.Connect = new(connect)
	e.Timings.SSL = new(ssl)
	e.Timings.Send = get("send", 0)
	e.Timings.Wait = get("wait", 0)
	e.Timings.Receive = get("receive", 0)
	if host, _, err := net.SplitHostPort(up.Remote); err == nil {
		e.ServerIPAddress = new(host)
	}
}

// requestURL is ex's target URI, rebuilt as RFC 9112 §3.3 says. An
// absolute-form target (as sent to a proxy) is the URI itself. Otherwise
// the scheme is the connection's and the authority is the Host (net/http
// puts a CONNECT's authority-form target there), or localhost when there
// is none, since HAR needs an absolute URL. An authority-form (CONNECT) or
// asterisk-form (*) target has an empty path and query.
func requestURL(ex *observe.Exchange) string {
	origin := strings.HasPrefix(ex.URL, "/")
	if !origin {
		if u, err := url.Parse(ex.URL); err == nil && u.Scheme != "" && u.Host != "" {
			return ex.URL
		}
	}
	scheme := "http"
	if ex.TLS != "" {
		scheme = "https"
	}
	host := ex.Host
	if host == "" {
		host = "localhost"
	}
	if !origin {
		return scheme + "://" + host
	}
	return scheme + "://" + host + ex.URL
}

// phase is the duration of ex's phase name, or missing when it has none.
func phase(ex *observe.Exchange, name string, missing float64) float64 {
	for _, p := range ex.Phases {
		if p.Name == name {
			return p.DurationMS
		}
	}
	return missing
}

// nameValues flattens headers into HAR's name-value list, sorted for a
// stable file.
func nameValues(h http.Header) []NameValue {
	out := make([]NameValue, 0, len(h))
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, NameValue{Name: k, Value: v})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func query(rawURL string) []NameValue {
	out := []NameValue{}
	u, err := url.ParseRequestURI(rawURL)
	if err != nil {
		return out
	}
	q, _ := url.ParseQuery(u.RawQuery) // keeps what parses of a malformed query
	for k, vs := range q {
		for _, v := range vs {
			out = append(out, NameValue{Name: k, Value: v})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// cookies lists the cookies of a Cookie or Set-Cookie header, none when
// they were redacted.
func cookies(h http.Header, key string) []Cookie {
	out := []Cookie{}
	for _, v := range h.Values(key) {
		if v == observe.Redacted {
			continue
		}
		if key == "Set-Cookie" {
			if c, err := http.ParseSetCookie(v); err == nil {
				out = append(out, Cookie{Name: c.Name, Value: c.Value})
			}
			continue
		}
		cs, _ := http.ParseCookie(v)
		for _, c := range cs {
			out = append(out, Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return out
}

// ToExchange is e as an exchange, so that an imported entry is listed,
// searched and shown as a capture is. Its URL is the request-target, as
// on a request line: path and query (origin-form), the authority for a
// CONNECT with no path, * for an OPTIONS with none, the whole URL when it
// has no authority (data:). Headers go into http.Header under canonical
// names, without HTTP/2's pseudo-headers and Host, which is the URL's
// authority. Bodies are as observe.Message keeps them: UTF-8 in Body,
// other bytes in BodyBase64, truncated when the text is shorter than the
// size HAR gives. Phases are HAR's timings, those that apply, end to end
// from the start: blocked, dns, connect (without ssl), tls, send, wait
// and receive, as the client measured them. Times stay zero: Derive
// would replace the phases. A custom _upgrade or _stream, as FromExchange
// writes them, is the exchange's Upgrade or Stream, up to as many messages
// as a capture keeps; one of another shape, another tool's, is left out.
func ToExchange(e *Entry) (*observe.Exchange, error) {
	started, err := parseTime(e.StartedDateTime)
	if err != nil {
		return nil, &FieldError{Entry: -1, Field: "startedDateTime", Problem: string(observe.AppendString(nil, e.StartedDateTime)) + " is not an ISO 8601 date"}
	}
	req, res := &e.Request, &e.Response
	scheme, target, host, path := splitURL(req.Method, req.URL)
	ex := &observe.Exchange{
		Summary: observe.Summary{
			Started:    started.UTC(),
			DurationMS: e.Time,
			Method:     req.Method,
			URL:        target,
			Path:       path,
			Host:       host,
			Proto:      proto(req.HTTPVersion, res.HTTPVersion),
			Status:     res.Status,
		},
		Request:  observe.Message{Headers: header(req.Headers)},
		Response: observe.Message{Headers: header(res.Headers)},
		Phases:   phases(&e.Timings),
	}
	if scheme == "https" || scheme == "wss" {
		ex.TLS = "TLS" // its version is not in HAR
	}
	if ex.Host == "" {
		ex.Host = headerValue(req.Headers, "host", ":authority")
	}
	if ex.ContentType = ex.Response.Headers.Get("Content-Type"); ex.ContentType == "" {
		ex.ContentType = res.Content.MimeType
	}
	if ex.RequestID = ex.Response.Headers.Get("X-Request-Id"); ex.RequestID == "" {
		ex.RequestID = ex.Request.Headers.Get("X-Request-Id")
	}
	if tp := ex.Request.Headers.Get("Traceparent"); trace.Valid(tp) {
		ex.Traceparent = tp
	}
	if pd := req.PostData; pd != nil && pd.Text != nil {
		body := []byte(*pd.Text)
		if pd.Comment != nil && *pd.Comment == base64Comment {
			if body, err = decodeBase64(*pd.Text); err != nil {
				return nil, &FieldError{Entry: -1, Field: "request.postData.text", Problem: "not base64, as its comment says: " + err.Error()}
			}
		}
		setBody(&ex.Request, body, req.BodySize)
	} else {
		ex.Request.SetBody("", max(req.BodySize, 0), false)
	}
	if c := &res.Content; c.Text != nil {
		body := []byte(*c.Text)
		if c.base64() {
			if body, err = decodeBase64(*c.Text); err != nil {
				return nil, &FieldError{Entry: -1, Field: "response.content.text", Problem: "not base64, as its encoding says: " + err.Error()}
			}
		}
		setBody(&ex.Response, body, c.Size)
	} else {
		ex.Response.SetBody("", max(c.Size, 0), false) // a body HAR did not keep: truncated, as a capture with none kept
	}
	ex.BytesIn, ex.BytesOut = ex.Request.BodySize, ex.Response.BodySize
	ex.Upgrade, ex.Stream = stream(e, "_upgrade"), stream(e, "_stream")
	ex.TraceID, ex.SpanID = traceIDs(e)
	return ex, nil
}

// traceIDs are the server's span ids of e: its _traceId and _spanId when
// valid, else the traceparent of its response's Server-Timing, as a
// roundtrip server sends it, else none.
func traceIDs(e *Entry) (trace.ID, trace.SpanID) {
	var id trace.ID
	var span trace.SpanID
	var t, s string
	if json.Unmarshal(e.Extra["_traceId"], &t) == nil && json.Unmarshal(e.Extra["_spanId"], &s) == nil &&
		id.UnmarshalText([]byte(t)) == nil && span.UnmarshalText([]byte(s)) == nil && !id.IsZero() && !span.IsZero() {
		return id, span
	}
	var st []string
	for _, h := range e.Response.Headers {
		if strings.EqualFold(h.Name, "Server-Timing") {
			st = append(st, h.Value)
		}
	}
	if c, ok := servertiming.Traceparent(st); ok {
		return c.TraceID, c.SpanID
	}
	return trace.ID{}, trace.SpanID{}
}

// setBody fills m from b, of a body HAR says is size bytes: b is cut
// short when it is shorter.
func setBody(m *observe.Message, b []byte, size int64) {
	size = max(size, int64(len(b)))
	m.SetBody(string(b), size, int64(len(b)) < size)
}

// splitURL takes an entry's absolute URL apart, giving the request-target
// that a request line would carry (see ToExchange), and the path as
// net/http's URL.Path has it, unescaped.
func splitURL(method, raw string) (scheme, target, host, path string) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || !hasScheme(scheme+":") {
		return "", raw, "", "" // data:, about:blank, blob:https://...
	}
	scheme = strings.ToLower(scheme)
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, target := rest[:end], rest[end:]
	host = authority[strings.LastIndexByte(authority, '@')+1:]
	target, _, _ = strings.Cut(target, "#")
	switch {
	case target == "" && method == http.MethodConnect:
		return scheme, host, host, ""
	case target == "" && method == http.MethodOptions:
		return scheme, "*", host, "*"
	case target == "" || target[0] == '?':
		target = "/" + target
	}
	path, _, _ = strings.Cut(target, "?")
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	return scheme, target, host, path
}

// proto is an HTTP version as net/http's Request.Proto writes it: DevTools
// writes http/2.0 and h3.
func proto(versions ...string) string {
	for _, v := range versions {
		switch lower := strings.ToLower(v); {
		case v == "":
			continue
		case lower == "h2":
			return "HTTP/2.0"
		case lower == "h3":
			return "HTTP/3.0"
		case strings.HasPrefix(lower, "http/"):
			n := v[len("http/"):]
			if !strings.Contains(n, ".") {
				n += ".0"
			}
			return "HTTP/" + n
		default:
			return v
		}
	}
	return ""
}

// header is hs as an http.Header, without pseudo-headers and Host.
func header(hs []NameValue) http.Header {
	h := make(http.Header, len(hs))
	for _, nv := range hs {
		if strings.HasPrefix(nv.Name, ":") || strings.EqualFold(nv.Name, "Host") {
			continue
		}
		h.Add(nv.Name, nv.Value)
	}
	return h
}

// headerValue is the value of the first of hs named one of names, in any
// case.
func headerValue(hs []NameValue, names ...string) string {
	for _, name := range names {
		for _, nv := range hs {
			if strings.EqualFold(nv.Name, name) {
				return nv.Value
			}
		}
	}
	return ""
}

// phases lays out t's timings that apply end to end: HAR gives their
// durations, not when each began.
func phases(t *Timings) []observe.Phase {
	out := make([]observe.Phase, 0, 7)
	at := 0.0
	add := func(name, label string, d float64) {
		d = max(d, 0)
		out = append(out, observe.Phase{Name: name, Label: label, StartMS: at, DurationMS: d})
		at += d
	}
	applies := func(f *float64) bool { return f != nil && *f >= 0 }
	if applies(t.Blocked) {
		add("blocked", "blocked or queued", *t.Blocked)
	}
	if applies(t.DNS) {
		add("dns", "DNS lookup", *t.DNS)
	}
	switch {
	case applies(t.Connect) && applies(t.SSL) && *t.SSL <= *t.Connect:
		add("connect", "TCP connection", *t.Connect-*t.SSL) // HAR 1.2 counts ssl in connect
		add("tls", "TLS handshake", *t.SSL)
	case applies(t.Connect):
		add("connect", "TCP connection", *t.Connect)
		if applies(t.SSL) {
			add("tls", "TLS handshake", *t.SSL)
		}
	case applies(t.SSL):
		add("tls", "TLS handshake", *t.SSL)
	}
	add("send", "request sent", t.Send)
	add("wait", "waiting for the response", t.Wait)
	add("receive", "response received", t.Receive)
	return out
}
