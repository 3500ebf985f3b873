package bench

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// BenchmarkStdRoundTrip is net/http's client over one HTTP/2 connection
// (h2c, so no cipher work), one stream at a time: the cost per request of
// the path TLS and HTTP/2 runs take.
func BenchmarkStdRoundTrip(b *testing.B) {
	srv, _ := newServerH2C(b, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello, World!") }, true)
	cfg := Config{URL: srv.URL + "/hello", Conns: 1, HTTP2: true, Timeout: 10 * time.Second}
	tg, err := newTarget(&cfg)
	if err != nil {
		b.Fatal(err)
	}
	d := newDialer(tg, &cfg, nil)
	h2 := &h2conn{tr: transport(&cfg, tg, d), scheme: "http", addr: strings.TrimPrefix(srv.URL, "http://")}
	defer h2.close()
	c := newStd(context.Background(), h2, cfg.Timeout, tg, nil)
	defer c.close()
	b.ReportAllocs()
	for b.Loop() {
		if status, _, err := c.roundTrip(false); err != nil || status != 200 {
			b.Fatalf("roundTrip() = %d, %v; want 200", status, err)
		}
	}
}
