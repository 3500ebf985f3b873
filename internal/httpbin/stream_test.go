package httpbin_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roundtrip/roundtrip/internal/httpbin"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

var streamClient = &http.Client{Timeout: 10 * time.Second}

// streamServer runs the real server and returns its base URL.
func streamServer(t *testing.T, cfg server.Config) string {
	t.Helper()
	base := servetest.Roundtrip(t, cfg)
	t.Cleanup(streamClient.CloseIdleConnections)
	return base
}

// streamExchange waits for the inspector's record of the exchange sent
// to uri (path and query), which it lists once the exchange has ended.
func streamExchange(t *testing.T, base, uri string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body := get(t, streamClient, "GET", base+"/_roundtrip/api/exchanges", nil)
		var list struct{ Exchanges []map[string]any }
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatalf("GET /_roundtrip/api/exchanges = %q: %v", body, err)
		}
		for _, ex := range list.Exchanges {
			if ex["url"] == uri {
				_, body := get(t, streamClient, "GET", fmt.Sprintf("%s/_roundtrip/api/exchanges/%v", base, ex["id"]), nil)
				var full map[string]any
				if err := json.Unmarshal(body, &full); err != nil {
					t.Fatalf("GET exchange %v = %q: %v", ex["id"], body, err)
				}
				return full
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no exchange to %s recorded within 5s: its handler has not returned", uri)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type sseEvent struct {
	name string
	data struct {
		ID        int   `json:"id"`
		Timestamp int64 `json:"timestamp"`
	}
	at time.Duration // since the request was sent
}

// readEvents reads res's events as they come.
func readEvents(t *testing.T, res *http.Response, start time.Time) []sseEvent {
	t.Helper()
	var events []sseEvent
	var ev sseEvent
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data); err != nil {
				t.Fatalf("event data %q: %v", line, err)
			}
		case line == "":
			ev.at = time.Since(start)
			events = append(events, ev)
			ev = sseEvent{}
		default:
			t.Fatalf("unexpected line %q in the event stream", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading the events: %v", err)
	}
	return events
}

func TestStreamSSE(t *testing.T) {
	t.Parallel()
	base := streamServer(t, server.Config{})

	t.Run("events, flushed one by one, with Server-Timing as a trailer", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		res, err := streamClient.Get(base + "/sse?count=3&duration=200ms")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("GET /sse = %d; want 200", res.StatusCode)
		}
		if got, want := res.Header.Get("Content-Type"), "text/event-stream; charset=utf-8"; got != want {
			t.Errorf("GET /sse: Content-Type = %q; want %q", got, want)
		}
		if _, ok := res.Trailer["Server-Timing"]; !ok || len(res.Trailer) != 1 {
			t.Errorf("GET /sse: trailers declared %v; want Server-Timing", res.Trailer)
		}
		events := readEvents(t, res, start)
		if len(events) != 3 {
			t.Fatalf("GET /sse?count=3 sent %d events; want 3", len(events))
		}
		for i, ev := range events {
			if ev.name != "ping" || ev.data.ID != i {
				t.Errorf("event %d = %q id %d; want ping id %d", i, ev.name, ev.data.ID, i)
			}
			if ts := time.UnixMilli(ev.data.Timestamp); ts.Before(start.Add(-time.Second)) || ts.After(time.Now().Add(time.Second)) {
				t.Errorf("event %d: timestamp %v is not now", i, ts)
			}
		}
		// The first event comes at once, the last after the 200ms.
		if events[0].at > 150*time.Millisecond || events[2].at < 190*time.Millisecond {
			t.Errorf("events at %v, %v, %v; want the first at once and the last after 200ms", events[0].at, events[1].at, events[2].at)
		}
		st := timings(res.Trailer.Values("Server-Timing"))
		for name, want := range map[string]time.Duration{"initial_delay": 0, "write_duration": 200 * time.Millisecond, "pause_per_write": 100 * time.Millisecond} {
			if got, ok := st[name]; !ok || got.Dur != want {
				t.Errorf("trailer Server-Timing %s = %v (%v); want %v", name, got.Dur, ok, want)
			}
		}
		if st["total_duration"].Dur < 200*time.Millisecond {
			t.Errorf("trailer Server-Timing total_duration = %v; want 200ms at least", st["total_duration"].Dur)
		}
	})

	t.Run("delay comes before the first event", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		res, err := streamClient.Get(base + "/sse?count=1&delay=100ms&jitter=0.5&seed=7")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		events := readEvents(t, res, start)
		if len(events) != 1 || events[0].at < 100*time.Millisecond {
			t.Fatalf("GET /sse?count=1&delay=100ms = %d events, the first at %v; want one after 100ms", len(events), events)
		}
		if got := timings(res.Trailer.Values("Server-Timing"))["initial_delay"].Dur; got != 100*time.Millisecond {
			t.Errorf("initial_delay = %v; want 100ms", got)
		}
	})

	t.Run("HEAD", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		res, body := get(t, streamClient, "HEAD", base+"/sse?duration=5s", nil)
		if res.StatusCode != 200 || len(body) != 0 || time.Since(start) > 2*time.Second {
			t.Errorf("HEAD /sse = %d, %d bytes after %v; want 200, none, at once", res.StatusCode, len(body), time.Since(start))
		}
	})

	for _, c := range []struct{ query, param string }{
		{"count=0", "count"},
		{"count=101", "count"},
		{"count=-1", "count"},
		{"count=x", "count"},
		{"count=99999999999999999999", "count"},
		{"duration=0", "duration"},
		{"duration=-1s", "duration"},
		{"duration=NaN", "duration"},
		{"duration=11", "duration"},
		{"duration=1h", "duration"},
		{"delay=-1", "delay"},
		{"delay=NaN", "delay"},
		{"delay=Inf", "delay"},
		{"delay=6&duration=5", "duration"},
		{"jitter=1.5", "jitter"},
		{"jitter=-0.1", "jitter"},
		{"jitter=NaN", "jitter"},
		{"jitter=x", "jitter"},
		{"seed=x", "seed"},
	} {
		t.Run("bad "+c.query, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, streamClient, "GET", base+"/sse?"+c.query, nil)
			wantProblem(t, "GET /sse?"+c.query, res, body, 400, c.param)
		})
	}

	t.Run("the limits are taken", func(t *testing.T) {
		t.Parallel()
		res, err := streamClient.Get(base + fmt.Sprintf("/sse?count=%d&duration=1ns", httpbin.MaxCount))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if n := len(readEvents(t, res, time.Now())); n != httpbin.MaxCount {
			t.Errorf("GET /sse?count=%d sent %d events", httpbin.MaxCount, n)
		}
	})
}

// TestStreamSSEClientLeaves holds that the stream ends when the client
// leaves: the exchange is recorded (its handler has returned) long before
// the 10s it asked for.
func TestStreamSSEClientLeaves(t *testing.T) {
	t.Parallel()
	base := streamServer(t, server.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/sse?count=100&duration=10s", nil)
	res, err := streamClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || line != "event: ping\n" {
		t.Fatalf("first line = %q, %v; want event: ping", line, err)
	}
	start := time.Now()
	cancel()
	res.Body.Close()
	streamExchange(t, base, "/sse?count=100&duration=10s")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the stream ended %v after the client left; want at once", d)
	}
}

// streamWS dials the echo with coder/websocket.
func streamWS(t *testing.T, base, query string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/websocket/echo"+query, opts)
	if err != nil {
		t.Fatalf("dialling /websocket/echo%s: %v", query, err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("dialling /websocket/echo: %d; want 101", res.StatusCode)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func wsContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestStreamWebSocketEcho(t *testing.T) {
	t.Parallel()
	base := streamServer(t, server.Config{})

	t.Run("text and binary come back", func(t *testing.T) {
		t.Parallel()
		ctx := wsContext(t)
		c := streamWS(t, base, "", nil)
		c.SetReadLimit(-1)
		for _, m := range []struct {
			typ  websocket.MessageType
			data []byte
		}{
			{websocket.MessageText, []byte("hello")},
			{websocket.MessageBinary, []byte{0, 1, 2, 0xff}},
			{websocket.MessageText, []byte("")},
			{websocket.MessageBinary, bytes.Repeat([]byte("x"), 70000)}, // a 64-bit length
		} {
			if err := c.Write(ctx, m.typ, m.data); err != nil {
				t.Fatal(err)
			}
			typ, got, err := c.Read(ctx)
			if err != nil || typ != m.typ || !bytes.Equal(got, m.data) {
				t.Errorf("echo of %v %d bytes = %v %d bytes, %v", m.typ, len(m.data), typ, len(got), err)
			}
		}
		if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
			t.Errorf("Close = %v; want the server's 1000 echoed", err)
		}
	})

	t.Run("a message in several frames comes back whole", func(t *testing.T) {
		t.Parallel()
		ctx := wsContext(t)
		c := streamWS(t, base, "", nil)
		w, err := c.Writer(ctx, websocket.MessageText)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{"frag", "ment", "ed"} { // a frame each
			if _, err := w.Write([]byte(part)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil || typ != websocket.MessageText || string(got) != "fragmented" {
			t.Errorf("echo of a fragmented message = %v %q, %v; want text fragmented", typ, got, err)
		}
	})

	t.Run("ping gets pong", func(t *testing.T) {
		t.Parallel()
		ctx := wsContext(t)
		c := streamWS(t, base, "", nil)
		ctx = c.CloseRead(ctx) // reads, so that the pong is seen
		for range 3 {
			if err := c.Ping(ctx); err != nil {
				t.Fatalf("Ping = %v; want the server's pong", err)
			}
		}
	})

	t.Run("a close code comes back", func(t *testing.T) {
		t.Parallel()
		c := streamWS(t, base, "", nil)
		// Close returns nil only once the server's close frame carries
		// the same code: coder/websocket echoes the client's.
		if err := c.Close(4000, "bye"); err != nil {
			t.Errorf("Close(4000, bye) = %v; want 4000 echoed", err)
		}
	})

	t.Run("a message over the limit closes with 1009", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct {
			query string
			limit int
		}{
			{"?max_message_size=16", 16},
			{"", httpbin.MaxBytes},
		} {
			ctx := wsContext(t)
			conn := streamWS(t, base, c.query, nil)
			conn.SetReadLimit(-1)
			if err := conn.Write(ctx, websocket.MessageBinary, make([]byte, c.limit)); err != nil {
				t.Fatal(err)
			}
			if _, got, err := conn.Read(ctx); err != nil || len(got) != c.limit {
				t.Fatalf("%s: a message of %d bytes = %d bytes, %v; want it echoed", c.query, c.limit, len(got), err)
			}
			_ = conn.Write(ctx, websocket.MessageBinary, make([]byte, c.limit+1))
			_, _, err := conn.Read(ctx)
			if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
				t.Errorf("%s: a message of %d bytes: %v (status %d); want close 1009", c.query, c.limit+1, err, got)
			}
		}
	})

	t.Run("text that is not UTF-8 closes with 1007", func(t *testing.T) {
		t.Parallel()
		ctx := wsContext(t)
		c := streamWS(t, base, "", nil)
		if err := c.Write(ctx, websocket.MessageText, []byte{0xff, 0xfe}); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.Read(ctx)
		if got := websocket.CloseStatus(err); got != websocket.StatusInvalidFramePayloadData {
			t.Errorf("invalid UTF-8: %v (status %d); want close 1007", err, got)
		}
	})

	t.Run("any origin", func(t *testing.T) {
		t.Parallel()
		ctx := wsContext(t)
		c := streamWS(t, base, "", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://elsewhere.example"}}})
		if err := c.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.Read(ctx); err != nil || string(got) != "hi" {
			t.Errorf("cross-origin echo = %q, %v", got, err)
		}
	})

	handshake := http.Header{
		"Connection":            {"Upgrade"},
		"Upgrade":               {"websocket"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {"dGhlIHNhbXBsZSBub25jZQ=="},
	}
	for _, c := range []struct {
		name, query string
		header      http.Header
		code        int
		param       string
	}{
		{"no upgrade", "", nil, 426, ""},
		{"version 8", "", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"8"}}, 400, ""},
		{"no key", "", http.Header{"Connection": {"keep-alive, Upgrade"}, "Upgrade": {"WebSocket"}, "Sec-Websocket-Version": {"13"}}, 400, ""},
		{"a short key", "", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"c2hvcnQ="}}, 400, ""},
		{"two keys", "", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ=="}}, 400, ""},
		{"max_fragment_size=0", "?max_fragment_size=0", handshake, 400, "max_fragment_size"},
		{"max_fragment_size=x", "?max_fragment_size=x", handshake, 400, "max_fragment_size"},
		{"max_fragment_size over MaxBytes", fmt.Sprintf("?max_fragment_size=%d", httpbin.MaxBytes+1), handshake, 400, "max_fragment_size"},
		{"max_message_size=-1", "?max_message_size=-1", handshake, 400, "max_message_size"},
		{"max_message_size over MaxBytes", fmt.Sprintf("?max_message_size=%d", httpbin.MaxBytes+1), handshake, 400, "max_message_size"},
		{"fragment over message", "?max_fragment_size=10&max_message_size=5", handshake, 400, "max_fragment_size"},
		{"max_fragment_size empty", "?max_fragment_size=", handshake, 400, "max_fragment_size"},
	} {
		t.Run("refused: "+c.name, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, streamClient, "GET", base+"/websocket/echo"+c.query, c.header)
			wantProblem(t, "GET /websocket/echo "+c.name, res, body, c.code, c.param)
			if c.code == 426 && res.Header.Get("Upgrade") != "websocket" {
				t.Errorf("426: Upgrade = %q; want websocket", res.Header.Get("Upgrade"))
			}
			if c.name == "version 8" && res.Header.Get("Sec-Websocket-Version") != "13" {
				t.Errorf("version 8: Sec-WebSocket-Version = %q; want 13", res.Header.Get("Sec-Websocket-Version"))
			}
		})
	}

	t.Run("POST", func(t *testing.T) {
		t.Parallel()
		res, _ := get(t, streamClient, "POST", base+"/websocket/echo", handshake)
		if res.StatusCode != 405 {
			t.Errorf("POST /websocket/echo = %d; want 405", res.StatusCode)
		}
	})
}

// rawWS is a WebSocket client on a bare connection, to send and see
// frames as they are.
type rawWS struct {
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, base, query string) *rawWS {
	t.Helper()
	u, _ := url.Parse(base)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(c, "GET /websocket/echo%s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n",
		query, u.Host, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 101 {
		t.Fatalf("handshake = %v, %v; want 101", res, err)
	}
	return &rawWS{c, br}
}

// send writes one masked frame.
func (w *rawWS) send(t *testing.T, fin bool, op byte, payload []byte) {
	t.Helper()
	var head []byte
	b0 := op
	if fin {
		b0 |= 0x80
	}
	switch n := len(payload); {
	case n < 126:
		head = []byte{b0, 0x80 | byte(n)}
	case n < 1<<16:
		head = binary.BigEndian.AppendUint16([]byte{b0, 0x80 | 126}, uint16(n))
	default:
		head = binary.BigEndian.AppendUint64([]byte{b0, 0x80 | 127}, uint64(n))
	}
	mask := []byte{1, 2, 3, 4}
	masked := make([]byte, len(payload))
	for i, c := range payload {
		masked[i] = c ^ mask[i%4]
	}
	if _, err := w.c.Write(append(append(head, mask...), masked...)); err != nil {
		t.Fatal(err)
	}
}

// frame reads one frame from the server, which masks none.
func (w *rawWS) frame(t *testing.T) (fin bool, op byte, payload []byte) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		t.Fatalf("reading a frame: %v", err)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(w.br, l[:])
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		io.ReadFull(w.br, l[:])
		n = binary.BigEndian.Uint64(l[:])
	}
	if h[1]&0x80 != 0 {
		t.Fatal("the server masked a frame (RFC 6455 §5.1)")
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(w.br, payload); err != nil {
		t.Fatalf("reading a frame's payload: %v", err)
	}
	return h[0]&0x80 != 0, h[0] & 0x0f, payload
}

// message reads frames up to the one with FIN, returning the opcodes and
// payloads.
func (w *rawWS) message(t *testing.T) (ops []byte, parts []string) {
	t.Helper()
	for {
		fin, op, p := w.frame(t)
		ops, parts = append(ops, op), append(parts, string(p))
		if fin {
			return ops, parts
		}
	}
}

func TestStreamWebSocketFrames(t *testing.T) {
	t.Parallel()
	base := streamServer(t, server.Config{})

	t.Run("a fragmented message from the client", func(t *testing.T) {
		t.Parallel()
		ws := dialRaw(t, base, "")
		ws.send(t, false, 0x1, []byte("hel"))
		ws.send(t, false, 0x0, []byte("lo "))
		ws.send(t, true, 0x9, []byte("between")) // a ping may come between fragments
		ws.send(t, true, 0x0, []byte("world"))
		fin, op, p := ws.frame(t)
		if !fin || op != 0xa || string(p) != "between" {
			t.Errorf("first frame back = fin %v op %#x %q; want the pong", fin, op, p)
		}
		ops, parts := ws.message(t)
		if strings.Join(parts, "") != "hello world" || ops[0] != 0x1 {
			t.Errorf("echo = ops %v parts %q; want text hello world", ops, parts)
		}
	})

	t.Run("max_fragment_size fragments the echo", func(t *testing.T) {
		t.Parallel()
		ws := dialRaw(t, base, "?max_fragment_size=4")
		ws.send(t, true, 0x2, []byte("hello world"))
		ops, parts := ws.message(t)
		if strings.Join(parts, "") != "hello world" || ops[0] != 0x2 {
			t.Fatalf("echo = ops %v parts %q; want binary hello world", ops, parts)
		}
		for i, p := range parts {
			if len(p) > 4 || i > 0 && ops[i] != 0x0 {
				t.Errorf("frame %d = op %#x %q; want a continuation of 4 bytes at most", i, ops[i], p)
			}
		}
		if len(parts) < 3 {
			t.Errorf("echo in %d frames %q; want 3 at least", len(parts), parts)
		}
	})

	t.Run("a close frame is echoed with its code", func(t *testing.T) {
		t.Parallel()
		ws := dialRaw(t, base, "")
		ws.send(t, true, 0x8, append(binary.BigEndian.AppendUint16(nil, 4000), "bye"...))
		fin, op, p := ws.frame(t)
		if !fin || op != 0x8 || len(p) < 2 || binary.BigEndian.Uint16(p) != 4000 || string(p[2:]) != "bye" {
			t.Errorf("answer to close 4000 bye = fin %v op %#x %q; want close 4000 bye", fin, op, p)
		}
		if _, err := ws.br.ReadByte(); !errors.Is(err, io.EOF) {
			t.Errorf("after the close: %v; want the connection closed", err)
		}
	})

	t.Run("the handler returns when the client leaves", func(t *testing.T) {
		ws := dialRaw(t, base, "?leave=1")
		ws.send(t, true, 0x1, []byte("hi"))
		if _, _, p := ws.frame(t); string(p) != "hi" {
			t.Fatalf("echo = %q", p)
		}
		start := time.Now()
		ws.c.Close() // no close frame: gone
		ex := streamExchange(t, base, "/websocket/echo?leave=1")
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the exchange ended %v after the client left; want at once", d)
		}
		if ex["status"] != float64(101) {
			t.Errorf("the record's status = %v; want 101", ex["status"])
		}
		// The echo writes through the connection the recorder counts.
		if up, _ := ex["upgrade"].(map[string]any); up["messages_received"] != float64(1) || up["bytes_received"] != float64(4) {
			t.Errorf("the record's upgrade = %v; want the echo's one message, 4 bytes, counted", ex["upgrade"])
		}
	})
}

// TestStreamTrailers covers /trailers on HTTP/1.1, raw and through a
// client, and on HTTP/2 (h2c, prior knowledge).
func TestStreamTrailers(t *testing.T) {
	t.Parallel()
	base := streamServer(t, server.Config{H2C: true})
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	h2 := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Protocols: &protocols}}
	t.Cleanup(h2.CloseIdleConnections)

	for _, c := range []struct {
		name   string
		client *http.Client
		major  int
	}{{"HTTP/1.1", streamClient, 1}, {"HTTP/2", h2, 2}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res, _ := get(t, c.client, "GET", base+"/trailers?a=1&b=2&b=3&X-Check=ok", nil)
			if res.ProtoMajor != c.major {
				t.Fatalf("answered over %s; want HTTP/%d", res.Proto, c.major)
			}
			if c.major == 1 && (len(res.TransferEncoding) != 1 || res.TransferEncoding[0] != "chunked") {
				t.Errorf("Transfer-Encoding = %v; want chunked", res.TransferEncoding)
			}
			for k, want := range map[string]string{"A": "1", "B": "2,3", "X-Check": "ok"} {
				if got := strings.Join(res.Trailer.Values(k), ","); got != want {
					t.Errorf("trailer %s = %q; want %q", k, got, want)
				}
			}
			if res.Header.Get("A") != "" {
				t.Errorf("A came in the header too: %q", res.Header.Get("A"))
			}
		})
	}

	t.Run("on the wire: chunked, the trailer after the last chunk", func(t *testing.T) {
		t.Parallel()
		u, _ := url.Parse(base)
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET /trailers?Grpc-Status=0 HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", u.Host)
		raw, _ := io.ReadAll(c)
		head, body, _ := strings.Cut(string(raw), "\r\n\r\n")
		if head += "\r\n"; !strings.Contains(head, "\r\nTrailer: Grpc-Status\r\n") || !strings.Contains(head, "\r\nTransfer-Encoding: chunked\r\n") {
			t.Errorf("head = %q; want Trailer and chunked", head)
		}
		if !strings.HasSuffix(body, "\r\n0\r\nGrpc-Status: 0\r\n\r\n") {
			t.Errorf("body ends %q; want the last chunk, then Grpc-Status: 0", body[max(0, len(body)-40):])
		}
	})

	t.Run("the body describes the request", func(t *testing.T) {
		t.Parallel()
		if res, _ := get(t, streamClient, "POST", base+"/anything", nil); res.StatusCode == http.StatusNotImplemented {
			t.Skip("/anything (request.go) is not built in this tree yet")
		}
		res, body := get(t, streamClient, "GET", base+"/trailers?a=1", nil)
		var got struct {
			Args   map[string][]string `json:"args"`
			Method string              `json:"method"`
		}
		if err := json.Unmarshal(body, &got); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET /trailers?a=1 = %d %q, %v", res.StatusCode, body, err)
		}
		if got.Method != "GET" || len(got.Args["a"]) != 1 || got.Args["a"][0] != "1" {
			t.Errorf("GET /trailers?a=1 described %+v", got)
		}
	})

	for _, name := range []string{"content-type", "Content-Length", "Content-Language", "transfer-encoding", "Trailer", "TE", "Host",
		"Authorization", "Set-Cookie", "Cookie", "WWW-Authenticate", "Cache-Control", "If-Match", "Range", "Location", "Retry-After",
		"Connection", "Upgrade", "Vary"} {
		t.Run("refused: "+name, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, streamClient, "GET", base+"/trailers?ok=1&"+name+"=x", nil)
			wantProblem(t, "GET /trailers?"+name+"=x", res, body, 400, name)
		})
	}
	t.Run("refused: not a token", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, streamClient, "GET", base+"/trailers?a%20b=1", nil)
		wantProblem(t, "GET /trailers?a b=1", res, body, 400, "a b")
	})
	t.Run("refused: a control character", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, streamClient, "GET", base+"/trailers?a=1%0d%0aInjected:%201", nil)
		wantProblem(t, "GET /trailers?a=CRLF", res, body, 400, "a")
	})
	t.Run("refused: a semicolon, which would drop the parameter", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, streamClient, "GET", base+"/trailers?a=1;b=2", nil)
		wantProblem(t, "GET /trailers?a=1;b=2", res, body, 400, "")
	})
	t.Run("refused: more than MaxCount", func(t *testing.T) {
		t.Parallel()
		q := url.Values{}
		for i := range httpbin.MaxCount + 1 {
			q.Set(fmt.Sprintf("t%d", i), "1")
		}
		res, body := get(t, streamClient, "GET", base+"/trailers?"+q.Encode(), nil)
		wantProblem(t, "GET /trailers with 101 names", res, body, 400, "")
	})
}
