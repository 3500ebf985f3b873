package bench

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func testRunner(t *testing.T, cfg Config) *Runner {
	t.Helper()
	r, err := NewRunner(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testSummary() *Summary {
	return &Summary{
		Run:      Run{URL: "http://127.0.0.1:3000/hello", Method: "GET", Protocol: "HTTP/1.1", Conns: 50, Rate: 20000},
		Requests: 12345,
		Errors:   3,
		Elapsed:  2 * time.Second,
		Bytes:    3 << 20,
		Latency: Latency{
			Min: 21400 * time.Nanosecond, P50: 510 * time.Microsecond, P90: 1050 * time.Microsecond,
			P99: 4030 * time.Microsecond, P999: 10380 * time.Microsecond, Max: 1500 * time.Millisecond,
		},
		Status:   map[int]int64{200: 12000, 503: 345},
		ErrorsBy: map[string]int64{"timeout": 2, "connection reset": 1},
	}
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := testSummary().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"GET http://127.0.0.1:3000/hello, HTTP/1.1, 50 connections, open loop at 20,000 req/s",
		"Requests    12,345 in 2s, 3.00 MiB of response bodies",
		"Throughput  6,172.50 req/s, 1.50 MiB/s of bodies",
		"21.4µs    510.0µs   1.05ms    4.03ms    10.38ms   1.50s",
		"Status      200: 12,000, 503: 345",
		"Errors      connection reset: 1, timeout: 2",
		"Rate        asked 20,000/s, sent 6,174/s (31%): too few connections (-c) or a saturated server",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("WriteText = %q; want it to contain %q", got, want)
		}
	}
}

// TestWriteTextUncorrected: open loop shows both figures, says what the
// gap means, and when it passes 2× counts the requests the server delayed.
func TestWriteTextUncorrected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		uncorr99  time.Duration
		wantCount bool
	}{
		{"close", 3 * time.Millisecond, false},
		{"over 2x", 1 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testSummary()
			s.Elapsed = 600 * time.Millisecond // 20,580/s: not short
			u := s.Latency
			u.P99 = tt.uncorr99
			s.Uncorrected, s.Delayed = &u, 1234
			var b bytes.Buffer
			if err := s.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			for _, want := range []string{"    corrected   21.4µs    510.0µs   1.05ms    4.03ms", "    uncorrected 21.4µs", "Corrected counts from when each request was due; uncorrected from when it went out"} {
				if !strings.Contains(got, want) {
					t.Errorf("WriteText = %q; want it to contain %q", got, want)
				}
			}
			const count = "At p99 it is 4.0×: the server delayed 1,234 of 12,345 requests (10.0%) over 1ms past their due time."
			if strings.Contains(got, count) != tt.wantCount || strings.Contains(got, "Rate  ") {
				t.Errorf("WriteText = %q; want the count of delayed requests: %v, no shortfall", got, tt.wantCount)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	s := testSummary()
	s.Method, s.Conns = "POST", 4
	var b bytes.Buffer
	if err := WriteJSON(&b, s.Report()); err != nil {
		t.Fatal(err)
	}
	var got Report
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("WriteJSON wrote %q: %v", b.String(), err)
	}
	want := LatencyMillis{Min: 0.021, P50: 0.51, P90: 1.05, P99: 4.03, P999: 10.38, Max: 1500}
	if got.Latency != want {
		t.Errorf("latency_ms = %+v; want %+v", got.Latency, want)
	}
	if got.Method != "POST" || got.Connections != 4 || got.Requests != 12345 || got.RequestsPerSecond != 6172.5 {
		t.Errorf("method, connections, requests, requests_per_second = %s, %d, %d, %v; want POST, 4, 12345, 6172.5",
			got.Method, got.Connections, got.Requests, got.RequestsPerSecond)
	}
	if got.BodyBytes != 3<<20 || got.BytesPerSecond != 3<<20/2 {
		t.Errorf("body_bytes, bytes_per_second = %d, %v; want %d, %d", got.BodyBytes, got.BytesPerSecond, 3<<20, 3<<20/2)
	}
	if got.StatusCodes["503"] != 345 || got.ErrorsByKind["timeout"] != 2 || got.Phases != nil {
		t.Errorf("status_codes, errors_by_kind, phases = %v, %v, %v; want 503: 345, timeout: 2, none", got.StatusCodes, got.ErrorsByKind, got.Phases)
	}
}

func TestWriteProgress(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	WriteProgress(&b, Progress{Elapsed: 3 * time.Second, Requests: 90000, Errors: 2})
	got := b.String()
	if !strings.HasPrefix(got, "\r") || !strings.Contains(got, "3s  90,000 requests  30,000.00 req/s  2 errors") {
		t.Errorf("WriteProgress = %q; want one overwritable line of elapsed, requests, req/s and errors", got)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	groups := []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {1234567, "1,234,567"}, {-1234, "-1,234"}}
	for _, tt := range groups {
		t.Run("group "+tt.want, func(t *testing.T) {
			t.Parallel()
			if got := group(tt.n); got != tt.want {
				t.Errorf("group(%d) = %q; want %q", tt.n, got, tt.want)
			}
		})
	}
	fixeds := []struct {
		f    float64
		want string
	}{{0, "0.00"}, {1234.5, "1,234.50"}, {9.999, "10.00"}}
	for _, tt := range fixeds {
		t.Run("fixed "+tt.want, func(t *testing.T) {
			t.Parallel()
			if got := fixed(tt.f); got != tt.want {
				t.Errorf("fixed(%v) = %q; want %q", tt.f, got, tt.want)
			}
		})
	}
	durs := []struct {
		d    time.Duration
		want string
	}{{0, "0"}, {1500, "1.5µs"}, {2500 * time.Microsecond, "2.50ms"}, {3 * time.Second, "3.00s"}}
	for _, tt := range durs {
		t.Run("dur "+tt.want, func(t *testing.T) {
			t.Parallel()
			if got := dur(tt.d); got != tt.want {
				t.Errorf("dur(%v) = %q; want %q", tt.d, got, tt.want)
			}
		})
	}
}
