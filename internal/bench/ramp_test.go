package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lo, hi float64
		steps  int
		want   string
	}{
		{1000, 10000, 10, "[1000 2000 3000 4000 5000 6000 7000 8000 9000 10000]"},
		{100, 300, 3, "[100 200 300]"},
		{5, 9, 1, "[5]"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := fmt.Sprint(Rates(tt.lo, tt.hi, tt.steps)); got != tt.want {
				t.Errorf("Rates(%v, %v, %d) = %s; want %s", tt.lo, tt.hi, tt.steps, got, tt.want)
			}
		})
	}
}

// step is a ramp step that offered rate, sent sent/s and had that p99.
func step(rate, sent float64, p99 time.Duration) *Summary {
	n := int64(sent)
	return &Summary{Run: Run{Rate: rate}, Requests: n, Elapsed: time.Second, Latency: Latency{P99: p99}}
}

func TestFindKnee(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name     string
		steps    []*Summary
		wantStep int
		wantPast int
		wantText string
	}{
		{"p99 turns up", []*Summary{step(1000, 1000, ms), step(2000, 2000, 2*ms), step(3000, 3000, 3*ms), step(4000, 4000, 40*ms)}, 2, 3,
			"about 3,000 req/s: the highest rate with p99 within 3× the first step's (1.00ms)"},
		{"short of the rate", []*Summary{step(1000, 1000, ms), step(2000, 1500, ms)}, 0, 1, "at 2,000 req/s it sent 1,500/s"},
		{"not reached", []*Summary{step(1000, 1000, ms), step(2000, 2000, ms)}, 1, -1, "not reached: every step up to 2,000 req/s"},
		{"the first step short", []*Summary{step(1000, 500, ms), step(2000, 2000, ms)}, -1, 0, "below 1,000 req/s"},
		// A step back within the factor after one past it is still past.
		{"no second chance", []*Summary{step(1000, 1000, ms), step(2000, 2000, 9*ms), step(3000, 3000, ms)}, 0, 1, "at 2,000 req/s its p99 was 9.00ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := FindKnee(tt.steps, 3)
			if k.Step != tt.wantStep || k.Past != tt.wantPast {
				t.Errorf("FindKnee = step %d, past %d; want %d, %d", k.Step, k.Past, tt.wantStep, tt.wantPast)
			}
			if got := k.String(tt.steps); !strings.Contains(got, tt.wantText) {
				t.Errorf("Knee.String() = %q; want it to contain %q", got, tt.wantText)
			}
		})
	}
}

func TestRamp(t *testing.T) {
	t.Parallel()
	srv, served := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	var ran []float64
	steps, err := Ramp(context.Background(), Config{URL: srv.URL, Conns: 2, Interval: 100 * time.Millisecond}, Rates(200, 600, 3), 300*time.Millisecond,
		func(i int, r *Runner) { ran = append(ran, r.rate) })
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || fmt.Sprint(ran) != "[200 400 600]" {
		t.Fatalf("Ramp ran %d steps at %v; want 3 at [200 400 600]", len(steps), ran)
	}
	var sum int64
	for i, s := range steps {
		// A busy machine may fall behind the schedule, never ahead of it.
		want := int64(s.Rate * 0.3)
		if s.Rate != ran[i] || s.Requests == 0 || s.Requests > want+4 || s.Errors != 0 {
			t.Errorf("step %d: rate, requests, errors = %v, %d, %d; want %v, up to %d (+4), 0", i, s.Rate, s.Requests, s.Errors, ran[i], want)
		}
		sum += s.Requests
	}
	u := Union(steps)
	// The server may see a request or two per step that the end cut off.
	if u.Requests != sum || served.Load() < sum || served.Load() > sum+6 || u.Conns != 2 || u.Ramp != "a ramp of 3 steps, 200 to 600 req/s" {
		t.Errorf("union: requests, conns, ramp = %d, %d, %q; want %d (the server saw %d), 2, a ramp of 3 steps", u.Requests, u.Conns, u.Ramp, sum, served.Load())
	}
	var b strings.Builder
	if err := WriteRamp(&b, steps, FindKnee(steps, 3), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"open loop in 3 steps of 300ms", "offered/s  achieved/s p50", "\n  200        ", "\n  600        ", "Knee        "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteRamp = %q; want it to contain %q", b.String(), want)
		}
	}
}
