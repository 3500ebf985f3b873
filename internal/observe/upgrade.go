package observe

import (
	"encoding/binary"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
)

// Upgrade is what crossed a switched connection (a 101's, such as a
// WebSocket through the proxy) after the switch, each way: sent is client
// to server, received is server to client, as Upstream names a tunnel's.
// The message and control counts are a WebSocket's, absent (zero) for
// other protocols.
type Upgrade struct {
	Protocol      string `json:"protocol"` // the request's Upgrade header, such as websocket
	BytesSent     int64  `json:"bytes_sent"`
	BytesReceived int64  `json:"bytes_received"`
	// Data messages whole: a final frame (FIN) of text or binary, or the
	// continuation that ends a fragmented one.
	MessagesSent     int64 `json:"messages_sent,omitempty"`
	MessagesReceived int64 `json:"messages_received,omitempty"`
	// Control frames: ping, pong and close.
	ControlSent     int64 `json:"control_sent,omitempty"`
	ControlReceived int64 `json:"control_received,omitempty"`
}

// switchedConn is a hijacked connection that counts what crosses it after
// a protocol switch: bytes read are the client's (sent), bytes written the
// server's (received). It counts what goes through it alone: the
// ReadWriter Hijack returns beside it is the raw connection's, and a proxy
// writes the 101 through that, so the head is not counted.
//
// It offers no ReadFrom or WriteTo, which would move bytes past the count.
type switchedConn struct {
	net.Conn
	protocol  string
	websocket bool

	sent, received     atomic.Int64
	msgSent, msgRecv   atomic.Int64
	ctrlSent, ctrlRecv atomic.Int64

	// A parser per direction, locked because a net.Conn may be read (or
	// written) by more than one goroutine at once; a proxy's copying uses
	// one each, so the locks are never contended there.
	readMu, writeMu sync.Mutex
	in, out         frames
}

func newSwitchedConn(c net.Conn, protocol string) *switchedConn {
	return &switchedConn{Conn: c, protocol: protocol, websocket: isWebSocket(protocol)}
}

// isWebSocket reports whether an Upgrade header names WebSocket, first
// among the protocols it lists.
func isWebSocket(protocol string) bool {
	first, _, _ := strings.Cut(protocol, ",")
	return strings.EqualFold(strings.TrimSpace(first), "websocket")
}

// Read counts what it read before the caller can pass it on.
func (c *switchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
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
func (c *switchedConn) snapshot() *Upgrade {
	return &Upgrade{
		Protocol:         c.protocol,
		BytesSent:        c.sent.Load(),
		BytesReceived:    c.received.Load(),
		MessagesSent:     c.msgSent.Load(),
		MessagesReceived: c.msgRecv.Load(),
		ControlSent:      c.ctrlSent.Load(),
		ControlReceived:  c.ctrlRecv.Load(),
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
			if uint64(len(p)) <= f.skip {
				f.skip -= uint64(len(p))
				return messages, control
			}
			p = p[f.skip:]
			f.skip = 0
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
	f.n = 0
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
