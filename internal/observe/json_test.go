package observe

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/trace"
)

// stdJSON is what encoding/json makes of v, HTML unescaped: the oracle.
func stdJSON(t testing.TB, v any) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func sampleExchanges() map[string]*Exchange {
	full := &Exchange{
		Summary: Summary{
			ID: 42, Started: time.Date(2026, 12, 1, 17, 8, 20, 123456000, time.UTC), DurationMS: 0.153,
			Client: "127.0.0.1:50312", Method: "POST", URL: "/echo?q=<a>&b=\"c\"", Path: "/echo", Route: "POST /echo",
			Host: "localhost:3000", Proto: "HTTP/1.1", TLS: "TLS 1.3", Status: 201, BytesIn: 12, BytesOut: 1 << 40,
			RequestID: "abc", ContentType: "application/json; charset=utf-8", ClientGone: true,
			Listener: "127.0.0.1:3000", Imported: true,
		},
		Traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		TraceID:     trace.ID{0x0a, 0xf7, 15: 0x9c},
		SpanID:      trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		Request: Message{
			Headers:  http.Header{"Content-Type": {"application/json"}, "X-Many": {"a", "b", ""}, "A-First": {"\x00\x1f\x7f"}, "Nil": nil, "Empty": {}},
			Body:     "{\"name\":\"Ada\"}\n\t\r\b\f\\ \u2028\u2029 é 日本 😀",
			BodySize: 14,
		},
		Response: Message{Headers: http.Header{}, BodyBase64: "AAE=", BodySize: 2, BodyTruncated: true},
		Phases: []Phase{
			{Name: "read", Label: "headers read", StartMS: 0, DurationMS: 1e-7},
			{Name: "route", Label: "routed", StartMS: 1e21, DurationMS: -0.5},
			{Name: "handler", Label: "handler ran", StartMS: 123456789.125, DurationMS: 1e-6},
			{Name: "write", StartMS: 5e-324, DurationMS: math.MaxFloat64},
		},
		Upgrade: &Stream{Protocol: "websocket", BytesSent: 1 << 33, BytesReceived: 7, MessagesSent: 4, MessagesReceived: 3, ControlSent: 1, ControlReceived: 2,
			Messages: []StreamMessage{
				{Dir: "sent", AtMS: 0.25, Type: "text", Text: "hello <b>&\"\u2028", Size: 13},
				{Dir: "received", AtMS: 1e-7, Type: "binary", Base64: "AAH/", Size: 1 << 20, Cut: true, Compressed: true},
				{Dir: "sent", Type: "text", Size: 0},
				{Dir: "received", AtMS: 3, Type: "close", Code: 1009, Text: "too big", Size: 7},
			}},
		Stream: &Stream{Protocol: "sse", BytesReceived: 40, MessagesReceived: 2, Messages: []StreamMessage{
			{Dir: "received", AtMS: 12.5, Type: "event", Event: "tick", ID: "7\n", Text: "a\nb", Size: 3},
			{Dir: "received", Type: "event", Event: "message", Text: "x", Size: 1 << 40, Cut: true},
		}},
	}
	return map[string]*Exchange{
		"zero":         {},
		"full":         full,
		"invalid utf8": {Summary: Summary{URL: "/\xff\xfe?x=\xc3", Started: time.Date(1, 1, 1, 0, 0, 0, 0, time.FixedZone("odd", 3*3600+1800))}, Request: Message{Body: "a\xc3\x28b\xed\xa0\x80"}},
		"empty phases": {Phases: []Phase{}, Summary: Summary{Started: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.Local)}},
		// The WebSocket counts are absent when zero, as for a protocol
		// that is not WebSocket.
		"upgrade, not websocket": {Upstream: &Upstream{Status: 101, SpanID: trace.SpanID{9, 9}}, Upgrade: &Stream{Protocol: "h2c, \"x\"\u2028"}},
		"upgrade, some counts":   {Upgrade: &Stream{Protocol: "websocket", BytesSent: -1, MessagesReceived: 1, ControlSent: math.MaxInt64}},
		// An empty list is left out, as a nil one.
		"stream, no messages kept": {Stream: &Stream{Protocol: "sse", MessagesReceived: 3, Messages: []StreamMessage{}}},
	}
}

func TestAppendExchange(t *testing.T) {
	t.Parallel()
	for name, ex := range sampleExchanges() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, err := stdJSON(t, ex)
			if err != nil {
				t.Fatal(err)
			}
			got, n, err := AppendExchange([]byte("prefix"), ex)
			if err != nil {
				t.Fatalf("AppendExchange: %v", err)
			}
			got = got[len("prefix"):]
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendExchange =\n%s\nwant (encoding/json)\n%s", got, want)
			}
			sum, err := stdJSON(t, &ex.Summary)
			if err != nil {
				t.Fatal(err)
			}
			if string(got[:n]) != string(sum[:len(sum)-1]) {
				t.Errorf("AppendExchange's first %d bytes = %s; want the summary's JSON but for its brace, %s", n, got[:n], sum)
			}
			s, err := AppendSummary(nil, &ex.Summary)
			if err != nil || !bytes.Equal(s, sum) {
				t.Errorf("AppendSummary = %s, %v; want %s", s, err, sum)
			}
		})
	}
}

func TestAppendExchangeRefuses(t *testing.T) {
	t.Parallel()
	for name, ex := range map[string]*Exchange{
		"year 10000":  {Summary: Summary{Started: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		"NaN":         {Summary: Summary{DurationMS: math.NaN()}},
		"+Inf phase":  {Phases: []Phase{{DurationMS: math.Inf(1)}}},
		"NaN message": {Stream: &Stream{Messages: []StreamMessage{{AtMS: math.NaN()}}}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := stdJSON(t, ex); err == nil {
				t.Fatal("encoding/json takes it: the case is wrong")
			}
			if _, _, err := AppendExchange(nil, ex); err == nil {
				t.Errorf("AppendExchange(%s) error = nil; want an error, as encoding/json gives", name)
			}
		})
	}
}

// FuzzAppendExchange holds the hand-written encoder to encoding/json for
// any strings and numbers.
func FuzzAppendExchange(f *testing.F) {
	f.Add("/echo", "a\xffb", "X-A", "<v>&\u2028", 1.5, int64(3), int64(1700000000123456789))
	f.Add("", "", "", "", 1e-7, int64(-1), int64(0))
	f.Fuzz(func(t *testing.T, url, body, key, value string, ms float64, n, unixNano int64) {
		ex := &Exchange{
			Summary:  Summary{URL: url, Path: key, DurationMS: ms, BytesIn: n, Started: time.Unix(0, unixNano).UTC()},
			Request:  Message{Headers: http.Header{key: {value, body}}, Body: body, BodySize: n},
			Response: Message{Headers: http.Header{"Z": {url}, value: {key}}},
			Phases:   []Phase{{Name: value, Label: body, StartMS: -ms, DurationMS: ms / 3}},
			// Counts and fields zero and not, for omitempty either way.
			Upgrade: &Stream{Protocol: value, BytesSent: n, BytesReceived: unixNano, MessagesSent: n & 1, MessagesReceived: n & 2, ControlSent: unixNano & 1, ControlReceived: n & 4,
				Messages: []StreamMessage{{Dir: key, AtMS: ms, Type: value, Text: body, Size: n, Cut: n&8 != 0, Code: int(n & 0xffff), Compressed: n&16 != 0}}},
			Stream: &Stream{Protocol: key, Messages: []StreamMessage{{Event: value, ID: url, Base64: body, AtMS: -ms}}},
		}
		want, werr := stdJSON(t, ex)
		got, _, err := AppendExchange(nil, ex)
		if (err != nil) != (werr != nil) {
			t.Fatalf("AppendExchange error = %v; encoding/json's = %v", err, werr)
		}
		if err == nil && !bytes.Equal(got, want) {
			t.Fatalf("AppendExchange =\n%s\nwant (encoding/json)\n%s", got, want)
		}
	})
}

// TestPlainWord holds the word test to the byte rule: every byte value
// at every place in a word of plain bytes, and words of two odd bytes.
func TestPlainWord(t *testing.T) {
	t.Parallel()
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	word := []byte("abcdefgh")
	for pos := range 8 {
		for c := range 256 {
			w := bytes.Clone(word)
			w[pos] = byte(c)
			if got, want := plainWord(string(w), 0), plain(byte(c)); got != want {
				t.Errorf("plainWord(%q) = %v; want %v", w, got, want)
			}
		}
	}
	// Two bytes at once, where a borrow from one could hide the other.
	odd := []byte{0x00, 0x1f, 0x20, '"', '\\', 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xff}
	for i := range 8 {
		for j := i + 1; j < 8; j++ {
			for _, a := range odd {
				for _, b := range odd {
					w := bytes.Clone(word)
					w[i], w[j] = a, b
					if got, want := plainWord(string(w), 0), plain(a) && plain(b); got != want {
						t.Errorf("plainWord(%q) = %v; want %v", w, got, want)
					}
				}
			}
		}
	}
}

// TestAppendStringLong: runs of plain text, of any length, around every
// kind of byte the encoder escapes or looks at, as encoding/json quotes them.
func TestAppendStringLong(t *testing.T) {
	t.Parallel()
	for _, odd := range []string{"", "\"", "\\", "\n", "\x01", "\x7f", "é", "\xff", "\u2028", "日本", "<&>"} {
		for n := range 20 {
			s := strings.Repeat("x", n) + odd + strings.Repeat("y", 17-n%5) + odd
			want, err := stdJSON(t, s)
			if err != nil {
				t.Fatal(err)
			}
			if got := appendString(nil, s); !bytes.Equal(got, want) {
				t.Errorf("appendString(%q) = %s; want %s", s, got, want)
			}
		}
	}
}

func BenchmarkAppendExchange(b *testing.B) {
	ex := sampleExchanges()["full"]
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			buf.Reset()
			_ = enc.Encode(ex)
		}
	})
	b.Run("AppendExchange", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _, _ = AppendExchange(buf[:0], ex)
		}
	})
}
