package observe

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// wsFrame is a WebSocket frame: its head, with the length in the fewest
// bytes unless lenBytes (2 or 8) asks for more, and size payload bytes.
func wsFrame(fin bool, op byte, masked bool, size, lenBytes int) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var mask byte
	if masked {
		mask = 0x80
	}
	b := []byte{b0}
	switch {
	case lenBytes == 8 || size > 0xffff:
		b = append(b, mask|127)
		b = binary.BigEndian.AppendUint64(b, uint64(size))
	case lenBytes == 2 || size > 125:
		b = append(b, mask|126)
		b = binary.BigEndian.AppendUint16(b, uint16(size))
	default:
		b = append(b, mask|byte(size))
	}
	if masked {
		b = append(b, 0x37, 0xfa, 0x21, 0x3d)
	}
	for i := range size {
		b = append(b, byte(i)) // payload bytes that look like heads, as garbage would
	}
	return b
}

func join(frames ...[]byte) []byte {
	var b []byte
	for _, f := range frames {
		b = append(b, f...)
	}
	return b
}

const (
	fin, more        = true, false
	masked, unmasked = true, false
)

var frameTests = []struct {
	name              string
	stream            []byte
	messages, control int64
}{
	{"empty", nil, 0, 0},
	{"text, unmasked", wsFrame(fin, opText, unmasked, 5, 0), 1, 0},
	{"text, masked", wsFrame(fin, opText, masked, 5, 0), 1, 0},
	{"empty binary", wsFrame(fin, opBinary, masked, 0, 0), 1, 0},
	{"125 bytes, the 7-bit most", wsFrame(fin, opBinary, unmasked, 125, 0), 1, 0},
	{"16-bit length", wsFrame(fin, opBinary, masked, 126, 0), 1, 0},
	{"16-bit length, 65535", wsFrame(fin, opText, unmasked, 0xffff, 0), 1, 0},
	{"64-bit length", wsFrame(fin, opBinary, masked, 0x10000, 0), 1, 0},
	{"lengths not in the fewest bytes", join(wsFrame(fin, opText, masked, 3, 2), wsFrame(fin, opText, unmasked, 4, 8)), 2, 0},
	{"three texts and a binary", join(
		wsFrame(fin, opText, masked, 10, 0), wsFrame(fin, opText, masked, 200, 0),
		wsFrame(fin, opText, masked, 0, 0), wsFrame(fin, opBinary, masked, 70000, 0)), 4, 0},
	{"fragmented", join(
		wsFrame(more, opText, masked, 3, 0), wsFrame(more, opContinuation, masked, 300, 0),
		wsFrame(fin, opContinuation, masked, 3, 0)), 1, 0},
	{"control frames between fragments", join(
		wsFrame(more, opBinary, unmasked, 10, 0), wsFrame(fin, opPing, unmasked, 4, 0),
		wsFrame(more, opContinuation, unmasked, 10, 0), wsFrame(fin, opPong, unmasked, 4, 0),
		wsFrame(fin, opContinuation, unmasked, 10, 0), wsFrame(fin, opClose, unmasked, 2, 0)), 1, 3},
	{"a close each way's end", join(wsFrame(fin, opText, masked, 1, 0), wsFrame(fin, opClose, masked, 2, 0)), 1, 1},
	{"a continuation with nothing to continue", wsFrame(fin, opContinuation, masked, 5, 0), 0, 0},
	{"reserved opcodes", join(wsFrame(fin, 0x3, masked, 5, 0), wsFrame(fin, 0xb, unmasked, 1, 0)), 0, 0},
	{"two messages, fragmented and not", join(
		wsFrame(more, opText, masked, 1, 0), wsFrame(fin, opContinuation, masked, 1, 0),
		wsFrame(fin, opText, masked, 1, 0), wsFrame(fin, opContinuation, masked, 1, 0)), 2, 0},
}

// feedAll feeds pieces in turn to a new parser and sums its counts.
func feedAll(pieces ...[]byte) (messages, control int64, f *frames) {
	f = new(frames)
	for _, p := range pieces {
		m, c := f.feed(p)
		messages += m
		control += c
	}
	return messages, control, f
}

func TestFrames(t *testing.T) {
	t.Parallel()
	for _, tt := range frameTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if m, c, f := feedAll(tt.stream); m != tt.messages || c != tt.control || f.n != 0 || f.skip != 0 {
				t.Errorf("feed(whole) = %d messages, %d control, %d head bytes and %d to skip left; want %d, %d, none left", m, c, f.n, f.skip, tt.messages, tt.control)
			}
			for i := range len(tt.stream) + 1 {
				if m, c, _ := feedAll(tt.stream[:i], tt.stream[i:]); m != tt.messages || c != tt.control {
					t.Fatalf("feed split at byte %d = %d messages, %d control; want %d, %d", i, m, c, tt.messages, tt.control)
				}
			}
			pieces := make([][]byte, len(tt.stream))
			for i := range tt.stream {
				pieces[i] = tt.stream[i : i+1]
			}
			if m, c, _ := feedAll(pieces...); m != tt.messages || c != tt.control {
				t.Errorf("feed a byte at a time = %d messages, %d control; want %d, %d", m, c, tt.messages, tt.control)
			}
		})
	}
}

// TestFramesPartial: a frame counts once its head is whole, and a head
// cut short waits for the rest.
func TestFramesPartial(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		stream            []byte
		messages, control int64
		held              int
	}{
		{"half a head", wsFrame(fin, opText, masked, 5, 0)[:3], 0, 0, 3},
		{"a 64-bit head less a byte", wsFrame(fin, opText, masked, 0x10000, 0)[:13], 0, 0, 13},
		{"a head without its payload", wsFrame(fin, opClose, masked, 2, 0)[:6], 0, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if m, c, f := feedAll(tt.stream); m != tt.messages || c != tt.control || f.n != tt.held {
				t.Errorf("feed(%x) = %d messages, %d control, %d head bytes held; want %d, %d, %d", tt.stream, m, c, f.n, tt.messages, tt.control, tt.held)
			}
		})
	}
}

// TestFramesGarbage: bytes that are no WebSocket at all never panic, the
// head held never passes 14 bytes, and no count passes what the bytes
// could hold (a frame takes two at least).
func TestFramesGarbage(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	tests := map[string][]byte{
		"0xff":   []byte(strings.Repeat("\xff", 1<<12)),
		"zeros":  make([]byte, 1<<12),
		"HTTP":   []byte(strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100)),
		"random": make([]byte, 1<<20),
	}
	for i := range tests["random"] {
		tests["random"][i] = byte(r.Uint32())
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := new(frames)
			var m, c int64
			for p := b; len(p) > 0; {
				n := min(1+r.IntN(64), len(p))
				dm, dc := f.feed(p[:n])
				m, c = m+dm, c+dc
				p = p[n:]
				if f.n > maxFrameHead {
					t.Fatalf("head held %d bytes; want at most %d", f.n, maxFrameHead)
				}
			}
			if m < 0 || c < 0 || m+c > int64(len(b)/2) {
				t.Errorf("%d bytes of %s = %d messages, %d control; want at most %d in all", len(b), name, m, c, len(b)/2)
			}
		})
	}
	// Zeros are empty continuations, which continue nothing.
	if m, c, _ := feedAll(tests["zeros"]); m != 0 || c != 0 {
		t.Errorf("feed(zeros) = %d messages, %d control; want none", m, c)
	}
}

// refCount counts the frames whole in b, read all at once: the oracle
// for the parser fed in pieces.
func refCount(b []byte) (messages, control int64) {
	fragmented := false
	for len(b) >= 2 {
		head := 2
		size := uint64(b[1] & 0x7f)
		switch size {
		case 126:
			head += 2
		case 127:
			head += 8
		}
		if b[1]&0x80 != 0 {
			head += 4
		}
		if len(b) < head {
			break
		}
		switch size {
		case 126:
			size = uint64(binary.BigEndian.Uint16(b[2:]))
		case 127:
			size = binary.BigEndian.Uint64(b[2:])
		}
		fin, op := b[0]&0x80 != 0, b[0]&0x0f
		switch {
		case op == opText || op == opBinary:
			if fin {
				messages++
			}
			fragmented = !fin
		case op == opContinuation && fin:
			if fragmented {
				messages++
			}
			fragmented = false
		case op == opClose || op == opPing || op == opPong:
			control++
		}
		b = b[head:]
		if uint64(len(b)) <= size {
			break
		}
		b = b[size:]
	}
	return messages, control
}

// FuzzFrames holds the parser, fed in three pieces cut anywhere, to the
// oracle for any bytes.
func FuzzFrames(f *testing.F) {
	for _, tt := range frameTests {
		if len(tt.stream) < 1000 {
			f.Add(tt.stream, uint16(1), uint16(7))
		}
	}
	f.Add([]byte("\xff\xff\xff\xff"), uint16(0), uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, cut1, cut2 uint16) {
		i := min(int(cut1), len(b))
		j := min(i+int(cut2), len(b))
		m, c, fr := feedAll(b[:i], b[i:j], b[j:])
		if wm, wc := refCount(b); m != wm || c != wc {
			t.Fatalf("feed(%x) cut at %d and %d = %d messages, %d control; want %d, %d, as read at once", b, i, j, m, c, wm, wc)
		}
		if fr.n > maxFrameHead {
			t.Fatalf("head held %d bytes; want at most %d", fr.n, maxFrameHead)
		}
	})
}

func TestIsWebSocket(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		protocol string
		want     bool
	}{
		{"websocket", true}, {"WebSocket", true}, {" websocket , h2c", true},
		{"h2c", false}, {"echo", false}, {"h2c, websocket", false}, {"", false},
	} {
		if got := isWebSocket(tt.protocol); got != tt.want {
			t.Errorf("isWebSocket(%q) = %v; want %v", tt.protocol, got, tt.want)
		}
	}
}

// TestSwitchedConnConformance: the counting wrapper is a net.Conn as
// nettest holds one to, concurrent reads and writes included, parsing
// the test's bytes as WebSocket frames.
func TestSwitchedConnConformance(t *testing.T) {
	t.Parallel()
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		defer ln.Close()
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		server, err := ln.Accept()
		if err != nil {
			client.Close()
			return nil, nil, nil, err
		}
		sc := newSwitchedConn(server, "websocket", 0, time.Time{})
		return sc, client, func() { client.Close(); sc.Close() }, nil
	})
}

// TestSwitchedConnCloseWrite: a half-close reaches the socket, so the
// client reads EOF while it may still write.
func TestSwitchedConnCloseWrite(t *testing.T) {
	t.Parallel()
	server, client := wrappedPipe(t)
	sc := newSwitchedConn(server, "echo", 0, time.Time{})
	if err := sc.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite = %v; want the socket half-closed", err)
	}
	client.SetDeadline(time.Now().Add(5 * time.Second))
	if n, err := client.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("client read after CloseWrite = %d, %v; want EOF", n, err)
	}
	if _, err := client.Write([]byte("still")); err != nil {
		t.Errorf("client write after the server's CloseWrite = %v; want it to go through", err)
	}
	if err := sc.CloseRead(); err == nil {
		t.Errorf("CloseRead over a wrapper without one = nil; want errors.ErrUnsupported")
	}
	if sc.NetConn() != server {
		t.Errorf("NetConn() = %v; want the connection wrapped", sc.NetConn())
	}
}

// waitObserved waits for the n-th exchange c observes.
func waitObserved(t *testing.T, c *collect, n int) Exchange {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		if len(c.got) >= n {
			ex := c.got[n-1]
			c.mu.Unlock()
			return ex
		}
		c.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no exchange %d was observed", n)
	return Exchange{}
}

// TestMiddlewareUpgrade: a handler that switches protocols gets a
// connection that counts what crosses it after the 101, and the record
// has the counts; a CONNECT's hijack, which switches nothing, has none.
func TestMiddlewareUpgrade(t *testing.T) {
	t.Parallel()
	// The switched handler answers 101 on the raw connection, then echoes
	// what the client sends, as many bytes as the client said in its
	// X-Bytes header.
	ts, c := observed(t, Config{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + r.Header.Get("Upgrade") + "\r\n\r\n")
		rw.Flush()
		var n int64
		fmt.Sscan(r.Header.Get("X-Bytes"), &n)
		io.CopyN(conn, conn, n)
	}))
	client := join(wsFrame(fin, opText, masked, 5, 0), wsFrame(fin, opBinary, masked, 300, 0), wsFrame(fin, opClose, masked, 2, 0))
	tests := []struct {
		name, upgrade string
		send          []byte
		early         bool // the frames go in the request's own write, so net/http reads them ahead
		want          *Stream
	}{
		{"websocket", "websocket", client, false, &Stream{Protocol: "websocket", BytesSent: int64(len(client)), BytesReceived: int64(len(client)),
			MessagesSent: 2, MessagesReceived: 2, ControlSent: 1, ControlReceived: 1}},
		{"websocket, frames read ahead", "websocket", client, true, &Stream{Protocol: "websocket", BytesSent: int64(len(client)), BytesReceived: int64(len(client)),
			MessagesSent: 2, MessagesReceived: 2, ControlSent: 1, ControlReceived: 1}},
		{"another protocol", "echo", client, false, &Stream{Protocol: "echo", BytesSent: int64(len(client)), BytesReceived: int64(len(client))}},
		{"no switch asked", "", []byte("tunnel"), false, nil},
	}
	for i, tt := range tests { // one at a time: each is the next exchange
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			head := fmt.Sprintf("GET /ws HTTP/1.1\r\nHost: x\r\nX-Bytes: %d\r\n", len(tt.send))
			if tt.upgrade != "" {
				head += "Connection: Upgrade\r\nUpgrade: " + tt.upgrade + "\r\n"
			}
			if tt.early {
				conn.Write(append([]byte(head+"\r\n"), tt.send...))
			} else {
				io.WriteString(conn, head+"\r\n")
			}
			br := bufio.NewReader(conn)
			res, err := http.ReadResponse(br, nil)
			if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("the switch = %v, %v; want 101", res, err)
			}
			if !tt.early {
				conn.Write(tt.send)
			}
			echo := make([]byte, len(tt.send))
			if _, err := io.ReadFull(br, echo); err != nil || string(echo) != string(tt.send) {
				t.Fatalf("echo = %x, %v; want what was sent", echo, err)
			}
			ex := waitObserved(t, c, i+1)
			switch got := ex.Upgrade; {
			case tt.want == nil && got != nil:
				t.Errorf("recorded upgrade %+v; want none", got)
			case tt.want != nil && (got == nil || !reflect.DeepEqual(got, tt.want)):
				t.Errorf("recorded upgrade %+v; want %+v", got, tt.want)
			}
			if ex.Status != http.StatusSwitchingProtocols {
				t.Errorf("recorded status %d; want 101", ex.Status)
			}
		})
	}
}

// TestSwitchedConnCounts: a frame counts once its head has crossed, and
// what crosses after a snapshot is not in it.
func TestSwitchedConnCounts(t *testing.T) {
	t.Parallel()
	server, client := net.Pipe()
	defer client.Close()
	sc := newSwitchedConn(server, "websocket", 0, time.Time{})
	defer sc.Close()
	client.SetDeadline(time.Now().Add(5 * time.Second))
	// write has the wrapper write p, the client read it, and returns once
	// the write, and so its counting, is done.
	write := func(p []byte) {
		t.Helper()
		done := make(chan struct{})
		go func() { defer close(done); sc.Write(p) }()
		if _, err := io.ReadFull(client, make([]byte, len(p))); err != nil {
			t.Fatal(err)
		}
		<-done
	}
	text := wsFrame(fin, opText, unmasked, 3, 0)
	write(text)
	write(text[:1]) // half a head: no frame yet
	snap := sc.snapshot()
	if want := (Stream{Protocol: "websocket", BytesReceived: int64(len(text) + 1), MessagesReceived: 1}); !reflect.DeepEqual(*snap, want) {
		t.Errorf("snapshot = %+v; want %+v", *snap, want)
	}
	write(text[1:])
	if now := sc.snapshot(); snap.MessagesReceived != 1 || now.MessagesReceived != 2 || now.BytesReceived != int64(2*len(text)) {
		t.Errorf("after the rest of the frame, the snapshot taken has %d messages, a new one %+v; want 1, and 2 in %d bytes", snap.MessagesReceived, *now, 2*len(text))
	}
}

// wsMsg is a WebSocket frame carrying payload, masked with key when key
// is not nil.
func wsMsg(fin bool, op byte, key []byte, payload []byte) []byte {
	f := wsFrame(fin, op, key != nil, len(payload), 0)
	f = f[:len(f)-len(payload)]
	if key == nil {
		return append(f, payload...)
	}
	copy(f[len(f)-4:], key)
	for i, c := range payload {
		f = append(f, c^key[i%4])
	}
	return f
}

// closePayload is a close frame's payload: code, then reason.
func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// wsMsgs is a message each way as the tests want it, its time left out.
func wsText(text string, size int64, cut bool) StreamMessage {
	return StreamMessage{Dir: "sent", Type: "text", Text: text, Size: size, Cut: cut}
}

func wsBinary(b64 string, size int64, cut bool) StreamMessage {
	return StreamMessage{Dir: "sent", Type: "binary", Base64: b64, Size: size, Cut: cut}
}

var (
	key1 = []byte{0x37, 0xfa, 0x21, 0x3d}
	key2 = []byte{0x01, 0x80, 0xff, 0x5a}
)

var keepTests = []struct {
	name   string
	limit  int
	stream []byte
	kept   []StreamMessage
}{
	{"text, unmasked", 1024, wsMsg(fin, opText, nil, []byte("hello")), []StreamMessage{wsText("hello", 5, false)}},
	{"text, masked", 1024, wsMsg(fin, opText, key1, []byte("hello")), []StreamMessage{wsText("hello", 5, false)}},
	{"empty text", 1024, wsMsg(fin, opText, key1, nil), []StreamMessage{wsText("", 0, false)}},
	{"binary", 1024, wsMsg(fin, opBinary, key1, []byte{0, 1, 2, 0xff}), []StreamMessage{wsBinary("AAEC/w==", 4, false)}},
	{"binary that reads as text stays binary", 1024, wsMsg(fin, opBinary, nil, []byte("abc")), []StreamMessage{wsBinary("YWJj", 3, false)}},
	{"text not UTF-8 is base64", 1024, wsMsg(fin, opText, key1, []byte{'a', 0xff}), []StreamMessage{{Dir: "sent", Type: "text", Base64: "Yf8=", Size: 2}}},
	{"fragmented, each frame its own mask", 1024, join(
		wsMsg(more, opText, key1, []byte("hel")), wsMsg(more, opContinuation, key2, []byte("lo, ")),
		wsMsg(fin, opContinuation, key1, []byte("world"))), []StreamMessage{wsText("hello, world", 12, false)}},
	{"control frames between fragments", 1024, join(
		wsMsg(more, opBinary, key1, []byte{1, 2}), wsMsg(fin, opPing, key2, []byte("ping")),
		wsMsg(more, opContinuation, key2, []byte{3}), wsMsg(fin, opPong, key1, []byte("pong")),
		wsMsg(fin, opContinuation, key1, []byte{4, 5})), []StreamMessage{wsBinary("AQIDBAU=", 5, false)}},
	{"a close between fragments", 1024, join(
		wsMsg(more, opText, nil, []byte("ab")), wsMsg(fin, opClose, nil, closePayload(1001, "away")),
		wsMsg(fin, opContinuation, nil, []byte("cd"))), []StreamMessage{
		wsText("abcd", 4, false), {Dir: "sent", Type: "close", Code: 1001, Text: "away", Size: 4}}}, // in the order they began
	{"pings and pongs are not kept", 1024, join(wsMsg(fin, opPing, key1, []byte("p")), wsMsg(fin, opPong, key1, nil)), nil},
	{"the first close alone", 1024, join(
		wsMsg(fin, opClose, key1, closePayload(1000, "bye")), wsMsg(fin, opClose, key1, closePayload(1002, "again"))), []StreamMessage{
		{Dir: "sent", Type: "close", Code: 1000, Text: "bye", Size: 3}}},
	{"a close without a code", 1024, wsMsg(fin, opClose, key1, nil), []StreamMessage{{Dir: "sent", Type: "close"}}},
	{"a close of one byte", 1024, wsMsg(fin, opClose, nil, []byte{3}), []StreamMessage{{Dir: "sent", Type: "close", Text: "\x03", Size: 1}}},
	{"a close too long, as garbage has", 1024, wsMsg(fin, opClose, key2, closePayload(1000, strings.Repeat("r", 300))), []StreamMessage{
		{Dir: "sent", Type: "close", Code: 1000, Text: strings.Repeat("r", maxControl-2), Size: 300, Cut: true}}},
	{"a close's reason to the limit", 2, wsMsg(fin, opClose, key2, closePayload(1011, "oops")), []StreamMessage{
		{Dir: "sent", Type: "close", Code: 1011, Text: "oo", Size: 4, Cut: true}}},
	{"oversized", 1024, wsMsg(fin, opText, key1, bytes.Repeat([]byte("a"), 70000)), []StreamMessage{wsText(strings.Repeat("a", 1024), 70000, true)}},
	{"oversized across frames", 6, join(
		wsMsg(more, opText, key1, []byte("abcd")), wsMsg(fin, opContinuation, key2, []byte("efghij"))), []StreamMessage{wsText("abcdef", 10, true)}},
	{"cut mid-rune", 4, wsMsg(fin, opText, key1, []byte("aéé")), []StreamMessage{wsText("aé", 5, true)}},
	{"binary cut", 2, wsMsg(fin, opBinary, key2, []byte{9, 8, 7}), []StreamMessage{wsBinary("CQg=", 3, true)}},
	{"compressed (RSV1): as it crossed", 1024, join(
		func() []byte { f := wsMsg(more, opText, key1, []byte{0xf2, 0x48}); f[0] |= 0x40; return f }(),
		wsMsg(fin, opContinuation, key2, []byte{0xcd, 0x00})), []StreamMessage{{Dir: "sent", Type: "text", Base64: "8kjNAA==", Size: 4, Compressed: true}}},
	{"unfinished: not kept", 1024, wsMsg(more, opText, key1, []byte("half")), nil},
	{"a message begun anew drops the first", 1024, join(
		wsMsg(more, opText, key1, []byte("lost")), wsMsg(fin, opText, key1, []byte("kept"))), []StreamMessage{wsText("kept", 4, false)}},
	{"a continuation of nothing", 1024, join(wsMsg(fin, opContinuation, key1, []byte("x")), wsMsg(fin, opText, nil, []byte("y"))), []StreamMessage{wsText("y", 1, false)}},
	{"reserved opcodes", 1024, join(wsMsg(fin, 0x3, key1, []byte("x")), wsMsg(fin, 0xb, nil, []byte("y"))), nil},
}

// feedKeep feeds pieces in turn to a new parser keeping limit bytes of
// each message.
func feedKeep(limit int, pieces ...[]byte) (messages, control int64, f *frames) {
	f = &frames{keep: &keeper{dir: "sent", limit: limit, start: time.Now()}}
	for _, p := range pieces {
		m, c := f.feed(p)
		messages += m
		control += c
	}
	return messages, control, f
}

func TestFramesKeep(t *testing.T) {
	t.Parallel()
	for _, tt := range keepTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantM, wantC := refCount(tt.stream)
			check := func(how string, pieces ...[]byte) {
				t.Helper()
				m, c, f := feedKeep(tt.limit, pieces...)
				if got := untimed(t, f.keep.kept); !reflect.DeepEqual(got, tt.kept) {
					t.Fatalf("feed %s kept %+v; want %+v", how, got, tt.kept)
				}
				if m != wantM || c != wantC {
					t.Fatalf("feed %s, keeping, = %d messages, %d control; want %d, %d, as without", how, m, c, wantM, wantC)
				}
				if cap(f.keep.buf) > tt.limit {
					t.Fatalf("feed %s grew its buffer to %d bytes; want at most %d", how, cap(f.keep.buf), tt.limit)
				}
			}
			check("whole", tt.stream)
			for i := range len(tt.stream) + 1 {
				check(fmt.Sprintf("split at byte %d", i), tt.stream[:i], tt.stream[i:])
			}
			if len(tt.stream) < 1000 {
				pieces := make([][]byte, len(tt.stream))
				for i := range tt.stream {
					pieces[i] = tt.stream[i : i+1]
				}
				check("a byte at a time", pieces...)
			}
		})
	}
}

// TestFramesKeepMax: the first MaxKept data messages are kept, and the
// first close, whatever comes after.
func TestFramesKeepMax(t *testing.T) {
	t.Parallel()
	var stream []byte
	var want []StreamMessage
	for i := range MaxKept + 5 {
		s := fmt.Sprint(i)
		stream = append(stream, wsMsg(fin, opText, key1, []byte(s))...)
		stream = append(stream, wsMsg(fin, opPing, key1, nil)...)
		if i < MaxKept {
			want = append(want, wsText(s, int64(len(s)), false))
		}
	}
	stream = append(stream, wsMsg(fin, opClose, key1, closePayload(1000, ""))...)
	want = append(want, StreamMessage{Dir: "sent", Type: "close", Code: 1000})
	m, c, f := feedKeep(MaxMessageBytes, stream)
	if got := untimed(t, f.keep.kept); m != MaxKept+5 || c != MaxKept+6 || !reflect.DeepEqual(got, want) {
		t.Errorf("feed = %d messages, %d control, kept %+v; want %d, %d, %+v", m, c, got, MaxKept+5, MaxKept+6, want)
	}
}

// FuzzFramesKeep: keeping changes no count, never panics, and keeps
// within its bounds, for any bytes cut anywhere.
func FuzzFramesKeep(f *testing.F) {
	for _, tt := range keepTests {
		if len(tt.stream) < 1000 {
			f.Add(tt.stream, uint16(1), uint16(7), uint16(tt.limit))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, cut1, cut2, limit uint16) {
		i := min(int(cut1), len(b))
		j := min(i+int(cut2), len(b))
		lim := 1 + int(limit%MaxMessageBytes)
		m, c, fr := feedKeep(lim, b[:i], b[i:j], b[j:])
		if wm, wc := refCount(b); m != wm || c != wc {
			t.Fatalf("feed(%x), keeping, = %d messages, %d control; want %d, %d", b, m, c, wm, wc)
		}
		k := fr.keep
		if k.data > MaxKept || len(k.kept) > MaxKept+1 || cap(k.buf) > lim {
			t.Fatalf("kept %d messages (%d data), a buffer of %d; want at most %d, and %d bytes", len(k.kept), k.data, cap(k.buf), MaxKept+1, lim)
		}
		for _, km := range k.kept {
			raw, err := base64.StdEncoding.DecodeString(km.Base64)
			if n := len(km.Text) + len(raw); err != nil || n > lim || int64(n) > km.Size {
				t.Fatalf("kept %+v; want at most %d bytes, and no more than its size", km, lim)
			}
		}
	})
}
