package har

import (
	"bytes"
	"net/http"
	"os"
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
				Proto: "HTTP/1.1", Status: 200, BytesOut: 27, RequestID: "r-1"},
			Request:  observe.Message{Headers: http.Header{"Accept": {"*/*"}, "User-Agent": {"curl/8.5.0"}}},
			Response: observe.Message{Headers: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r-1"}}, Body: `{"message":"Hello, Alice!"}` + "\n", BodySize: 27},
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
		{Summary: observe.Summary{Method: "OPTIONS", URL: "*", Host: "roundtrip.test", Proto: "HTTP/1.1", Status: 204}},
	}
}
