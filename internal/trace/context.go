// Package trace is roundtrip's distributed tracing: W3C Trace Context
// (the traceparent and tracestate headers: parsed, checked, continued and
// made), and export of spans over OTLP/HTTP with the OpenTelemetry SDK,
// off unless a collector is named. The ids are made here, cheaply, so
// that every exchange has one whether or not it is exported.
package trace

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strings"
)

// ID is a trace id: 16 bytes, never all zero when valid.
type ID [16]byte

// SpanID is a span (parent) id: 8 bytes, never all zero when valid.
type SpanID [8]byte

// IsZero reports whether id is the invalid all-zero id.
func (id ID) IsZero() bool { return id == ID{} }

// IsZero reports whether id is the invalid all-zero id.
func (id SpanID) IsZero() bool { return id == SpanID{} }

// String is id in lowercase hex, "" for the zero id.
func (id ID) String() string {
	if id.IsZero() {
		return ""
	}
	return hex.EncodeToString(id[:])
}

// String is id in lowercase hex, "" for the zero id.
func (id SpanID) String() string {
	if id.IsZero() {
		return ""
	}
	return hex.EncodeToString(id[:])
}

// MarshalText writes id as String does, so JSON holds it as a string.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// MarshalText writes id as String does, so JSON holds it as a string.
func (id SpanID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText reads what MarshalText wrote; "" is the zero id.
func (id *ID) UnmarshalText(b []byte) error {
	*id = ID{}
	if len(b) == 0 {
		return nil
	}
	if !decodeHex(id[:], string(b)) {
		return errBadID
	}
	return nil
}

// UnmarshalText reads what MarshalText wrote; "" is the zero id.
func (id *SpanID) UnmarshalText(b []byte) error {
	*id = SpanID{}
	if len(b) == 0 {
		return nil
	}
	if !decodeHex(id[:], string(b)) {
		return errBadID
	}
	return nil
}

type idError struct{}

func (idError) Error() string { return "trace: an id is lowercase hex of its exact length" }

var errBadID error = idError{}

// ParseID reads a trace id in lowercase hex; the zero id is not one.
func ParseID(s string) (ID, bool) {
	var id ID
	return id, len(s) == 32 && decodeHex(id[:], s) && !id.IsZero()
}

// The trace-flags bits roundtrip knows: sampled (the caller may have
// recorded the trace) and, from Trace Context Level 2, random (the trace
// id's right 7 bytes are random). Others are dropped as they are passed on.
const (
	Sampled = 0x01
	Random  = 0x02
)

// Context is a span's place in a trace, as traceparent carries it, and
// the vendors' tracestate, passed along unread.
type Context struct {
	TraceID ID
	SpanID  SpanID
	Flags   byte
	State   string // tracestate, checked by ParseState, or ""
}

// Valid reports whether c has both ids.
func (c Context) Valid() bool { return !c.TraceID.IsZero() && !c.SpanID.IsZero() }

// IsSampled reports whether c's sampled flag is set.
func (c Context) IsSampled() bool { return c.Flags&Sampled != 0 }

// Parse reads a traceparent header as the W3C Trace Context says a
// version-00 reader must: the version ff, uppercase hex and all-zero ids
// are invalid; version 00 is exactly 55 characters; a later version may
// be longer, with a '-' after the flags, and is read as 00 (its extra
// fields left out). Flags beyond Sampled and Random are dropped.
func Parse(traceparent string) (Context, bool) {
	s := traceparent
	var c Context
	if len(s) < 55 || len(s) > 512 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return c, false
	}
	var v, f [1]byte
	if !decodeHex(v[:], s[0:2]) || v[0] == 0xff || !decodeHex(c.TraceID[:], s[3:35]) ||
		!decodeHex(c.SpanID[:], s[36:52]) || !decodeHex(f[:], s[53:55]) {
		return Context{}, false
	}
	if v[0] == 0 && len(s) != 55 || len(s) > 55 && s[55] != '-' {
		return Context{}, false
	}
	c.Flags = f[0] & (Sampled | Random)
	if !c.Valid() {
		return Context{}, false
	}
	return c, true
}

// Valid reports whether s is a traceparent Parse accepts.
func Valid(s string) bool {
	_, ok := Parse(s)
	return ok
}

// Limits of a tracestate passed on: the spec's 32 list members and the
// 512 characters it says a vendor may cut the header to.
const (
	maxStateMembers = 32
	maxStateLen     = 512
)

// ParseState checks a tracestate header (its values joined by commas, as
// a list header is) and returns it to pass on, or "" when it is malformed
// or beyond the bounds: the spec's rule is to drop a tracestate that cannot
// be parsed, rather than half of it. Empty members are dropped.
func ParseState(values ...string) string {
	var b strings.Builder
	n := 0
	for _, v := range values {
		for m := range strings.SplitSeq(v, ",") {
			m = strings.Trim(m, " \t")
			if m == "" {
				continue
			}
			if !validMember(m) {
				return ""
			}
			n++
			if n > maxStateMembers || b.Len()+1+len(m) > maxStateLen {
				return ""
			}
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(m)
		}
	}
	return b.String()
}

// validMember checks key=value: a key of lowercase letters, digits and
// _-*/ (with one @ for a multi-tenant key), a value of printable ASCII
// but , and =, not ending in a space.
func validMember(m string) bool {
	k, v, ok := strings.Cut(m, "=")
	if !ok || k == "" || len(k) > 256 || v == "" || len(v) > 256 || v[len(v)-1] == ' ' {
		return false
	}
	at := false
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '-', c == '*', c == '/':
		case c == '@' && !at && i > 0 && i < len(k)-1:
			at = true
		default:
			return false
		}
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e || c == ',' || c == '=' {
			return false
		}
	}
	return true
}

// Traceparent formats c as a version-00 traceparent.
func (c Context) Traceparent() string {
	var b [55]byte
	return string(c.Append(b[:0]))
}

// Append appends c's version-00 traceparent to b, allocating only to
// grow b. The server writes one into every Server-Timing, so the digits
// go into an array, a byte's two at a time from a table, and b takes them
// in one append: 130 instructions, where hex.AppendEncode took 565 and
// hex.Encode into the array 510.
func (c Context) Append(b []byte) []byte {
	var s [55]byte
	s[0], s[1], s[2], s[35], s[52] = '0', '0', '-', '-', '-'
	t := (*[32]byte)(s[3:35])
	for i, v := range c.TraceID {
		p := &hexPairs[v]
		t[2*i], t[2*i+1] = p[0], p[1]
	}
	sp := (*[16]byte)(s[36:52])
	for i, v := range c.SpanID {
		p := &hexPairs[v]
		sp[2*i], sp[2*i+1] = p[0], p[1]
	}
	s[53], s[54] = hexPairs[c.Flags][0], hexPairs[c.Flags][1]
	return append(b, s[:]...)
}

// hexPairs is each byte's two lowercase hex digits.
var hexPairs = func() (t [256][2]byte) {
	const digits = "0123456789abcdef"
	for i := range t {
		t[i] = [2]byte{digits[i>>4], digits[i&15]}
	}
	return t
}()

// New starts a trace: a new trace id and span id, sampled.
func New() Context {
	return Context{TraceID: NewID(), SpanID: NewSpanID(), Flags: Sampled | Random}
}

// Child is a new span of c's trace, with c's flags and state: what a
// caller sends on, with c's SpanID as the new span's parent.
func (c Context) Child() Context {
	c.SpanID = NewSpanID()
	return c
}

// Continue is the context of a span that continues traceparent and
// tracestate, as a server continues its caller's: a child of a valid
// traceparent, with its flags and tracestate, or else a new trace. parent
// is the caller's span id, zero for a new trace.
func Continue(traceparent string, tracestate ...string) (c Context, parent SpanID) {
	if p, ok := Parse(traceparent); ok {
		p.State = ParseState(tracestate...)
		return p.Child(), p.SpanID
	}
	return New(), SpanID{}
}

// NewID is a random trace id, never zero. The ids come from math/rand/v2's
// runtime source: ChaCha8 per thread, seeded by the OS, lock-free and a few
// nanoseconds a call. Trace ids must be unique and random (the spec asks
// for random bits so that sampling on them is fair), not secret: they
// travel in clear headers, so crypto/rand's cost buys nothing.
func NewID() ID {
	var id ID
	for id.IsZero() {
		putUint64(id[:8], rand.Uint64())
		putUint64(id[8:], rand.Uint64())
	}
	return id
}

// NewSpanID is a random span id, never zero; see NewID.
func NewSpanID() SpanID {
	var id SpanID
	for id.IsZero() {
		putUint64(id[:], rand.Uint64())
	}
	return id
}

func putUint64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }

// decodeHex decodes s, lowercase hex of exactly 2*len(dst) digits, into
// dst; uppercase is invalid in Trace Context.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := nibble(s[2*i])
		lo, ok2 := nibble(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func nibble(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
