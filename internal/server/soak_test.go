package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSoak drives b.N requests over keep-alive through the whole
// handler stack on a real loopback server and reports heap and goroutine
// counts at ten checkpoints. Run it as the soak:
//
//	go test -run=NONE -bench=Soak -benchtime=1000000x ./internal/server
func BenchmarkSoak(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(Config{ShutdownTimeout: 5 * time.Second}).Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	const workers = 8
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	paths := []string{"/hello", "/api/greeting?name=Alice", "/nope", "/status/204"}
	base := "http://" + ln.Addr().String()

	type sample struct {
		heap       uint64
		goroutines int
	}
	var samples []sample
	measure := func() {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		samples = append(samples, sample{m.HeapInuse, runtime.NumGoroutine()})
	}

	var next, failed atomic.Int64
	checkpoint := max(int64(b.N)/10, 1)
	b.ResetTimer()
	for start := int64(0); start < int64(b.N); start += checkpoint {
		end := min(start+checkpoint, int64(b.N))
		next.Store(start)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < end; i = next.Add(1) - 1 {
					res, err := client.Get(base + paths[i%int64(len(paths))])
					if err != nil {
						failed.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		measure()
		b.StartTimer()
	}
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Errorf("%d of %d requests failed", n, b.N)
	}
	first, last := samples[0], samples[len(samples)-1]
	lo, hi := first.heap, first.heap
	for _, s := range samples {
		lo, hi = min(lo, s.heap), max(hi, s.heap)
	}
	b.ReportMetric(float64(first.heap)/(1<<20), "heap-first-MiB")
	b.ReportMetric(float64(last.heap)/(1<<20), "heap-last-MiB")
	b.ReportMetric(float64(hi-lo)/(1<<20), "heap-spread-MiB")
	b.ReportMetric(float64(first.goroutines), "goroutines-first")
	b.ReportMetric(float64(last.goroutines), "goroutines-last")
}
