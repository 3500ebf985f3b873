package har

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
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

// TestUpgradeRoundTrip: what crossed a switched connection goes out as the
// entry's custom _upgrade, in a document Decode takes, and comes back as
// the exchange's Upgrade; another tool's _upgrade is left out.
func TestUpgradeRoundTrip(t *testing.T) {
	t.Parallel()
	up := &observe.Stream{Protocol: "websocket", BytesSent: 52, BytesReceived: 48, MessagesSent: 4, MessagesReceived: 4, ControlSent: 1, ControlReceived: 1}
	ex := &observe.Exchange{
		Summary: observe.Summary{Method: "GET", URL: "/ws", Host: "localhost:3001", Proto: "HTTP/1.1", Status: 101},
		Upgrade: up,
	}
	var b bytes.Buffer
	w := NewWriter(&b, Head("test"))
	if err := w.Entry(FromExchange(ex)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := `"_upgrade":{"protocol":"websocket","bytes_sent":52,"bytes_received":48,"messages_sent":4,"messages_received":4,"control_sent":1,"control_received":1}`
	if !strings.Contains(b.String(), want) {
		t.Errorf("the HAR of a switched exchange =\n%s\nwant it to hold %s", b.String(), want)
	}
	l, err := Decode(&b, 1<<20)
	if err != nil {
		t.Fatalf("Decode of the HAR written = %v", err)
	}
	got, err := ToExchange(&l.Entries[0])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Upgrade, up) {
		t.Errorf("ToExchange's upgrade = %+v; want %+v", got.Upgrade, up)
	}
	if e := FromExchange(&observe.Exchange{}); e.Extra != nil {
		t.Errorf("FromExchange without a switch has extra %v; want none", e.Extra)
	}
	for _, raw := range []string{`"opened"`, `{"protocol":7}`, `{}`} {
		e := l.Entries[0]
		e.Extra = Extra{"_upgrade": json.RawMessage(raw)}
		if got, err := ToExchange(&e); err != nil || got.Upgrade != nil {
			t.Errorf("ToExchange with _upgrade %s = %+v, %v; want no upgrade, no error", raw, got.Upgrade, err)
		}
	}
}
