package inspect

import (
	"math"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// TestJoinAcrossMachines: with known instants, the server's clock 1s
// ahead, 10ms each way and 4ms of work, the join estimates the offset
// and places the server's phases on the client's clock, inside its span.
func TestJoinAcrossMachines(t *testing.T) {
	t.Parallel()
	clientStart := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	serverRead := clientStart.Add(time.Second + 12*time.Millisecond) // sent at 2ms, 10ms on the way
	rep := &Report{TraceID: trace.NewID(), SpanID: trace.NewSpanID(), Start: clientStart, SentMS: 2, FirstByteMS: 26, TotalMS: 30}
	ex := &observe.Exchange{Summary: observe.Summary{Client: "192.0.2.7:50000"}, Times: observe.Times{
		Read: serverRead, Start: serverRead.Add(time.Millisecond), Routed: time.Millisecond, Wrote: 3 * time.Millisecond, End: 5 * time.Millisecond,
	}}
	b := join(rep, ex)
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.0005 }
	checks := []struct {
		what      string
		got, want float64
	}{
		{"offset", b.OffsetMS, 1000},
		{"rtt", b.RTTMS, 20},
		{"uncertainty", b.UncertaintyMS, 10},
		{"server start", b.ServerStartMS, 12},
		{"server end", b.ServerEndMS, 18},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v ms; want %v", c.what, c.got, c.want)
		}
	}
	if b.SameClock {
		t.Errorf("SameClock for a client at 192.0.2.7; want false")
	}
	for _, p := range b.Server {
		if p.StartMS < 0 || p.StartMS+p.DurationMS > rep.TotalMS {
			t.Errorf("server phase %+v outside the client's 0..%v ms", p, rep.TotalMS)
		}
	}
}

// TestJoinClamps: an estimate that would put the server outside the
// client's span (a client that says it waited less than the server
// worked) is clamped to it.
func TestJoinClamps(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rep := &Report{TraceID: trace.NewID(), SpanID: trace.NewSpanID(), Start: start, SentMS: 1, FirstByteMS: 3, TotalMS: 4}
	ex := &observe.Exchange{Summary: observe.Summary{Client: "[2001:db8::1]:9"}, Times: observe.Times{
		Start: start.Add(time.Hour), Routed: time.Millisecond, Wrote: 20 * time.Millisecond, End: 50 * time.Millisecond,
	}}
	b := join(rep, ex)
	if b.ServerStartMS < 0 || b.ServerEndMS > rep.TotalMS {
		t.Errorf("server span %v..%v ms; want within 0..%v", b.ServerStartMS, b.ServerEndMS, rep.TotalMS)
	}
	if b.RTTMS != 0 {
		t.Errorf("rtt = %v; want 0, never negative", b.RTTMS)
	}
}

func TestReportsBounded(t *testing.T) {
	t.Parallel()
	var rs reports
	first := &Report{SpanID: trace.NewSpanID()}
	rs.put(first)
	for range maxReports {
		rs.put(&Report{SpanID: trace.NewSpanID()})
	}
	if rs.get(first.SpanID) != nil {
		t.Errorf("the oldest report is still kept after %d newer ones", maxReports)
	}
	if n := len(rs.by); n != maxReports {
		t.Errorf("reports kept = %d; want %d", n, maxReports)
	}
}
