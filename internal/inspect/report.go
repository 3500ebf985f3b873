package inspect

import (
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/reqbody"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// Report is a client's own account of one exchange, which roundtrip
// request posts (--report-to): its span and phases on its clock, for the
// page to draw the exchange from both ends on one timeline. The server's
// exchange is the one whose traceparent names SpanID as its parent.
type Report struct {
	TraceID trace.ID     `json:"trace_id"`
	SpanID  trace.SpanID `json:"span_id"` // the client's span
	Method  string       `json:"method"`
	URL     string       `json:"url"`
	Start   time.Time    `json:"start"` // the client's clock
	// The instants NTP takes from the client, in ms from Start: the
	// request began to go out (t0), the answer's first byte came (t3).
	SentMS      float64         `json:"sent_ms"`
	FirstByteMS float64         `json:"first_byte_ms"`
	TotalMS     float64         `json:"total_ms"`
	Phases      []observe.Phase `json:"phases"` // dns, connect, tls, send, wait, receive, in ms from Start
}

// Bounds of the reports kept: as many as the history's default, each of
// a few phases.
const (
	maxReports     = DefaultHistory
	maxReportBody  = 16 << 10
	maxReportPhase = 16
)

// reports keeps the latest reports by the client's span id, oldest out.
type reports struct {
	mu    sync.Mutex
	by    map[trace.SpanID]*Report
	order []trace.SpanID // a ring, next at n % len
	n     int
}

func (rs *reports) put(r *Report) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.by == nil {
		rs.by, rs.order = map[trace.SpanID]*Report{}, make([]trace.SpanID, maxReports)
	}
	if _, ok := rs.by[r.SpanID]; !ok {
		slot := rs.n % len(rs.order)
		if old := rs.order[slot]; !old.IsZero() {
			delete(rs.by, old)
		}
		rs.order[slot] = r.SpanID
		rs.n++
	}
	rs.by[r.SpanID] = r
}

func (rs *reports) get(id trace.SpanID) *Report {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.by[id]
}

// HandleReport is POST /_roundtrip/api/reports: a client's report,
// answered 204.
func (in *Inspector) HandleReport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(reqbody.Limit(w, r, maxReportBody))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, "A report is at most 16 KiB.")
			return
		}
		if err != nil {
			return // the client went away
		}
		var rep Report
		if err := httpjson.Decode(body, &rep); err != nil {
			writeProblem(w, r, http.StatusBadRequest, "The report is not JSON of a report: "+err.Error())
			return
		}
		if rep.TraceID.IsZero() || rep.SpanID.IsZero() || rep.Start.IsZero() || len(rep.Phases) > maxReportPhase ||
			rep.SentMS < 0 || rep.FirstByteMS < rep.SentMS || rep.TotalMS < rep.FirstByteMS || len(rep.URL) > 8<<10 || len(rep.Method) > 64 {
			writeProblem(w, r, http.StatusBadRequest, "A report needs trace_id, span_id and start, at most 16 phases, and 0 ≤ sent_ms ≤ first_byte_ms ≤ total_ms.")
			return
		}
		in.reports.put(&rep)
		w.WriteHeader(http.StatusNoContent)
	})
}

// Both is one exchange from both ends: the client's report and the
// server's phases placed on the client's timeline, in ms from its Start.
type Both struct {
	Client Report `json:"client"`
	// SameClock is set when the client and the server are one machine
	// (the exchange came from loopback): one clock, no offset to guess.
	SameClock bool `json:"same_clock"`
	// OffsetMS is how far the server's clock is ahead of the client's,
	// estimated NTP-style, and UncertaintyMS its bound, ± RTT/2.
	OffsetMS      float64 `json:"offset_ms"`
	RTTMS         float64 `json:"rtt_ms"`
	UncertaintyMS float64 `json:"uncertainty_ms"`
	// The server's span, and its phases, on the client's timeline: never
	// outside the client's span.
	ServerStartMS float64         `json:"server_start_ms"`
	ServerEndMS   float64         `json:"server_end_ms"`
	Server        []observe.Phase `json:"server"`
}

// HandleBoth is GET /_roundtrip/api/exchanges/{id}/client: the exchange
// with its client's report, 404 when no client reported it.
func (in *Inspector) HandleBoth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex, ok := in.lookupPath(w, r)
		if !ok {
			return
		}
		b, ok := in.both(ex)
		if !ok {
			writeProblem(w, r, http.StatusNotFound, "No client reported this exchange: roundtrip request --report-to sends one.")
			return
		}
		writeJSON(w, http.StatusOK, b)
	})
}

// both joins ex with its client's report.
func (in *Inspector) both(ex *observe.Exchange) (Both, bool) {
	p, ok := trace.Parse(ex.Traceparent)
	if !ok || ex.Times.Start.IsZero() {
		return Both{}, false
	}
	rep := in.reports.get(p.SpanID)
	if rep == nil || rep.TraceID != ex.TraceID {
		return Both{}, false
	}
	return join(rep, ex), true
}

// join places ex's phases on rep's timeline.
func join(rep *Report, ex *observe.Exchange) Both {
	at := func(ms float64) time.Time { return rep.Start.Add(time.Duration(ms * float64(time.Millisecond))) }
	t := &ex.Times
	recv := t.Start
	if !t.Read.IsZero() && t.Read.Before(recv) {
		recv = t.Read
	}
	c := trace.Clocks{ClientSend: at(rep.SentMS), ServerReceive: recv, ServerSend: t.Start.Add(max(t.Wrote, 0)), ClientReceive: at(rep.FirstByteMS)}
	b := Both{Client: *rep, SameClock: loopbackClient(ex.Client)}
	var offset time.Duration
	if !b.SameClock {
		var rtt time.Duration
		offset, rtt = c.Offset()
		b.OffsetMS, b.RTTMS, b.UncertaintyMS = observe.Millis(offset), observe.Millis(rtt), observe.Millis(rtt/2)
	}
	from, to := rep.Start, at(rep.TotalMS)
	ms := func(u time.Time) float64 { return observe.Millis(trace.OnClient(u, offset, from, to).Sub(rep.Start)) }
	origin := t.Phases()
	base := recv
	if !t.TLSStart.IsZero() && t.TLSStart.Before(base) {
		base = t.TLSStart
	}
	b.ServerStartMS, b.ServerEndMS = ms(base), ms(t.Start.Add(max(t.End, 0)))
	for _, ph := range origin {
		s := base.Add(time.Duration(ph.StartMS * float64(time.Millisecond)))
		e := s.Add(time.Duration(ph.DurationMS * float64(time.Millisecond)))
		start := ms(s)
		// Rounded to the microsecond, as every other ms in the API.
		b.Server = append(b.Server, observe.Phase{Name: ph.Name, Label: ph.Label, StartMS: start, DurationMS: math.Round((ms(e)-start)*1000) / 1000})
	}
	return b
}

// loopbackClient reports whether addr, an exchange's client, is this
// machine.
func loopbackClient(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
