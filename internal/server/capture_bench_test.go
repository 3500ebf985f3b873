package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
)

// hello is the bare net/http baseline: GET /hello with nothing around it.
var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "Hello, World!")
})

// helloMux is the suite's net/http peer in process: a ServeMux routing
// GET /hello to hello.
func helloMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /hello", hello)
	return mux
}

// captureVariants are the handlers BenchmarkCapture compares side by side.
func captureVariants() []struct {
	name string
	h    http.Handler
} {
	return []struct {
		name string
		h    http.Handler
	}{
		{"bare", hello},
		{"mux", helloMux()},
		{"capture-off", New(Config{NoInspector: true}).Handler()},
		{"capture-on", New(Config{}).Handler()},
		{"capture-on+access-log", New(Config{AccessLog: accesslog.New(io.Discard, accesslog.Text, time.Hour)}).Handler()},
	}
}

// BenchmarkCapture is GET /hello through the whole handler stack, in
// process: the cost of capture per request.
func BenchmarkCapture(b *testing.B) {
	for _, v := range captureVariants() {
		b.Run(v.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/hello", nil)
			req.Body = http.NoBody
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				v.h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkCaptureLoopback is GET /hello over real loopback sockets with
// keep-alive, from a few client goroutines, through the real Serve (or a
// bare http.Server): ns/op is the inverse of throughput.
func BenchmarkCaptureLoopback(b *testing.B) {
	for _, v := range []string{"bare", "capture-off", "capture-on"} {
		b.Run(v, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			switch v {
			case "bare":
				srv := &http.Server{Handler: hello}
				go func() { done <- srv.Serve(ln) }()
				defer func() { srv.Close(); <-done }()
			default:
				s := New(Config{NoInspector: v == "capture-off", ShutdownTimeout: 5 * time.Second})
				go func() { done <- s.Serve(ctx, ln) }()
				defer func() { cancel(); <-done }()
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			url := "http://" + ln.Addr().String() + "/hello"
			b.SetParallelism(2) // a few goroutines per core
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					res, err := client.Get(url)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			})
			b.StopTimer()
		})
	}
}
