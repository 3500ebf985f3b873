package bench

import (
	"context"
	"net/http"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
)

// traced is a net/http client that times each round trip's phases with
// the shared trace helper. It is slower than h1, so a run with phases puts
// it on one connection only.
type traced struct {
	*std
	trace *client.Trace
	ph    PhaseSummary
}

func newTraced(ctx context.Context, c *http.Client, t *target) *traced {
	tr := client.NewTrace()
	return &traced{std: newStd(tr.Context(ctx), c, t), trace: tr}
}

func (c *traced) roundTrip() (int, int64, error) {
	c.trace.Reset()
	status, n, err := c.std.roundTrip()
	if err != nil {
		return status, n, err
	}
	c.trace.Finish()
	c.ph.add(c.trace.Timeline().Phases())
	return status, n, nil
}

// PhaseSummary is the mean of each round-trip phase over the requests that
// went through it: DNS, connect and TLS happen only on new connections.
type PhaseSummary struct {
	Requests int64
	Count    [client.NumPhases]int64
	Sum      client.Phases
}

func (p *PhaseSummary) add(ph client.Phases) {
	p.Requests++
	for i, d := range ph {
		if d > 0 {
			p.Count[i]++
			p.Sum[i] += d
		}
	}
}

// Mean is phase i's mean duration over the requests that had it.
func (p *PhaseSummary) Mean(i client.Phase) time.Duration {
	if p.Count[i] == 0 {
		return 0
	}
	return p.Sum[i] / time.Duration(p.Count[i])
}
