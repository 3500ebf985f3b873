package bench

import (
	"bufio"
	"encoding/json"
	"errors"
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

// ReadSummary reads what one run wrote: its --output json document (a
// ramp's gives its total), or its --hdr-log interval log, which holds
// latencies only.
func ReadSummary(r io.Reader) (*Summary, error) {
	br := bufio.NewReader(r)
	for {
		b, err := br.Peek(1)
		if err != nil {
			return nil, errors.New("it is empty")
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = br.ReadByte()
			continue
		case '{':
			// One run's document, or a ramp's, whose total is the union.
			var doc struct {
				Report
				Total *Report `json:"total"`
			}
			if err := json.NewDecoder(br).Decode(&doc); err != nil {
				return nil, fmt.Errorf("it is not bench's JSON: %v", err)
			}
			if doc.Total != nil {
				return FromReport(doc.Total)
			}
			return FromReport(&doc.Report)
		}
		return readLog(br)
	}
}

// FromReport rebuilds the summary of a --output json document, its
// histograms decoded.
func FromReport(rep *Report) (*Summary, error) {
	if rep.Histogram == nil || rep.Histogram.Corrected == "" {
		return nil, errors.New("it has no histogram; --output json from this version of roundtrip bench has one")
	}
	h, err := hdr.Decode([]byte(rep.Histogram.Corrected))
	if err != nil {
		return nil, fmt.Errorf("its histogram does not decode: %v", err)
	}
	s := &Summary{
		Run:      Run{URL: rep.URL, Method: rep.Method, Protocol: rep.Protocol, Conns: rep.Connections, Rate: rep.Rate, Shard: rep.Shard, Ramp: rep.Ramp, Start: rep.StartedAt},
		Requests: rep.Requests, Errors: rep.Errors, Bytes: rep.BodyBytes, Delayed: rep.Delayed,
		Elapsed: time.Duration(rep.DurationSeconds * float64(time.Second)),
		Status:  map[int]int64{}, ErrorsBy: map[string]int64{},
		Hist: h,
	}
	s.Latency = latencyOf(h, rep.Histogram.MinNs, rep.Histogram.MaxNs)
	if rep.Histogram.Uncorrected != "" {
		u, err := hdr.Decode([]byte(rep.Histogram.Uncorrected))
		if err != nil {
			return nil, fmt.Errorf("its uncorrected histogram does not decode: %v", err)
		}
		l := latencyOf(u, rep.Histogram.UncorrectedMin, rep.Histogram.UncorrectedMax)
		s.UncorrectedHist, s.Uncorrected = u, &l
	}
	for code, n := range rep.StatusCodes {
		c, err := strconv.Atoi(code)
		if err != nil {
			c = 0 // "other"
		}
		s.Status[c] += n
	}
	for kind, n := range rep.ErrorsByKind {
		s.ErrorsBy[kind] += n
	}
	if st := rep.Setup; st != nil {
		s.Setup = &Setup{Conns: st.Connections, Failed: st.Failed, Elapsed: time.Duration(st.Ms * 1e6)}
	}
	if p := rep.Phases; p != nil {
		ps := newPhaseSummary()
		ps.Every, ps.Requests = p.SampleEvery, p.Requests
		for i := range client.NumPhases {
			if enc := p.Histograms[i.String()]; enc != "" {
				h, err := hdr.Decode([]byte(enc))
				if err != nil {
					return nil, fmt.Errorf("its %s histogram does not decode: %v", i, err)
				}
				ps.Hist[i] = h
			}
		}
		s.Phases = ps
	}
	for _, e := range rep.Exemplars {
		s.Exemplars = append(s.Exemplars, Exemplar{URL: e.URL, Status: e.Status, Latency: time.Duration(e.LatencyMs * 1e6), RequestID: e.RequestID, At: time.Duration(e.AtSeconds * 1e9)})
	}
	for _, p := range rep.Timeline {
		s.Timeline = append(s.Timeline, Point{End: time.Duration(p.EndSeconds * 1e9), Requests: p.Requests,
			P50: time.Duration(p.P50Ms * 1e6), P99: time.Duration(p.P99Ms * 1e6), Max: time.Duration(p.MaxMs * 1e6)})
	}
	return s, nil
}

// readLog merges an HdrHistogram interval log's histograms: the untagged
// ones as the latency, those tagged "uncorrected" as the uncorrected.
func readLog(r io.Reader) (*Summary, error) {
	lr := hdr.NewHistogramLogReader(r)
	s := &Summary{Hist: newHist(), Status: map[int]int64{}, ErrorsBy: map[string]int64{}}
	var first, last int64
	for n := 0; ; n++ {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			return nil, fmt.Errorf("it is neither bench's JSON nor an interval log: %v", err)
		}
		if h == nil {
			if n == 0 {
				return nil, errors.New("it is neither bench's JSON nor an interval log with a histogram")
			}
			break
		}
		into := s.Hist
		if h.Tag() == "uncorrected" {
			if s.UncorrectedHist == nil {
				s.UncorrectedHist = newHist()
			}
			into = s.UncorrectedHist
		}
		into.Merge(h)
		if first == 0 || h.StartTimeMs() < first {
			first = h.StartTimeMs()
		}
		last = max(last, h.EndTimeMs())
		if into == s.Hist {
			s.Timeline = append(s.Timeline, Point{End: time.Duration(h.EndTimeMs()-first) * time.Millisecond, Requests: h.TotalCount(),
				P50: time.Duration(h.ValueAtQuantile(50)), P99: time.Duration(h.ValueAtQuantile(99)), Max: time.Duration(h.Max())})
		}
	}
	s.Requests = s.Hist.TotalCount()
	s.Start = time.UnixMilli(first)
	s.Elapsed = time.Duration(last-first) * time.Millisecond
	s.Latency = latencyOf(s.Hist, s.Hist.Min(), s.Hist.Max())
	if u := s.UncorrectedHist; u != nil {
		l := latencyOf(u, u.Min(), u.Max())
		s.Uncorrected = &l
	}
	s.Status[0] = s.Requests // a log has latencies, no status codes
	s.URL, s.Method, s.Protocol = "(from an interval log)", "?", "?"
	return s, nil
}

// Merge is the union of runs, such as the shards of one distributed run:
// counts summed, histograms added exactly, and the window from the
// earliest start to the latest end.
func Merge(ss []*Summary) *Summary {
	m := &Summary{Hist: newHist(), Status: map[int]int64{}, ErrorsBy: map[string]int64{}}
	lo, hi, ulo, uhi := int64(-1), int64(0), int64(-1), int64(0)
	var urls, methods, protos []string
	allU, allPhases := true, true
	var end time.Time
	for _, s := range ss {
		urls, methods, protos = appendNew(urls, s.URL), appendNew(methods, s.Method), appendNew(protos, s.Protocol)
		m.Conns += s.Conns
		m.Rate += s.Rate
		if m.Start.IsZero() || (!s.Start.IsZero() && s.Start.Before(m.Start)) {
			m.Start = s.Start
		}
		if e := s.Start.Add(s.Elapsed); e.After(end) {
			end = e
		}
		m.Requests += s.Requests
		m.Errors += s.Errors
		m.Bytes += s.Bytes
		m.Delayed += s.Delayed
		for k, n := range s.Status {
			m.Status[k] += n
		}
		for k, n := range s.ErrorsBy {
			m.ErrorsBy[k] += n
		}
		m.Hist.Merge(s.Hist)
		if s.Hist.TotalCount() > 0 {
			if lo < 0 || int64(s.Latency.Min) < lo {
				lo = int64(s.Latency.Min)
			}
			hi = max(hi, int64(s.Latency.Max))
		}
		if s.UncorrectedHist == nil || s.Uncorrected == nil {
			allU = false
		} else {
			if m.UncorrectedHist == nil {
				m.UncorrectedHist = newHist()
			}
			m.UncorrectedHist.Merge(s.UncorrectedHist)
			if s.UncorrectedHist.TotalCount() > 0 {
				if ulo < 0 || int64(s.Uncorrected.Min) < ulo {
					ulo = int64(s.Uncorrected.Min)
				}
				uhi = max(uhi, int64(s.Uncorrected.Max))
			}
		}
		if s.Setup != nil {
			if m.Setup == nil {
				m.Setup = &Setup{}
			}
			m.Setup.Conns += s.Setup.Conns
			m.Setup.Failed += s.Setup.Failed
			m.Setup.Elapsed = max(m.Setup.Elapsed, s.Setup.Elapsed)
		}
		if s.Phases == nil {
			allPhases = false
		} else if allPhases {
			if m.Phases == nil {
				m.Phases = newPhaseSummary()
				m.Phases.Every = s.Phases.Every
			}
			m.Phases.merge(s.Phases)
		}
		m.Exemplars = keepSlowest(append(m.Exemplars, s.Exemplars...))
	}
	m.URL, m.Method, m.Protocol = strings.Join(urls, " "), strings.Join(methods, ","), strings.Join(protos, ", ")
	m.Elapsed = end.Sub(m.Start)
	m.Latency = latencyOf(m.Hist, lo, hi)
	if allU && m.UncorrectedHist != nil {
		u := latencyOf(m.UncorrectedHist, ulo, uhi)
		m.Uncorrected = &u
	} else {
		m.UncorrectedHist = nil
	}
	if !allPhases {
		m.Phases = nil
	}
	m.Timeline = mergeTimelines(ss, m.Start)
	return m
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// mergeTimelines lays the runs' points on one clock from start, a second
// apart, summing counts and keeping the larger latencies: points are for
// the chart; the histograms carry the exact figures.
func mergeTimelines(ss []*Summary, start time.Time) []Point {
	byEnd := map[int64]*Point{}
	for _, s := range ss {
		for _, p := range s.Timeline {
			at := s.Start.Add(p.End).Sub(start)
			k := int64((at + time.Second/2) / time.Second)
			q := byEnd[k]
			if q == nil {
				q = &Point{End: time.Duration(k) * time.Second}
				byEnd[k] = q
			}
			q.Requests += p.Requests
			q.P50, q.P99, q.Max = max(q.P50, p.P50), max(q.P99, p.P99), max(q.Max, p.Max)
		}
	}
	var tl []Point
	for _, k := range slices.Sorted(maps.Keys(byEnd)) {
		tl = append(tl, *byEnd[k])
	}
	return tl
}
