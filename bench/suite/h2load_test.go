package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// h2loadOut is h2load 1.52's summary, as it prints it.
const h2loadOut = `starting benchmark...
spawning thread #0: 1 total client(s). Timing-based test with 0s of warm-up time and 2s of main duration for measurements.
Application protocol: h2

finished in 2.02s, 9314.00 req/s, 511.72KB/s
requests: 18628 total, 18678 started, 18628 done, 18626 succeeded, 2 failed, 1 errored, 0 timeout
status codes: 18629 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 1023.44KB (1048004) total, 459.44KB (470466) headers (space savings 85.40%), 236.49KB (242164) data
                     min         max         mean         sd        +/- sd
time for request:      290us     83.50ms      5.18ms      6.23ms    95.76%
time for connect:     3.50ms      3.50ms      3.50ms         0us   100.00%
`

func TestParseH2load(t *testing.T) {
	tests := []struct {
		name     string
		out      string
		want     result
		wantFail bool
	}{
		{"summary", h2loadOut, result{rps: 9314, errors: 3, max: 83500 * time.Microsecond}, false},
		{"microseconds", strings.Replace(h2loadOut, "83.50ms", "950us", 1), result{rps: 9314, errors: 3, max: 950 * time.Microsecond}, false},
		{"no summary", "starting benchmark...\nconnect: refused\n", result{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseH2load([]byte(tt.out))
			if (got.err != nil) != tt.wantFail || got.err == nil && (got.rps != tt.want.rps || got.errors != tt.want.errors || got.max != tt.want.max) {
				t.Errorf("parseH2load() = %+v; want %+v (failed: %v)", got, tt.want, tt.wantFail)
			}
		})
	}
}

func TestParseBenchJSON(t *testing.T) {
	got := parseBenchJSON([]byte(`{"requests_per_second": 8600.5, "errors": 1, "latency_ms": {"p50": 5.5, "p99": 9.25, "max": 12}, "setup": {"connections": 1, "ms": 3.5}}`))
	want := result{rps: 8600.5, errors: 1, p50: 5500 * time.Microsecond, p99: 9250 * time.Microsecond, max: 12 * time.Millisecond, setup: 3500 * time.Microsecond}
	if got != want {
		t.Errorf("parseBenchJSON() = %+v; want %+v", got, want)
	}
	if got := parseBenchJSON([]byte("oops")); got.err == nil {
		t.Error("parseBenchJSON(oops) has no error; want one")
	}
}

func TestH2Report(t *testing.T) {
	o := &opts{conns: 50, repeat: 3, duration: 3 * time.Second}
	rows := []h2row{
		{load: testLoads[0], h2: result{rps: 10000, max: 9 * time.Millisecond}, rt: result{rps: 9500, max: 10 * time.Millisecond, p50: 5 * time.Millisecond, p99: 8 * time.Millisecond, setup: 3 * time.Millisecond}, ratio: 0.95},
		{load: testLoads[1], h2: result{rps: 10000}, rt: result{rps: 8000}, ratio: 0.8},
	}
	got := h2Report(o, rows)
	for _, want := range []string{
		"## HTTP/2 over TLS: roundtrip bench --http2 and h2load",
		"h2load (-c 1 -m 50 -t 1) and roundtrip bench --http2 -c 50",
		"| " + testLoads[0].name + " | 10,000 | 9,500 | 0.95× | 9.00 ms | 10.00 ms | 5.00 ms / 8.00 ms | 3.00 ms |",
		"- roundtrip bench --http2 ÷ h2load on " + testLoads[0].name + ": **0.95×** (target ≥ 0.9×) ✅; max latency 10.00 ms against h2load's 9.00 ms",
		"**0.80×** (target ≥ 0.9×) ❌",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("h2Report() =\n%s\nwant it to contain %q", got, want)
		}
	}
}

// TestH2loadPeer runs h2load against a real TLS server, as the suite does,
// for a moment: its summary parses. It needs h2load (Debian's
// nghttp2-client): skipped without it, except under CI.
func TestH2loadPeer(t *testing.T) {
	path, err := exec.LookPath("h2load")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("h2load not found: apt-get install nghttp2-client")
		}
		t.Skip("h2load not found: apt-get install nghttp2-client")
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello, World!") }))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	o := &opts{h2load: path, conns: 4, duration: 300 * time.Millisecond}
	hello := load{name: "GET /hello", method: "GET", path: "/hello"}
	got := runH2load(t.Context(), o, hello, srv.URL+hello.path, "")
	if got.err != nil || got.rps <= 0 || got.max <= 0 || got.errors != 0 {
		t.Errorf("runH2load() = %+v; want req/s, a max latency and no errors", got)
	}
}
