package server

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// sweepEvery is how often the sweeper enforces the socket deadlines that
// timedConn keeps: a deadline fires up to this much late.
const sweepEvery = 250 * time.Millisecond

// timedListener wraps each connection in a timedConn and runs the sweeper
// that enforces their deadlines.
type timedListener struct {
	net.Listener
	every  time.Duration
	limits *readLimits  // nil when net/http keeps the header and idle timeouts
	since  atomic.Int64 // the sweeper's last clock reading, in nanoseconds since epoch

	mu     sync.Mutex
	conns  map[*timedConn]struct{}
	done   chan struct{} // closed by stop
	exited chan struct{} // closed when the sweeper has returned
}

func newTimedListener(ln net.Listener, every time.Duration, limits *readLimits) *timedListener {
	l := &timedListener{Listener: ln, every: every, limits: limits, conns: make(map[*timedConn]struct{}), done: make(chan struct{}), exited: make(chan struct{})}
	l.tick(time.Now())
	go l.sweep()
	return l
}

// readLimits are the two read timeouts that timedConn keeps itself on a
// plain HTTP/1 listener, where net/http would read the clock for them on
// every request: the header timeout, from a request's first bytes (from
// the accept, for the first request), and the idle timeout between
// requests. A limit may fire up to sweepEvery early or late.
type readLimits struct {
	header, idle time.Duration
}

// connState is http.Server's ConnState hook: as net/http moves a
// connection between requests, it readies the timedConn for the next
// request's first bytes and moves its read limit.
func connState(c net.Conn, state http.ConnState) {
	tc := timedConnOf(c)
	if tc == nil {
		return
	}
	switch state {
	case http.StateIdle:
		// Bytes a background read already took (a pipelined request)
		// leave the next start unknown rather than wrong.
		tc.start.Store(0)
		tc.next.Store(laterRequest)
		if lim := tc.l.limits; lim != nil {
			tc.limit.Store(tc.l.since.Load() + int64(lim.idle))
		}
	case http.StateActive, http.StateHijacked, http.StateClosed:
		// The head is in: net/http's ReadTimeout covers the body.
		tc.next.Store(0)
		tc.limit.Store(0)
	}
}

func (l *timedListener) tick(now time.Time) {
	l.since.Store(int64(now.Sub(epoch)))
}

func (l *timedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := newTimedConn(c, l)
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

// stop ends the sweeper and waits for it. Deadlines of connections still
// open are no longer enforced, so it runs after the server's shutdown.
func (l *timedListener) stop() {
	close(l.done)
	<-l.exited
}

func (l *timedListener) sweep() {
	defer close(l.exited)
	t := time.NewTicker(l.every)
	defer t.Stop()
	var conns []*timedConn
	for {
		select {
		case <-l.done:
			return
		case now := <-t.C:
			l.tick(now)
			l.mu.Lock()
			conns = conns[:0]
			for c := range l.conns {
				conns = append(conns, c)
			}
			l.mu.Unlock()
			for _, c := range conns {
				c.sweep(now)
			}
			clear(conns) // let closed connections go
		}
	}
}

// timedConn stamps when each request's first bytes arrive, which is where
// the "headers read" phase begins, and keeps the connection's deadlines.
//
// net/http sets up to four deadlines per request (idle, headers, body,
// write) and clears them again; on the socket each costs two clock reads
// and a runtime timer update. timedConn only records a deadline, and the
// sweeper marks it expired once it has passed. An expired side fails its
// next read or write at once, and only an operation already blocked in the
// socket needs the deadline put on the socket to wake it. So net/http's
// way to stop its background read after each request (a deadline in the
// past, then none) usually never reaches the socket at all.
type timedConn struct {
	net.Conn
	l     *timedListener
	next  atomic.Int32 // what the next bytes read begin: firstRequest, laterRequest or 0
	start atomic.Int64 // when they arrived, as nanoseconds since epoch
	limit atomic.Int64 // the read limit running, in nanoseconds since epoch; 0 for none

	// Per side (read, write): the deadline as set, in nanoseconds since
	// epoch, 0 for none; and the operations in the socket now, with the
	// flags below.
	deadline [2]atomic.Int64
	ops      [2]atomic.Uint32
	timeout  [2]error   // each side's deadline error, made once
	mu       sync.Mutex // serializes expiring and clearing
}

const (
	readSide  = 0
	writeSide = 1

	// What the next bytes read begin, in next. The first request's header
	// limit runs from the accept, a later one's from its first bytes.
	firstRequest = 1
	laterRequest = 2

	// Flags in ops; the bits below them count operations.
	expired  = 1 << 31 // the side's deadline has passed
	onSocket = 1 << 30 // and the socket has it too
	opsCount = onSocket - 1
)

func newTimedConn(c net.Conn, l *timedListener) *timedConn {
	tc := &timedConn{Conn: c, l: l}
	for side, op := range [2]string{"read", "write"} {
		// As net.Conn reports it: an *OpError wrapping os.ErrDeadlineExceeded.
		tc.timeout[side] = &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.ErrDeadlineExceeded}
	}
	tc.next.Store(firstRequest)
	if l.limits != nil {
		tc.limit.Store(int64(time.Since(epoch) + l.limits.header))
	}
	return tc
}

// epoch anchors timedConn's readings: time.Since(epoch) reads only the
// monotonic clock, half the cost of time.Now.
var epoch = time.Now()

// anchor is a recent time.Now, for now.
var anchor atomic.Pointer[time.Time]

// reanchorEvery bounds how long now goes on from one wall clock reading.
const reanchorEvery = 250 * time.Millisecond

// now is time.Now at the cost of one monotonic clock read instead of a wall
// and a monotonic one: a recent anchor plus the monotonic time since. A step
// of the wall clock (or a suspend) shows in it within reanchorEvery.
func now() time.Time {
	if a := anchor.Load(); a != nil {
		if d := time.Since(*a); d < reanchorEvery {
			return a.Add(d)
		}
	}
	t := time.Now()
	anchor.Store(&t)
	return t
}

func (c *timedConn) Read(p []byte) (int, error) {
	if !c.enter(readSide) {
		return 0, c.timeout[readSide]
	}
	n, err := c.Conn.Read(p)
	c.ops[readSide].Add(^uint32(0))
	if n > 0 {
		if next := c.next.Load(); next != 0 && c.next.CompareAndSwap(next, 0) {
			at := int64(time.Since(epoch))
			c.start.Store(at)
			if lim := c.l.limits; lim != nil && next == laterRequest {
				c.limit.Store(at + int64(lim.header))
			}
		}
	}
	return n, err
}

func (c *timedConn) Write(p []byte) (int, error) {
	if !c.enter(writeSide) {
		return 0, c.timeout[writeSide]
	}
	n, err := c.Conn.Write(p)
	c.ops[writeSide].Add(^uint32(0))
	return n, err
}

// enter counts an operation into the socket, unless the side has expired.
func (c *timedConn) enter(side int) bool {
	ops := &c.ops[side]
	for {
		n := ops.Load()
		if n&expired != 0 {
			return false
		}
		if ops.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (c *timedConn) SetDeadline(t time.Time) error {
	if err := c.setDeadline(readSide, t); err != nil {
		return err
	}
	return c.setDeadline(writeSide, t)
}

func (c *timedConn) SetReadDeadline(t time.Time) error  { return c.setDeadline(readSide, t) }
func (c *timedConn) SetWriteDeadline(t time.Time) error { return c.setDeadline(writeSide, t) }

func (c *timedConn) setDeadline(side int, t time.Time) error {
	var d int64
	if !t.IsZero() {
		if d = int64(t.Sub(epoch)); d == 0 {
			d = -1 // 0 means none
		}
	}
	c.deadline[side].Store(d)
	// The sweeper's clock lags, so anything before it is surely past.
	if d != 0 && d < c.l.since.Load() {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.expire(side, t)
	}
	if c.ops[side].Load()&expired == 0 {
		return nil // nothing to undo: net/http's usual case
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops[side].And(^uint32(expired|onSocket))&onSocket != 0 {
		return c.socketDeadline(side, time.Time{})
	}
	return nil
}

// expire marks side's deadline t as passed. An operation already in the
// socket gets t there too, which wakes it; later ones fail in enter.
// Callers hold c.mu.
func (c *timedConn) expire(side int, t time.Time) error {
	n := c.ops[side].Or(expired)
	if n&opsCount == 0 || n&onSocket != 0 {
		return nil
	}
	c.ops[side].Or(onSocket)
	return c.socketDeadline(side, t)
}

// sweep expires each deadline, and the read limit, that has passed by now.
func (c *timedConn) sweep(now time.Time) {
	since := int64(now.Sub(epoch))
	c.mu.Lock()
	defer c.mu.Unlock()
	for side := range c.deadline {
		if d := c.deadline[side].Load(); d != 0 && d <= since {
			_ = c.expire(side, now) // a closed connection needs none
		}
	}
	if limit := c.limit.Load(); limit != 0 && limit <= since {
		_ = c.expire(readSide, now)
	}
}

func (c *timedConn) socketDeadline(side int, t time.Time) error {
	if side == readSide {
		return c.Conn.SetReadDeadline(t)
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *timedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// requestStart is when the current request's first bytes arrived, or zero.
func (c *timedConn) requestStart() time.Time {
	if ns := c.start.Load(); ns != 0 {
		return epoch.Add(time.Duration(ns))
	}
	return time.Time{}
}

type connKey struct{}

func connContext(ctx context.Context, c net.Conn) context.Context {
	if tc := timedConnOf(c); tc != nil {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

// timedConnOf is the timedConn under c, a TLS one's included, or nil.
func timedConnOf(c net.Conn) *timedConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	tc, _ := c.(*timedConn)
	return tc
}
