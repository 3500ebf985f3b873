package bench

import (
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// The histogram's range: 1µs to 1h at 3 significant digits, in nanoseconds.
// Faster or slower values are clamped into it; the exact min and max are
// kept beside it.
const (
	histLowest  = int64(time.Microsecond)
	histHighest = int64(time.Hour)
	histDigits  = 3
)

// batchSize is how many latencies a worker keeps before it merges them into
// its shard's histogram, so the shard's lock is taken once per batch.
const batchSize = 256

// shard is a histogram shared by a few workers. A histogram is ~200 KB, too
// much for one per connection at high -c.
type shard struct {
	mu   sync.Mutex
	hist *hdr.Histogram
}

func newShard() *shard { return &shard{hist: hdr.New(histLowest, histHighest, histDigits)} }

// tally is one worker's statistics, touched only by that worker until the
// run ends. Latencies wait in batch until a merge into the shard.
type tally struct {
	shard    *shard
	batch    [batchSize]int64
	nbatch   int
	min, max int64
	bytes    int64
	status   [600]int64 // by status code; codes outside 100-599 go to 0
	errors   map[string]int64
}

func newTally(s *shard) *tally { return &tally{shard: s, min: -1} }

// record counts one response that took d.
func (t *tally) record(status int, d time.Duration, bytes int64) {
	v := int64(d)
	if v < 1 {
		v = 1
	}
	if t.min < 0 || v < t.min {
		t.min = v
	}
	if v > t.max {
		t.max = v
	}
	if status < 100 || status >= len(t.status) {
		status = 0
	}
	t.status[status]++
	t.bytes += bytes
	t.batch[t.nbatch] = v
	t.nbatch++
	if t.nbatch == batchSize {
		t.flush()
	}
}

func (t *tally) fail(kind string) {
	if t.errors == nil {
		t.errors = make(map[string]int64)
	}
	t.errors[kind]++
}

// flush merges the batch into the shard's histogram.
func (t *tally) flush() {
	t.shard.mu.Lock()
	for _, v := range t.batch[:t.nbatch] {
		_ = t.shard.hist.RecordValue(min(max(v, histLowest), histHighest))
	}
	t.shard.mu.Unlock()
	t.nbatch = 0
}

// Latency is a latency distribution's summary.
type Latency struct {
	Min, P50, P90, P99, P999, Max time.Duration
	Mean, StdDev                  time.Duration
}

// Summary is a finished run's statistics.
type Summary struct {
	Requests int64         // responses received, whatever their status
	Errors   int64         // requests that got no response
	Elapsed  time.Duration // the measured window
	Bytes    int64         // response body bytes, after the chunked coding, without heads: the same count for every client
	Latency  Latency
	Status   map[int]int64    // responses by status code
	ErrorsBy map[string]int64 // errors by kind
	Phases   *PhaseSummary    // with Config.Phases: one connection's phases
}

// RequestsPerSecond is the throughput: responses per second of the window.
func (s *Summary) RequestsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// BytesPerSecond is the transfer rate of response bodies.
func (s *Summary) BytesPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Bytes) / s.Elapsed.Seconds()
}

// summarize merges the shards and the tallies into a Summary. The tallies
// must be flushed.
func summarize(shards []*shard, tallies []*tally, elapsed time.Duration) *Summary {
	s := &Summary{Elapsed: elapsed, Status: map[int]int64{}, ErrorsBy: map[string]int64{}}
	h := hdr.New(histLowest, histHighest, histDigits)
	for _, sh := range shards {
		h.Merge(sh.hist)
	}
	lo, hi := int64(-1), int64(0)
	for _, t := range tallies {
		if t.min >= 0 && (lo < 0 || t.min < lo) {
			lo = t.min
		}
		hi = max(hi, t.max)
		s.Bytes += t.bytes
		for code, n := range t.status {
			if n > 0 {
				s.Status[code] += n
				s.Requests += n
			}
		}
		for kind, n := range t.errors {
			s.ErrorsBy[kind] += n
			s.Errors += n
		}
	}
	s.Latency = latencyOf(h, lo, hi)
	return s
}

// latencyOf reads the percentiles from h. The exact lo and hi bound them:
// a histogram bucket's upper edge may lie above the largest real value.
func latencyOf(h *hdr.Histogram, lo, hi int64) Latency {
	if h.TotalCount() == 0 || lo < 0 {
		return Latency{}
	}
	at := func(q float64) time.Duration {
		return time.Duration(min(max(h.ValueAtQuantile(q), lo), hi))
	}
	return Latency{
		Min:    time.Duration(lo),
		P50:    at(50),
		P90:    at(90),
		P99:    at(99),
		P999:   at(99.9),
		Max:    time.Duration(hi),
		Mean:   time.Duration(h.Mean()),
		StdDev: time.Duration(h.StdDev()),
	}
}
