package accesslog

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// encoder writes lines exactly as log/slog's handlers write the record
// built by slogRecord, knowing the record's shape in advance.
type encoder struct {
	format Format
	stamp  stamp
}

// stamp is the part of a line's time that changes once a second: the date
// and clock to the second, and the zone. Formatting it is most of the cost
// of a time, so it is kept for the next line, which is usually in the same
// second.
type stamp struct {
	sec int64
	loc *time.Location // never nil for a set stamp: Time.Location returns UTC for nil
	// ok is false for years outside 0–9999, which RFC 3339 cannot hold and
	// for which slog writes something of its own.
	ok bool
	// rfc3339 is "2006-01-02T15:04:05" and the zone as time.RFC3339
	// writes it ("Z" or "-07:00", the seconds of an offset left out).
	rfc3339 []byte
}

const clockLen = len("2006-01-02T15:04:05")

// stampFor returns t's stamp, formatting it only when t's second or
// location differs from the last line's.
func (c *encoder) stampFor(t time.Time) *stamp {
	s := &c.stamp
	if sec, loc := t.Unix(), t.Location(); sec != s.sec || loc != s.loc {
		y := t.Year()
		s.sec, s.loc, s.ok = sec, loc, 0 <= y && y <= 9999
		s.rfc3339 = t.AppendFormat(s.rfc3339[:0], time.RFC3339)
	}
	return s
}

// append appends e's line to b.
func (c *encoder) append(b []byte, e *Entry) []byte {
	var s *stamp // nil for the zero time, which slog leaves out
	if !e.Time.IsZero() {
		s = c.stampFor(e.Time)
		if !s.ok {
			return appendSlog(b, c.format, e)
		}
	}
	if c.format == JSON {
		return appendJSON(b, e, s)
	}
	return appendText(b, e, s)
}

func appendText(b []byte, e *Entry, s *stamp) []byte {
	if s != nil {
		// slog writes milliseconds, truncated, always three digits.
		ms := e.Time.Nanosecond() / 1e6
		b = append(b, "time="...)
		b = append(b, s.rfc3339[:clockLen]...)
		b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
		b = append(b, s.rfc3339[clockLen:]...)
		b = append(b, ' ')
	}
	b = append(b, "level=INFO msg=request method="...)
	b = appendTextString(b, e.Method)
	b = append(b, " path="...)
	b = appendTextString(b, e.Path)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, e.Bytes, 10)
	b = append(b, " duration_ms="...)
	b = appendMs(b, Text, e.Duration) // slog never quotes a number
	b = append(b, " remote="...)
	b = appendTextString(b, e.Remote)
	return append(b, '\n')
}

func appendJSON(b []byte, e *Entry, s *stamp) []byte {
	b = append(b, '{')
	if s != nil {
		// RFC3339Nano, as json.Marshal writes a time: all nine digits less
		// the trailing zeros, and no point at all for a whole second.
		b = append(b, `"time":"`...)
		b = append(b, s.rfc3339[:clockLen]...)
		b = appendNanos(b, e.Time.Nanosecond())
		b = append(b, s.rfc3339[clockLen:]...)
		b = append(b, `",`...)
	}
	b = append(b, `"level":"INFO","msg":"request","method":`...)
	b = appendJSONString(b, e.Method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, e.Path)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, e.Bytes, 10)
	b = append(b, `,"duration_ms":`...)
	b = appendMs(b, JSON, e.Duration)
	b = append(b, `,"remote":`...)
	b = appendJSONString(b, e.Remote)
	return append(b, "}\n"...)
}

func appendNanos(b []byte, ns int) []byte {
	if ns == 0 {
		return b
	}
	d := [10]byte{'.'}
	for i := 9; i > 0; i-- {
		d[i] = byte('0' + ns%10)
		ns /= 10
	}
	n := len(d)
	for d[n-1] == '0' {
		n--
	}
	return append(b, d[:n]...)
}

// appendTextString writes s bare when slog's text handler would, else
// quoted as strconv.Quote does.
func appendTextString(b []byte, s string) []byte {
	if needsQuotes(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuotes follows slog: quote the empty string, space, '=', '"' and
// ASCII control characters, and any rune that is a space, not printable,
// or U+FFFD (which an invalid byte decodes to). A backslash and DEL are
// written bare.
func needsQuotes(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += n
	}
	return false
}

// appendJSONString writes s quoted as slog's JSON handler does, which is
// encoding/json without HTML escaping: '<', '>', '&' and DEL are written
// bare; an invalid byte becomes \ufffd; U+2028 and U+2029 are escaped
// (for JavaScript); other non-ASCII runes, printable or not, are bare.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	done := 0 // s[:done] is in b
	for i := 0; i < len(s); {
		c := s[i]
		if c >= ' ' && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		n := 1
		var esc string
		switch c {
		case '"':
			esc = `\"`
		case '\\':
			esc = `\\`
		case '\n':
			esc = `\n`
		case '\r':
			esc = `\r`
		case '\t':
			esc = `\t`
		default:
			if c < ' ' {
				esc = controlEscapes[c]
				break
			}
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				esc = `\ufffd`
			case r == '\u2028':
				esc = `\u2028`
			case r == '\u2029':
				esc = `\u2029`
			default:
				i += n
				continue
			}
		}
		b = append(b, s[done:i]...)
		b = append(b, esc...)
		i += n
		done = i
	}
	b = append(b, s[done:]...)
	return append(b, '"')
}

// controlEscapes are the \u00XX forms of the control characters that have
// no short escape in JSON.
var controlEscapes = func() (t [' ']string) {
	const hex = "0123456789abcdef"
	for c := range t {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&0xf])
	}
	return t
}()

// durationMs is d in milliseconds to the microsecond, truncated as slog
// truncates a time's milliseconds: the unit is in the key, duration_ms, so
// that a reader needs no convention for bare nanoseconds.
func durationMs(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// Below these many microseconds, durationMs is written as its exact
// decimal by both handlers: text's strconv 'g' turns to an exponent from
// 1e6 ms, and beyond 2^33 ms (99 days) a float64's spacing nears the
// 0.001 between decimals, so the shortest form may be another one.
const (
	exactTextMicros uint64 = 1e9
	exactJSONMicros uint64 = 1 << 33 * 1000
)

// appendMs writes durationMs(d) as slog's handler for f writes a float64
// (strconv 'g' for text, json.Marshal's 'f' for JSON, both shortest),
// without strconv's cost for the durations a server sees.
func appendMs(b []byte, f Format, d time.Duration) []byte {
	us := d.Microseconds()
	u := uint64(us)
	if us < 0 {
		u = -u
	}
	if f == Text && u < exactTextMicros || f == JSON && u < exactJSONMicros {
		if us < 0 {
			b = append(b, '-')
		}
		return appendMillis(b, u)
	}
	if f == Text {
		return strconv.AppendFloat(b, durationMs(d), 'g', -1, 64)
	}
	return strconv.AppendFloat(b, durationMs(d), 'f', -1, 64)
}

// appendMillis writes us microseconds as milliseconds, a decimal without
// trailing zeros in its fraction, a digit at a time: its divisions are by
// constants, which the compiler makes multiplications.
func appendMillis(b []byte, us uint64) []byte {
	b = strconv.AppendUint(b, us/1000, 10)
	frac := us % 1000
	switch {
	case frac == 0:
		return b
	case frac%100 == 0:
		return append(b, '.', byte('0'+frac/100))
	case frac%10 == 0:
		return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10))
	}
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// appendSlog writes e through slog itself. It serves only times whose year
// RFC 3339 cannot hold: no server clock makes them, and what slog writes
// for them (an error note in JSON, a misplaced fraction in text) is not
// worth imitating.
func appendSlog(b []byte, f Format, e *Entry) []byte {
	return appendRecord(b, f, slogRecord(e))
}

// appendRecord writes r as slog's handler for f does.
func appendRecord(b []byte, f Format, r slog.Record) []byte {
	buf := bytes.NewBuffer(b)
	var h slog.Handler = slog.NewTextHandler(buf, nil)
	if f == JSON {
		h = slog.NewJSONHandler(buf, nil)
	}
	_ = h.Handle(context.Background(), r) // a bytes.Buffer does not fail
	return buf.Bytes()
}

// droppedMsg is the message of the line that stands for dropped lines.
const droppedMsg = "log lines dropped: the log's writer was stalled"

// appendDropped writes the line that stands for n dropped lines, as the
// server's own warnings are written: through slog, stamped now (when the
// writer took the lines again), with the count as an attribute for log
// queries to sum. It is rare enough that slog's cost does not matter.
func appendDropped(b []byte, f Format, n uint64) []byte {
	r := slog.NewRecord(time.Now(), slog.LevelWarn, droppedMsg, 0)
	r.AddAttrs(slog.Uint64("lines", n))
	return appendRecord(b, f, r)
}

// slogRecord is the record whose slog output the encoder reproduces.
func slogRecord(e *Entry) slog.Record {
	r := slog.NewRecord(e.Time, slog.LevelInfo, "request", 0)
	r.AddAttrs(
		slog.String("method", e.Method),
		slog.String("path", e.Path),
		slog.Int("status", e.Status),
		slog.Int64("bytes", e.Bytes),
		slog.Float64("duration_ms", durationMs(e.Duration)),
		slog.String("remote", e.Remote),
	)
	return r
}
