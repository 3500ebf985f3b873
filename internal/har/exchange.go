package har

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/status"
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
// exchange whose client left before any answer has status 499.
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
	// HAR's time is the sum of the timings known (connect, which would
	// hold ssl, is not).
	e.Time = max(*e.Timings.SSL, 0) + e.Timings.Send + e.Timings.Wait + e.Timings.Receive
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
	return e
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
