package observe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"
)

// Listener wraps ln's connections so that Middleware can time what comes
// before a request reaches it: when the request's first bytes arrived and,
// on a TLS connection's first request, the handshake. The http.Server needs
// ConnContext and ConnState, and TLS configs go through TimeHandshakes.
//
// The wrapper only notes times: deadlines, closing and everything else go
// straight to the connection, and it passes on CloseWrite (net/http's
// half-close), ReadFrom (sendfile) and SyscallConn. A type assertion to
// *net.TCPConn fails on it; NetConn returns the connection underneath.
// It does not offer WriteTo, which would read past the wrapper.
func Listener(ln net.Listener) net.Listener { return listener{ln} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &conn{Conn: c}
	tc.next.Store(true)
	return tc, nil
}

// conn notes, in monotonic nanoseconds since epoch, when the bytes that
// begin a request (or, on TLS, a handshake) arrive.
type conn struct {
	net.Conn
	next  atomic.Bool  // the next bytes read begin a request or a handshake
	start atomic.Int64 // when they arrived; 0 when unknown

	tlsStart, tlsEnd atomic.Int64 // the handshake; tlsEnd is 0 until it is done
	tlsClaimed       atomic.Bool  // an exchange has reported the handshake
}

// epoch anchors conn's readings: time.Since(epoch) reads only the monotonic
// clock.
var epoch = time.Now()

func since() int64 { return int64(time.Since(epoch)) }

// at is the instant ns (since epoch) on the clock of ref, which has a
// monotonic reading: it follows ref's wall clock even if the wall clock
// has stepped since epoch.
func at(ref time.Time, ns int64) time.Time {
	return ref.Add(time.Duration(ns) - ref.Sub(epoch))
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.next.Load() && c.next.Swap(false) {
		c.start.Store(since())
	}
	return n, err
}

// CloseWrite half-closes the connection. net/http does that before it
// closes one it will read no more from, so the client gets the whole
// answer (a 431, a 413) before the reset that unread bytes cause.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

// ReadFrom lets net/http send a file with sendfile, as on the bare socket.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// SyscallConn reaches the socket, for socket options.
func (c *conn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

// NetConn is the connection underneath, as tls.Conn.NetConn is.
func (c *conn) NetConn() net.Conn { return c.Conn }

// ready expects the next bytes read to begin a request.
func (c *conn) ready() {
	c.start.Store(0)
	c.next.Store(true)
}

// requestStart is when the current request's first bytes arrived, on
// ref's clock, or zero when unknown.
func (c *conn) requestStart(ref time.Time) time.Time {
	if ns := c.start.Load(); ns != 0 {
		return at(ref, ns)
	}
	return time.Time{}
}

// handshake is the TLS handshake's start and end, on ref's clock, for the
// first exchange that asks; zero for every later one.
func (c *conn) handshake(ref time.Time) (start, end time.Time) {
	e := c.tlsEnd.Load()
	if e == 0 || !c.tlsClaimed.CompareAndSwap(false, true) {
		return time.Time{}, time.Time{}
	}
	return at(ref, c.tlsStart.Load()), at(ref, e)
}

type connKey struct{}

// ConnContext is the http.Server hook that makes a connection's times
// reachable from its requests.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if tc := connUnder(c); tc != nil {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

// ConnState is the http.Server hook that readies a connection for its
// next request's first bytes. Bytes a background read has already taken
// (a pipelined request) leave that request's read phase unknown rather
// than wrong.
func ConnState(c net.Conn, state http.ConnState) {
	if state == http.StateIdle {
		if tc := connUnder(c); tc != nil {
			tc.ready()
		}
	}
}

func connOf(ctx context.Context) *conn {
	c, _ := ctx.Value(connKey{}).(*conn)
	return c
}

// connUnder is the conn under c, a TLS connection's included, or nil.
func connUnder(c net.Conn) *conn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	tc, _ := c.(*conn)
	return tc
}

// TimeHandshakes returns a copy of cfg that times each handshake on a
// Listener's connection: from the ClientHello's first bytes to the point
// where the server has sent its last handshake flight and verified the
// client (crypto/tls's VerifyConnection). cfg's NextProtos must already
// list the protocols to offer: the copy made for each connection keeps
// them, not what a caller of Clone adds afterwards.
func TimeHandshakes(cfg *tls.Config) *tls.Config {
	base := cfg.Clone()
	choose := base.GetConfigForClient
	base.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		use := base
		if choose != nil {
			c, err := choose(hello)
			if err != nil {
				return nil, err
			}
			if c != nil {
				use = c
			}
		}
		c, ok := hello.Conn.(*conn)
		if !ok {
			if use == base {
				return nil, nil // base itself
			}
			return use, nil
		}
		c.tlsStart.Store(c.start.Load())
		per := use.Clone()
		per.GetConfigForClient = nil
		verify := per.VerifyConnection
		per.VerifyConnection = func(cs tls.ConnectionState) error {
			c.tlsEnd.Store(since())
			c.ready() // the first request comes next
			if verify != nil {
				return verify(cs)
			}
			return nil
		}
		return per, nil
	}
	return base
}
