package observe

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// ev is a kept SSE event as the tests want it, its time left out.
func ev(event, id, text string, size int64, cut bool) StreamMessage {
	return StreamMessage{Dir: "received", Type: "event", Event: event, ID: id, Text: text, Size: size, Cut: cut}
}

// untimed is ms without their times, which tests cannot know, after
// checking that they are in order.
func untimed(t *testing.T, ms []StreamMessage) []StreamMessage {
	t.Helper()
	var out []StreamMessage
	for i, m := range ms {
		if m.AtMS < 0 || i > 0 && m.AtMS < ms[i-1].AtMS {
			t.Errorf("message %d at %v ms, after one at %v; want times in order", i, m.AtMS, ms[max(i-1, 0)].AtMS)
		}
		m.AtMS = 0
		out = append(out, m)
	}
	return out
}

var eventTests = []struct {
	name   string
	stream string
	count  int64
	kept   []StreamMessage
}{
	{"empty", "", 0, nil},
	{"one event", "data: hello\n\n", 1, []StreamMessage{ev("message", "", "hello", 5, false)}},
	{"no space after the colon", "data:hello\n\n", 1, []StreamMessage{ev("message", "", "hello", 5, false)}},
	{"one space dropped, not two", "data:  hello \n\n", 1, []StreamMessage{ev("message", "", " hello ", 7, false)}},
	{"lines of data joined by LF", "data: a\ndata: b\ndata\n\n", 1, []StreamMessage{ev("message", "", "a\nb\n", 4, false)}},
	{"CRLF", "data: a\r\ndata: b\r\n\r\n", 1, []StreamMessage{ev("message", "", "a\nb", 3, false)}},
	{"CR", "data: a\rdata: b\r\r", 1, []StreamMessage{ev("message", "", "a\nb", 3, false)}},
	{"line ends mixed", "data: a\r\n\rdata: b\n\r\ndata: c\r\r\n", 3, []StreamMessage{
		ev("message", "", "a", 1, false), ev("message", "", "b", 1, false), ev("message", "", "c", 1, false)}},
	{"CR, then LF after a blank line", "data: a\r\r\n\n", 1, []StreamMessage{ev("message", "", "a", 1, false)}},
	{"comments", ": ping\n\n:\n\n:data: x\n\n", 0, nil},
	{"comments between fields", ": hi\ndata: x\n: more\ndata: y\n\n", 1, []StreamMessage{ev("message", "", "x\ny", 3, false)}},
	{"an empty data field", "data\n\ndata:\n\n", 2, []StreamMessage{ev("message", "", "", 0, false), ev("message", "", "", 0, false)}},
	{"blank lines alone", "\n\n\r\n\r\r", 0, nil},
	{"event type, then the default", "event: tick\ndata: 1\n\ndata: 2\n\n", 2, []StreamMessage{ev("tick", "", "1", 1, false), ev("message", "", "2", 1, false)}},
	{"event type without data is dropped", "event: x\n\ndata: y\n\n", 1, []StreamMessage{ev("message", "", "y", 1, false)}},
	{"the last event type counts", "event: a\nevent: b\ndata: y\n\n", 1, []StreamMessage{ev("b", "", "y", 1, false)}},
	{"an empty event type is the default", "event\ndata: y\n\n", 1, []StreamMessage{ev("message", "", "y", 1, false)}},
	{"last event ID lasts", "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n", 3, []StreamMessage{
		ev("message", "1", "a", 1, false), ev("message", "1", "b", 1, false), ev("message", "", "c", 1, false)}},
	{"an id alone sets it", "id: 7\n\ndata: a\n\n", 1, []StreamMessage{ev("message", "7", "a", 1, false)}},
	{"an id with NUL is ignored", "id: 1\n\nid: 2\x00\ndata: a\n\n", 1, []StreamMessage{ev("message", "1", "a", 1, false)}},
	{"retry and unknown fields ignored", "retry: 100\nfoo: bar\nDATA: x\ndata : y\nretry\ndata: z\n\n", 1, []StreamMessage{ev("message", "", "z", 1, false)}},
	{"names longer than any known", "dataX: y\n\ndatadata: y\n\neventss\ndata: z\n\n", 1, []StreamMessage{ev("message", "", "z", 1, false)}},
	{"colons in the value", "data: a: b:c\n\n", 1, []StreamMessage{ev("message", "", "a: b:c", 6, false)}},
	{"an event unfinished at the end", "data: a\n\ndata: b\n", 1, []StreamMessage{ev("message", "", "a", 1, false)}},
	{"a line unfinished at the end", "data: a\n\ndata: b", 1, []StreamMessage{ev("message", "", "a", 1, false)}},
	{"a BOM dropped", bom + "data: a\n\n", 1, []StreamMessage{ev("message", "", "a", 1, false)}},
	{"a second BOM is the name's", bom + bom + "data: a\n\ndata: b\n\n", 1, []StreamMessage{ev("message", "", "b", 1, false)}},
	{"half a BOM is the name's", "\xef\xbbdata: a\n\ndata: b\n\n", 1, []StreamMessage{ev("message", "", "b", 1, false)}},
	{"half a BOM, then a comment's colon", "\xef:\ndata: b\n\n", 1, []StreamMessage{ev("message", "", "b", 1, false)}},
	{"a BOM later is data", "data: " + bom + "\n\n", 1, []StreamMessage{ev("message", "", bom, 3, false)}},
	{"not UTF-8", "data: \xff\xfe\n\n", 1, []StreamMessage{{Dir: "received", Type: "event", Event: "message", Base64: "//4=", Size: 2}}},
	{"UTF-8", "event: 日本\ndata: é😀\n\n", 1, []StreamMessage{ev("日本", "", "é😀", 6, false)}},
}

// feedEvents feeds pieces in turn to a new parser keeping limit bytes.
func feedEvents(limit int, pieces ...[]byte) *events {
	e := newEvents(limit, time.Now())
	for _, p := range pieces {
		e.feed(p)
	}
	return e
}

func TestEvents(t *testing.T) {
	t.Parallel()
	for _, tt := range eventTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := []byte(tt.stream)
			check := func(how string, e *events) {
				t.Helper()
				if got := untimed(t, e.kept); e.count != tt.count || !reflect.DeepEqual(got, tt.kept) {
					t.Fatalf("feed(%q) %s = %d events, kept %+v; want %d, %+v", tt.stream, how, e.count, got, tt.count, tt.kept)
				}
			}
			check("whole", feedEvents(MaxMessageBytes, b))
			for i := range len(b) + 1 {
				check(fmt.Sprintf("split at byte %d", i), feedEvents(MaxMessageBytes, b[:i], b[i:]))
			}
			pieces := make([][]byte, len(b))
			for i := range b {
				pieces[i] = b[i : i+1]
			}
			check("a byte at a time", feedEvents(MaxMessageBytes, pieces...))
			if e := feedEvents(0, b); e.count != tt.count || e.kept != nil {
				t.Errorf("feed(%q) keeping none = %d events, kept %v; want %d, none", tt.stream, e.count, e.kept, tt.count)
			}
			if got := refEvents(tt.stream, MaxMessageBytes); got.count != tt.count || !reflect.DeepEqual(got.kept, tt.kept) {
				t.Errorf("the oracle = %d events, kept %+v; want %d, %+v: the case or the oracle is wrong", got.count, got.kept, tt.count, tt.kept)
			}
		})
	}
}

// TestEventsKeep: the first MaxKept events are kept, up to limit bytes
// of each, runes whole; the count goes on.
func TestEventsKeep(t *testing.T) {
	t.Parallel()
	many := strings.Repeat("data: x\n\n", MaxKept+5)
	wantMany := make([]StreamMessage, MaxKept)
	for i := range wantMany {
		wantMany[i] = ev("message", "", "x", 1, false)
	}
	tests := []struct {
		name   string
		limit  int
		stream string
		count  int64
		kept   []StreamMessage
	}{
		{"MaxKept of more", MaxMessageBytes, many, MaxKept + 5, wantMany},
		{"data cut", 4, "data: abcdefgh\n\n", 1, []StreamMessage{ev("message", "", "abcd", 8, true)}},
		{"data cut at a line's end", 4, "data: abc\ndata: d\n\n", 1, []StreamMessage{ev("message", "", "abc\n", 5, true)}},
		{"data cut mid-rune", 4, "data: aéé\n\n", 1, []StreamMessage{ev("message", "", "aé", 5, true)}},
		{"type and id cut", 3, "event: abcdef\nid: 123456\ndata: x\n\n", 1, []StreamMessage{ev("abc", "123", "x", 1, false)}},
		{"a cut id with NUL past the cut", 3, "id: 1\n\nid: 123\x00\ndata: x\n\n", 1, []StreamMessage{ev("message", "1", "x", 1, false)}},
		{"binary cut is base64", 2, "data: \xff\xfe\xfd\n\n", 1, []StreamMessage{{Dir: "received", Type: "event", Event: "message", Base64: "//4=", Size: 3, Cut: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := feedEvents(tt.limit, []byte(tt.stream))
			if got := untimed(t, e.kept); e.count != tt.count || !reflect.DeepEqual(got, tt.kept) {
				t.Errorf("feed(%q), keeping %d bytes = %d events, kept %+v; want %d, %+v", tt.stream, tt.limit, e.count, got, tt.count, tt.kept)
			}
			if got := refEvents(tt.stream, tt.limit); got.count != tt.count || !reflect.DeepEqual(got.kept, tt.kept) {
				t.Errorf("the oracle = %d events, kept %+v; want %d, %+v", got.count, got.kept, tt.count, tt.kept)
			}
		})
	}
}

// TestEventsLongLine: a line of a mebibyte, sent in pieces, with or
// without a newline in sight, grows nothing past the bound: feeding its
// middle allocates nothing, and every buffer stays within limit. Not
// parallel: AllocsPerRun counts every goroutine's allocations.
func TestEventsLongLine(t *testing.T) {
	const size = 1 << 20
	chunk := bytes.Repeat([]byte("x"), 4<<10)
	for _, prefix := range []string{"data: ", "event: ", "id: ", "", ": ", "retry: ", "x: "} {
		t.Run(fmt.Sprintf("%q", prefix), func(t *testing.T) {
			e := newEvents(MaxMessageBytes, time.Now())
			e.feed([]byte(prefix))
			e.feed(chunk)
			if allocs := testing.AllocsPerRun(size/len(chunk)-1, func() { e.feed(chunk) }); allocs != 0 {
				t.Errorf("feeding a long line allocates %v times a piece; want none", allocs)
			}
			for name, c := range map[string]int{"data": cap(e.buf), "event": cap(e.event), "id": cap(e.id), "last id": cap(e.lastID)} {
				if c > MaxMessageBytes {
					t.Errorf("the %s buffer grew to %d bytes; want at most %d", name, c, MaxMessageBytes)
				}
			}
			e.feed([]byte("\ndata: end\n\n"))
			if cap(e.lastID) > MaxMessageBytes {
				t.Errorf("the last id grew to %d bytes; want at most %d", cap(e.lastID), MaxMessageBytes)
			}
			if prefix != "data: " {
				return
			}
			if e.count != 1 || len(e.kept) != 1 {
				t.Fatalf("after the line, %d events, %d kept; want 1, 1", e.count, len(e.kept))
			}
			// chunk once, size/len(chunk)-1 times, and 1+1 for the run's warm-up.
			want := int64(len(chunk)) * (size/int64(len(chunk)) + 1)
			if m := e.kept[0]; len(m.Text) != MaxMessageBytes || m.Size != want+len64("\nend") || !m.Cut {
				t.Errorf("the long event kept %d bytes of %d, cut %v; want %d of %d, cut", len(m.Text), m.Size, m.Cut, MaxMessageBytes, want+len64("\nend"))
			}
		})
	}
}

func len64(s string) int64 { return int64(len(s)) }

func TestIsEventStream(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		contentType, encoding string
		want                  bool
	}{
		{"text/event-stream", "", true},
		{"Text/Event-Stream; charset=utf-8", "", true},
		{" text/event-stream ", "identity", true},
		{`text/event-stream; x="a;b"`, "", true},
		{"text/event-stream", "gzip", false},
		{"text/plain", "", false},
		{"text/event-streams", "", false},
		{"", "", false},
		{`"text/event-stream"`, "", false},
	} {
		if got := isEventStream(tt.contentType, tt.encoding); got != tt.want {
			t.Errorf("isEventStream(%q, %q) = %v; want %v", tt.contentType, tt.encoding, got, tt.want)
		}
	}
}

type refResult struct {
	count int64
	kept  []StreamMessage
}

// refEvents parses a whole stream as the standard's steps read: the
// oracle for the parser fed in pieces.
func refEvents(s string, limit int) refResult {
	var r refResult
	s = strings.TrimPrefix(s, bom)
	var data strings.Builder
	hasData, event, lastID := false, "", ""
	cut := func(s string) string { return s[:min(len(s), limit)] }
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			return r // an unfinished line, if any, is not yet a line
		}
		line := s[:i]
		if strings.HasPrefix(s[i:], "\r\n") {
			s = s[i+2:]
		} else {
			s = s[i+1:]
		}
		switch {
		case line == "":
			if hasData {
				r.count++
				if limit > 0 && len(r.kept) < MaxKept {
					m := StreamMessage{Dir: "received", Type: "event", Event: cmpOr(cut(event), "message"), ID: cut(lastID)}
					d := data.String()
					m.setPayload([]byte(cut(d)), int64(len(d)), true)
					r.kept = append(r.kept, m)
				}
			}
			data.Reset()
			hasData, event = false, ""
		case line[0] == ':':
		default:
			name, value, ok := strings.Cut(line, ":")
			if ok {
				value = strings.TrimPrefix(value, " ")
			}
			switch name {
			case "data":
				if hasData {
					data.WriteByte('\n')
				}
				data.WriteString(value)
				hasData = true
			case "event":
				event = value
			case "id":
				if !strings.Contains(value, "\x00") {
					lastID = value
				}
			}
		}
	}
}

func cmpOr(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// FuzzEvents holds the parser, fed in three pieces cut anywhere, to the
// oracle for any bytes and any limit.
func FuzzEvents(f *testing.F) {
	for _, tt := range eventTests {
		f.Add([]byte(tt.stream), uint16(1), uint16(7), uint16(MaxMessageBytes))
	}
	f.Add([]byte("data: abcdef\r\nid: 12\x0034\r\r"), uint16(9), uint16(3), uint16(3))
	f.Fuzz(func(t *testing.T, b []byte, cut1, cut2, limit uint16) {
		i := min(int(cut1), len(b))
		j := min(i+int(cut2), len(b))
		lim := int(limit % (MaxMessageBytes + 1))
		e := feedEvents(lim, b[:i], b[i:j], b[j:])
		for _, m := range e.kept {
			if len(m.Text) > lim || len(m.Event) > max(lim, len("message")) || len(m.ID) > lim {
				t.Fatalf("kept %+v; want at most %d bytes of each field", m, lim)
			}
		}
		want := refEvents(string(b), lim)
		if got := untimed(t, e.kept); e.count != want.count || !reflect.DeepEqual(got, want.kept) {
			t.Fatalf("feed(%q) cut at %d and %d, keeping %d = %d events, kept %+v; want %d, %+v", b, i, j, lim, e.count, got, want.count, want.kept)
		}
	})
}
