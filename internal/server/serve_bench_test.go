package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/bench"
)

// BenchmarkServe is the benchmark suite's three requests against the real
// Serve with serve's defaults (capture and access log on), driven over
// loopback by roundtrip bench's lean HTTP/1.1 client in the same process;
// ns/op is the inverse of throughput.
func BenchmarkServe(b *testing.B) {
	tests := []struct {
		name, method, path string
		body               string
	}{
		{"GET /hello", "GET", "/hello", ""},
		{"GET /api/greeting", "GET", "/api/greeting?name=Alice", ""},
		{"POST /echo 1KiB", "POST", "/echo", kibBody},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			s := New(Config{AccessLog: accesslog.New(io.Discard, accesslog.Text, 100*time.Millisecond), ShutdownTimeout: 5 * time.Second})
			done := make(chan error, 1)
			go func() { done <- s.Serve(ctx, ln) }()
			defer func() { cancel(); <-done }()

			cfg := bench.Config{URL: "http://" + ln.Addr().String() + tt.path, Method: tt.method, Conns: 16, Total: int64(b.N), Length: time.Minute}
			if tt.body != "" {
				cfg.Body = []byte(tt.body)
				cfg.Header = http.Header{"Content-Type": {"application/json"}}
			}
			r, err := bench.NewRunner(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			sum, err := r.Run(ctx)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if sum.Errors != 0 || sum.Status[http.StatusOK] != sum.Requests {
				b.Fatalf("%s %s: %d errors %v, statuses %v; want only 200s", tt.method, tt.path, sum.Errors, sum.ErrorsBy, sum.Status)
			}
		})
	}
}
