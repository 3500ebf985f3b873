package proxy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// TestStreamsThroughProxy puts an app that streams SSE and echoes
// WebSocket messages (coder/websocket) behind the real server's proxy. The
// inspector's JSON of each exchange has its counts and its first
// messages: for the SSE, its events with their types, ids and data, the
// long one cut; for the WebSocket, each way's messages, a fragmented one
// whole, an oversized one cut, and the close, past the 20 kept each way.
func TestStreamsThroughProxy(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const events = observe.MaxKept + 5
	long := strings.Repeat("é", 1500) // 3000 bytes
	mux := http.NewServeMux()
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": a comment, then an id that lasts\r\nid: 1\r\n\r\n")
		for i := range events {
			switch i {
			case 0:
				fmt.Fprint(w, "event: hello\ndata: first\ndata:  second\n\n")
			case 1:
				fmt.Fprintf(w, "data: %s\n\n", long)
			default:
				fmt.Fprintf(w, "id: %d\ndata: {\"n\":%d}\n\n", i, i)
			}
			http.NewResponseController(w).Flush()
		}
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		for {
			typ, b, err := c.Read(ctx)
			if err != nil {
				return // the client's close, answered by the library
			}
			if err := c.Write(ctx, typ, b); err != nil {
				return
			}
		}
	})
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	to, _ := url.Parse(app.URL)
	base, insp, srv := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to})})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)

	// record is the inspector's JSON of the newest exchange, once it is
	// id after the last.
	var last uint64
	record := func() (up, stream *observe.Stream) {
		t.Helper()
		ex := newest(t, srv)
		for deadline := time.Now().Add(5 * time.Second); ex.ID <= last && time.Now().Before(deadline); ex = newest(t, srv) {
			time.Sleep(5 * time.Millisecond)
		}
		last = ex.ID
		res, err := http.Get(fmt.Sprintf("%s/_roundtrip/api/exchanges/%d", insp, ex.ID))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var doc struct{ Upgrade, Stream *observe.Stream }
		if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*observe.Stream{doc.Upgrade, doc.Stream} {
			if s == nil {
				continue
			}
			for i := range s.Messages {
				if s.Messages[i].AtMS < 0 || i > 0 && s.Messages[i].AtMS < s.Messages[i-1].AtMS {
					t.Errorf("message %d at %v ms; want times from 0, in order", i, s.Messages[i].AtMS)
				}
				s.Messages[i].AtMS = 0
			}
		}
		return doc.Upgrade, doc.Stream
	}

	t.Run("sse", func(t *testing.T) {
		res, err := http.Get(base + "/sse")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		up, got := record()
		if up != nil || got == nil || got.Protocol != "sse" || got.MessagesReceived != events || got.BytesReceived != int64(len(body)) || got.BytesSent != 0 {
			t.Fatalf("recorded upgrade %+v, stream %+v; want no upgrade, and %d events in %d bytes received", up, got, events, len(body))
		}
		if len(got.Messages) != observe.MaxKept {
			t.Fatalf("kept %d events; want the first %d", len(got.Messages), observe.MaxKept)
		}
		event := func(typ, id, text string, size int64, cut bool) observe.StreamMessage {
			return observe.StreamMessage{Dir: "received", Type: "event", Event: typ, ID: id, Text: text, Size: size, Cut: cut}
		}
		kept := strings.Repeat("é", observe.MaxMessageBytes/2)
		for i, want := range map[int]observe.StreamMessage{
			0:                   event("hello", "1", "first\n second", 13, false),
			1:                   event("message", "1", kept, int64(len(long)), true),
			2:                   event("message", "2", `{"n":2}`, 7, false),
			observe.MaxKept - 1: event("message", "19", `{"n":19}`, 8, false),
		} {
			if got.Messages[i] != want {
				t.Errorf("event %d = %+v; want %+v", i, got.Messages[i], want)
			}
		}
	})

	t.Run("websocket", func(t *testing.T) {
		c, _, err := websocket.Dial(ctx, base+"/ws", nil)
		if err != nil {
			t.Fatalf("Dial through the proxy = %v; want a WebSocket", err)
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		echo := func(typ websocket.MessageType, frames ...string) {
			t.Helper()
			w, err := c.Writer(ctx, typ) // a frame a Write: fragments, when more than one
			if err != nil {
				t.Fatal(err)
			}
			var sent string
			for _, f := range frames {
				if _, err := io.WriteString(w, f); err != nil {
					t.Fatal(err)
				}
				sent += f
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if gotTyp, b, err := c.Read(ctx); err != nil || gotTyp != typ || string(b) != sent {
				t.Fatalf("the echo of %d bytes = %d bytes of %v, %v; want the same", len(sent), len(b), gotTyp, err)
			}
		}
		big := strings.Repeat("x", 5000)
		echo(websocket.MessageText, "hello")
		echo(websocket.MessageBinary, "\x00\x01\xff")
		echo(websocket.MessageText, "frag", "men", "ted")
		echo(websocket.MessageText, big)
		for i := range observe.MaxKept {
			echo(websocket.MessageText, fmt.Sprint(i))
		}
		if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
			t.Fatalf("Close = %v; want the close handshake done", err)
		}

		got, stream := record()
		if stream != nil || got == nil || got.Protocol != "websocket" || got.MessagesSent != 4+observe.MaxKept || got.MessagesReceived != 4+observe.MaxKept {
			t.Fatalf("recorded upgrade %+v, stream %+v; want no stream, and %d messages each way", got, stream, 4+observe.MaxKept)
		}
		want := func(dir string) []observe.StreamMessage {
			ms := []observe.StreamMessage{
				{Dir: dir, Type: "text", Text: "hello", Size: 5},
				{Dir: dir, Type: "binary", Base64: "AAH/", Size: 3},
				{Dir: dir, Type: "text", Text: "fragmented", Size: 10},
				{Dir: dir, Type: "text", Text: big[:observe.MaxMessageBytes], Size: 5000, Cut: true},
			}
			for i := range observe.MaxKept - len(ms) {
				ms = append(ms, observe.StreamMessage{Dir: dir, Type: "text", Text: fmt.Sprint(i), Size: int64(len(fmt.Sprint(i)))})
			}
			return append(ms, observe.StreamMessage{Dir: dir, Type: "close", Code: int(websocket.StatusNormalClosure), Text: "bye", Size: 3})
		}
		var sent, received []observe.StreamMessage
		for _, m := range got.Messages {
			if m.Dir == "sent" {
				sent = append(sent, m)
			} else {
				received = append(received, m)
			}
		}
		for _, tt := range []struct {
			dir string
			got []observe.StreamMessage
		}{{"sent", sent}, {"received", received}} {
			w := want(tt.dir)
			if len(tt.got) != len(w) {
				t.Errorf("kept %d messages %s; want %d: %+v", len(tt.got), tt.dir, len(w), tt.got)
				continue
			}
			for i := range w {
				if tt.got[i] != w[i] {
					t.Errorf("message %d %s = %+v; want %+v", i, tt.dir, tt.got[i], w[i])
				}
			}
		}
		// An echo follows what it echoes.
		if len(got.Messages) > 1 && got.Messages[0].Dir != "sent" {
			t.Errorf("the first message kept went %s; want the client's first", got.Messages[0].Dir)
		}
	})
	// A server that keeps no bodies keeps no messages; it counts them still.
	t.Run("no bodies kept", func(t *testing.T) {
		base, insp, srv := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to}), MaxBodyCapture: -1})
		res, err := http.Get(base + "/sse")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		c, _, err := websocket.Dial(ctx, base+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if err := c.Write(ctx, websocket.MessageText, []byte("secret")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
		c.Close(websocket.StatusNormalClosure, "")
		ex := newest(t, srv)
		for deadline := time.Now().Add(5 * time.Second); ex.Upgrade == nil && time.Now().Before(deadline); ex = newest(t, srv) {
			time.Sleep(5 * time.Millisecond)
		}
		for id, want := range map[uint64]string{ex.ID - 1: "stream", ex.ID: "upgrade"} {
			res, err := http.Get(fmt.Sprintf("%s/_roundtrip/api/exchanges/%d", insp, id))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct{ Upgrade, Stream map[string]any }
			err = json.NewDecoder(res.Body).Decode(&doc)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			s := map[string]map[string]any{"stream": doc.Stream, "upgrade": doc.Upgrade}[want]
			if s == nil || s["messages_received"] == nil || s["messages"] != nil {
				t.Errorf("exchange %d's %s = %v; want its counts, no messages", id, want, s)
			}
		}
	})
}
