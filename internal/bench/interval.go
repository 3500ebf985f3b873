package bench

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// maxPoints bounds the timeline: past it, neighbouring points merge, so a
// run of any length keeps at most this many.
const maxPoints = 3600

// collector gathers the shards' histograms once an interval, into the run's
// totals, its timeline and its --hdr-log. Only the goroutine that runs the
// run calls it.
type collector struct {
	shards        []*shard
	iv, ivU       *hdr.Histogram // one interval's; ivU nil when closed-loop
	total, totalU *hdr.Histogram
	timeline      []Point
	log           *hdr.HistogramLogWriter
	logErr        error // the log's first write error; the run goes on without it
	start         time.Time
	last          time.Time // the end of the previous interval
}

func newCollector(shards []*shard, open bool, start time.Time) *collector {
	c := &collector{shards: shards, iv: newHist(), total: newHist(), start: start, last: start}
	if open {
		c.ivU, c.totalU = newHist(), newHist()
	}
	return c
}

// logTo starts an HdrHistogram interval log on lw: the corrected
// histograms untagged, the uncorrected ones tagged "uncorrected".
func (c *collector) logTo(lw *hdr.HistogramLogWriter) {
	ms := c.start.UnixMilli()
	lw.SetBaseTime(ms)
	c.log = lw
	c.write(lw.OutputLogFormatVersion())
	c.write(lw.OutputComment("[roundtrip bench: latency in ns from each request's intended send; Tag=uncorrected from its actual send]"))
	c.write(lw.OutputStartTime(ms))
	c.write(lw.OutputBaseTime(ms))
	c.write(lw.OutputLegend())
}

func (c *collector) write(err error) {
	if c.logErr == nil {
		c.logErr = err
	}
}

// collect ends the interval at now: it empties the shards into the
// interval's histograms, adds those to the totals, and writes the
// interval's point and log lines.
func (c *collector) collect(now time.Time) {
	for _, sh := range c.shards {
		sh.mu.Lock()
		c.iv.Merge(sh.hist)
		sh.hist.Reset()
		if c.ivU != nil {
			c.ivU.Merge(sh.uncorrected)
			sh.uncorrected.Reset()
		}
		sh.mu.Unlock()
	}
	c.total.Merge(c.iv)
	if c.ivU != nil {
		c.totalU.Merge(c.ivU)
	}
	p := Point{End: now.Sub(c.start), Requests: c.iv.TotalCount()}
	if p.Requests > 0 {
		p.P50 = time.Duration(c.iv.ValueAtQuantile(50))
		p.P99 = time.Duration(c.iv.ValueAtQuantile(99))
		p.Max = time.Duration(c.iv.Max())
	}
	c.timeline = addPoint(c.timeline, p)
	if c.log != nil && c.logErr == nil {
		for _, h := range []*hdr.Histogram{c.iv, c.ivU} {
			if h == nil {
				continue
			}
			if h == c.ivU {
				h.SetTag("uncorrected") // Reset clears it
			}
			h.SetStartTimeMs(c.last.UnixMilli())
			h.SetEndTimeMs(now.UnixMilli())
			c.write(c.log.OutputIntervalHistogram(h))
		}
	}
	c.iv.Reset()
	if c.ivU != nil {
		c.ivU.Reset()
	}
	c.last = now
}

// addPoint appends p, first halving a full timeline: each pair of points
// becomes one, its counts summed and its latencies the larger of the two.
func addPoint(tl []Point, p Point) []Point {
	if len(tl) == maxPoints {
		for i := range len(tl) / 2 {
			a, b := tl[2*i], tl[2*i+1]
			tl[i] = Point{End: b.End, Requests: a.Requests + b.Requests, P50: max(a.P50, b.P50), P99: max(a.P99, b.P99), Max: max(a.Max, b.Max)}
		}
		tl = tl[:len(tl)/2]
	}
	return append(tl, p)
}
