package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestUpgrading(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header http.Header
		want   bool
	}{
		{"a WebSocket's", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}}, true},
		{"among Connection's tokens, any case", http.Header{"Connection": {"keep-alive, \tupgrade"}, "Upgrade": {"h2c"}}, true},
		{"in a later Connection line", http.Header{"Connection": {"keep-alive", "Upgrade"}, "Upgrade": {"echo"}}, true},
		{"no Upgrade header", http.Header{"Connection": {"Upgrade"}}, false},
		{"an empty Upgrade header", http.Header{"Connection": {"Upgrade"}, "Upgrade": {""}}, false},
		{"Upgrade not in Connection", http.Header{"Connection": {"keep-alive"}, "Upgrade": {"websocket"}}, false},
		{"a token that only starts with upgrade", http.Header{"Connection": {"upgraded"}, "Upgrade": {"websocket"}}, false},
		{"none", http.Header{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := upgrading(tt.header); got != tt.want {
				t.Errorf("upgrading(%v) = %v; want %v", tt.header, got, tt.want)
			}
		})
	}
}

// answer is a transport that answers every request at once, so that a
// benchmark times the proxy's own work.
type answer struct{}

func (answer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{},
		Body: io.NopCloser(strings.NewReader("ok")), ContentLength: 2, Request: r}, nil
}

// BenchmarkServeHTTP is the proxy's handler with its bounds and without
// them (serve, what ServeHTTP calls once a request is admitted).
func BenchmarkServeHTTP(b *testing.B) {
	to, _ := url.Parse("http://app.test")
	p := New(Config{To: to}).(*proxy)
	p.rp.Transport = answer{}
	for _, bc := range []struct {
		name string
		h    http.HandlerFunc
	}{
		{"bounded", p.ServeHTTP},
		{"unbounded", p.serve},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest("GET", "/hello", nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				bc.h(w, r)
				if w.Code != 200 {
					b.Fatalf("the proxy answered %d; want the app's 200", w.Code)
				}
			}
		})
	}
}
