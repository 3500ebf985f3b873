package client

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Metric is one entry of a Server-Timing header: what the server says it
// spent its time on (W3C Server Timing).
type Metric struct {
	Name string
	Dur  time.Duration // zero when absent or not a number
	Desc string
}

// ParseServerTiming reads the metrics of Server-Timing header values, in
// order. As browsers do, it skips an entry whose name is not a token,
// ignores a parameter it cannot read, keeps the first of a repeated
// parameter, and takes dur in milliseconds.
func ParseServerTiming(values []string) []Metric {
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
				m.Dur = time.Duration(ms * float64(time.Millisecond))
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

// IsToken reports whether s is an RFC 9110 token, as methods, header names
// and Server-Timing names are.
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
