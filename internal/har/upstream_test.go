package har

import (
	"testing"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// TestFromExchangeProxied: a proxied exchange's timings are its leg to the
// app, as a client's are, with the app's address.
func TestFromExchangeProxied(t *testing.T) {
	t.Parallel()
	ex := &observe.Exchange{
		Summary: observe.Summary{Method: "GET", URL: "/x", Host: "localhost:3001", Proto: "HTTP/1.1", Status: 200, DurationMS: 9},
		Upstream: &observe.Upstream{Remote: "127.0.0.1:8080", Status: 200, Phases: []observe.Phase{
			{Name: "connect", StartMS: 0.5, DurationMS: 1},
			{Name: "tls", StartMS: 1.5, DurationMS: 2},
			{Name: "send", StartMS: 3.5, DurationMS: 0.5},
			{Name: "wait", StartMS: 4, DurationMS: 4},
			{Name: "receive", StartMS: 8, DurationMS: 0.5},
		}},
	}
	e := FromExchange(ex)
	tm := e.Timings
	if *tm.Blocked != 0.5 || *tm.DNS != -1 || *tm.Connect != 3 || *tm.SSL != 2 || tm.Send != 0.5 || tm.Wait != 4 || tm.Receive != 0.5 {
		t.Errorf("timings = blocked %v dns %v connect %v ssl %v send %v wait %v receive %v; want 0.5 -1 3 2 0.5 4 0.5",
			*tm.Blocked, *tm.DNS, *tm.Connect, *tm.SSL, tm.Send, tm.Wait, tm.Receive)
	}
	if e.Time != 9 || e.ServerIPAddress == nil || *e.ServerIPAddress != "127.0.0.1" {
		t.Errorf("time %v, serverIPAddress %v; want the exchange's 9 ms and the app's address", e.Time, e.ServerIPAddress)
	}
}
