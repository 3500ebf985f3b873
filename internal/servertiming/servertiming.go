// Package servertiming formats and parses the W3C Server-Timing header: the
// server's own account of where a request's time went. The server writes it
// with Append; the client reads it back with Parse.
package servertiming

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/trace"
)

// Metric is one entry of a Server-Timing header.
type Metric struct {
	Name string
	Dur  time.Duration // zero when absent or not a number
	Desc string
}

// Append appends metrics to b as one Server-Timing header value, such as
// `read;dur=0.064, handler;dur=0.105;desc="greeting"`: dur in milliseconds
// to the microsecond, rounded half up (a negative Dur is written as 0), and
// desc, when not empty, as a quoted-string. It allocates only to grow b, as
// the server calls it on every response.
//
// Append does not check that names are tokens: callers pass constants. A
// control character in Desc, which a quoted-string cannot hold, becomes a
// space, so a description cannot break the header.
func Append(b []byte, metrics ...Metric) []byte {
	for i := range metrics {
		m := &metrics[i]
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = append(b, m.Name...)
		b = appendDur(b, m.Dur)
		if m.Desc != "" {
			b = append(b, `;desc="`...)
			b = appendQuoted(b, m.Desc)
			b = append(b, '"')
		}
	}
	return b
}

// AppendTraceparent appends to b, a header value that may hold metrics
// already, the server's span as `traceparent;desc="00-…"`, the direction
// of w3c/trace-context#556. A traceparent is hex and dashes: nothing to
// quote, so it goes in as trace.Context.Append writes it.
func AppendTraceparent(b []byte, c trace.Context) []byte {
	if len(b) > 0 {
		b = append(b, ',', ' ')
	}
	b = append(b, `traceparent;desc="`...)
	b = c.Append(b)
	return append(b, '"')
}

// Traceparent is the trace context of a response's Server-Timing, its
// traceparent metric's desc, as a roundtrip server (or any that follows
// w3c/trace-context#556) sends it: the server's own span.
func Traceparent(values []string) (trace.Context, bool) {
	for _, m := range Parse(values) {
		if m.Name == "traceparent" {
			return trace.Parse(m.Desc)
		}
	}
	return trace.Context{}, false
}

// appendDur appends ";dur=" and d in milliseconds with three decimals, in
// integer arithmetic. The constant bytes go in with the digits in one
// append, and under 10ms needs no AppendInt: that keeps it as cheap as the
// hand-written header it replaces.
func appendDur(b []byte, d time.Duration) []byte {
	d = max(d, 0)
	us := d / time.Microsecond
	if d%time.Microsecond >= time.Microsecond/2 {
		us++ // half up; adding before dividing could overflow near the maximum
	}
	ms, frac := us/1000, us%1000
	if ms < 10 {
		return append(b, ';', 'd', 'u', 'r', '=', byte('0'+ms), '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	}
	b = append(b, ';', 'd', 'u', 'r', '=')
	b = strconv.AppendInt(b, int64(ms), 10)
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// appendQuoted appends s with \ and " escaped, the inside of a
// quoted-string (RFC 9110 §5.6.4).
func appendQuoted(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < ' ' && c != '\t' || c == 0x7f:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return b
}

// Parse reads the metrics of Server-Timing header values, in order. As
// browsers do, it skips an entry whose name is not a token, ignores a
// parameter it cannot read, keeps the first of a repeated parameter, and
// takes dur in milliseconds.
func Parse(values []string) []Metric {
	var out []Metric
	for _, v := range values {
		for v != "" {
			var entry string
			entry, v = cutOutsideQuotes(v, ',')
			if m, ok := parseMetric(entry); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

func parseMetric(entry string) (Metric, bool) {
	name, params := cutOutsideQuotes(entry, ';')
	m := Metric{Name: strings.TrimSpace(name)}
	if !IsToken(m.Name) {
		return Metric{}, false
	}
	var haveDur, haveDesc bool
	for params != "" {
		var p string
		p, params = cutOutsideQuotes(params, ';')
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !IsToken(k) {
			continue
		}
		val, valid := paramValue(strings.TrimSpace(v))
		if !ok || !valid {
			continue
		}
		switch {
		case strings.EqualFold(k, "dur") && !haveDur:
			haveDur = true
			if ms, err := strconv.ParseFloat(val, 64); err == nil && ms >= 0 && ms*1e6 < math.MaxInt64 {
				// Rounded, not truncated: 1.001 is 1.000999…ms as a float,
				// and what Append wrote should read back as it was.
				m.Dur = time.Duration(math.Round(ms * float64(time.Millisecond)))
			}
		case strings.EqualFold(k, "desc") && !haveDesc:
			haveDesc = true
			m.Desc = val
		}
	}
	return m, true
}

// paramValue reads a token or a quoted-string (RFC 9110 §5.6).
func paramValue(v string) (string, bool) {
	if !strings.HasPrefix(v, `"`) {
		return v, IsToken(v)
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			return b.String(), i == len(v)-1
		case c == '\\' && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", false // unterminated
}

// cutOutsideQuotes splits s at the first sep that is not inside a
// quoted-string.
func cutOutsideQuotes(s string, sep byte) (before, after string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// IsToken reports whether s is an RFC 9110 token, as Server-Timing names,
// methods and header names are. client.IsToken is this one, for the latter.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}
