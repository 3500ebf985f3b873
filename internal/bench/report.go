package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/roundtrip/roundtrip/internal/client"
)

// Report is a run's one JSON document, for scripts and for merging.
// Latencies are in milliseconds; bytes are the response bodies', as
// Summary.Bytes.
type Report struct {
	URL               string           `json:"url"`
	Method            string           `json:"method"`
	Connections       int              `json:"connections"`
	Protocol          string           `json:"protocol"`
	Rate              float64          `json:"rate,omitempty"`  // open loop's offered rate, req/s
	Shard             string           `json:"shard,omitempty"` // "i/n" of a distributed run
	Ramp              string           `json:"ramp,omitempty"`  // a ramp's union: what its steps offered
	StartedAt         time.Time        `json:"started_at"`      // when timing began
	DurationSeconds   float64          `json:"duration_seconds"`
	Requests          int64            `json:"requests"`
	Errors            int64            `json:"errors"`
	RequestsPerSecond float64          `json:"requests_per_second"`
	BodyBytes         int64            `json:"body_bytes"`
	BytesPerSecond    float64          `json:"bytes_per_second"` // of body_bytes
	Latency           LatencyMillis    `json:"latency_ms"`       // from the intended send when open-loop
	Uncorrected       *LatencyMillis   `json:"uncorrected_latency_ms,omitempty"`
	Delayed           int64            `json:"delayed,omitempty"` // open loop: requests sent over 1ms late
	StatusCodes       map[string]int64 `json:"status_codes"`
	ErrorsByKind      map[string]int64 `json:"errors_by_kind"`
	Setup             *SetupJSON       `json:"setup,omitempty"`
	Phases            *PhasesJSON      `json:"phases,omitempty"`
	Exemplars         []ExemplarJSON   `json:"exemplars,omitempty"`
	Timeline          []PointJSON      `json:"timeline,omitempty"`
	Histogram         *HistogramJSON   `json:"histogram,omitempty"`
	Thresholds        []ThresholdJSON  `json:"thresholds,omitempty"`
}

// HistogramJSON is the run's latency histograms in HdrHistogram's V2
// compressed encoding, base64, values in ns: `bench merge` adds them up
// exactly, and HdrHistogram's own tools decode them. Min and max are the
// exact extremes, which the histogram's buckets round.
type HistogramJSON struct {
	Encoding       string `json:"encoding"`
	Corrected      string `json:"corrected"`
	MinNs          int64  `json:"min_ns"`
	MaxNs          int64  `json:"max_ns"`
	Uncorrected    string `json:"uncorrected,omitempty"`
	UncorrectedMin int64  `json:"uncorrected_min_ns,omitempty"`
	UncorrectedMax int64  `json:"uncorrected_max_ns,omitempty"`
}

const histEncoding = "HdrHistogram V2 compressed, base64, ns"

// SetupJSON is the connections opened before timing.
type SetupJSON struct {
	Connections int     `json:"connections"`
	Failed      int     `json:"failed,omitempty"`
	Ms          float64 `json:"ms"`
}

// PhasesJSON is --phases': per phase, its percentiles in milliseconds and
// how many times it was timed, with its histogram for merging.
type PhasesJSON struct {
	SampleEvery int                `json:"sample_every"` // one request in this many was timed
	Requests    int64              `json:"requests"`     // requests timed
	Count       map[string]int64   `json:"count"`
	P50Ms       map[string]float64 `json:"p50_ms"`
	P99Ms       map[string]float64 `json:"p99_ms"`
	MeanMs      map[string]float64 `json:"mean_ms"`
	Histograms  map[string]string  `json:"histograms"`
}

// ExemplarJSON is one of the slowest exchanges.
type ExemplarJSON struct {
	URL       string  `json:"url"`
	Status    int     `json:"status"`
	LatencyMs float64 `json:"latency_ms"`
	RequestID string  `json:"request_id,omitempty"`
	AtSeconds float64 `json:"at_seconds"`
}

// PointJSON is one interval of the timeline.
type PointJSON struct {
	EndSeconds float64 `json:"end_seconds"`
	Requests   int64   `json:"requests"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
}

// LatencyMillis is Latency in milliseconds, for JSON.
type LatencyMillis struct {
	Min    float64 `json:"min"`
	P50    float64 `json:"p50"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	P999   float64 `json:"p99_9"`
	Max    float64 `json:"max"`
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stdev"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// exactMs is ms without rounding to the microsecond, for sub-µs phases.
func exactMs(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func millis(l Latency) LatencyMillis {
	return LatencyMillis{
		Min: ms(l.Min), P50: ms(l.P50), P90: ms(l.P90), P99: ms(l.P99), P999: ms(l.P999), Max: ms(l.Max),
		Mean: ms(l.Mean), StdDev: ms(l.StdDev),
	}
}

// Protocol names what the run speaks.
func (r *Runner) Protocol() string {
	switch {
	case r.cfg.HTTP2 && r.target.tls:
		return "HTTP/2"
	case r.cfg.HTTP2:
		return "HTTP/2 (h2c)"
	case r.target.tls:
		return "HTTP/1.1 over TLS"
	}
	return "HTTP/1.1"
}

// Report builds the JSON document of s.
func (s *Summary) Report() *Report {
	rep := &Report{
		URL:               s.URL,
		Method:            s.Method,
		Connections:       s.Conns,
		Protocol:          s.Protocol,
		Rate:              s.Rate,
		Shard:             s.Shard,
		Ramp:              s.Ramp,
		StartedAt:         s.Start.UTC(),
		DurationSeconds:   s.Elapsed.Seconds(),
		Requests:          s.Requests,
		Errors:            s.Errors,
		RequestsPerSecond: s.RequestsPerSecond(),
		BodyBytes:         s.Bytes,
		BytesPerSecond:    s.BytesPerSecond(),
		Latency:           millis(s.Latency),
		Delayed:           s.Delayed,
		StatusCodes:       map[string]int64{},
		ErrorsByKind:      s.ErrorsBy,
	}
	if rep.ErrorsByKind == nil {
		rep.ErrorsByKind = map[string]int64{}
	}
	if s.Uncorrected != nil {
		u := millis(*s.Uncorrected)
		rep.Uncorrected = &u
	}
	for code, n := range s.Status {
		rep.StatusCodes[statusText(code)] = n
	}
	if st := s.Setup; st != nil {
		rep.Setup = &SetupJSON{Connections: st.Conns, Failed: st.Failed, Ms: exactMs(st.Elapsed)}
	}
	if p := s.Phases; p != nil {
		j := &PhasesJSON{SampleEvery: p.Every, Requests: p.Requests, Count: map[string]int64{}, P50Ms: map[string]float64{},
			P99Ms: map[string]float64{}, MeanMs: map[string]float64{}, Histograms: map[string]string{}}
		for i := range client.NumPhases {
			name := i.String()
			j.Count[name] = p.Count(i)
			j.P50Ms[name] = exactMs(p.Percentile(i, 50))
			j.P99Ms[name] = exactMs(p.Percentile(i, 99))
			j.MeanMs[name] = exactMs(p.Mean(i))
			j.Histograms[name] = encode(p.Hist[i])
		}
		rep.Phases = j
	}
	for _, e := range s.Exemplars {
		rep.Exemplars = append(rep.Exemplars, ExemplarJSON{URL: e.URL, Status: e.Status, LatencyMs: ms(e.Latency), RequestID: e.RequestID, AtSeconds: e.At.Seconds()})
	}
	for _, p := range s.Timeline {
		rep.Timeline = append(rep.Timeline, PointJSON{EndSeconds: p.End.Seconds(), Requests: p.Requests, P50Ms: ms(p.P50), P99Ms: ms(p.P99), MaxMs: ms(p.Max)})
	}
	if s.Hist != nil {
		h := &HistogramJSON{Encoding: histEncoding, Corrected: encode(s.Hist), MinNs: int64(s.Latency.Min), MaxNs: int64(s.Latency.Max)}
		if s.UncorrectedHist != nil && s.Uncorrected != nil {
			h.Uncorrected = encode(s.UncorrectedHist)
			h.UncorrectedMin, h.UncorrectedMax = int64(s.Uncorrected.Min), int64(s.Uncorrected.Max)
		}
		rep.Histogram = h
	}
	return rep
}

// encode is h in HdrHistogram's V2 compressed encoding, which is base64
// text already.
func encode(h *hdr.Histogram) string {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "" // only a histogram too large for the format fails
	}
	return string(b)
}

// WriteJSON writes v as one indented JSON document.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// offeredShort is how far below the offered rate a run may send before
// the summary says it fell short.
const offeredShort = 0.95

// SentPerSecond is the rate requests went out at: responses and errors.
func (s *Summary) SentPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests+s.Errors) / s.Elapsed.Seconds()
}

// Short reports whether an open-loop run sent below its offered rate.
func (s *Summary) Short() bool {
	return s.Rate > 0 && s.SentPerSecond() < offeredShort*s.Rate
}

// WriteText writes the summary of s for people.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	loop := "closed loop"
	switch {
	case s.Ramp != "":
		loop = "open loop, " + s.Ramp
	case s.Rate > 0:
		loop = "open loop at " + group(int64(s.Rate)) + " req/s"
	}
	if s.Shard != "" {
		loop += ", shard " + s.Shard
	}
	fmt.Fprintf(&b, "%s %s, %s, %s, %s\n\n", s.Method, s.URL, s.Protocol, connsText(s.Protocol, s.Conns), loop)
	if st := s.Setup; st != nil && st.Conns > 0 {
		fmt.Fprintf(&b, "  Setup       %s in %s before timing, not counted as latency", plural(int64(st.Conns), "connection"), dur(st.Elapsed))
		if st.Failed > 0 {
			fmt.Fprintf(&b, " (%s failed, opened again under load)", group(int64(st.Failed)))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "  Requests    %s in %s, %s of response bodies\n", group(s.Requests), s.Elapsed.Round(time.Millisecond), bytesText(float64(s.Bytes)))
	fmt.Fprintf(&b, "  Throughput  %s req/s, %s/s of bodies\n", fixed(s.RequestsPerSecond()), bytesText(s.BytesPerSecond()))
	if s.Short() {
		fmt.Fprintf(&b, "  Rate        asked %s/s, sent %s/s (%.0f%%): too few connections (-c) or a saturated server\n",
			group(int64(s.Rate)), group(int64(s.SentPerSecond())), 100*s.SentPerSecond()/s.Rate)
	}
	l := s.Latency
	row := func(name string, l Latency) {
		fmt.Fprintf(&b, "  %-14s%-9s %-9s %-9s %-9s %-9s %s\n", name, dur(l.Min), dur(l.P50), dur(l.P90), dur(l.P99), dur(l.P999), dur(l.Max))
	}
	fmt.Fprintf(&b, "  Latency       %-9s %-9s %-9s %-9s %-9s %s\n", "min", "p50", "p90", "p99", "p99.9", "max")
	if u := s.Uncorrected; u != nil {
		row("  corrected", l)
		row("  uncorrected", *u)
		b.WriteString(explain(s))
	} else {
		row("", l)
	}
	for i, e := range s.Exemplars {
		name := ""
		if i == 0 {
			name = "Slowest"
		}
		fmt.Fprintf(&b, "  %-12s%-9s %s at %s", name, dur(e.Latency), statusText(e.Status), e.At.Round(time.Millisecond))
		if e.RequestID != "" {
			fmt.Fprintf(&b, ", request id %s", e.RequestID)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "  Status      %s\n", countsText(s.Status, statusText))
	fmt.Fprintf(&b, "  Errors      %s\n", countsText(s.ErrorsBy, func(k string) string { return k }))
	if p := s.Phases; p != nil {
		fmt.Fprintf(&b, "  Phases      p50 / p99: connections' set-up over every connection; the rest over 1 request in %d (%s timed)\n", p.Every, group(p.Requests))
		for i := range client.NumPhases {
			if n := p.Count(i); n > 0 {
				fmt.Fprintf(&b, "    %-10s%-9s %-9s %s×\n", i, dur(p.Percentile(i, 50)), dur(p.Percentile(i, 99)), group(n))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// explain says in one sentence what the gap between corrected and
// uncorrected latency means, and, when it is wide, how many requests the
// server delayed.
func explain(s *Summary) string {
	c, u := s.Latency.P99, s.Uncorrected.P99
	line := "              Corrected counts from when each request was due; uncorrected from when it went out, as tools\n" +
		"              without a schedule measure. The gap is time requests waited behind slow responses.\n"
	if u > 0 && c > 2*u {
		line += fmt.Sprintf("              At p99 it is %.1f×: the server delayed %s of %s requests (%.1f%%) over 1ms past their due time.\n",
			float64(c)/float64(u), group(s.Delayed), group(s.Requests), 100*float64(s.Delayed)/float64(max(s.Requests, 1)))
	}
	return line
}

// connsText says what -c kept open: HTTP/2's are streams on a connection.
func connsText(protocol string, n int) string {
	if strings.HasPrefix(protocol, "HTTP/2") {
		return plural(int64(n), "stream")
	}
	return plural(int64(n), "connection")
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return group(n) + " " + word + "s"
}

// WriteProgress writes one line of live progress, ending in a carriage
// return so the next overwrites it on a terminal.
func WriteProgress(w io.Writer, p Progress) {
	fmt.Fprintf(w, "\r%5.0fs  %s requests  %s req/s  %s errors\x1b[K", p.Elapsed.Seconds(), group(p.Requests), fixed(p.RequestsPerSecond()), group(p.Errors))
}

// ClearProgress erases the progress line.
func ClearProgress(w io.Writer) { fmt.Fprint(w, "\r\x1b[K") }

func countsText[K int | string](m map[K]int64, name func(K) string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = name(k) + ": " + group(m[k])
	}
	return strings.Join(parts, ", ")
}

// dur rounds a latency to 3 significant digits.
func dur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e3, 'f', 1, 64) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + "ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// fixed writes f with two decimals and thousands separators.
func fixed(f float64) string {
	whole := int64(f)
	frac := int64((f-float64(whole))*100 + 0.5)
	if frac >= 100 {
		whole, frac = whole+1, frac-100
	}
	return fmt.Sprintf("%s.%02d", group(whole), frac)
}

func bytesText(f float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(f, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(f, 'f', 2, 64) + " " + units[i]
}
