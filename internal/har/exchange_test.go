package har

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	neturl "net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// TestFromExchangeGolden holds FromExchange and Writer to
// testdata/exchanges.har, which inspect's HAR export wrote for these
// exchanges, byte for byte, before the conversion moved here.
func TestFromExchangeGolden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := NewWriter(&b, &Log{Version: Version, Creator: Creator{Name: "roundtrip", Version: "test"}, Pages: []Page{}})
	for _, ex := range goldenExchanges() {
		ex.Derive()
		if err := w.Entry(FromExchange(ex)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/exchanges.har")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("the HAR of goldenExchanges =\n%s\nwant testdata/exchanges.har:\n%s", got, want)
	}
}

// TestFromExchangeURL holds requestURL to RFC 9112's request-target forms.
func TestFromExchangeURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		method, url, host, tls string
		want                   string
	}{
		{"origin-form", "GET", "/api/greeting?name=Alice", "127.0.0.1:3000", "", "http://127.0.0.1:3000/api/greeting?name=Alice"},
		{"origin-form over TLS", "GET", "/blob", "roundtrip.test", "TLS 1.3", "https://roundtrip.test/blob"},
		{"origin-form without a Host", "GET", "/blob", "", "", "http://localhost/blob"},
		{"IPv6 host", "GET", "/x", "[::1]:3000", "", "http://[::1]:3000/x"},
		{"absolute-form", "GET", "http://evil.example/x?a=1", "evil.example", "", "http://evil.example/x?a=1"},
		{"absolute-form https over plain HTTP", "GET", "https://evil.example/x", "evil.example", "", "https://evil.example/x"},
		{"absolute-form over TLS", "GET", "http://evil.example/x", "evil.example", "TLS 1.3", "http://evil.example/x"},
		{"CONNECT", "CONNECT", "evil.example:443", "evil.example:443", "", "http://evil.example:443"},
		{"CONNECT over TLS", "CONNECT", "evil.example:443", "evil.example:443", "TLS 1.3", "https://evil.example:443"},
		{"CONNECT to an IPv6 address", "CONNECT", "[2001:db8::1]:443", "[2001:db8::1]:443", "", "http://[2001:db8::1]:443"},
		{"CONNECT in origin-form", "CONNECT", "/tunnel", "roundtrip.test", "", "http://roundtrip.test/tunnel"},
		{"asterisk-form", "OPTIONS", "*", "roundtrip.test", "", "http://roundtrip.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ex := &observe.Exchange{Summary: observe.Summary{Method: tt.method, URL: tt.url, Host: tt.host, TLS: tt.tls}}
			if got := FromExchange(ex).Request.URL; got != tt.want {
				t.Errorf("HAR url of %s %s (Host %q, TLS %q) = %q; want %q", tt.method, tt.url, tt.host, tt.tls, got, tt.want)
			}
		})
	}
}

// decodeEntry is minimalEntry with each pair of edits made, decoded.
func decodeEntry(t *testing.T, edits ...string) *Entry {
	t.Helper()
	s := minimalEntry
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(s, edits[i]) {
			t.Fatalf("the entry has no %s", edits[i])
		}
		s = strings.Replace(s, edits[i], edits[i+1], 1)
	}
	var e Entry
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return &e
}

func TestToExchange(t *testing.T) {
	t.Parallel()
	const url, headers = `"url":"http://x/"`, `"headers":[],"queryString"`
	tests := []struct {
		name  string
		edits []string
		check func(ex *observe.Exchange) string // what is wrong, or ""
	}{
		{"origin-form", []string{url, `"url":"https://user:pw@x.test:8443/a%20b?q=1#frag"`}, func(ex *observe.Exchange) string {
			return want(ex.URL, "/a%20b?q=1") + want(ex.Path, "/a b") + want(ex.Host, "x.test:8443") + want(ex.TLS, "TLS")
		}},
		{"no path", []string{url, `"url":"HTTP://x"`}, func(ex *observe.Exchange) string {
			return want(ex.URL, "/") + want(ex.Path, "/") + want(ex.Host, "x") + want(ex.TLS, "")
		}},
		{"a query without a path", []string{url, `"url":"http://x?q"`}, func(ex *observe.Exchange) string { return want(ex.URL, "/?q") }},
		{"a path net/url refuses", []string{url, `"url":"http://x/%zz"`}, func(ex *observe.Exchange) string { return want(ex.URL, "/%zz") + want(ex.Path, "/%zz") }},
		{"CONNECT", []string{`"method":"GET"`, `"method":"CONNECT"`, url, `"url":"http://x:443"`}, func(ex *observe.Exchange) string {
			return want(ex.URL, "x:443") + want(ex.Host, "x:443") + want(ex.Path, "")
		}},
		{"asterisk-form", []string{`"method":"GET"`, `"method":"OPTIONS"`, url, `"url":"http://x"`}, func(ex *observe.Exchange) string {
			return want(ex.URL, "*") + want(ex.Path, "*")
		}},
		{"data URL", []string{url, `"url":"data:text/plain,hi"`, headers, `"headers":[{"name":"Host","value":"h"}],"queryString"`}, func(ex *observe.Exchange) string {
			return want(ex.URL, "data:text/plain,hi") + want(ex.Host, "h") + want(ex.Path, "")
		}},
		{"HTTP/2 headers", []string{`"httpVersion":"HTTP/1.1","cookies"`, `"httpVersion":"http/2.0","cookies"`, headers,
			`"headers":[{"name":":authority","value":"x"},{"name":":path","value":"/"},{"name":"x-a","value":"1"},{"name":"X-A","value":"2"},{"name":"traceparent","value":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}],"queryString"`},
			func(ex *observe.Exchange) string {
				return want(ex.Proto, "HTTP/2.0") + want(fmt.Sprint(ex.Request.Headers), "map[Traceparent:[00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01] X-A:[1 2]]") +
					want(ex.Traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
			}},
		{"h3", []string{`"httpVersion":"HTTP/1.1","cookies"`, `"httpVersion":"h3","cookies"`}, func(ex *observe.Exchange) string { return want(ex.Proto, "HTTP/3.0") }},
		{"the response's version", []string{`"httpVersion":"HTTP/1.1","cookies"`, `"httpVersion":"","cookies"`, `"httpVersion":"HTTP/1.1","cookies":[],"headers":[],"content"`, `"httpVersion":"HTTP/1.0","cookies":[],"headers":[],"content"`},
			func(ex *observe.Exchange) string { return want(ex.Proto, "HTTP/1.0") }},
		{"summary", []string{`"time":1`, `"time":12.5`, `"status":200`, `"status":404`, `"2026-11-25T09:00:00.000Z"`, `"2026-11-25T10:00:00.5+01:00"`,
			`"headers":[],"content"`, `"headers":[{"name":"content-type","value":"text/html"},{"name":"X-Request-Id","value":"r-9"}],"content"`},
			func(ex *observe.Exchange) string {
				return want(ex.Started.Format(time.RFC3339Nano), "2026-11-25T09:00:00.5Z") + want(fmt.Sprint(ex.DurationMS), "12.5") + want(fmt.Sprint(ex.Status), "404") +
					want(ex.ContentType, "text/html") + want(ex.RequestID, "r-9")
			}},
		{"the content's mimeType", nil, func(ex *observe.Exchange) string { return want(ex.ContentType, "text/plain") }},
		{"a text body", []string{`"size":0,"mimeType":"text/plain"`, `"size":2,"mimeType":"text/plain","text":"hé"`}, func(ex *observe.Exchange) string {
			return want(fmt.Sprintf("%q %q %d %v %d", ex.Response.Body, ex.Response.BodyBase64, ex.Response.BodySize, ex.Response.BodyTruncated, ex.BytesOut), `"hé" "" 3 false 3`)
		}},
		{"a truncated text body", []string{`"size":0,"mimeType":"text/plain"`, `"size":100,"mimeType":"text/plain","text":"hé"`}, func(ex *observe.Exchange) string {
			return want(fmt.Sprintf("%q %d %v", ex.Response.Body, ex.Response.BodySize, ex.Response.BodyTruncated), `"hé" 100 true`)
		}},
		{"a binary body", []string{`"size":0,"mimeType":"text/plain"`, `"size":4,"mimeType":"image/png","text":"//4AAQ","encoding":"base64"`}, func(ex *observe.Exchange) string {
			return want(fmt.Sprintf("%q %q %d %v", ex.Response.Body, ex.Response.BodyBase64, ex.Response.BodySize, ex.Response.BodyTruncated), `"" "//4AAQ==" 4 false`)
		}},
		{"text in base64", []string{`"size":0,"mimeType":"text/plain"`, `"size":2,"mimeType":"text/plain","text":"aGk=","encoding":"base64"`}, func(ex *observe.Exchange) string {
			return want(fmt.Sprintf("%q %q", ex.Response.Body, ex.Response.BodyBase64), `"hi" ""`)
		}},
		{"a body not kept", []string{`"size":0,"mimeType":"text/plain"`, `"size":50,"mimeType":"text/plain"`}, func(ex *observe.Exchange) string {
			return want(fmt.Sprintf("%q %d %v", ex.Response.Body, ex.Response.BodySize, ex.Response.BodyTruncated), `"" 50 true`)
		}},
		{"a posted body", []string{`"queryString":[],"headersSize":-1,"bodySize":0`, `"queryString":[],"postData":{"mimeType":"application/json","text":"{}"},"headersSize":-1,"bodySize":-1`},
			func(ex *observe.Exchange) string {
				return want(fmt.Sprintf("%q %d %v %d", ex.Request.Body, ex.Request.BodySize, ex.Request.BodyTruncated, ex.BytesIn), `"{}" 2 false 2`)
			}},
		{"a posted body in base64, as FromExchange writes it", []string{`"queryString":[],"headersSize":-1,"bodySize":0`,
			`"queryString":[],"postData":{"mimeType":"","text":"//4=","comment":"base64: the body is not UTF-8"},"headersSize":-1,"bodySize":2`},
			func(ex *observe.Exchange) string {
				return want(fmt.Sprintf("%q %q %d", ex.Request.Body, ex.Request.BodyBase64, ex.Request.BodySize), `"" "//4=" 2`)
			}},
		{"a posted body not kept", []string{`"bodySize":0},"response"`, `"bodySize":9},"response"`}, func(ex *observe.Exchange) string {
			return want(fmt.Sprintf("%d %v", ex.Request.BodySize, ex.Request.BodyTruncated), "9 true")
		}},
		{"timings", []string{`"timings":{"send":0,"wait":0,"receive":0}`, `"timings":{"blocked":1,"dns":-1,"connect":5,"ssl":3,"send":0.5,"wait":10,"receive":2}`},
			func(ex *observe.Exchange) string {
				return want(fmt.Sprint(ex.Phases), "[{blocked blocked or queued 0 1} {connect TCP connection 1 2} {tls TLS handshake 3 3} {send request sent 6 0.5} "+
					"{wait waiting for the response 6.5 10} {receive response received 16.5 2}]")
			}},
		{"timings of HAR 1.1, ssl outside connect", []string{`"timings":{"send":0,"wait":0,"receive":0}`, `"timings":{"connect":2,"ssl":3,"send":0,"wait":-0.25,"receive":1}`},
			func(ex *observe.Exchange) string {
				return want(fmt.Sprint(ex.Phases), "[{connect TCP connection 0 2} {tls TLS handshake 2 3} {send request sent 5 0} {wait waiting for the response 5 0} {receive response received 5 1}]")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := decodeEntry(t, tt.edits...)
			ex, err := ToExchange(e)
			if err != nil {
				t.Fatalf("ToExchange(%v) error = %v; want none", e, err)
			}
			if wrong := tt.check(ex); wrong != "" {
				t.Errorf("ToExchange(%s, edited %q):%s", minimalEntry, tt.edits, wrong)
			}
		})
	}
}

// want is "", or what differs of got from w.
func want(got, w string) string {
	if got == w {
		return ""
	}
	return fmt.Sprintf(" got %q; want %q.", got, w)
}

func TestToExchangeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(e *Entry)
		want string
	}{
		{"started yesterday", func(e *Entry) { e.StartedDateTime = "yesterday" }, `har: startedDateTime: "yesterday" is not an ISO 8601 date`},
		{"content not base64", func(e *Entry) { e.Response.Content.Text, e.Response.Content.Encoding = new("!"), new("base64") },
			"har: response.content.text: not base64, as its encoding says: illegal base64 data at input byte 0"},
		{"postData not base64", func(e *Entry) { e.Request.PostData = &PostData{Text: new("!"), Comment: new(base64Comment)} },
			"har: request.postData.text: not base64, as its comment says: illegal base64 data at input byte 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := decodeEntry(t)
			tt.edit(e)
			_, err := ToExchange(e)
			if got := fmt.Sprint(err); got != tt.want {
				t.Errorf("ToExchange(%s) error = %v; want %v", tt.name, got, tt.want)
			}
		})
	}
}

// TestToExchangeInvertsFromExchange checks that a capture exported and
// imported again reads as it did, but for what HAR does not carry: the
// TLS version, microseconds, the server's phases and an absolute-form
// target, which comes back in origin-form.
func TestToExchangeInvertsFromExchange(t *testing.T) {
	t.Parallel()
	for i, ex := range goldenExchanges() {
		t.Run(fmt.Sprint(i, ex.Method, ex.URL), func(t *testing.T) {
			t.Parallel()
			ex.Derive()
			got, err := ToExchange(FromExchange(ex))
			if err != nil {
				t.Fatal(err)
			}
			wantURL := ex.URL
			if u, err := neturl.Parse(ex.URL); err == nil && u.Host != "" {
				wantURL = u.RequestURI()
			}
			wantHost := ex.Host
			if wantHost == "" {
				wantHost = "localhost" // as FromExchange writes it: HAR needs an absolute URL
			}
			project := func(ex *observe.Exchange, url, host string) any {
				req, res := ex.Request, ex.Response
				for _, m := range []*observe.Message{&req, &res} {
					if len(m.Headers) == 0 {
						m.Headers = nil // none, made or decoded
					}
				}
				return []any{ex.Method, url, ex.Path, host, ex.Proto, ex.TLS != "", ex.Status, ex.ContentType,
					ex.Started.Truncate(time.Millisecond).Format(time.RFC3339Nano), req, res}
			}
			if g, w := project(got, got.URL, got.Host), project(ex, wantURL, wantHost); !reflect.DeepEqual(g, w) {
				t.Errorf("ToExchange(FromExchange(%s %s)) =\n%+v\nwant\n%+v", ex.Method, ex.URL, g, w)
			}
		})
	}
}

// goldenExchanges are captures with every feature FromExchange turns into
// HAR: a query, cookies both ways, a redirect, bodies as text, base64 and
// truncated, a TLS handshake, a client that left, and each request-target
// form.
func goldenExchanges() []*observe.Exchange {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 123456000, time.UTC)
	times := func(at time.Time) observe.Times {
		return observe.Times{Read: at, Start: at.Add(10 * time.Microsecond), Routed: 3 * time.Microsecond, Wrote: 203 * time.Microsecond, End: 240 * time.Microsecond}
	}
	tlsTimes := times(t0.Add(3 * time.Second))
	tlsTimes.TLSStart, tlsTimes.TLSEnd = tlsTimes.Read.Add(-2*time.Millisecond), tlsTimes.Read.Add(-500*time.Microsecond)
	return []*observe.Exchange{
		{
			Summary: observe.Summary{Method: "GET", URL: "/api/greeting?name=Alice&lang=en&name=Bob", Path: "/api/greeting", Host: "127.0.0.1:3000", Client: "127.0.0.1:50000",
				Proto: "HTTP/1.1", Status: 200, BytesOut: 28, RequestID: "r-1"},
			Request:  observe.Message{Headers: http.Header{"Accept": {"*/*"}, "User-Agent": {"curl/8.5.0"}}},
			Response: observe.Message{Headers: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r-1"}}, Body: `{"message":"Hello, Alice!"}` + "\n", BodySize: 28},
			Times:    times(t0),
		},
		{
			Summary: observe.Summary{Method: "POST", URL: "/echo", Path: "/echo", Host: "localhost:3000",
				Proto: "HTTP/1.1", Status: 302, BytesIn: 7, RequestID: "r-2"},
			Request:  observe.Message{Headers: http.Header{"Content-Type": {"application/json"}, "Cookie": {"a=1; b=2"}}, Body: `{"a":1}`, BodySize: 7},
			Response: observe.Message{Headers: http.Header{"Location": {"/elsewhere"}, "Set-Cookie": {"s=abc; Path=/; HttpOnly", observe.Redacted}}},
			Times:    times(t0.Add(time.Second)),
		},
		{
			Summary:  observe.Summary{Method: "GET", URL: "/blob", Path: "/blob", Proto: "HTTP/1.1", Status: 200, TLS: "TLS 1.3"},
			Response: observe.Message{Headers: http.Header{"Content-Type": {"application/octet-stream"}}, BodyBase64: "//4AAQ==", BodySize: 4},
			Times:    times(t0.Add(2 * time.Second)),
		},
		{
			Summary: observe.Summary{Method: "PUT", URL: "/upload?x=%20y&", Path: "/upload", Host: "roundtrip.test", Proto: "HTTP/2.0", TLS: "TLS 1.3", Status: 201, BytesIn: 70000},
			Request: observe.Message{Headers: http.Header{"Content-Type": {"application/octet-stream"}, "Authorization": {observe.Redacted}},
				BodyBase64: "gAAA", BodySize: 70000, BodyTruncated: true},
			Response: observe.Message{Headers: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: "<b>&amp;</b>\u2028\x01", BodySize: 90000, BodyTruncated: true},
			Times:    tlsTimes,
		},
		{
			Summary: observe.Summary{Method: "GET", URL: "/delay/2", Path: "/delay/2", Host: "localhost:3000", Proto: "HTTP/1.1", Status: 499, ClientGone: true, RequestID: "r-5"},
			Times:   times(t0.Add(4 * time.Second)),
		},
		{
			Summary:  observe.Summary{Method: "GET", URL: "/hello", Path: "/hello", Host: "localhost:3000", Proto: "HTTP/1.1", Status: 200, ClientGone: true, BytesOut: 13},
			Response: observe.Message{Headers: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: "Hello, World!", BodySize: 13},
			Times:    times(t0.Add(5 * time.Second)),
		},
		{
			Summary: observe.Summary{Method: "GET", URL: "http://evil.example/x?a=1&a=2&b=%20", Path: "/x", Host: "evil.example", Proto: "HTTP/1.1", Status: 404},
			Request: observe.Message{Headers: http.Header{"Cookie": {"c=3"}}, Body: "<b>&</b>", BodySize: 8},
		},
		{Summary: observe.Summary{Method: "CONNECT", URL: "evil.example:443", Host: "evil.example:443", Proto: "HTTP/1.1", Status: 405}},
		{Summary: observe.Summary{Method: "OPTIONS", URL: "*", Path: "*", Host: "roundtrip.test", Proto: "HTTP/1.1", Status: 204}},
	}
}
