package trace

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is a fake OTLP/HTTP collector that keeps the spans it is sent.
type collector struct {
	mu    sync.Mutex
	spans []*tracepb.Span
	svc   []string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body = zr
	}
	b, _ := io.ReadAll(body)
	var req coltrace.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(b, &req) != nil {
		http.Error(w, "bad export", 400)
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, a := range rs.Resource.GetAttributes() {
			if a.Key == "service.name" {
				c.svc = append(c.svc, a.Value.GetStringValue())
			}
		}
		for _, ss := range rs.ScopeSpans {
			c.spans = append(c.spans, ss.Spans...)
		}
	}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Write(out)
}

func newExporter(t *testing.T, cfg Config) *Exporter {
	t.Helper()
	e, err := NewExporter(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewExporter: %v", err)
	}
	return e
}

func TestExportSpans(t *testing.T) {
	t.Parallel()
	c := &collector{}
	ts := httptest.NewServer(c)
	t.Cleanup(ts.Close)
	e := newExporter(t, Config{Endpoint: ts.URL + "/v1/traces", Service: "roundtrip-test",
		Getenv: func(k string) string { return map[string]string{"OTEL_SERVICE_NAME": "from-env"}[k] }})
	parent, _ := Parse(tp)
	own := parent.Child()
	start := time.Now()
	e.Record(&Span{Context: own, Parent: parent.SpanID, Remote: true, Name: "GET /hello", Kind: oteltrace.SpanKindServer,
		Start: start, End: start.Add(3 * time.Millisecond), Attrs: []attribute.KeyValue{attribute.Int("http.response.status_code", 200)},
		Events:   []Event{{Name: "handler", At: start.Add(time.Millisecond)}},
		Children: []Span{{Name: "upstream", Kind: oteltrace.SpanKindClient, Start: start.Add(time.Millisecond), End: start.Add(2 * time.Millisecond)}},
	})
	unsampled := own.Child()
	unsampled.Flags = 0
	e.Record(&Span{Context: unsampled, Parent: own.SpanID, Name: "not sampled", Start: start, End: start})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got, want := e.Exported(), uint64(2); got != want || e.Dropped() != 0 {
		t.Fatalf("Exported() = %d, Dropped() = %d; want %d, 0", got, e.Dropped(), want)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	byName := map[string]*tracepb.Span{}
	for _, s := range c.spans {
		byName[s.Name] = s
	}
	srv, up := byName["GET /hello"], byName["upstream"]
	if srv == nil || up == nil || len(c.spans) != 2 {
		t.Fatalf("collector got %d spans %v; want GET /hello and upstream", len(c.spans), byName)
	}
	checks := []struct {
		what      string
		got, want []byte
	}{
		{"server trace id", srv.TraceId, parent.TraceID[:]},
		{"server span id", srv.SpanId, own.SpanID[:]},
		{"server parent", srv.ParentSpanId, parent.SpanID[:]},
		{"child trace id", up.TraceId, parent.TraceID[:]},
		{"child parent", up.ParentSpanId, own.SpanID[:]},
	}
	for _, ck := range checks {
		if !bytes.Equal(ck.got, ck.want) {
			t.Errorf("%s = %x; want %x", ck.what, ck.got, ck.want)
		}
	}
	if srv.Kind != tracepb.Span_SPAN_KIND_SERVER || up.Kind != tracepb.Span_SPAN_KIND_CLIENT {
		t.Errorf("kinds = %v, %v; want server, client", srv.Kind, up.Kind)
	}
	if got, want := time.Duration(srv.EndTimeUnixNano-srv.StartTimeUnixNano), 3*time.Millisecond; got != want {
		t.Errorf("server span lasted %v; want %v, the times given", got, want)
	}
	if len(srv.Events) != 1 || srv.Events[0].Name != "handler" {
		t.Errorf("server events = %v; want handler", srv.Events)
	}
	if len(c.svc) == 0 || c.svc[0] != "from-env" {
		t.Errorf("service.name = %v; want from-env (OTEL_SERVICE_NAME)", c.svc)
	}
}

// silent is a collector that accepts connections and reads, but never
// answers: the worst a collector can do.
func silent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "http://" + ln.Addr().String() + "/v1/traces"
}

// syncBuffer is a log the exporter's goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestExportSilentCollector: with a collector that never answers, Record
// never waits, spans beyond the queue are dropped and counted, the drops
// are logged, and Shutdown returns by its deadline.
func TestExportSilentCollector(t *testing.T) {
	t.Parallel()
	var log syncBuffer
	e := newExporter(t, Config{Endpoint: silent(t), Log: &log, QueueSize: 8, BatchSize: 4,
		Interval: 10 * time.Millisecond, Timeout: 200 * time.Millisecond, LogEvery: time.Millisecond})
	const n = 200
	now := time.Now()
	began := time.Now()
	for range n {
		e.Record(&Span{Context: New(), Name: "GET /", Start: now, End: now})
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("recording %d spans took %v; want no wait on the collector", n, took)
	}
	// The first batches time out at the collector: they are dropped too.
	deadline := time.Now().Add(10 * time.Second)
	for e.Dropped() < n-8 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := e.Dropped(); got < n-8 {
		t.Errorf("Dropped() = %d; want at least %d of %d (a queue of 8)", got, n-8, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began = time.Now()
	e.Shutdown(ctx)
	if took := time.Since(began); took > time.Second {
		t.Errorf("Shutdown took %v; want about its 300ms deadline", took)
	}
	if got := e.Dropped() + e.Exported(); got != n {
		t.Errorf("dropped + exported = %d; want every one of the %d spans counted", got, n)
	}
	if e.Exported() != 0 {
		t.Errorf("Exported() = %d; want 0 from a collector that never answers", e.Exported())
	}
	if s := log.String(); !strings.Contains(s, "spans dropped") {
		t.Errorf("log = %q; want a line saying spans were dropped", s)
	}
}

// TestExportClosedPort: no collector at all; the same bounds hold.
func TestExportClosedPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := newExporter(t, Config{Endpoint: "http://" + addr + "/v1/traces", Interval: 10 * time.Millisecond})
	now := time.Now()
	for range 10 {
		e.Record(&Span{Context: New(), Name: "GET /", Start: now, End: now})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	e.Shutdown(ctx)
	if e.Dropped() != 10 || e.Exported() != 0 {
		t.Errorf("Dropped(), Exported() = %d, %d; want 10, 0", e.Dropped(), e.Exported())
	}
}

func TestNilExporter(t *testing.T) {
	t.Parallel()
	e, err := NewExporter(context.Background(), Config{})
	if e != nil || err != nil {
		t.Fatalf("NewExporter(no endpoint) = %v, %v; want nil, nil", e, err)
	}
	e.Record(&Span{Context: New()})
	if e.Dropped() != 0 || e.Exported() != 0 || e.Shutdown(context.Background()) != nil {
		t.Errorf("a nil Exporter counted or failed")
	}
}

// BenchmarkRecord is what an exchange's span costs the request's
// goroutine with export on: the SDK's span and the queue, with a
// collector that takes everything.
func BenchmarkRecord(b *testing.B) {
	ts := httptest.NewServer(&collector{})
	defer ts.Close()
	e, err := NewExporter(context.Background(), Config{Endpoint: ts.URL + "/v1/traces", QueueSize: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	parent, _ := Parse(tp)
	now := time.Now()
	attrs := []attribute.KeyValue{attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200)}
	b.ReportAllocs()
	for b.Loop() {
		e.Record(&Span{Context: parent.Child(), Parent: parent.SpanID, Remote: true, Name: "GET /hello",
			Kind: oteltrace.SpanKindServer, Start: now, End: now, Attrs: attrs})
	}
}

func TestSampler(t *testing.T) {
	t.Parallel()
	sampled, unsampled := New(), New()
	unsampled.Flags = 0
	parent := NewSpanID()
	tests := []struct {
		name, arg string
		span      Span
		want      bool
	}{
		{"", "", Span{Context: sampled}, true},
		{"", "", Span{Context: unsampled, Parent: parent}, false},
		{"", "", Span{Context: sampled, Parent: parent}, true},
		{"parentbased_always_off", "", Span{Context: sampled}, false},
		{"parentbased_always_off", "", Span{Context: sampled, Parent: parent}, true},
		{"always_on", "", Span{Context: unsampled, Parent: parent}, true},
		{"always_off", "", Span{Context: sampled, Parent: parent}, false},
		{"traceidratio", "0.5", Span{Context: Context{TraceID: ID{8: 0x3f}, SpanID: parent, Flags: Sampled}}, true},
		{"traceidratio", "0.5", Span{Context: Context{TraceID: ID{8: 0x80}, SpanID: parent, Flags: Sampled}}, false},
		{"parentbased_traceidratio", "0", Span{Context: sampled}, false},
		{"parentbased_traceidratio", "0", Span{Context: sampled, Parent: parent}, true},
	}
	for _, tt := range tests {
		smp, err := newSampler(tt.name, tt.arg)
		if err != nil {
			t.Fatalf("newSampler(%q, %q): %v", tt.name, tt.arg, err)
		}
		if got := smp.keep(&tt.span); got != tt.want {
			t.Errorf("sampler %q %q keeps %+v = %v; want %v", tt.name, tt.arg, tt.span, got, tt.want)
		}
	}
	for _, bad := range [][2]string{{"sometimes", ""}, {"traceidratio", "2"}, {"traceidratio", "half"}} {
		if _, err := newSampler(bad[0], bad[1]); err == nil {
			t.Errorf("newSampler(%q, %q) = nil error; want one", bad[0], bad[1])
		}
	}
}
