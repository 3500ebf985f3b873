package bench

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// viaJSON writes s as --output json does and reads it back, as bench
// merge does.
func viaJSON(t *testing.T, s *Summary) *Summary {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, s.Report()); err != nil {
		t.Fatal(err)
	}
	back, err := ReadSummary(&b)
	if err != nil {
		t.Fatalf("ReadSummary(%.200q) error = %v", b.String(), err)
	}
	return back
}

func TestMergeEqualsOneHistogram(t *testing.T) {
	t.Parallel()
	// 30,000 latencies from 5µs to 2s, long-tailed, and their intended and
	// actual sends, split unevenly over three runs.
	rng := rand.New(rand.NewPCG(1, 2))
	all := make([][2]time.Duration, 30000)
	for i := range all {
		u := time.Duration(5000 + rng.ExpFloat64()*float64(300*time.Microsecond))
		if i%997 == 0 {
			u += time.Duration(rng.Int64N(int64(2 * time.Second)))
		}
		all[i] = [2]time.Duration{u + time.Duration(rng.Int64N(int64(time.Millisecond))), u}
	}
	one := openSummaryOf(t, 4, all...)
	parts := []*Summary{
		openSummaryOf(t, 3, all[:5000]...),
		openSummaryOf(t, 2, all[5000:17000]...),
		openSummaryOf(t, 5, all[17000:]...),
	}
	var decoded []*Summary
	for _, p := range parts {
		decoded = append(decoded, viaJSON(t, p))
	}
	m := Merge(decoded)
	if m.Requests != 30000 || m.Status[200] != 30000 || m.Bytes != 300000 || m.Delayed != one.Delayed {
		t.Errorf("requests, 200s, bytes, delayed = %d, %d, %d, %d; want 30000, 30000, 300000, %d", m.Requests, m.Status[200], m.Bytes, m.Delayed, one.Delayed)
	}
	if m.Latency != one.Latency {
		t.Errorf("merged latency = %+v; want one histogram's %+v", m.Latency, one.Latency)
	}
	if m.Uncorrected == nil || *m.Uncorrected != *one.Uncorrected {
		t.Errorf("merged uncorrected = %+v; want one histogram's %+v", m.Uncorrected, one.Uncorrected)
	}
	for _, q := range []float64{0, 10, 50, 75, 90, 99, 99.9, 99.99, 100} {
		if got, want := m.Hist.ValueAtQuantile(q), one.Hist.ValueAtQuantile(q); got != want {
			t.Errorf("merged ValueAtQuantile(%v) = %d; want %d", q, got, want)
		}
	}
	if !m.Hist.Equals(one.Hist) {
		t.Error("merged histogram differs from one histogram of every value")
	}
}

func TestMergeCounts(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	a := summaryOf(t, 2*time.Second, 1, time.Millisecond, 2*time.Millisecond)
	a.Run = Run{URL: "http://x/", Method: "GET", Protocol: "HTTP/1.1", Conns: 10, Rate: 100, Shard: "1/2", Start: t0}
	a.Errors, a.ErrorsBy = 1, map[string]int64{"timeout": 1}
	b := summaryOf(t, 3*time.Second, 1, 4*time.Millisecond)
	b.Run = Run{URL: "http://x/", Method: "GET", Protocol: "HTTP/1.1", Conns: 10, Rate: 100, Shard: "2/2", Start: t0.Add(500 * time.Millisecond)}
	b.Status[503], b.Requests = 2, b.Requests+2
	m := Merge([]*Summary{viaJSON(t, a), viaJSON(t, b)})
	if m.Requests != 5 || m.Errors != 1 || m.Status[200] != 3 || m.Status[503] != 2 || m.ErrorsBy["timeout"] != 1 {
		t.Errorf("requests, errors, status, errors by = %d, %d, %v, %v; want 5, 1, 200: 3 503: 2, timeout: 1", m.Requests, m.Errors, m.Status, m.ErrorsBy)
	}
	// The window runs from a's start to b's end, 3.5s later.
	if m.Conns != 20 || m.Rate != 200 || !m.Start.Equal(t0) || m.Elapsed != 3500*time.Millisecond || m.URL != "http://x/" {
		t.Errorf("conns, rate, start, elapsed, url = %d, %v, %v, %v, %q; want 20, 200, %v, 3.5s, http://x/", m.Conns, m.Rate, m.Start, m.Elapsed, m.URL, t0)
	}
	if m.Latency.Min != time.Millisecond || m.Latency.Max != 4*time.Millisecond {
		t.Errorf("min, max = %v, %v; want 1ms, 4ms: the exact extremes", m.Latency.Min, m.Latency.Max)
	}
}

// TestReadSummaryRamp: a ramp's document reads as its total.
func TestReadSummaryRamp(t *testing.T) {
	t.Parallel()
	a, b := summaryOf(t, time.Second, 1, time.Millisecond), summaryOf(t, time.Second, 1, 2*time.Millisecond, 3*time.Millisecond)
	u := Union([]*Summary{a, b})
	var buf bytes.Buffer
	if err := WriteJSON(&buf, RampJSON{Steps: []*Report{a.Report(), b.Report()}, Total: u.Report()}); err != nil {
		t.Fatal(err)
	}
	s, err := ReadSummary(&buf)
	if err != nil || s.Requests != 3 || s.Latency.Max != 3*time.Millisecond {
		t.Errorf("ReadSummary(ramp) = %+v, %v; want the total: 3 requests, max 3ms", s, err)
	}
}

func TestReadSummaryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", "", "it is empty"},
		{"not json", "{nope", "it is not bench's JSON"},
		{"json without a histogram", `{"requests": 3}`, "it has no histogram"},
		{"bad histogram", `{"histogram": {"corrected": "HISTFAAAA"}}`, "its histogram does not decode"},
		{"neither", "hello\n", "it is neither bench's JSON nor an interval log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadSummary(strings.NewReader(tt.in))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("ReadSummary(%q) error = %v; want %q…", tt.in, err, tt.want)
			}
		})
	}
}

// TestHdrLog reads a run's interval log back with hdrhistogram-go's reader:
// its histograms add up to the run's.
func TestHdrLog(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	var log bytes.Buffer
	_, s := run(t, Config{URL: srv.URL, Conns: 2, Rate: 400, Length: 450 * time.Millisecond, Interval: 100 * time.Millisecond, HdrLog: &log})
	text := log.String()
	for _, want := range []string{"#[Histogram log format version 1.3]", "#[StartTime: ", "#[BaseTime: ", "\nTag=uncorrected,"} {
		if !strings.Contains(text, want) {
			t.Errorf("log %.300q lacks %q", text, want)
		}
	}
	lr := hdr.NewHistogramLogReader(strings.NewReader(text))
	intervals := 0
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		if h.Tag() == "" {
			intervals++
		}
	}
	// A busy machine may skip a tick; the last interval ends the run.
	if intervals < 2 || intervals > 6 {
		t.Errorf("%d intervals of 100ms in a 450ms run; want 2 to 6:\n%s", intervals, text)
	}
	back, err := ReadSummary(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if back.Requests != s.Requests || !back.Hist.Equals(s.Hist) || !back.UncorrectedHist.Equals(s.UncorrectedHist) {
		t.Errorf("log's requests = %d; want %d, and the same histograms", back.Requests, s.Requests)
	}
}

// TestRunShards runs three shards at once, in process, against one
// server, as three machines would: together they offer the whole rate,
// and the merge counts every request once.
func TestRunShards(t *testing.T) {
	t.Parallel()
	srv, served := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	const rate, length = 600, 800 * time.Millisecond
	startAt := time.Now().Add(300 * time.Millisecond)
	shards := make([]*Summary, 3)
	var wg sync.WaitGroup
	for i := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := NewRunner(Config{URL: srv.URL, Conns: 2, Rate: rate, Length: length, StartAt: startAt, Shard: i + 1, Shards: 3})
			if err != nil {
				t.Error(err)
				return
			}
			s, err := r.Run(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			shards[i] = s
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var sum int64
	one := newHist()
	for i, s := range shards {
		if s.Rate != rate/3 || s.Shard != []string{"1/3", "2/3", "3/3"}[i] {
			t.Errorf("shard %d: rate, shard = %v, %q; want %v, %d/3", i+1, s.Rate, s.Shard, rate/3, i+1)
		}
		if s.Start.Before(startAt) {
			t.Errorf("shard %d started at %v; want from --start-at %v", i+1, s.Start, startAt)
		}
		sum += s.Requests
		one.Merge(s.Hist)
		shards[i] = viaJSON(t, s)
	}
	m := Merge(shards)
	// The server may also have seen a request per connection that the
	// end cut off, unanswered, and so uncounted.
	if m.Requests != sum || served.Load() < sum || served.Load() > sum+6 || m.Errors != 0 {
		t.Errorf("merged requests = %d, errors %d; want the shards' sum %d, no errors, and the server to have seen as many, up to 6 more (%d)", m.Requests, m.Errors, sum, served.Load())
	}
	// Together the shards' schedules offer rate × length, 480, give or
	// take a request per connection at each edge; a busy machine may fall
	// behind, never ahead.
	if want := int64(rate * length.Seconds()); m.Requests > want+6 || m.Rate != rate {
		t.Errorf("merged requests, rate = %d, %v; want at most %d + 6 at %d/s", m.Requests, m.Rate, want, rate)
	}
	if !m.Hist.Equals(one) {
		t.Error("merged histogram differs from the shards' added up")
	}
	for _, q := range []float64{50, 90, 99, 99.9} {
		if got, want := m.Hist.ValueAtQuantile(q), one.ValueAtQuantile(q); got != want {
			t.Errorf("merged p%v = %d; want %d", q, got, want)
		}
	}
}

func TestShardShares(t *testing.T) {
	t.Parallel()
	tests := []struct {
		total  int64
		shards int
		want   []int64
	}{
		{10, 3, []int64{4, 3, 3}},
		{9, 3, []int64{3, 3, 3}},
		{2, 2, []int64{1, 1}},
	}
	for _, tt := range tests {
		for i, want := range tt.want {
			r, err := NewRunner(Config{URL: "http://127.0.0.1:1/", Total: tt.total, Shard: i + 1, Shards: tt.shards, Rate: 300})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.budget.Load(); got != want || r.rate != 300/float64(tt.shards) {
				t.Errorf("shard %d/%d of %d: budget, rate = %d, %v; want %d, %v", i+1, tt.shards, tt.total, got, r.rate, want, 300/float64(tt.shards))
			}
		}
	}
	if _, err := NewRunner(Config{URL: "http://127.0.0.1:1/", Total: 2, Shard: 3, Shards: 3}); err == nil {
		t.Error("shard 3/3 of 2 requests: no error; want one, it would send none")
	}
}
