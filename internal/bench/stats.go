package bench

import (
	"slices"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// The histogram's range: 1µs to 1h at 3 significant digits, in nanoseconds.
// Faster or slower values are clamped into it; the exact min and max are
// kept beside it. One such histogram holds 192 KiB of counts.
const (
	histLowest  = int64(time.Microsecond)
	histHighest = int64(time.Hour)
	histDigits  = 3
)

func newHist() *hdr.Histogram { return hdr.New(histLowest, histHighest, histDigits) }

// batchSize is how many latencies a worker keeps before it merges them into
// its shard's histogram, so the shard's lock is taken once per batch.
const batchSize = 256

// batchAge is how long a batch may wait before its merge, so each latency
// reaches the interval it completed in (the timeline, --hdr-log) within it.
const batchAge = 100 * time.Millisecond

// lateSlack is how late a send may be and still count as on time: Go's
// timers may fire up to 1ms late. A request sent later was held up by the
// response before it on its connection: the server delayed it.
const lateSlack = time.Millisecond

// exemplarsKept is how many of the slowest exchanges a run keeps.
const exemplarsKept = 5

// shard holds the histograms of a few workers since the last interval. A
// histogram is 192 KiB, too much for one per connection at high -c.
type shard struct {
	mu          sync.Mutex
	hist        *hdr.Histogram // from the intended send (the only one when closed-loop)
	uncorrected *hdr.Histogram // open loop: from the actual send
}

func newShard(open bool) *shard {
	s := &shard{hist: newHist()}
	if open {
		s.uncorrected = newHist()
	}
	return s
}

// Exemplar is one of a run's slowest exchanges, to look up: with the
// inspector on the target, its request id leads to the exchange.
type Exemplar struct {
	URL       string
	Status    int
	Latency   time.Duration // from the intended send
	RequestID string        // the response's X-Request-Id, if it had one
	At        time.Duration // when it completed, since the start
}

// tally is one worker's statistics, touched only by that worker until the
// run ends. Latencies wait in batch until a merge into the shard.
type tally struct {
	shard      *shard
	batch      [batchSize]int64
	batchU     [batchSize]int64
	nbatch     int
	batchStart time.Time
	min, max   int64
	umin, umax int64
	delayed    int64
	bytes      int64
	status     [600]int64 // by status code; codes outside 100-599 go to 0
	errors     map[string]int64
	exemplars  []Exemplar // the slowest, at most exemplarsKept, slowest first
}

func newTally(s *shard) *tally { return &tally{shard: s, min: -1, umin: -1} }

// record counts one response, completed at now, that took d from its
// intended send and u from its actual send (the same in closed loop).
func (t *tally) record(now time.Time, status int, d, u time.Duration, bytes int64) {
	v, w := max(int64(d), 1), max(int64(u), 1)
	if t.min < 0 || v < t.min {
		t.min = v
	}
	t.max = max(t.max, v)
	if t.umin < 0 || w < t.umin {
		t.umin = w
	}
	t.umax = max(t.umax, w)
	if d-u > lateSlack {
		t.delayed++
	}
	if status < 100 || status >= len(t.status) {
		status = 0
	}
	t.status[status]++
	t.bytes += bytes
	if t.nbatch == 0 {
		t.batchStart = now
	}
	t.batch[t.nbatch] = v
	t.batchU[t.nbatch] = w
	t.nbatch++
	if t.nbatch == batchSize || now.Sub(t.batchStart) >= batchAge {
		t.flush()
	}
}

// slow reports whether a response that took d would be kept as an exemplar.
func (t *tally) slow(d time.Duration) bool {
	return len(t.exemplars) < exemplarsKept || d > t.exemplars[len(t.exemplars)-1].Latency
}

// keep adds e to the exemplars, dropping the fastest beyond the few kept.
func (t *tally) keep(e Exemplar) { t.exemplars = keepSlowest(append(t.exemplars, e)) }

func keepSlowest(es []Exemplar) []Exemplar {
	slices.SortStableFunc(es, func(a, b Exemplar) int { return int(b.Latency - a.Latency) })
	if len(es) > exemplarsKept {
		es = es[:exemplarsKept]
	}
	return es
}

func (t *tally) fail(kind string) {
	if t.errors == nil {
		t.errors = make(map[string]int64)
	}
	t.errors[kind]++
}

// flush merges the batch into the shard's histograms.
func (t *tally) flush() {
	t.shard.mu.Lock()
	for _, v := range t.batch[:t.nbatch] {
		_ = t.shard.hist.RecordValue(clamp(v))
	}
	if u := t.shard.uncorrected; u != nil {
		for _, v := range t.batchU[:t.nbatch] {
			_ = u.RecordValue(clamp(v))
		}
	}
	t.shard.mu.Unlock()
	t.nbatch = 0
}

func clamp(v int64) int64 { return min(max(v, histLowest), histHighest) }

// Latency is a latency distribution's summary.
type Latency struct {
	Min, P50, P90, P99, P999, Max time.Duration
	Mean, StdDev                  time.Duration
}

// Run describes what a run loaded, for its reports.
type Run struct {
	URL       string
	Method    string
	Protocol  string
	Conns     int
	Rate      float64   // the offered rate, req/s; 0 is closed loop
	Shard     string    // "i/n" for one of n runners, "" for the whole run
	Ramp      string    // a ramp's union: what the steps offered
	Start     time.Time // when timing began
	Intervals time.Duration
}

// Summary is a finished run's statistics.
type Summary struct {
	Run
	Requests int64         // responses received, whatever their status
	Errors   int64         // requests that got no response
	Elapsed  time.Duration // the measured window
	Bytes    int64         // response body bytes, after the chunked coding, without heads: the same count for every client
	Latency  Latency       // from the intended send time when open-loop
	// Uncorrected is open loop's latency from the actual send time, as
	// tools without a schedule measure it; nil when closed-loop.
	Uncorrected *Latency
	// Delayed counts open loop's requests sent over 1ms after their
	// intended time, held up by the response before them.
	Delayed  int64
	Status   map[int]int64    // responses by status code
	ErrorsBy map[string]int64 // errors by kind
	Phases   *PhaseSummary    // with Config.Phases: sampled phases
	Setup    *Setup           // connections opened before timing

	Hist, UncorrectedHist *hdr.Histogram // the whole run's; UncorrectedHist nil when closed-loop
	Timeline              []Point
	Exemplars             []Exemplar // the slowest, slowest first
}

// Point is one interval of the run: its responses and their latencies.
type Point struct {
	End      time.Duration // since the start
	Requests int64
	P50, P99 time.Duration
	Max      time.Duration
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

// ErrorRate is the share of requests that got no response, 0 to 1.
func (s *Summary) ErrorRate() float64 {
	if s.Requests+s.Errors == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.Requests+s.Errors)
}

// summarize adds the tallies' counts to s, whose histograms the collector
// filled. The tallies must be flushed.
func summarize(s *Summary, tallies []*tally) {
	s.Status, s.ErrorsBy = map[int]int64{}, map[string]int64{}
	lo, hi, ulo, uhi := int64(-1), int64(0), int64(-1), int64(0)
	for _, t := range tallies {
		if t.min >= 0 && (lo < 0 || t.min < lo) {
			lo = t.min
		}
		if t.umin >= 0 && (ulo < 0 || t.umin < ulo) {
			ulo = t.umin
		}
		hi, uhi = max(hi, t.max), max(uhi, t.umax)
		s.Bytes += t.bytes
		s.Delayed += t.delayed
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
		s.Exemplars = keepSlowest(append(s.Exemplars, t.exemplars...))
	}
	s.Latency = latencyOf(s.Hist, lo, hi)
	if s.UncorrectedHist != nil {
		u := latencyOf(s.UncorrectedHist, ulo, uhi)
		s.Uncorrected = &u
	}
}

// latencyOf reads the percentiles from h. The exact lo and hi bound them:
// a histogram bucket's upper edge may lie above the largest real value.
func latencyOf(h *hdr.Histogram, lo, hi int64) Latency {
	if h == nil || h.TotalCount() == 0 || lo < 0 {
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
