package bench

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// summaryOf records latencies across tallies the way workers do, sharing
// shards, and summarizes them.
func summaryOf(t *testing.T, elapsed time.Duration, workers int, lat ...time.Duration) *Summary {
	t.Helper()
	shards := []*shard{newShard(false), newShard(false)}
	tallies := make([]*tally, workers)
	for i := range tallies {
		tallies[i] = newTally(shards[i%len(shards)])
	}
	now := time.Now()
	for i, d := range lat {
		tallies[i%workers].record(now, 200, d, d, 100)
	}
	return finish(t, shards, tallies, elapsed)
}

// finish ends a run as Run does: the tallies flushed, the shards
// collected, the counts summed.
func finish(t *testing.T, shards []*shard, tallies []*tally, elapsed time.Duration) *Summary {
	t.Helper()
	for _, tl := range tallies {
		tl.flush()
	}
	start := time.Now()
	c := newCollector(shards, shards[0].uncorrected != nil, start)
	c.collect(start.Add(elapsed))
	s := &Summary{Elapsed: elapsed, Hist: c.total, UncorrectedHist: c.totalU, Timeline: c.timeline}
	summarize(s, tallies)
	return s
}

// within reports whether got is within HDR's 3-digit precision of want.
func within(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) <= float64(want)/1000+1
}

func TestSummaryLatency(t *testing.T) {
	t.Parallel()
	// 1ms..1000ms, shuffled across workers: the percentiles are known.
	var lat []time.Duration
	for i := 1000; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		name    string
		workers int
	}{
		{"one worker", 1},
		{"several workers", 7},
		{"more workers than samples per batch", 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := summaryOf(t, time.Second, tt.workers, lat...)
			l := s.Latency
			checks := []struct {
				name      string
				got, want time.Duration
			}{
				{"min", l.Min, time.Millisecond},
				{"p50", l.P50, 500 * time.Millisecond},
				{"p90", l.P90, 900 * time.Millisecond},
				{"p99", l.P99, 990 * time.Millisecond},
				{"p99.9", l.P999, 999 * time.Millisecond},
				{"max", l.Max, 1000 * time.Millisecond},
				{"mean", l.Mean, 500500 * time.Microsecond},
			}
			for _, c := range checks {
				if !within(c.got, c.want) {
					t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
				}
			}
			if l.Min != time.Millisecond || l.Max != time.Second {
				t.Errorf("min, max = %v, %v; want exactly 1ms, 1s", l.Min, l.Max)
			}
			if s.Requests != 1000 {
				t.Errorf("Requests = %d; want 1000", s.Requests)
			}
		})
	}
}

func TestSummaryOrder(t *testing.T) {
	t.Parallel()
	// Whatever the samples, min <= p50 <= p90 <= p99 <= p99.9 <= max: HDR's
	// bucket edges must not push a percentile past the exact max (and min
	// and max must not come out swapped, as hey's once did).
	tests := []struct {
		name string
		lat  []time.Duration
	}{
		{"one sample", []time.Duration{1234567 * time.Nanosecond}},
		{"two samples", []time.Duration{9 * time.Millisecond, 3 * time.Microsecond}},
		{"identical", []time.Duration{77777, 77777, 77777}},
		{"below the histogram", []time.Duration{1, 2, 3}},
		{"above the histogram", []time.Duration{2 * time.Hour, time.Millisecond}},
		{"outlier", append(make([]time.Duration, 999), 5*time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := summaryOf(t, time.Second, 3, tt.lat...)
			l := s.Latency
			seq := []time.Duration{l.Min, l.P50, l.P90, l.P99, l.P999, l.Max}
			for i := 1; i < len(seq); i++ {
				if seq[i] < seq[i-1] {
					t.Errorf("latencies %v are not in order at %d", seq, i)
				}
			}
			lo, hi := tt.lat[0], tt.lat[0]
			for _, d := range tt.lat {
				lo, hi = min(lo, max(d, 1)), max(hi, d)
			}
			if l.Min != max(lo, 1) || l.Max != hi {
				t.Errorf("min, max = %v, %v; want %v, %v", l.Min, l.Max, max(lo, 1), hi)
			}
		})
	}
}

func TestSummaryThroughput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n       int
		elapsed time.Duration
		want    float64
	}{
		{1000, time.Second, 1000},
		{1000, 4 * time.Second, 250},
		{3, 1500 * time.Millisecond, 2},
		{0, time.Second, 0},
		{5, 0, 0}, // no window: no rate, never Inf
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d in %v", tt.n, tt.elapsed), func(t *testing.T) {
			t.Parallel()
			lat := make([]time.Duration, tt.n)
			for i := range lat {
				lat[i] = time.Millisecond
			}
			s := summaryOf(t, tt.elapsed, 2, lat...)
			if got := s.RequestsPerSecond(); got != tt.want {
				t.Errorf("RequestsPerSecond(%d in %v) = %v; want %v", tt.n, tt.elapsed, got, tt.want)
			}
			if got, want := s.BytesPerSecond(), tt.want*100; got != want {
				t.Errorf("BytesPerSecond(%d in %v) = %v; want %v", tt.n, tt.elapsed, got, want)
			}
		})
	}
}

func TestSummaryEmpty(t *testing.T) {
	t.Parallel()
	s := summaryOf(t, time.Second, 4)
	if s.Latency != (Latency{}) {
		t.Errorf("Latency of no samples = %+v; want zero", s.Latency)
	}
	if s.Requests != 0 || s.Errors != 0 {
		t.Errorf("Requests, Errors = %d, %d; want 0, 0", s.Requests, s.Errors)
	}
}

func TestSummaryCounts(t *testing.T) {
	t.Parallel()
	shards := []*shard{newShard(false)}
	a, b := newTally(shards[0]), newTally(shards[0])
	now := time.Now()
	a.record(now, 200, time.Millisecond, time.Millisecond, 10)
	a.record(now, 404, time.Millisecond, time.Millisecond, 10)
	b.record(now, 200, time.Millisecond, time.Millisecond, 10)
	b.record(now, 999, time.Millisecond, time.Millisecond, 10) // not a status: counted as other
	a.fail("timeout")
	b.fail("timeout")
	b.fail("connect")
	s := finish(t, shards, []*tally{a, b}, time.Second)
	wantStatus := map[int]int64{200: 2, 404: 1, 0: 1}
	for code, want := range wantStatus {
		if got := s.Status[code]; got != want {
			t.Errorf("Status[%d] = %d; want %d", code, got, want)
		}
	}
	if len(s.Status) != len(wantStatus) {
		t.Errorf("Status = %v; want %v", s.Status, wantStatus)
	}
	if s.ErrorsBy["timeout"] != 2 || s.ErrorsBy["connect"] != 1 || s.Errors != 3 {
		t.Errorf("ErrorsBy, Errors = %v, %d; want timeout: 2, connect: 1, 3", s.ErrorsBy, s.Errors)
	}
	if s.Requests != 4 || s.Bytes != 40 {
		t.Errorf("Requests, Bytes = %d, %d; want 4, 40", s.Requests, s.Bytes)
	}
}
