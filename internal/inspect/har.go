package inspect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/status"
)

// The HAR 1.2 document (http://www.softwareishard.com/blog/har-12-spec/),
// with the fields Chrome DevTools needs to import it.
type (
	harDoc struct {
		Log harLog `json:"log"`
	}
	harLog struct {
		Version string     `json:"version"`
		Creator harCreator `json:"creator"`
		Pages   []struct{} `json:"pages"`
		Entries []harEntry `json:"entries"`
	}
	harCreator struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	harEntry struct {
		StartedDateTime string      `json:"startedDateTime"`
		Time            float64     `json:"time"`
		Request         harRequest  `json:"request"`
		Response        harResponse `json:"response"`
		Cache           struct{}    `json:"cache"`
		Timings         harTimings  `json:"timings"`
		Connection      string      `json:"connection,omitempty"`
		Comment         string      `json:"comment,omitempty"`
	}
	harRequest struct {
		Method      string       `json:"method"`
		URL         string       `json:"url"`
		HTTPVersion string       `json:"httpVersion"`
		Cookies     []harCookie  `json:"cookies"`
		Headers     []harNV      `json:"headers"`
		QueryString []harNV      `json:"queryString"`
		PostData    *harPostData `json:"postData,omitempty"`
		HeadersSize int          `json:"headersSize"`
		BodySize    int64        `json:"bodySize"`
	}
	harResponse struct {
		Status      int         `json:"status"`
		StatusText  string      `json:"statusText"`
		HTTPVersion string      `json:"httpVersion"`
		Cookies     []harCookie `json:"cookies"`
		Headers     []harNV     `json:"headers"`
		Content     harContent  `json:"content"`
		RedirectURL string      `json:"redirectURL"`
		HeadersSize int         `json:"headersSize"`
		BodySize    int64       `json:"bodySize"`
	}
	harNV struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	harCookie struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	harPostData struct {
		MimeType string  `json:"mimeType"`
		Params   []harNV `json:"params"`
		Text     string  `json:"text"`
		Comment  string  `json:"comment,omitempty"`
	}
	harContent struct {
		Size     int64  `json:"size"`
		MimeType string `json:"mimeType"`
		Text     string `json:"text,omitempty"`
		Encoding string `json:"encoding,omitempty"`
		Comment  string `json:"comment,omitempty"`
	}
	harTimings struct {
		Blocked float64 `json:"blocked"`
		DNS     float64 `json:"dns"`
		Connect float64 `json:"connect"`
		Send    float64 `json:"send"`
		Wait    float64 `json:"wait"`
		Receive float64 `json:"receive"`
		SSL     float64 `json:"ssl"`
	}
)

// HAR returns exchanges, oldest first, as a HAR 1.2 document. The timings
// are the server's: ssl is the TLS handshake on a connection's first
// exchange, send is reading the request, wait is routing and the handler,
// receive is writing the response; blocked, dns and connect happen on the
// client and are -1 (not known), as is ssl where there was no handshake.
// An exchange whose client left before any answer has status 499.
// HandleHAR streams the same document, entry by entry.
func HAR(exchanges []*observe.Exchange) any {
	doc := harDoc{Log: harHead()}
	doc.Log.Entries = make([]harEntry, 0, len(exchanges))
	for _, ex := range exchanges {
		doc.Log.Entries = append(doc.Log.Entries, harOf(ex))
	}
	return doc
}

// harHead is the log without its entries.
func harHead() harLog {
	return harLog{
		Version: "1.2",
		Creator: harCreator{Name: "roundtrip", Version: moduleVersion()},
		Pages:   []struct{}{},
	}
}

// writeHAR writes the records, whose ids run from first, as HAR's document,
// encoding one entry at a time so that only one is in memory, not the
// whole file (16 exports at once of a full history took 4.67 GiB). Its
// fields are in harLog's order, so it is HAR's output byte for byte but
// for whitespace. It stops at the first write error: the client left.
func writeHAR(w *bufio.Writer, first uint64, records []*observe.Exchange) error {
	head, err := json.Marshal(harDoc{Log: harHead()})
	if err != nil {
		return err
	}
	// head ends with `"entries":null}}`: open the array in its place.
	_, _ = w.Write(bytes.TrimSuffix(head, []byte("null}}")))
	_, _ = w.WriteString("[\n") // bufio keeps a write error for Encode and Flush
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // as httpjson.Write: JSON with nosniff, never HTML
	for i, rec := range records {
		if i > 0 {
			_ = w.WriteByte(',')
		}
		if err := enc.Encode(harOf(view(first+uint64(i), rec))); err != nil {
			return err
		}
	}
	_, _ = w.WriteString("]}}\n")
	return w.Flush()
}

func harOf(ex *observe.Exchange) harEntry {
	reqHeaders := nvs(ex.Request.Headers)
	if ex.Host != "" {
		reqHeaders = append([]harNV{{Name: "Host", Value: ex.Host}}, reqHeaders...)
	}
	e := harEntry{
		StartedDateTime: ex.Started.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Request: harRequest{
			Method:      ex.Method,
			URL:         harURL(ex),
			HTTPVersion: ex.Proto,
			Cookies:     cookies(ex.Request.Headers, "Cookie"),
			Headers:     reqHeaders,
			QueryString: query(ex.URL),
			HeadersSize: -1,
			BodySize:    ex.Request.BodySize,
		},
		Response: harResponse{
			Status:      ex.Status,
			StatusText:  ex.StatusText(),
			HTTPVersion: ex.Proto,
			Cookies:     cookies(ex.Response.Headers, "Set-Cookie"),
			Headers:     nvs(ex.Response.Headers),
			Content: harContent{
				Size:     ex.Response.BodySize,
				MimeType: ex.ContentType,
				Text:     ex.Response.Body,
			},
			RedirectURL: ex.Response.Headers.Get("Location"),
			HeadersSize: -1,
			BodySize:    ex.Response.BodySize,
		},
		Timings: harTimings{
			Blocked: -1, DNS: -1, Connect: -1,
			SSL:     phase(ex, "tls", -1),
			Send:    phase(ex, "read", 0),
			Wait:    phase(ex, "route", 0) + phase(ex, "handler", 0),
			Receive: phase(ex, "write", 0),
		},
		Connection: ex.Client,
		Comment:    "request id " + ex.RequestID,
	}
	// HAR's time is the sum of the timings known (connect, which would
	// hold ssl, is not).
	e.Time = max(e.Timings.SSL, 0) + e.Timings.Send + e.Timings.Wait + e.Timings.Receive
	switch {
	case ex.Status == status.ClientClosedRequest:
		e.Comment += "; the client closed the connection before any response: 499 is nginx's code for that, never sent"
	case ex.ClientGone:
		e.Comment += "; the client closed the connection before the response was complete"
	}
	if ex.Response.BodyBase64 != "" {
		e.Response.Content.Text, e.Response.Content.Encoding = ex.Response.BodyBase64, "base64"
	}
	if ex.Response.BodyTruncated {
		e.Response.Content.Comment = "truncated by roundtrip's capture limit"
	}
	if ex.Request.BodySize > 0 || ex.Request.Body != "" || ex.Request.BodyBase64 != "" {
		pd := &harPostData{MimeType: ex.Request.Headers.Get("Content-Type"), Params: []harNV{}, Text: ex.Request.Body}
		if ex.Request.BodyBase64 != "" {
			pd.Text, pd.Comment = ex.Request.BodyBase64, "base64: the body is not UTF-8"
		}
		e.Request.PostData = pd
	}
	return e
}

// harURL is ex's target URI, rebuilt as RFC 9112 §3.3 says. An
// absolute-form target (as sent to a proxy) is the URI itself. Otherwise
// the scheme is the connection's and the authority is the Host (net/http
// puts a CONNECT's authority-form target there), or localhost when there
// is none, since HAR needs an absolute URL. An authority-form (CONNECT) or
// asterisk-form (*) target has an empty path and query.
func harURL(ex *observe.Exchange) string {
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

// nvs flattens headers into HAR's name-value list, sorted for a stable file.
func nvs(h http.Header) []harNV {
	out := make([]harNV, 0, len(h))
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func query(rawURL string) []harNV {
	out := []harNV{}
	u, err := url.ParseRequestURI(rawURL)
	if err != nil {
		return out
	}
	q, _ := url.ParseQuery(u.RawQuery) // keeps what parses of a malformed query
	for k, vs := range q {
		for _, v := range vs {
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// cookies lists the cookies of a Cookie or Set-Cookie header, none when
// they were redacted.
func cookies(h http.Header, key string) []harCookie {
	out := []harCookie{}
	for _, v := range h.Values(key) {
		if v == observe.Redacted {
			continue
		}
		if key == "Set-Cookie" {
			if c, err := http.ParseSetCookie(v); err == nil {
				out = append(out, harCookie{Name: c.Name, Value: c.Value})
			}
			continue
		}
		cs, _ := http.ParseCookie(v)
		for _, c := range cs {
			out = append(out, harCookie{Name: c.Name, Value: c.Value})
		}
	}
	return out
}

func moduleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "devel"
}
