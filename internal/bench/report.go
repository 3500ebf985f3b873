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

	"github.com/roundtrip/roundtrip/internal/client"
)

// Report is a run's one JSON document, for scripts. Latencies are in
// milliseconds; bytes are the response bodies', as Summary.Bytes.
type Report struct {
	URL               string           `json:"url"`
	Method            string           `json:"method"`
	Connections       int              `json:"connections"`
	Protocol          string           `json:"protocol"`
	Rate              float64          `json:"rate,omitempty"` // open loop's target, req/s
	DurationSeconds   float64          `json:"duration_seconds"`
	Requests          int64            `json:"requests"`
	Errors            int64            `json:"errors"`
	RequestsPerSecond float64          `json:"requests_per_second"`
	BodyBytes         int64            `json:"body_bytes"`
	BytesPerSecond    float64          `json:"bytes_per_second"` // of body_bytes
	Latency           LatencyMillis    `json:"latency_ms"`
	StatusCodes       map[string]int64 `json:"status_codes"`
	ErrorsByKind      map[string]int64 `json:"errors_by_kind"`
	Phases            *PhasesJSON      `json:"phases,omitempty"`
}

// PhasesJSON is --phases' sample: per phase, its mean in milliseconds over
// the requests that had it, and how many did.
type PhasesJSON struct {
	Requests int64              `json:"requests"`
	MeanMs   map[string]float64 `json:"mean_ms"`
	Count    map[string]int64   `json:"count"`
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

// Report builds the JSON document of s, a summary of r's run.
func (r *Runner) Report(s *Summary) *Report {
	rep := &Report{
		URL:               r.target.url.String(),
		Method:            r.target.method,
		Connections:       r.cfg.Conns,
		Protocol:          r.Protocol(),
		Rate:              r.cfg.Rate,
		DurationSeconds:   s.Elapsed.Seconds(),
		Requests:          s.Requests,
		Errors:            s.Errors,
		RequestsPerSecond: s.RequestsPerSecond(),
		BodyBytes:         s.Bytes,
		BytesPerSecond:    s.BytesPerSecond(),
		Latency: LatencyMillis{
			Min: ms(s.Latency.Min), P50: ms(s.Latency.P50), P90: ms(s.Latency.P90),
			P99: ms(s.Latency.P99), P999: ms(s.Latency.P999), Max: ms(s.Latency.Max),
			Mean: ms(s.Latency.Mean), StdDev: ms(s.Latency.StdDev),
		},
		StatusCodes:  map[string]int64{},
		ErrorsByKind: s.ErrorsBy,
	}
	for code, n := range s.Status {
		rep.StatusCodes[statusText(code)] = n
	}
	if p := s.Phases; p != nil {
		rep.Phases = &PhasesJSON{Requests: p.Requests, MeanMs: map[string]float64{}, Count: map[string]int64{}}
		for i := range client.NumPhases {
			rep.Phases.MeanMs[i.String()] = float64(p.Mean(i).Nanoseconds()) / 1e6
			rep.Phases.Count[i.String()] = p.Count[i]
		}
	}
	return rep
}

// WriteJSON writes the report of s as one indented JSON document.
func (r *Runner) WriteJSON(w io.Writer, s *Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.Report(s))
}

// WriteText writes the summary of s for people.
func (r *Runner) WriteText(w io.Writer, s *Summary) error {
	var b strings.Builder
	loop := "closed loop"
	if r.cfg.Rate > 0 {
		loop = "open loop at " + group(int64(r.cfg.Rate)) + " req/s, latency from intended send"
	}
	fmt.Fprintf(&b, "%s %s, %s, %d connections, %s\n\n", r.target.method, r.target.url, r.Protocol(), r.cfg.Conns, loop)
	fmt.Fprintf(&b, "  Requests    %s in %s, %s of response bodies\n", group(s.Requests), s.Elapsed.Round(time.Millisecond), bytesText(float64(s.Bytes)))
	fmt.Fprintf(&b, "  Throughput  %s req/s, %s/s of bodies\n", fixed(s.RequestsPerSecond()), bytesText(s.BytesPerSecond()))
	l := s.Latency
	fmt.Fprintf(&b, "  Latency     %-9s %-9s %-9s %-9s %-9s %s\n", "min", "p50", "p90", "p99", "p99.9", "max")
	fmt.Fprintf(&b, "              %-9s %-9s %-9s %-9s %-9s %s\n", dur(l.Min), dur(l.P50), dur(l.P90), dur(l.P99), dur(l.P999), dur(l.Max))
	fmt.Fprintf(&b, "  Status      %s\n", countsText(s.Status, statusText))
	fmt.Fprintf(&b, "  Errors      %s\n", countsText(s.ErrorsBy, func(k string) string { return k }))
	if p := s.Phases; p != nil {
		fmt.Fprintf(&b, "  Phases      means over %s requests on connection 1, through net/http:\n             ", group(p.Requests))
		for i := range client.NumPhases {
			if p.Count[i] > 0 {
				fmt.Fprintf(&b, " %s %s", i, dur(p.Mean(i)))
				if p.Count[i] < p.Requests {
					fmt.Fprintf(&b, " (%s×)", group(p.Count[i]))
				}
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
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
