package client

import (
	"context"
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"slices"
	"sync"
	"time"
)

// Phase is one stretch of a round trip, in the order it happens.
type Phase int

// The phases of a round trip. DNS, Connect and TLS are zero on a reused
// connection; Wait is the time to first byte after the request is sent,
// the server's work plus one trip across the network.
const (
	DNS     Phase = iota // resolving the host name
	Connect              // the TCP handshake
	TLS                  // the TLS handshake
	Send                 // writing the request's head and body
	Wait                 // from the request written to the response's first byte
	Receive              // from the first byte to the end of the body
	NumPhases
)

var phaseNames = [NumPhases]string{"dns", "connect", "tls", "send", "wait", "receive"}

// String is the phase's short lowercase name, such as "dns" or "wait".
func (p Phase) String() string {
	if p < 0 || p >= NumPhases {
		return "unknown"
	}
	return phaseNames[p]
}

// Phases is the duration of each phase of one round trip, indexed by Phase.
type Phases [NumPhases]time.Duration

// Timeline is when each event of one round trip happened. A zero time
// means the event did not happen, as DNS does not on a reused connection.
type Timeline struct {
	Start        time.Time // Reset was called: the request is about to go
	DNSStart     time.Time
	DNSDone      time.Time
	ConnectStart time.Time // the first dial began
	ConnectDone  time.Time // a dial succeeded
	TLSStart     time.Time
	TLSDone      time.Time
	GotConn      time.Time // a connection was ready, new or reused
	WroteRequest time.Time
	FirstByte    time.Time // the first byte of the response's head arrived
	End          time.Time // Finish was called: the body was read

	Reused     bool     // the connection had carried an earlier request
	RemoteAddr net.Addr // the server's address, nil until GotConn
	TLSVersion uint16   // 0 without TLS
}

// Phases returns the duration of each phase. A phase whose end is missing,
// such as Receive before Finish, is zero.
func (tl Timeline) Phases() Phases {
	var p Phases
	p[DNS] = span(tl.DNSStart, tl.DNSDone)
	p[Connect] = span(tl.ConnectStart, tl.ConnectDone)
	p[TLS] = span(tl.TLSStart, tl.TLSDone)
	p[Send] = span(tl.GotConn, tl.WroteRequest)
	p[Wait] = span(tl.WroteRequest, tl.FirstByte)
	p[Receive] = span(tl.FirstByte, tl.End)
	return p
}

// Total is the time from Start to End, or zero before Finish.
func (tl Timeline) Total() time.Duration { return span(tl.Start, tl.End) }

func span(from, to time.Time) time.Duration {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return to.Sub(from)
}

// Trace records a Timeline through an httptrace.ClientTrace. Its hooks are
// bound once, in NewTrace, and record without allocating, so a load
// generator can keep one Trace per worker: attach it to a context once with
// Context, then for each request call Reset, send the request with that
// context, read the body, call Finish and read Timeline.
//
// The transport calls the hooks from its own goroutines, so a Trace guards
// its Timeline with a mutex. Keep one Trace to one request at a time.
type Trace struct {
	mu   sync.Mutex
	tl   Timeline
	sent []Field // with KeepSent
	ct   httptrace.ClientTrace
}

// Field is one header field as the transport wrote it: over HTTP/1 as it
// went on the wire, over HTTP/2 lowercase, with the pseudo-headers
// (:authority, :method, :path, :scheme) first.
type Field struct{ Name, Value string }

// NewTrace returns a Trace whose hooks are ready to attach.
func NewTrace() *Trace {
	t := new(Trace)
	t.ct = httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { t.mark(&t.tl.DNSStart, true) },
		DNSDone:  func(httptrace.DNSDoneInfo) { t.mark(&t.tl.DNSDone, false) },
		ConnectStart: func(string, string) {
			t.mark(&t.tl.ConnectStart, true) // Happy Eyeballs may dial twice
		},
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				t.mark(&t.tl.ConnectDone, true)
			}
		},
		TLSHandshakeStart: func() { t.mark(&t.tl.TLSStart, true) },
		TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
			if err != nil {
				return
			}
			now := time.Now()
			t.mu.Lock()
			t.tl.TLSDone, t.tl.TLSVersion = now, cs.Version
			t.mu.Unlock()
		},
		GotConn: func(info httptrace.GotConnInfo) {
			now := time.Now()
			t.mu.Lock()
			t.sent = nil // a request retried on a new connection is written again
			t.tl.GotConn, t.tl.Reused = now, info.Reused
			if info.Conn != nil {
				t.tl.RemoteAddr = info.Conn.RemoteAddr()
			}
			t.mu.Unlock()
		},
		WroteRequest: func(httptrace.WroteRequestInfo) { t.mark(&t.tl.WroteRequest, false) },
		// A 1xx answer arrives first too; the time to first byte counts it,
		// as browsers' Network panels do.
		GotFirstResponseByte: func() { t.mark(&t.tl.FirstByte, true) },
	}
	return t
}

// KeepSent makes the Trace keep the request's header fields as the
// transport writes them, in order (httptrace's WroteHeaderField), for
// Sent: call it before Context. It allocates, so a load generator leaves
// it off.
func (t *Trace) KeepSent() {
	t.ct.WroteHeaderField = func(name string, values []string) {
		t.mu.Lock()
		for _, v := range values {
			t.sent = append(t.sent, Field{name, v})
		}
		t.mu.Unlock()
	}
}

// Sent returns the header fields written since Reset, with KeepSent.
func (t *Trace) Sent() []Field {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.sent)
}

// mark sets *at to now; if first, only when it is not yet set.
func (t *Trace) mark(at *time.Time, first bool) {
	now := time.Now()
	t.mu.Lock()
	if !first || at.IsZero() {
		*at = now
	}
	t.mu.Unlock()
}

// Context returns ctx with the trace attached. Contexts made from it carry
// the trace too, so one Context call can serve many requests in turn.
func (t *Trace) Context(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &t.ct)
}

// Reset clears the timeline and marks its Start: call it just before
// sending a request.
func (t *Trace) Reset() {
	now := time.Now()
	t.mu.Lock()
	t.tl, t.sent = Timeline{Start: now}, nil
	t.mu.Unlock()
}

// Finish marks the End of the round trip: call it once the body is read.
func (t *Trace) Finish() { t.mark(&t.tl.End, false) }

// Timeline returns a copy of what has been recorded since Reset.
//
// HTTP/2's transport writes a request from a goroutine of its own and can
// report it written only after the answer has begun. The request had gone
// by then; when its write was reported late or not at all, the timeline
// has it written as the connection was got, so that the wait holds the
// (short) send rather than vanishing.
func (t *Trace) Timeline() Timeline {
	t.mu.Lock()
	defer t.mu.Unlock()
	tl := t.tl
	if !tl.FirstByte.IsZero() && !tl.GotConn.IsZero() && (tl.WroteRequest.IsZero() || tl.WroteRequest.After(tl.FirstByte)) {
		tl.WroteRequest = tl.GotConn
	}
	return tl
}
