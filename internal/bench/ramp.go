package bench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Rates is a ramp's offered rates: steps of them, evenly spaced from lo to
// hi.
func Rates(lo, hi float64, steps int) []float64 {
	if steps <= 1 {
		return []float64{lo}
	}
	rates := make([]float64, steps)
	for i := range rates {
		rates[i] = lo + (hi-lo)*float64(i)/float64(steps-1)
	}
	return rates
}

// Ramp runs cfg once per rate, each step for step long, one after another,
// and returns the steps' summaries. StartAt holds the first step; an
// HdrLog receives every step's intervals, in one log. each, when set, is
// called with each step's runner before it runs.
func Ramp(ctx context.Context, cfg Config, rates []float64, step time.Duration, each func(i int, r *Runner)) ([]*Summary, error) {
	var steps []*Summary
	var lw *hdr.HistogramLogWriter
	for i, rate := range rates {
		c := cfg
		c.Rate, c.Length, c.Total = rate, step, 0
		if i > 0 {
			c.StartAt, c.HdrLog, c.log = time.Time{}, nil, lw
		}
		r, err := NewRunner(c)
		if err != nil {
			return steps, err
		}
		if each != nil {
			each(i, r)
		}
		s, err := r.Run(ctx)
		if s != nil {
			steps = append(steps, s)
		}
		if err != nil {
			return steps, err
		}
		lw = r.log
		if ctx.Err() != nil {
			break // interrupted: the steps so far
		}
	}
	return steps, nil
}

// Knee is a ramp's estimate of where latency turns up: the highest offered
// rate up to which every step kept its p99 within Factor of the first
// step's and sent at least 95% of its rate.
type Knee struct {
	Factor float64
	Step   int     // the knee's step, -1 when the first step was past it
	Rate   float64 // the knee's offered rate
	Past   int     // the first step past the knee, -1 when none was
}

// FindKnee estimates the knee of steps, in the order they ran.
func FindKnee(steps []*Summary, factor float64) Knee {
	k := Knee{Factor: factor, Step: -1, Past: -1}
	if len(steps) == 0 {
		return k
	}
	base := steps[0].Latency.P99
	for i, s := range steps {
		if s.Requests == 0 || s.Short() || float64(s.Latency.P99) > factor*float64(base) {
			k.Past = i
			return k
		}
		k.Step, k.Rate = i, s.Rate
	}
	return k
}

// WriteRamp writes the ramp's table and its knee.
func WriteRamp(w io.Writer, steps []*Summary, knee Knee, step time.Duration) error {
	var b strings.Builder
	if len(steps) == 0 {
		_, err := io.WriteString(w, "no step ran\n")
		return err
	}
	s0 := steps[0]
	shard := ""
	if s0.Shard != "" {
		shard = ", shard " + s0.Shard
	}
	fmt.Fprintf(&b, "%s %s, %s, %s, open loop in %d steps of %s%s\n\n", s0.Method, s0.URL, s0.Protocol, connsText(s0.Protocol, s0.Conns), len(steps), step, shard)
	fmt.Fprintf(&b, "  %-10s %-10s %-9s %-9s %-9s %-9s %s\n", "offered/s", "achieved/s", "p50", "p99", "p99.9", "max", "errors")
	for i, s := range steps {
		mark := ""
		switch {
		case i == knee.Step && knee.Past >= 0:
			mark = "  ← knee"
		case i == knee.Past:
			mark = "  past the knee"
		}
		if s.Short() {
			mark += " (sent " + group(int64(s.SentPerSecond())) + "/s: short of the rate)"
		}
		fmt.Fprintf(&b, "  %-10s %-10s %-9s %-9s %-9s %-9s %s%s\n", group(int64(s.Rate)), group(int64(s.RequestsPerSecond())),
			dur(s.Latency.P50), dur(s.Latency.P99), dur(s.Latency.P999), dur(s.Latency.Max), group(s.Errors), mark)
	}
	b.WriteString("\n")
	b.WriteString(knee.String(steps))
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// String says where the knee is and why, in one or two lines.
func (k Knee) String(steps []*Summary) string {
	if len(steps) == 0 {
		return "Knee        no step ran"
	}
	base := steps[0].Latency.P99
	rule := fmt.Sprintf("p99 within %g× the first step's (%s) and at least 95%% of the rate sent", k.Factor, dur(base))
	switch {
	case k.Step < 0:
		return fmt.Sprintf("Knee        below %s req/s: the first step already sent too little (%s/s); start lower", group(int64(steps[0].Rate)), group(int64(steps[0].SentPerSecond())))
	case k.Past < 0:
		return fmt.Sprintf("Knee        not reached: every step up to %s req/s kept %s; go higher", group(int64(k.Rate)), rule)
	}
	p := steps[k.Past]
	why := fmt.Sprintf("its p99 was %s", dur(p.Latency.P99))
	if p.Short() {
		why = fmt.Sprintf("it sent %s/s", group(int64(p.SentPerSecond())))
	}
	return fmt.Sprintf("Knee        about %s req/s: the highest rate with %s;\n            at %s req/s %s", group(int64(k.Rate)), rule, group(int64(p.Rate)), why)
}

// Union is the ramp's steps as one run: every request, on the
// connections each step kept.
func Union(steps []*Summary) *Summary {
	m := Merge(steps)
	if len(steps) > 0 {
		first, last := steps[0], steps[len(steps)-1]
		m.Conns, m.Rate, m.Shard = first.Conns, 0, first.Shard
		m.Ramp = fmt.Sprintf("a ramp of %d steps, %s to %s req/s", len(steps), group(int64(first.Rate)), group(int64(last.Rate)))
		if m.Setup != nil && first.Setup != nil {
			m.Setup.Conns, m.Setup.Failed = first.Setup.Conns, first.Setup.Failed
		}
	}
	return m
}

// RampJSON is a ramp's one document: each step's report, the knee, and
// the union of the steps.
type RampJSON struct {
	Steps []*Report `json:"steps"`
	Knee  KneeJSON  `json:"knee"`
	Total *Report   `json:"total"`
}

// KneeJSON is the knee's estimate; rate is 0 when the first step was past
// it, and reached false when no step was.
type KneeJSON struct {
	Factor  float64 `json:"factor"`
	Rate    float64 `json:"rate"`
	Reached bool    `json:"reached"`
}

// JSON is k for a ramp's document.
func (k Knee) JSON() KneeJSON {
	return KneeJSON{Factor: k.Factor, Rate: k.Rate, Reached: k.Past >= 0}
}
