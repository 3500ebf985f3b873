package observe

import (
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// switchedConn is a hijacked connection that counts what crosses it after
// a protocol switch: bytes read are the client's (sent), bytes written the
// server's (received). It counts what goes through it alone: the
// ReadWriter Hijack returns beside it is the raw connection's, and a proxy
// writes the 101 through that, so the head is not counted.
//
// With a limit, a WebSocket's also keeps the first messages each way
// (frames.keep).
//
// It offers no ReadFrom or WriteTo, which would move bytes past the count.
type switchedConn struct {
	net.Conn
	protocol  string
	websocket bool

	sent, received     atomic.Int64
	msgSent, msgRecv   atomic.Int64
	ctrlSent, ctrlRecv atomic.Int64

	// ahead is what net/http had read past the request before the
	// hijack: the client's first bytes after it, served first.
	ahead []byte

	// A parser per direction, locked because a net.Conn may be read (or
	// written) by more than one goroutine at once; a proxy's copying uses
	// one each, so the locks are never contended there.
	readMu, writeMu sync.Mutex
	in, out         frames
}

// newSwitchedConn wraps c, switched to protocol, keeping up to limit bytes
// of each of a WebSocket's first messages, timed from start.
func newSwitchedConn(c net.Conn, protocol string, limit int, start time.Time) *switchedConn {
	sc := &switchedConn{Conn: c, protocol: protocol, websocket: isWebSocket(protocol)}
	if sc.websocket && limit > 0 {
		sc.in.keep = &keeper{dir: "sent", limit: limit, start: start}
		sc.out.keep = &keeper{dir: "received", limit: limit, start: start}
	}
	return sc
}

// isWebSocket reports whether an Upgrade header names WebSocket, first
// among the protocols it lists.
func isWebSocket(protocol string) bool {
	first, _, _ := strings.Cut(protocol, ",")
	return strings.EqualFold(strings.TrimSpace(first), "websocket")
}

// Read counts what it read before the caller can pass it on.
func (c *switchedConn) Read(p []byte) (int, error) {
	var n int
	var err error
	if len(c.ahead) > 0 {
		n = copy(p, c.ahead)
		c.ahead = c.ahead[n:]
	} else {
		n, err = c.Conn.Read(p)
	}
	if n > 0 {
		c.sent.Add(int64(n))
		if c.websocket {
			c.readMu.Lock()
			msgs, ctrl := c.in.feed(p[:n])
			c.readMu.Unlock()
			addNonZero(&c.msgSent, msgs)
			addNonZero(&c.ctrlSent, ctrl)
		}
	}
	return n, err
}

// Write counts p before it goes: the peer may answer it, and the exchange
// end, as soon as it arrives, and the record must have it then. A write
// cut short takes back the bytes that did not go; a frame whose head did
// not all go still counts, on a connection that is failing anyway.
func (c *switchedConn) Write(p []byte) (int, error) {
	c.received.Add(int64(len(p)))
	if c.websocket {
		c.writeMu.Lock()
		msgs, ctrl := c.out.feed(p)
		c.writeMu.Unlock()
		addNonZero(&c.msgRecv, msgs)
		addNonZero(&c.ctrlRecv, ctrl)
	}
	n, err := c.Conn.Write(p)
	if n < len(p) {
		c.received.Add(int64(n - len(p)))
	}
	return n, err
}

// addNonZero spares the atomic add for the reads that end no frame, most
// of a large message's.
func addNonZero(v *atomic.Int64, n int64) {
	if n != 0 {
		v.Add(n)
	}
}

// CloseWrite passes a half-close on: a proxy's copying half-closes the
// client's side when the app's ends.
func (c *switchedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// CloseRead passes a half-close of the reading side on.
func (c *switchedConn) CloseRead() error {
	if cr, ok := c.Conn.(interface{ CloseRead() error }); ok {
		return cr.CloseRead()
	}
	return errors.ErrUnsupported
}

// NetConn is the connection underneath, as tls.Conn.NetConn is.
func (c *switchedConn) NetConn() net.Conn { return c.Conn }

// snapshot is the counts so far. Each is read atomically, not all at once:
// bytes still crossing may land in one count and not another.
func (c *switchedConn) snapshot() *Stream {
	var kept []StreamMessage
	if c.in.keep != nil {
		c.readMu.Lock()
		c.writeMu.Lock()
		kept = mergeKept(c.in.keep.kept, c.out.keep.kept)
		c.writeMu.Unlock()
		c.readMu.Unlock()
	}
	return &Stream{
		Protocol:         c.protocol,
		BytesSent:        c.sent.Load(),
		BytesReceived:    c.received.Load(),
		MessagesSent:     c.msgSent.Load(),
		MessagesReceived: c.msgRecv.Load(),
		ControlSent:      c.ctrlSent.Load(),
		ControlReceived:  c.ctrlRecv.Load(),
		Messages:         kept,
	}
}

// frames counts the WebSocket frames (RFC 6455 §5.2) in one direction's
// bytes, fed in pieces of any size. Its state is bounded whatever the
// bytes: a frame's head, at most 14 bytes, and the count of payload bytes
// still to skip. Garbage reads as frames of some length, which it skips;
// the counts are then wrong, but nothing grows.
type frames struct {
	head [maxFrameHead]byte
	n    int    // bytes of head held
	skip uint64 // payload bytes left in the current frame
	// fragmented is set between a data message's first frame, sent
	// without FIN, and the continuation with FIN that ends it.
	fragmented bool
	size       uint64  // the current frame's payload length
	keep       *keeper // nil keeps no messages
}

// maxFrameHead is a frame head's most: two bytes, a 64-bit length and a
// masking key.
const maxFrameHead = 2 + 8 + 4

const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// feed reads p, the next bytes of the stream, and returns how many data
// messages and control frames ended in it. A frame counts once its head
// is whole: its payload need not have crossed yet.
func (f *frames) feed(p []byte) (messages, control int64) {
	for len(p) > 0 {
		if f.skip > 0 {
			n := min(uint64(len(p)), f.skip)
			if k := f.keep; k != nil && k.into != intoNone {
				k.payload(p[:n], f.size-f.skip)
			}
			f.skip -= n
			p = p[n:]
			if f.skip == 0 && f.keep != nil {
				f.keep.frameEnd()
			}
			continue
		}
		if f.n < 2 {
			c := copy(f.head[f.n:2], p)
			f.n += c
			p = p[c:]
			if f.n < 2 {
				return messages, control
			}
		}
		need := headLen(f.head[1])
		c := copy(f.head[f.n:need], p)
		f.n += c
		p = p[c:]
		if f.n < need {
			return messages, control
		}
		m, ctl := f.frame()
		messages += m
		control += ctl
		if f.keep != nil {
			f.keep.frameHead(&f.head, f.size)
			if f.skip == 0 {
				f.keep.frameEnd()
			}
		}
	}
	return messages, control
}

// headLen is the length of a frame head whose second byte is b1: the
// length field's extension and the masking key follow it.
func headLen(b1 byte) int {
	n := 2
	switch b1 & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}

// frame counts the frame whose head is whole, and readies the payload's
// skip and the next head.
func (f *frames) frame() (messages, control int64) {
	fin := f.head[0]&0x80 != 0
	switch f.head[1] & 0x7f {
	case 126:
		f.skip = uint64(binary.BigEndian.Uint16(f.head[2:4]))
	case 127:
		f.skip = binary.BigEndian.Uint64(f.head[2:10])
	default:
		f.skip = uint64(f.head[1] & 0x7f)
	}
	f.size, f.n = f.skip, 0
	switch f.head[0] & 0x0f {
	case opText, opBinary:
		if fin {
			messages = 1
		}
		f.fragmented = !fin
	case opContinuation:
		if fin && f.fragmented {
			messages = 1
		}
		f.fragmented = f.fragmented && !fin
	case opClose, opPing, opPong:
		control = 1 // may come between a fragmented message's frames
	}
	return messages, control
}

// keeper keeps the first MaxKept data messages of one direction of a
// WebSocket, and its first close frame, as frames parses them. Its memory
// is bounded: limit bytes of the message being read, a close frame's
// payload (125 bytes at most), and what it has kept.
type keeper struct {
	dir   string // sent or received
	limit int    // payload bytes kept of each message
	start time.Time
	kept  []StreamMessage

	into   uint8 // where the current frame's payload goes
	fin    bool  // the current frame is its message's last
	masked bool
	mask   [4]byte

	msg        bool // a data message to keep is being read
	data       int  // data messages kept
	binary     bool
	compressed bool
	at         float64
	size       int64  // the message's payload so far, whole
	buf        []byte // its first bytes, up to limit

	// A close frame, between a fragmented message's frames maybe.
	closed  bool // one is kept
	inMsg   bool // it came while the message being kept was
	ctlAt   float64
	ctlSize int64
	ctl     [maxControl]byte
	ctlN    int
}

const (
	intoNone = iota
	intoData
	intoClose
)

// maxControl is a control frame's longest payload (RFC 6455 §5.5).
const maxControl = 125

// frameHead readies the keeping of the frame whose head is whole, of
// size payload bytes.
func (k *keeper) frameHead(head *[maxFrameHead]byte, size uint64) {
	k.fin, k.masked, k.into = head[0]&0x80 != 0, head[1]&0x80 != 0, intoNone
	if k.masked {
		n := headLen(head[1])
		copy(k.mask[:], head[n-4:n])
	}
	switch head[0] & 0x0f {
	case opText, opBinary:
		// A message unfinished is dropped, as the counts drop it.
		k.msg, k.inMsg = k.data < MaxKept, false
		if k.msg {
			k.binary, k.compressed = head[0]&0x0f == opBinary, head[0]&0x40 != 0
			k.at, k.size, k.buf = msSince(k.start), 0, k.buf[:0]
			k.into = intoData
		}
	case opContinuation:
		if k.msg {
			k.into = intoData
		}
	case opClose:
		if !k.closed {
			k.ctlAt, k.ctlSize, k.ctlN = msSince(k.start), int64(size), 0
			k.inMsg = k.msg
			k.into = intoClose
		}
	}
}

// payload takes p, the frame's payload from byte off, unmasking what it keeps.
func (k *keeper) payload(p []byte, off uint64) {
	var kept []byte
	switch k.into {
	case intoData:
		k.size += int64(len(p))
		if k.buf == nil {
			k.buf = make([]byte, 0, k.limit)
		}
		n := len(k.buf)
		k.buf = append(k.buf, p[:min(len(p), k.limit-n)]...)
		kept = k.buf[n:]
	case intoClose:
		c := copy(k.ctl[k.ctlN:], p)
		kept = k.ctl[k.ctlN : k.ctlN+c]
		k.ctlN += c
	}
	if k.masked {
		for i := range kept {
			kept[i] ^= k.mask[(off+uint64(i))&3]
		}
	}
}

// frameEnd is the frame's payload having all crossed.
func (k *keeper) frameEnd() {
	if k.kept == nil && (k.into == intoData && k.fin || k.into == intoClose) {
		k.kept = make([]StreamMessage, 0, MaxKept+1) // one allocation, not five
	}
	switch {
	case k.into == intoData && k.fin:
		m := StreamMessage{Dir: k.dir, AtMS: k.at, Type: "text"}
		if k.binary {
			m.Type = "binary"
		}
		m.Compressed = k.compressed
		m.setPayload(k.buf, k.size, !k.binary && !k.compressed)
		k.kept = append(k.kept, m)
		if n := len(k.kept); k.inMsg {
			// The close began after the message: kept in the order they
			// began, it goes after.
			k.kept[n-2], k.kept[n-1] = k.kept[n-1], k.kept[n-2]
			k.inMsg = false
		}
		k.msg = false
		k.data++
	case k.into == intoClose:
		m := StreamMessage{Dir: k.dir, AtMS: k.ctlAt, Type: "close"}
		b, size := k.ctl[:k.ctlN], k.ctlSize
		if len(b) >= 2 { // the status code, then the reason
			m.Code = int(binary.BigEndian.Uint16(b))
			b, size = b[2:], size-2
		}
		m.setPayload(b[:min(len(b), k.limit)], size, true)
		k.kept = append(k.kept, m)
		k.closed = true
	}
	k.into = intoNone
}
