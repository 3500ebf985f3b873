package bench

import (
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/roundtrip/roundtrip/internal/client"
)

// PhaseEvery is --phases' sampling: one request in PhaseEvery on each
// connection is timed phase by phase, so timing stays off the hot path of
// the others. Every connection's dial is timed.
const PhaseEvery = 8

// PhaseSummary is the distribution of each round-trip phase: DNS, connect
// and TLS over every connection the run opened, send, wait and receive
// over one request in Every.
type PhaseSummary struct {
	Every    int   // one request in Every was timed
	Requests int64 // requests timed
	Hist     [client.NumPhases]*hdr.Histogram
}

func newPhaseSummary() *PhaseSummary {
	p := &PhaseSummary{Every: PhaseEvery}
	for i := range p.Hist {
		// From 1ns: a send on loopback takes less than a microsecond.
		p.Hist[i] = hdr.New(1, histHighest, histDigits)
	}
	return p
}

// Count is how many times phase i was timed.
func (p *PhaseSummary) Count(i client.Phase) int64 { return p.Hist[i].TotalCount() }

// Percentile is phase i's q-th percentile, 0 when it was never timed.
func (p *PhaseSummary) Percentile(i client.Phase, q float64) time.Duration {
	if p.Count(i) == 0 {
		return 0
	}
	return time.Duration(p.Hist[i].ValueAtQuantile(q))
}

// Mean is phase i's mean.
func (p *PhaseSummary) Mean(i client.Phase) time.Duration {
	if p.Count(i) == 0 {
		return 0
	}
	return time.Duration(p.Hist[i].Mean())
}

// merge adds o's phases to p's.
func (p *PhaseSummary) merge(o *PhaseSummary) {
	p.Requests += o.Requests
	for i := range p.Hist {
		p.Hist[i].Merge(o.Hist[i])
	}
}

// phaseRecorder is the run's PhaseSummary, shared by the workers and the
// dialer; nil when phases are off.
type phaseRecorder struct {
	mu sync.Mutex
	s  *PhaseSummary
}

// dialed records a new connection's DNS, connect and TLS phases.
func (r *phaseRecorder) dialed(ph client.Phases) {
	if r == nil {
		return
	}
	r.mu.Lock()
	for _, i := range []client.Phase{client.DNS, client.Connect, client.TLS} {
		if ph[i] > 0 {
			_ = r.s.Hist[i].RecordValue(int64(min(ph[i], time.Hour)))
		}
	}
	r.mu.Unlock()
}

// timed records a sampled request's send, wait and receive phases.
func (r *phaseRecorder) timed(ph client.Phases) {
	r.mu.Lock()
	r.s.Requests++
	for _, i := range []client.Phase{client.Send, client.Wait, client.Receive} {
		if ph[i] > 0 {
			_ = r.s.Hist[i].RecordValue(int64(min(ph[i], time.Hour)))
		}
	}
	r.mu.Unlock()
}
