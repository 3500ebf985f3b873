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

// openSummaryOf is summaryOf for open loop: each pair is a latency from
// the intended send and one from the actual send.
func openSummaryOf(t *testing.T, workers int, pairs ...[2]time.Duration) *Summary {
	t.Helper()
	shards := []*shard{newShard(true), newShard(true)}
	tallies := make([]*tally, workers)
	for i := range tallies {
		tallies[i] = newTally(shards[i%len(shards)])
	}
	now := time.Now()
	for i, p := range pairs {
		tallies[i%workers].record(now, 200, p[0], p[1], 10)
	}
	return finish(t, shards, tallies, time.Second)
}

func TestSummaryUncorrected(t *testing.T) {
	t.Parallel()
	// 100 requests: each answered in 1ms; the last 10 were sent 2ms to
	// 11ms late, and one 0.5ms late, within the timers' slack.
	var pairs [][2]time.Duration
	for i := range 100 {
		late := time.Duration(0)
		switch {
		case i >= 90:
			late = time.Duration(i-88) * time.Millisecond
		case i == 50:
			late = 500 * time.Microsecond
		}
		pairs = append(pairs, [2]time.Duration{time.Millisecond + late, time.Millisecond})
	}
	s := openSummaryOf(t, 3, pairs...)
	if s.Uncorrected == nil {
		t.Fatal("Uncorrected = nil; want the open loop's second figure")
	}
	if u := *s.Uncorrected; u.Min != time.Millisecond || u.Max != time.Millisecond || !within(u.P99, time.Millisecond) {
		t.Errorf("uncorrected min, p99, max = %v, %v, %v; want 1ms each", u.Min, u.P99, u.Max)
	}
	if l := s.Latency; l.Max != 12*time.Millisecond || !within(l.P50, time.Millisecond) || !within(l.P99, 11*time.Millisecond) {
		t.Errorf("corrected p50, p99, max = %v, %v, %v; want 1ms, 11ms, 12ms", l.P50, l.P99, l.Max)
	}
	if s.Delayed != 10 {
		t.Errorf("Delayed = %d; want 10: the 0.5ms-late send is within the slack", s.Delayed)
	}
	closed := summaryOf(t, time.Second, 2, time.Millisecond)
	if closed.Uncorrected != nil || closed.UncorrectedHist != nil {
		t.Errorf("closed loop's Uncorrected = %v; want none", closed.Uncorrected)
	}
}

func TestExemplars(t *testing.T) {
	t.Parallel()
	shards := []*shard{newShard(false)}
	a, b := newTally(shards[0]), newTally(shards[0])
	// Latencies 1..20ms alternately on two workers, as a worker keeps them.
	for i := 1; i <= 20; i++ {
		tl := a
		if i%2 == 0 {
			tl = b
		}
		d := time.Duration(i) * time.Millisecond
		if tl.slow(d) {
			tl.keep(Exemplar{Latency: d, Status: 200, RequestID: fmt.Sprint("id-", i)})
		}
	}
	s := finish(t, shards, []*tally{a, b}, time.Second)
	var got []string
	for _, e := range s.Exemplars {
		got = append(got, e.RequestID)
	}
	if want := "[id-20 id-19 id-18 id-17 id-16]"; fmt.Sprint(got) != want {
		t.Errorf("Exemplars = %v; want %s, the slowest first", got, want)
	}
	if len(a.exemplars) > exemplarsKept {
		t.Errorf("a worker keeps %d exemplars; want at most %d", len(a.exemplars), exemplarsKept)
	}
}

func TestCollectorIntervals(t *testing.T) {
	t.Parallel()
	shards := []*shard{newShard(false)}
	tl := newTally(shards[0])
	start := time.Now()
	c := newCollector(shards, false, start)
	// Three intervals: 10 requests of 1ms, none, 5 of 9ms.
	for range 10 {
		tl.record(start, 200, time.Millisecond, time.Millisecond, 0)
	}
	tl.flush()
	c.collect(start.Add(time.Second))
	c.collect(start.Add(2 * time.Second))
	for range 5 {
		tl.record(start, 200, 9*time.Millisecond, 9*time.Millisecond, 0)
	}
	tl.flush()
	c.collect(start.Add(3 * time.Second))
	want := []Point{
		{End: time.Second, Requests: 10, P50: time.Millisecond, P99: time.Millisecond, Max: time.Millisecond},
		{End: 2 * time.Second},
		{End: 3 * time.Second, Requests: 5, P50: 9 * time.Millisecond, P99: 9 * time.Millisecond, Max: 9 * time.Millisecond},
	}
	if len(c.timeline) != len(want) {
		t.Fatalf("timeline = %+v; want %+v", c.timeline, want)
	}
	for i, p := range c.timeline {
		w := want[i]
		if p.End != w.End || p.Requests != w.Requests || !within(p.P50, w.P50) || !within(p.P99, w.P99) || !within(p.Max, w.Max) {
			t.Errorf("point %d = %+v; want %+v", i, p, w)
		}
	}
	if c.total.TotalCount() != 15 || shards[0].hist.TotalCount() != 0 {
		t.Errorf("total, shard = %d, %d; want 15, 0: each interval empties the shards", c.total.TotalCount(), shards[0].hist.TotalCount())
	}
}

func TestAddPoint(t *testing.T) {
	t.Parallel()
	var tl []Point
	for i := range maxPoints + 1 {
		tl = addPoint(tl, Point{End: time.Duration(i+1) * time.Second, Requests: 1, P99: time.Duration(i)})
	}
	// Full at maxPoints, the timeline halved: pairs merged, and the new one.
	if len(tl) != maxPoints/2+1 {
		t.Fatalf("len = %d; want %d", len(tl), maxPoints/2+1)
	}
	if p := tl[0]; p.End != 2*time.Second || p.Requests != 2 || p.P99 != 1 {
		t.Errorf("first point = %+v; want the first two merged: end 2s, 2 requests, p99 the larger", p)
	}
	var n int64
	for _, p := range tl {
		n += p.Requests
	}
	if n != maxPoints+1 {
		t.Errorf("requests over the timeline = %d; want %d: none lost", n, maxPoints+1)
	}
}
