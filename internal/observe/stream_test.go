package observe

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestMiddlewareEventStream: a text/event-stream response is recorded
// with its events, however the handler writes them, and its first events
// are kept as bodies are: not without bodies, not for roundtrip's own
// routes, not for a body not sent or compressed.
func TestMiddlewareEventStream(t *testing.T) {
	t.Parallel()
	writes := []any{": hi\n\n", "data: a\n\n", []byte("event: t\nid: 1\ndata: bcdef\n"), flush{}, "\n", []byte("data: unfinished\n")}
	var size int64
	for _, w := range writes {
		switch w := w.(type) {
		case string:
			size += int64(len(w))
		case []byte:
			size += int64(len(w))
		}
	}
	tests := []struct {
		name        string
		cfg         Config
		method      string
		contentType string
		encoding    string
		uncaptured  bool
		want        *Stream
	}{
		{"counted and kept", Config{MaxBody: 1 << 10}, "GET", "text/event-stream", "", false, &Stream{Protocol: "sse", BytesReceived: size, MessagesReceived: 2,
			Messages: []StreamMessage{ev("message", "", "a", 1, false), ev("t", "1", "bcdef", 5, false)}}},
		{"kept to MaxBody", Config{MaxBody: 3}, "GET", "text/event-stream; charset=utf-8", "identity", false, &Stream{Protocol: "sse", BytesReceived: size, MessagesReceived: 2,
			Messages: []StreamMessage{ev("message", "", "a", 1, false), ev("t", "1", "bcd", 5, true)}}},
		{"none kept without bodies", Config{}, "GET", "text/event-stream", "", false, &Stream{Protocol: "sse", BytesReceived: size, MessagesReceived: 2}},
		{"HEAD", Config{MaxBody: 1 << 10}, "HEAD", "text/event-stream", "", false, nil},
		{"compressed", Config{MaxBody: 1 << 10}, "GET", "text/event-stream", "gzip", false, nil},
		{"not an event stream", Config{MaxBody: 1 << 10}, "GET", "text/plain", "", false, nil},
		{"roundtrip's own", Config{MaxBody: 1 << 10}, "GET", "text/event-stream", "", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &collect{}
			tt.cfg.Observers = []Observer{c.observe}
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				if tt.encoding != "" {
					w.Header().Set("Content-Encoding", tt.encoding)
				}
				for _, p := range writes {
					switch p := p.(type) {
					case string:
						io.WriteString(w, p)
					case []byte:
						w.Write(p)
					case flush:
						http.NewResponseController(w).Flush()
					}
				}
			})
			if tt.uncaptured {
				h = Uncaptured(h)
			}
			Middleware(tt.cfg)(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, "/sse", nil))
			got := c.last(t).Stream
			if got != nil {
				s := *got
				s.Messages = untimed(t, s.Messages)
				got = &s
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("recorded stream %+v; want %+v", got, tt.want)
			}
		})
	}
}

// flush in a list of writes is a Flush.
type flush struct{}

// TestMiddlewareUpgradeKeeps: a WebSocket's record keeps its first
// messages each way, up to MaxBody bytes each, masked or not, in the
// order they began; without bodies it keeps none.
func TestMiddlewareUpgradeKeeps(t *testing.T) {
	t.Parallel()
	client := join(
		wsMsg(fin, opText, key1, []byte("hello")),
		wsMsg(more, opBinary, key2, bytes.Repeat([]byte{7}, 100)), wsMsg(fin, opPing, key1, nil), wsMsg(fin, opContinuation, key1, bytes.Repeat([]byte{7}, 200)),
		wsMsg(fin, opClose, key1, closePayload(1000, "bye")))
	echoed := func(dir string) []StreamMessage {
		return []StreamMessage{
			{Dir: dir, Type: "text", Text: "hello", Size: 5},
			{Dir: dir, Type: "binary", Base64: "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBw==", Size: 300, Cut: true},
			{Dir: dir, Type: "close", Code: 1000, Text: "bye", Size: 3},
		}
	}
	for _, tt := range []struct {
		name    string
		maxBody int
		want    []StreamMessage
	}{
		{"kept", 64, append(echoed("sent"), echoed("received")...)},
		{"without bodies", 0, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts, c := observed(t, Config{MaxBody: tt.maxBody}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, rw, err := http.NewResponseController(w).Hijack()
				if err != nil {
					return
				}
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
				rw.Flush()
				io.CopyN(conn, conn, int64(len(client))) // the client's frames, echoed as they are: masked
			}))
			conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
			br := bufio.NewReader(conn)
			if res, err := http.ReadResponse(br, nil); err != nil || res.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("the switch = %v, %v; want 101", res, err)
			}
			conn.Write(client)
			if _, err := io.ReadFull(br, make([]byte, len(client))); err != nil {
				t.Fatal(err)
			}
			u := waitObserved(t, c, 1).Upgrade
			if u == nil || u.MessagesSent != 2 || u.MessagesReceived != 2 || u.ControlSent != 2 || u.ControlReceived != 2 {
				t.Fatalf("recorded upgrade %+v; want 2 messages and 2 control frames each way", u)
			}
			// Each way's in order; the two ways interleave as the echo went.
			got := untimed(t, u.Messages)
			var sent, received []StreamMessage
			for _, m := range got {
				if m.Dir == "sent" {
					sent = append(sent, m)
				} else {
					received = append(received, m)
				}
			}
			if ordered := append(sent, received...); !reflect.DeepEqual(ordered, tt.want) && (len(got) > 0 || tt.want != nil) {
				t.Errorf("kept %+v; want %+v", ordered, tt.want)
			}
		})
	}
}

// BenchmarkEventStream is an exchange of 1,000 events, each written as the
// handler's own Write, through the middleware: as text/plain, which the
// recorder does not parse, and as text/event-stream, whose events it
// counts (and keeps the first of, with capture on). The difference is
// the counting's cost; ns/event is it per event.
func BenchmarkEventStream(b *testing.B) {
	const events = 1000
	event := []byte(`data: {"n":123,"msg":"hello, world"}` + "\n\n")
	for _, capture := range []int{0, 64 << 10} {
		for _, ct := range []string{"text/plain", "text/event-stream"} {
			name := map[string]string{"text/plain": "uncounted", "text/event-stream": "counted"}[ct] + map[int]string{0: ", capture off", 64 << 10: ", capture on"}[capture]
			b.Run(name, func(b *testing.B) {
				h := Middleware(Config{MaxBody: capture, Observers: []Observer{func(context.Context, *Exchange) {}}})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", ct)
					for range events {
						w.Write(event)
					}
				}))
				r := httptest.NewRequest("GET", "/sse", nil)
				w := &discard{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					h.ServeHTTP(w, r)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
			})
		}
	}
}

// BenchmarkEventsFeed is the parser alone, an event a feed, past the
// events it keeps.
func BenchmarkEventsFeed(b *testing.B) {
	event := []byte(`data: {"n":123,"msg":"hello, world"}` + "\n\n")
	e := feedEvents(MaxMessageBytes, bytes.Repeat(event, MaxKept))
	b.SetBytes(int64(len(event)))
	b.ReportAllocs()
	for b.Loop() {
		e.feed(event)
	}
}
