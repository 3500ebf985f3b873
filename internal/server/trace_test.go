package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// silentCollector accepts connections and reads them, and never answers.
func silentCollector(t *testing.T) string {
	t.Helper()
	return "http://" + servetest.Conns(t, func(c net.Conn) { io.Copy(io.Discard, c) }) + "/v1/traces"
}

var droppedLine = regexp.MustCompile(`(?m)^roundtrip_trace_spans_dropped_total (\d+)$`)

// TestServeWithSilentCollector: a collector that never answers holds no
// request up; the spans it does not take are counted on /metrics; the
// exporter stops by its deadline.
func TestServeWithSilentCollector(t *testing.T) {
	t.Parallel()
	exp, err := trace.NewExporter(context.Background(), trace.Config{Endpoint: silentCollector(t), QueueSize: 16, BatchSize: 8,
		Interval: 10 * time.Millisecond, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	base := servetest.Roundtrip(t, server.Config{Trace: exp})
	const n = 100
	began := time.Now()
	for range n {
		res, err := http.Get(base + "/hello")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("%d requests took %v with a silent collector; want them not to wait on it", n, took)
	}
	deadline := time.Now().Add(10 * time.Second)
	var dropped int
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if m := droppedLine.FindSubmatch(b); m != nil {
			dropped, _ = strconv.Atoi(string(m[1]))
			if dropped >= n-16 {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if dropped < n-16 {
		t.Errorf("roundtrip_trace_spans_dropped_total = %d; want at least %d of %d spans (a queue of 16)", dropped, n-16, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began = time.Now()
	exp.Shutdown(ctx)
	if took := time.Since(began); took > time.Second {
		t.Errorf("the exporter's Shutdown took %v; want about its 200ms deadline", took)
	}
}

// BenchmarkCaptureExport is GET /hello through the whole handler stack
// with capture on, without and with span export (to a collector that
// takes everything): the cost export adds to a request.
func BenchmarkCaptureExport(b *testing.B) {
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer sink.Close()
	exp, err := trace.NewExporter(context.Background(), trace.Config{Endpoint: sink.URL + "/v1/traces", QueueSize: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	defer exp.Shutdown(context.Background())
	for _, v := range []struct {
		name string
		h    http.Handler
	}{
		{"export-off", server.New(server.Config{}).Handler()},
		{"export-on", server.New(server.Config{Trace: exp}).Handler()},
	} {
		b.Run(v.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/hello", nil)
			req.Body = http.NoBody
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				v.h.ServeHTTP(w, req)
			}
		})
	}
}
