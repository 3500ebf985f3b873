package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/store"
)

// TestMetricsPromtool checks /metrics with promtool, Prometheus's own
// linter, after traffic that fills every family: names, types, HELP and
// the exposition format as Prometheus reads them.
func TestMetricsPromtool(t *testing.T) {
	t.Parallel()
	bin := findTool(t, "promtool", "go install github.com/prometheus/prometheus/cmd/promtool@v0.316.0")
	base, _ := newInspected(t, Config{})
	for _, r := range []struct{ method, path string }{
		{"GET", "/hello"}, {"GET", "/status/503"}, {"POST", "/echo"}, {"GET", "/no/such/path"}, {"BREW", "/hello"}, {"GET", "/get"},
	} {
		do(t, r.method, base+r.path, nil, "")
	}
	_, body := do(t, "GET", base+"/metrics", nil, "")
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	base, _ := newInspected(t, Config{})
	for _, r := range []struct{ method, path string }{
		{"GET", "/status/404"}, {"GET", "/status/404"}, {"GET", "/status/418"},
		{"GET", "/hello"}, {"GET", "/no/such/path-1"}, {"GET", "/no/such/path-2"}, {"BREW", "/hello"},
	} {
		do(t, r.method, base+r.path, nil, "")
	}
	res, body := do(t, "GET", base+"/metrics", nil, "")
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics = %d %s; want 200 in the Prometheus text format", res.StatusCode, ct)
	}
	tests := []struct {
		line string
		want bool
	}{
		{`roundtrip_http_requests_total{method="GET",route="/status/{code}",status="404"} 2`, true},
		{`roundtrip_http_requests_total{method="GET",route="/status/{code}",status="418"} 1`, true},
		{`roundtrip_http_requests_total{method="GET",route="/hello",status="200"} 1`, true},
		{`roundtrip_http_requests_total{method="GET",route="/",status="404"} 2`, true},
		{`roundtrip_http_requests_total{method="OTHER",route="/hello",status="405"} 1`, true},
		{`roundtrip_http_request_duration_seconds_count{route="/status/{code}"} 3`, true},
		{`roundtrip_http_request_duration_seconds_bucket{route="/hello",le="+Inf"} 2`, true},
		{`roundtrip_http_requests_in_flight 1`, true}, // the scrape itself
		{`go_goroutines `, true},
		{`process_cpu_seconds_total `, true},
		{`/no/such`, false}, // raw paths never become labels
		{`BREW`, false},
	}
	for _, tt := range tests {
		if got := strings.Contains(body, tt.line); got != tt.want {
			t.Errorf("/metrics contains %q = %v; want %v", tt.line, got, tt.want)
		}
	}
}

// TestMetricsPerServer checks each Server has its own registry: a second
// one starts from zero.
func TestMetricsPerServer(t *testing.T) {
	t.Parallel()
	a, _ := newInspected(t, Config{})
	do(t, "GET", a+"/hello", nil, "")
	b, _ := newInspected(t, Config{})
	_, body := do(t, "GET", b+"/metrics", nil, "")
	if strings.Contains(body, `route="/hello"`) {
		t.Error("a new Server's /metrics counts another Server's requests")
	}
}

// TestMetricsConcurrent observes new and known series from many goroutines
// at once, under -race, and every request must be counted once in its own
// series.
func TestMetricsConcurrent(t *testing.T) {
	t.Parallel()
	m := newMetrics(nil, nil, nil)
	routes := []string{"/hello", "/status/{code}", "/echo"}
	methods := []string{"GET", "POST", "BREW"}
	statuses := []int{200, 404}
	const workers, rounds = 8, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				for _, route := range routes {
					for _, method := range methods {
						for _, status := range statuses {
							m.observe(context.Background(), &observe.Exchange{Summary: observe.Summary{Route: route, Method: method, Status: status}, Times: observe.Times{End: time.Millisecond}})
						}
					}
				}
			}
		})
	}
	wg.Wait()

	rec := httptest.NewRecorder()
	m.handleMetrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, route := range routes {
		for _, method := range []string{"GET", "POST", "OTHER"} {
			for _, status := range statuses {
				line := fmt.Sprintf(`roundtrip_http_requests_total{method=%q,route=%q,status="%d"} %d`, method, route, status, workers*rounds)
				if !strings.Contains(body, line+"\n") {
					t.Errorf("/metrics lacks %s", line)
				}
			}
		}
		line := fmt.Sprintf(`roundtrip_http_request_duration_seconds_count{route=%q} %d`, route, workers*rounds*len(methods)*len(statuses))
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// stalledWriter blocks every Write until release is closed, as a pipe
// nobody reads does.
type stalledWriter struct{ release chan struct{} }

func (w stalledWriter) Write(p []byte) (int, error) {
	<-w.release
	return len(p), nil
}

// TestMetricsCountDroppedLogLines: lines the log drops while stderr is
// stalled show on /metrics.
func TestMetricsCountDroppedLogLines(t *testing.T) {
	t.Parallel()
	w := stalledWriter{release: make(chan struct{})}
	logs := accesslog.New(w, accesslog.Text, time.Millisecond)
	t.Cleanup(func() {
		close(w.release)
		logs.Flush()
	})
	m := newMetrics(logs, nil, nil)
	line := &accesslog.Entry{Time: time.Now(), Method: "GET", Path: "/" + strings.Repeat("a", 1000), Status: 200}
	for range 3000 { // 3 MB: past what the log holds for a stalled writer
		logs.Record(line)
	}
	if logs.Dropped() == 0 {
		t.Fatal("the log dropped no line for a stalled writer; the test needs some")
	}
	rec := httptest.NewRecorder()
	m.handleMetrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	want := fmt.Sprintf("roundtrip_log_lines_dropped_total %d\n", logs.Dropped())
	if !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %q", want)
	}
}

// TestMetricsReportStore: with a store, /metrics says what it holds and
// whether it writes.
func TestMetricsReportStore(t *testing.T) {
	t.Parallel()
	s, err := store.Open(context.Background(), store.Config{Path: filepath.Join(t.TempDir(), "h.db"), FlushEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	m := newMetrics(nil, s, nil)
	s.Put(1, &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/hello", Status: 200}, Times: observe.Times{Start: time.Now()}})
	want := []string{"roundtrip_store_exchanges 1\n", "roundtrip_store_degraded 0\n", "roundtrip_store_dropped_total 0\n", "roundtrip_store_bytes "}
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		rec := httptest.NewRecorder()
		m.handleMetrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if body = rec.Body.String(); strings.Contains(body, want[0]) {
			break
		}
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %q", w)
		}
	}
}
