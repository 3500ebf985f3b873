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

// TestStreamRoundTrip: what crossed a switched connection goes out as the
// entry's custom _upgrade, an event stream's events as _stream, in a
// document Decode takes, and they come back as the exchange's Upgrade and
// Stream, messages and all; another tool's, of another shape, is left out.
func TestStreamRoundTrip(t *testing.T) {
	t.Parallel()
	ws := &observe.Stream{Protocol: "websocket", BytesSent: 52, BytesReceived: 48, MessagesSent: 4, MessagesReceived: 4, ControlSent: 1, ControlReceived: 1,
		Messages: []observe.StreamMessage{
			{Dir: "sent", AtMS: 1.5, Type: "text", Text: "hello", Size: 5},
			{Dir: "received", AtMS: 2, Type: "binary", Base64: "AAE=", Size: 4000, Cut: true},
			{Dir: "sent", AtMS: 3, Type: "close", Code: 1000, Size: 0},
		}}
	sse := &observe.Stream{Protocol: "sse", BytesReceived: 30, MessagesReceived: 2,
		Messages: []observe.StreamMessage{{Dir: "received", AtMS: 0.5, Type: "event", Event: "tick", ID: "1", Text: "a\nb", Size: 3}}}
	many := &observe.Stream{Protocol: "sse", Messages: make([]observe.StreamMessage, 100)}
	tests := []struct {
		name    string
		ex      *observe.Exchange
		json    string // what the HAR holds
		upgrade *observe.Stream
		stream  *observe.Stream
	}{
		{"a WebSocket", &observe.Exchange{Summary: observe.Summary{Method: "GET", URL: "/ws", Status: 101}, Upgrade: ws},
			`"_upgrade":{"protocol":"websocket","bytes_sent":52,"bytes_received":48,"messages_sent":4,"messages_received":4,"control_sent":1,"control_received":1,` +
				`"messages":[{"dir":"sent","at_ms":1.5,"type":"text","text":"hello","size":5},{"dir":"received","at_ms":2,"type":"binary","base64":"AAE=","size":4000,"cut":true},` +
				`{"dir":"sent","at_ms":3,"type":"close","code":1000,"size":0}]}`, ws, nil},
		{"counts alone", &observe.Exchange{Summary: observe.Summary{Method: "GET", URL: "/ws", Status: 101}, Upgrade: &observe.Stream{Protocol: "echo", BytesSent: 1}},
			`"_upgrade":{"protocol":"echo","bytes_sent":1,"bytes_received":0}`, &observe.Stream{Protocol: "echo", BytesSent: 1}, nil},
		{"an event stream", &observe.Exchange{Summary: observe.Summary{Method: "GET", URL: "/sse", Status: 200}, Stream: sse},
			`"_stream":{"protocol":"sse","bytes_sent":0,"bytes_received":30,"messages_received":2,"messages":[{"dir":"received","at_ms":0.5,"type":"event","event":"tick","id":"1","text":"a\nb","size":3}]}`, nil, sse},
		{"more messages than a capture keeps", &observe.Exchange{Summary: observe.Summary{Method: "GET", URL: "/sse", Status: 200}, Stream: many},
			`"_stream":{"protocol":"sse"`, nil, &observe.Stream{Protocol: "sse", Messages: many.Messages[:2*(observe.MaxKept+1)]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			w := NewWriter(&b, Head("test"))
			if err := w.Entry(FromExchange(tt.ex)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.json) {
				t.Errorf("the HAR =\n%s\nwant it to hold %s", b.String(), tt.json)
			}
			l, err := Decode(&b, 1<<20)
			if err != nil {
				t.Fatalf("Decode of the HAR written = %v", err)
			}
			got, err := ToExchange(&l.Entries[0])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Upgrade, tt.upgrade) || !reflect.DeepEqual(got.Stream, tt.stream) {
				t.Errorf("ToExchange's upgrade, stream = %+v, %+v; want %+v, %+v", got.Upgrade, got.Stream, tt.upgrade, tt.stream)
			}
		})
	}
	if e := FromExchange(&observe.Exchange{}); e.Extra != nil {
		t.Errorf("FromExchange without a stream has extra %v; want none", e.Extra)
	}
	e := FromExchange(tests[0].ex)
	for _, key := range []string{"_upgrade", "_stream"} {
		for _, raw := range []string{`"opened"`, `{"protocol":7}`, `{}`, `{"protocol":"websocket","messages":"many"}`} {
			e.Extra = Extra{key: json.RawMessage(raw)}
			if got, err := ToExchange(e); err != nil || got.Upgrade != nil || got.Stream != nil {
				t.Errorf("ToExchange with %s %s = %+v, %+v, %v; want neither, no error", key, raw, got.Upgrade, got.Stream, err)
			}
		}
	}
}
