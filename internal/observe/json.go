package observe

import (
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON of exchanges, written by hand: the store encodes every capture,
// up to 70,000 a second, and encoding/json's reflection took 37% of its
// writer's time. The bytes are encoding/json's with SetEscapeHTML(false),
// which a test and a fuzz target hold them to.

var errJSONValue = errors.New("observe: a time or a number JSON cannot hold")

// AppendSummary appends s's JSON to b.
func AppendSummary(b []byte, s *Summary) ([]byte, error) {
	b, err := appendSummaryFields(append(b, '{'), s)
	return append(b, '}'), err
}

// AppendExchange appends ex's JSON to b, as it is (Derive is for the
// caller). Its first summaryLen bytes are the Summary's JSON but for the
// closing brace: a list can read a summary without decoding the rest.
func AppendExchange(b []byte, ex *Exchange) (out []byte, summaryLen int, err error) {
	start := len(b)
	b, err = appendSummaryFields(append(b, '{'), &ex.Summary)
	summaryLen = len(b) - start
	b = append(b, `,"traceparent":`...)
	b = appendString(b, ex.Traceparent)
	b = append(b, `,"trace_id":"`...)
	if !ex.TraceID.IsZero() {
		b = hex.AppendEncode(b, ex.TraceID[:])
	}
	b = append(b, `","span_id":"`...)
	if !ex.SpanID.IsZero() {
		b = hex.AppendEncode(b, ex.SpanID[:])
	}
	b = append(b, '"')
	b = append(b, `,"request":`...)
	b = appendMessage(b, &ex.Request)
	b = append(b, `,"response":`...)
	b = appendMessage(b, &ex.Response)
	b = append(b, `,"phases":`...)
	b, perr := appendPhases(b, ex.Phases)
	if err == nil {
		err = perr
	}
	if up := ex.Upstream; up != nil {
		b = append(b, `,"upstream":{"url":`...)
		b = appendString(b, up.URL)
		b = append(b, `,"proto":`...)
		b = appendString(b, up.Proto)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(up.Status), 10)
		b = append(b, `,"remote":`...)
		b = appendString(b, up.Remote)
		b = append(b, `,"reused":`...)
		b = strconv.AppendBool(b, up.Reused)
		b = append(b, `,"server_timing":`...)
		b = appendString(b, up.ServerTiming)
		b = append(b, `,"error":`...)
		b = appendString(b, up.Error)
		b = append(b, `,"phases":`...)
		b, perr = appendPhases(b, up.Phases)
		if err == nil {
			err = perr
		}
		b = append(b, `,"bytes_sent":`...)
		b = strconv.AppendInt(b, up.BytesSent, 10)
		b = append(b, `,"bytes_received":`...)
		b = strconv.AppendInt(b, up.BytesReceived, 10)
		b = append(b, `,"span_id":"`...)
		if !up.SpanID.IsZero() {
			b = hex.AppendEncode(b, up.SpanID[:])
		}
		b = append(b, '"', '}')
	}
	if u := ex.Upgrade; u != nil {
		b, perr = appendStream(append(b, `,"upgrade":`...), u)
		if err == nil {
			err = perr
		}
	}
	if s := ex.Stream; s != nil {
		b, perr = appendStream(append(b, `,"stream":`...), s)
		if err == nil {
			err = perr
		}
	}
	return append(b, '}'), summaryLen, err
}

func appendStream(b []byte, u *Stream) ([]byte, error) {
	b = append(b, `{"protocol":`...)
	b = appendString(b, u.Protocol)
	b = append(b, `,"bytes_sent":`...)
	b = strconv.AppendInt(b, u.BytesSent, 10)
	b = append(b, `,"bytes_received":`...)
	b = strconv.AppendInt(b, u.BytesReceived, 10)
	// omitempty, as a WebSocket's alone have them
	for _, f := range [...]struct {
		key string
		n   int64
	}{
		{`,"messages_sent":`, u.MessagesSent}, {`,"messages_received":`, u.MessagesReceived},
		{`,"control_sent":`, u.ControlSent}, {`,"control_received":`, u.ControlReceived},
	} {
		if f.n != 0 {
			b = append(b, f.key...)
			b = strconv.AppendInt(b, f.n, 10)
		}
	}
	if len(u.Messages) == 0 {
		return append(b, '}'), nil
	}
	var err error
	b = append(b, `,"messages":[`...)
	for i := range u.Messages {
		if i > 0 {
			b = append(b, ',')
		}
		m := &u.Messages[i]
		b = append(b, `{"dir":`...)
		b = appendString(b, m.Dir)
		b = append(b, `,"at_ms":`...)
		var ferr error
		if b, ferr = appendFloat(b, m.AtMS); err == nil {
			err = ferr
		}
		b = append(b, `,"type":`...)
		b = appendString(b, m.Type)
		for _, f := range [...]struct{ key, s string }{{`,"event":`, m.Event}, {`,"id":`, m.ID}} {
			if f.s != "" {
				b = appendString(append(b, f.key...), f.s)
			}
		}
		if m.Code != 0 {
			b = strconv.AppendInt(append(b, `,"code":`...), int64(m.Code), 10)
		}
		for _, f := range [...]struct{ key, s string }{{`,"text":`, m.Text}, {`,"base64":`, m.Base64}} {
			if f.s != "" {
				b = appendString(append(b, f.key...), f.s)
			}
		}
		b = strconv.AppendInt(append(b, `,"size":`...), m.Size, 10)
		if m.Cut {
			b = append(b, `,"cut":true`...)
		}
		if m.Compressed {
			b = append(b, `,"compressed":true`...)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...), err
}

func appendPhases(b []byte, phases []Phase) ([]byte, error) {
	if phases == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = append(b, '[')
	for i := range phases {
		if i > 0 {
			b = append(b, ',')
		}
		p := &phases[i]
		b = append(b, `{"name":`...)
		b = appendString(b, p.Name)
		b = append(b, `,"label":`...)
		b = appendString(b, p.Label)
		b = append(b, `,"start_ms":`...)
		var e1, e2 error
		b, e1 = appendFloat(b, p.StartMS)
		b = append(b, `,"duration_ms":`...)
		b, e2 = appendFloat(b, p.DurationMS)
		b = append(b, '}')
		if err == nil {
			err = errors.Join(e1, e2)
		}
	}
	return append(b, ']'), err
}

func appendSummaryFields(b []byte, s *Summary) ([]byte, error) {
	b = append(b, `"id":`...)
	b = strconv.AppendUint(b, s.ID, 10)
	b = append(b, `,"started":`...)
	b, err := appendTime(b, s.Started)
	b = append(b, `,"duration_ms":`...)
	b, err2 := appendFloat(b, s.DurationMS)
	b = append(b, `,"client":`...)
	b = appendString(b, s.Client)
	b = append(b, `,"method":`...)
	b = appendString(b, s.Method)
	b = append(b, `,"url":`...)
	b = appendString(b, s.URL)
	b = append(b, `,"path":`...)
	b = appendString(b, s.Path)
	b = append(b, `,"route":`...)
	b = appendString(b, s.Route)
	b = append(b, `,"host":`...)
	b = appendString(b, s.Host)
	b = append(b, `,"proto":`...)
	b = appendString(b, s.Proto)
	b = append(b, `,"tls":`...)
	b = appendString(b, s.TLS)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(s.Status), 10)
	b = append(b, `,"bytes_in":`...)
	b = strconv.AppendInt(b, s.BytesIn, 10)
	b = append(b, `,"bytes_out":`...)
	b = strconv.AppendInt(b, s.BytesOut, 10)
	b = append(b, `,"request_id":`...)
	b = appendString(b, s.RequestID)
	b = append(b, `,"content_type":`...)
	b = appendString(b, s.ContentType)
	b = append(b, `,"client_gone":`...)
	b = strconv.AppendBool(b, s.ClientGone)
	if s.Listener != "" {
		b = append(b, `,"listener":`...)
		b = appendString(b, s.Listener)
	}
	if s.Imported {
		b = append(b, `,"imported":true`...)
	}
	if err == nil {
		err = err2
	}
	return b, err
}

func appendMessage(b []byte, m *Message) []byte {
	b = append(b, `{"headers":`...)
	b = appendHeader(b, m.Headers)
	b = append(b, `,"body":`...)
	b = appendString(b, m.Body)
	b = append(b, `,"body_base64":`...)
	b = appendString(b, m.BodyBase64)
	b = append(b, `,"body_size":`...)
	b = strconv.AppendInt(b, m.BodySize, 10)
	b = append(b, `,"body_truncated":`...)
	b = strconv.AppendBool(b, m.BodyTruncated)
	return append(b, '}')
}

// appendHeader writes h as encoding/json writes a map: keys sorted.
func appendHeader(b []byte, h http.Header) []byte {
	if h == nil {
		return append(b, "null"...)
	}
	var small [32]string
	keys := small[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		vs := h[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendTime writes t as time.Time's MarshalJSON does, which refuses
// years beyond four digits.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return append(b, `null`...), errJSONValue
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// appendFloat writes f as encoding/json does: like ES6, the shortest
// decimal that reads back the same, with an exponent only for the very
// small and the very large.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0'), errJSONValue
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 is e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// AppendString appends s quoted as encoding/json quotes it without HTML
// escaping, for the project's other hand-written JSON (HAR).
func AppendString(b []byte, s string) []byte { return appendString(b, s) }

// appendString quotes s as encoding/json does without HTML escaping:
// short escapes where JSON has them, \u00XX for other control bytes,
// U+FFFD for bytes that are not UTF-8, and U+2028 and U+2029 escaped,
// which JavaScript once read as line ends. Bodies and header values are
// mostly printable ASCII, which it passes over eight bytes at a time: a
// record of a GET took 20,230 instructions so against 22,150 byte by
// byte, one of a POST with 1 KiB bodies each way 41,900 against 60,050.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && plainWord(s, i) {
			i += 8
		}
		// Byte by byte up to the end of the word that needs a look, so
		// that text full of quotes or non-ASCII pays for one word test in
		// eight bytes, not in every one.
		for end := min(i+8, len(s)); i < end; {
			c := s[i]
			if c < utf8.RuneSelf {
				if c >= 0x20 && c != '"' && c != '\\' {
					i++
					continue
				}
				b = append(b, s[start:i]...)
				switch c {
				case '"', '\\':
					b = append(b, '\\', c)
				case '\b':
					b = append(b, '\\', 'b')
				case '\f':
					b = append(b, '\\', 'f')
				case '\n':
					b = append(b, '\\', 'n')
				case '\r':
					b = append(b, '\\', 'r')
				case '\t':
					b = append(b, '\\', 't')
				default:
					b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				}
				i++
				start = i
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i += size
				start = i
				continue
			}
			if r == '\u2028' || r == '\u2029' {
				b = append(b, s[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
				i += size
				start = i
				continue
			}
			i += size
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plainWord reports whether none of s[i:i+8] needs escaping or a look as
// UTF-8: each is printable ASCII but '"' and '\\'. Each test is exact
// for the word as a whole (a borrow can mark a byte above one that
// matches, never a word with none).
func plainWord(s string, i int) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	w := s[i : i+8] // one bounds check, and one load
	x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	control := (x - ones*0x20) &^ x               // a byte below 0x20
	quote = (quote - ones) &^ quote               // a byte that is '"'
	backslash = (backslash - ones) &^ backslash   // a byte that is '\\'
	return (control|quote|backslash|x)&highs == 0 // x: a byte of 0x80 or more
}
