package bench

import (
	_ "embed"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// Page is what --report draws: a run, or a ramp's steps with their union
// as the run.
type Page struct {
	Summary *Summary   // the run, or the ramp's union
	Steps   []*Summary // a ramp's steps, in order; nil for one run
	Knee    Knee
	Step    time.Duration
	Failed  []Outcome // thresholds that failed
}

// chart is one SVG line chart, laid out in Go so the template only places
// numbers and our own labels.
type chart struct {
	Title, XLabel, YLabel string
	Note                  string
	XTicks, YTicks        []tick
	Series                []series
	Mark                  *tick // a vertical line, such as the knee
}

type tick struct {
	Pos   float64 // in the plot's pixels
	Label string
}

type series struct {
	Name, Class string
	Points      string  // "x,y x,y …" in the plot's pixels
	LegendY     float64 // where its name goes, top right
}

// The charts' geometry, in SVG user units: the plot inside its margins.
const (
	chartW, chartH                     = 720, 320
	plotL, plotR, plotT, plotB         = 64, 700, 24, 272
	plotWidth, plotHeight              = plotR - plotL, plotB - plotT
	spectrumMaxNines           float64 = 6 // the spectrum's x axis ends at 99.9999%
)

// axis maps data values to pixels, linearly from 0 (or lo) to a round max.
type axis struct{ lo, hi float64 }

func (a axis) x(v float64) float64 { return plotL + (v-a.lo)/(a.hi-a.lo)*plotWidth }
func (a axis) y(v float64) float64 { return plotB - (v-a.lo)/(a.hi-a.lo)*plotHeight }

// niceMax rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func ticks(a axis, vertical bool, label func(float64) string) []tick {
	var ts []tick
	for i := 0; i <= 4; i++ {
		v := a.lo + (a.hi-a.lo)*float64(i)/4
		pos := a.x(v)
		if vertical {
			pos = a.y(v)
		}
		ts = append(ts, tick{Pos: pos, Label: label(v)})
	}
	return ts
}

func points(xs, ys []float64, ax, ay axis) string {
	var b strings.Builder
	for i := range xs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(ax.x(xs[i]), 'f', 1, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(ay.y(ys[i]), 'f', 1, 64))
	}
	return b.String()
}

func msLabel(v float64) string { return dur(time.Duration(v * 1e6)) }
func numLabel(v float64) string {
	return group(int64(math.Round(v)))
}

// spectrum is the latency at each percentile, the x axis in nines: 90%,
// 99%, 99.9%, … equally spaced, as HdrHistogram's plotter draws it.
func spectrum(s *Summary) chart {
	c := chart{Title: "Latency by percentile", XLabel: "percentile", YLabel: "latency",
		Note: "Corrected latency counts from each request's intended send; uncorrected from its actual send."}
	type line struct {
		name, class string
		xs, ys      []float64
	}
	var lines []line
	var top float64
	add := func(name, class string, l Latency, q func(float64) int64) {
		var xs, ys []float64
		for n := 0.0; n <= spectrumMaxNines+1e-9; n += 0.05 {
			p := 100 * (1 - math.Pow(10, -n))
			v := float64(min(max(time.Duration(q(p)), l.Min), l.Max)) / 1e6
			xs, ys = append(xs, n), append(ys, v)
			top = max(top, v)
		}
		lines = append(lines, line{name, class, xs, ys})
	}
	if s.Hist != nil && s.Hist.TotalCount() > 0 {
		add("corrected", "s1", s.Latency, s.Hist.ValueAtQuantile)
	}
	if s.UncorrectedHist != nil && s.Uncorrected != nil && s.UncorrectedHist.TotalCount() > 0 {
		add("uncorrected", "s2", *s.Uncorrected, s.UncorrectedHist.ValueAtQuantile)
	}
	ax, ay := axis{0, spectrumMaxNines}, axis{0, niceMax(top)}
	for n := 0; n <= int(spectrumMaxNines); n++ {
		label := "0%"
		if n > 0 {
			label = strconv.FormatFloat(100*(1-math.Pow(10, -float64(n))), 'f', max(n-2, 0), 64) + "%"
		}
		c.XTicks = append(c.XTicks, tick{Pos: ax.x(float64(n)), Label: label})
	}
	c.YTicks = ticks(ay, true, msLabel)
	for _, l := range lines {
		c.Series = append(c.Series, series{Name: l.name, Class: l.class, Points: points(l.xs, l.ys, ax, ay)})
	}
	return c
}

// overTime is the timeline: each interval's p50, p99 and max.
func overTime(s *Summary) chart {
	c := chart{Title: "Latency over time", XLabel: "seconds since the start", YLabel: "latency",
		Note: "Each point is one interval's responses (corrected latency)."}
	var xs []float64
	var p50, p99, mx []float64
	var top, right float64
	for _, p := range s.Timeline {
		x := p.End.Seconds()
		xs = append(xs, x)
		p50, p99, mx = append(p50, ms(p.P50)), append(p99, ms(p.P99)), append(mx, ms(p.Max))
		top, right = max(top, ms(p.Max)), max(right, x)
	}
	ax, ay := axis{0, niceMax(right)}, axis{0, niceMax(top)}
	c.XTicks = ticks(ax, false, func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) + "s" })
	c.YTicks = ticks(ay, true, msLabel)
	c.Series = []series{
		{Name: "p50", Class: "s1", Points: points(xs, p50, ax, ay)},
		{Name: "p99", Class: "s2", Points: points(xs, p99, ax, ay)},
		{Name: "max", Class: "s3", Points: points(xs, mx, ax, ay)},
	}
	return c
}

// rampCharts are a ramp's latency and achieved rate against offered rate.
func rampCharts(steps []*Summary, knee Knee) []chart {
	var xs, p50, p99, p999, got []float64
	var top, right, most float64
	for _, s := range steps {
		xs = append(xs, s.Rate)
		p50, p99, p999 = append(p50, ms(s.Latency.P50)), append(p99, ms(s.Latency.P99)), append(p999, ms(s.Latency.P999))
		got = append(got, s.RequestsPerSecond())
		top, right, most = max(top, ms(s.Latency.P999)), max(right, s.Rate), max(most, s.RequestsPerSecond(), s.Rate)
	}
	ax := axis{0, niceMax(right)}
	lat, ach := axis{0, niceMax(top)}, axis{0, niceMax(most)}
	var mark *tick
	if knee.Step >= 0 {
		mark = &tick{Pos: ax.x(knee.Rate), Label: "knee"}
	}
	rateTicks := ticks(ax, false, numLabel)
	return []chart{
		{
			Title: "Latency against offered rate", XLabel: "offered rate, requests/s", YLabel: "latency",
			Note:   "One point per step; the knee is the highest rate whose p99 stays within " + strconv.FormatFloat(knee.Factor, 'g', -1, 64) + "× the first step's.",
			XTicks: rateTicks, YTicks: ticks(lat, true, msLabel), Mark: mark,
			Series: []series{{Name: "p50", Class: "s1", Points: points(xs, p50, ax, lat)}, {Name: "p99", Class: "s2", Points: points(xs, p99, ax, lat)}, {Name: "p99.9", Class: "s3", Points: points(xs, p999, ax, lat)}},
		},
		{
			Title: "Achieved against offered rate", XLabel: "offered rate, requests/s", YLabel: "requests/s",
			Note:   "Below the diagonal, the run sent less than it was asked to.",
			XTicks: rateTicks, YTicks: ticks(ach, true, numLabel), Mark: mark,
			Series: []series{{Name: "achieved", Class: "s1", Points: points(xs, got, ax, ach)}, {Name: "offered", Class: "s4", Points: points([]float64{0, right}, []float64{0, right}, ax, ach)}},
		},
	}
}

// WriteHTML writes p as one self-contained page: inline CSS and SVG, no
// script, no request to anywhere, so it opens offline.
func WriteHTML(w io.Writer, p Page) error {
	s := p.Summary
	var text strings.Builder
	if len(p.Steps) > 0 {
		_ = WriteRamp(&text, p.Steps, p.Knee, p.Step)
		text.WriteString("\nAll steps together:\n")
	}
	_ = s.WriteText(&text)
	charts := []chart{spectrum(s), overTime(s)}
	if len(p.Steps) > 0 {
		charts = append(charts, rampCharts(p.Steps, p.Knee)...)
	}
	for _, c := range charts {
		for i := range c.Series {
			c.Series[i].LegendY = plotT + 12 + 14*float64(i)
		}
	}
	data := struct {
		Page
		Text   string
		Charts []chart
		W, H   int
		L, R   int
		T, B   int
	}{p, text.String(), charts, chartW, chartH, plotL, plotR, plotT, plotB}
	return reportTemplate.Execute(w, data)
}
