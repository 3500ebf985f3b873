package accesslog

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, wherever the tests run
)

// reference is what slog writes for e: the output Record must match.
func reference(t *testing.T, f Format, e *Entry) string {
	t.Helper()
	r := slogRecord(e)
	var buf bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&buf, nil)
	if f == JSON {
		h = slog.NewJSONHandler(&buf, nil)
	}
	if err := h.Handle(context.Background(), r); err != nil {
		t.Fatalf("slog: %v", err)
	}
	return buf.String()
}

// recorder is a Log over a buffer, to read back one line at a time.
type recorder struct {
	buf bytes.Buffer
	log *Log
}

func newRecorder(f Format) *recorder {
	r := &recorder{}
	r.log = New(&r.buf, f, time.Hour)
	return r
}

// check records e and compares its line with slog's.
func (r *recorder) check(t *testing.T, e *Entry) {
	t.Helper()
	r.buf.Reset()
	r.log.Record(e)
	if err := r.log.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if got, want := r.buf.String(), reference(t, r.log.enc.format, e); got != want {
		t.Errorf("Record(%+v) = %q; want %q", *e, got, want)
	}
}

var formats = []struct {
	name string
	f    Format
}{{"text", Text}, {"json", JSON}}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// helloEntry is the line of a plain GET /hello at t, for tests and
// benchmarks to vary.
func helloEntry(t time.Time) Entry {
	return Entry{
		Time:     t,
		Method:   "GET",
		Path:     "/hello",
		Status:   200,
		Bytes:    13,
		Duration: 52100 * time.Nanosecond,
		Remote:   "127.0.0.1:5555",
	}
}

func TestRecordMatchesSlog(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)
	plain := helloEntry(base)
	with := func(change func(*Entry)) []Entry {
		e := plain
		change(&e)
		return []Entry{e}
	}
	path := func(p string) []Entry { return with(func(e *Entry) { e.Path = p }) }
	dur := func(d time.Duration) []Entry { return with(func(e *Entry) { e.Duration = d }) }
	at := func(ts ...time.Time) []Entry {
		var es []Entry
		for _, tm := range ts {
			e := plain
			e.Time = tm
			es = append(es, e)
		}
		return es
	}
	tokyo := time.FixedZone("JST", 9*3600)
	india := time.FixedZone("", 5*3600+30*60)
	west := time.FixedZone("W", -(3*3600 + 30*60))
	oddOffset := time.FixedZone("LMT", 19*60+32) // RFC 3339 leaves out the seconds
	tinyWest := time.FixedZone("", -30)          // rounds to "+00:00", not "Z"
	amsterdam := mustZone(t, "Europe/Amsterdam")
	newYork := mustZone(t, "America/New_York")

	tests := []struct {
		name  string
		lines []Entry // recorded one after another on one Log
	}{
		{"ordinary", []Entry{plain}},
		{"post", with(func(e *Entry) { e.Method, e.Status, e.Bytes = "POST", 201, 4096 })},
		{"empty method", with(func(e *Entry) { e.Method = "" })},
		{"empty path", path("")},
		{"empty remote", with(func(e *Entry) { e.Remote = "" })},
		{"all empty", []Entry{{}}},
		{"space", path("/a b")},
		{"equals", path("/a?b=c")},
		{"quote", path(`/a"b`)},
		{"backslash", path(`/a\b`)},
		{"tab", path("/a\tb")},
		{"newline", path("/a\nb")},
		{"carriage return", path("/a\rb")},
		{"nul", path("/a\x00b")},
		{"control", path("/a\x01\x1fb")},
		{"backspace and form feed", path("/a\b\fb")},
		{"del", path("/a\x7fb")},
		{"script", path("/<script>alert(1)</script>")},
		{"ampersand", path("/a?b=1&c=2")},
		{"e acute", path("/café")},
		{"japanese", path("/日本")},
		{"nbsp", path("/a\u00a0b")},
		{"line separator", path("/a\u2028b")},
		{"paragraph separator", path("/a\u2029b")},
		{"invalid utf8", path("/a\xffb\xc3")},
		{"truncated rune", path("/\xe6\x97")},
		{"replacement char", path("/a\ufffdb")},
		{"not printable", path("/a\u0085b\u200bc")},
		{"private use", path("/\ue000")},
		{"bom", path("/\ufeff")},
		{"unassigned", path("/\U000e0080")},
		{"method with space", with(func(e *Entry) { e.Method = "G T" })},
		{"remote quoted", with(func(e *Entry) { e.Remote = "a=b" })},
		{"ipv6 remote", with(func(e *Entry) { e.Remote = "[::1]:1234" })},
		{"status 0", with(func(e *Entry) { e.Status = 0 })},
		{"status 599", with(func(e *Entry) { e.Status = 599 })},
		{"status negative", with(func(e *Entry) { e.Status = -1 })},
		{"bytes 0", with(func(e *Entry) { e.Bytes = 0 })},
		{"bytes -1", with(func(e *Entry) { e.Bytes = -1 })},
		{"bytes huge", with(func(e *Entry) { e.Bytes = math.MaxInt64 })},
		{"bytes most negative", with(func(e *Entry) { e.Bytes = math.MinInt64 })},
		{"duration 0", dur(0)},
		{"duration 1ns", dur(1)},
		{"duration 999ns", dur(999)},
		{"duration 1µs", dur(time.Microsecond)},
		{"duration 1.5µs", dur(1500)},
		{"duration 1.001µs", dur(1001)},
		{"duration 52.1µs", dur(52100)},
		{"duration 999.999999ms", dur(time.Second - 1)},
		{"duration 1ms", dur(time.Millisecond)},
		{"duration 1s", dur(time.Second)},
		{"duration 1.234567s", dur(1234567 * time.Microsecond)},
		{"duration 1m", dur(time.Minute)},
		{"duration 61.5s", dur(61500 * time.Millisecond)},
		{"duration 2h", dur(2 * time.Hour)},
		{"duration 2h0m0.000000001s", dur(2*time.Hour + 1)},
		{"duration negative", dur(-1500 * time.Microsecond)},
		{"duration -3h", dur(-3*time.Hour - 5*time.Second)},
		{"duration just under 1000s", dur(1000*time.Second - time.Microsecond)},
		{"duration 1000s", dur(1000 * time.Second)},
		{"duration just under 2^33ms", dur(1<<33*time.Millisecond - time.Microsecond)},
		{"duration 2^33ms", dur(1 << 33 * time.Millisecond)},
		{"duration max", dur(math.MaxInt64)},
		{"duration min", dur(math.MinInt64)},
		{"utc", at(base)},
		{"fixed zone", at(base.In(tokyo))},
		{"half hour zone", at(base.In(india))},
		{"negative zone", at(base.In(west))},
		{"offset with seconds", at(base.In(oddOffset))},
		{"tiny negative offset", at(base.In(tinyWest))},
		{"amsterdam 1930", at(time.Date(1930, 6, 1, 12, 0, 0, 123456789, amsterdam))},
		{"local", at(base.In(time.Local))},
		{"monotonic", at(time.Now())},
		{"whole second", at(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC))},
		{"999999999ns", at(time.Date(2026, 3, 14, 15, 9, 26, 999999999, time.UTC))},
		{"on a millisecond", at(time.Date(2026, 3, 14, 15, 9, 26, 7000000, time.UTC))},
		{"one microsecond", at(time.Date(2026, 3, 14, 15, 9, 26, 1000, time.UTC))},
		{"just under a millisecond", at(time.Date(2026, 3, 14, 15, 9, 26, 999999, time.UTC))},
		{"same second", at(base, base.Add(time.Millisecond), base.Add(400*time.Millisecond))},
		{"across a second", at(base, base.Add(500*time.Millisecond), base.Add(time.Second))},
		{"same second, other zone", at(base, base.In(tokyo), base, base.In(time.Local))},
		{"same second, two equal zones", at(base.In(tokyo), base.In(time.FixedZone("JST", 9*3600)))},
		{"across DST", at(
			time.Date(2026, 3, 8, 6, 59, 59, 999000000, time.UTC).In(newYork),
			time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC).In(newYork),
		)},
		{"unix epoch", at(time.Unix(0, 0).UTC())},
		{"before the epoch", at(time.Unix(-1, 5e8).UTC())},
		{"year 1", at(time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC))},
		{"year 0", at(time.Date(0, 6, 1, 0, 0, 0, 1500000, time.UTC))},
		{"year 9999", at(time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC))},
		{"year 10000", at(time.Date(10000, 1, 1, 0, 0, 0, 5e6, time.UTC))},
		{"year -1", at(time.Date(-1, 1, 1, 0, 0, 0, 5e6, time.UTC))},
		{"zero time", at(time.Time{})},
		{"zero time elsewhere", at(time.Time{}.In(tokyo))},
		{"zero time then a time", at(time.Time{}, base, time.Time{})},
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			// One Log for every row too, as the stamp cache sees it in a
			// server: the rows run in turn.
			all := newRecorder(f.f)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := newRecorder(f.f)
					for i := range tt.lines {
						r.check(t, &tt.lines[i])
						all.check(t, &tt.lines[i])
					}
				})
			}
		})
	}
}

// TestDurationUnit holds the duration to its key's unit: milliseconds to
// the microsecond, a number in both formats, not bare nanoseconds.
func TestDurationUnit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    Format
		d    time.Duration
		want string
	}{
		{Text, 1234567, " duration_ms=1.234 "},
		{JSON, 1234567, `,"duration_ms":1.234,`},
		{Text, 52100, " duration_ms=0.052 "},
		{JSON, 52100, `,"duration_ms":0.052,`},
		{Text, 999, " duration_ms=0 "},
		{JSON, 2 * time.Second, `,"duration_ms":2000,`},
		{Text, 90 * time.Second, " duration_ms=90000 "},
	}
	for _, tt := range tests {
		name := "text"
		if tt.f == JSON {
			name = "json"
		}
		t.Run(fmt.Sprint(name, " ", tt.d), func(t *testing.T) {
			t.Parallel()
			r := newRecorder(tt.f)
			e := helloEntry(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC))
			e.Duration = tt.d
			r.check(t, &e)
			if got := r.buf.String(); !strings.Contains(got, tt.want) {
				t.Errorf("Record(duration %v) = %q; want it to contain %q", tt.d, got, tt.want)
			}
		})
	}
}

func FuzzRecord(f *testing.F) {
	f.Add("GET", "/hello", "127.0.0.1:5555", 200, int64(13), int64(52100), int64(1773500966535897932))
	f.Add("", "", "", 0, int64(0), int64(0), int64(0))
	f.Add("G T", "/a b=c\"d\\e", "[::1]:1234", 599, int64(-1), int64(1), int64(-1))
	f.Add("GET", "/\t\n\r\x00\x01\x1f\x7f", "x", 404, int64(math.MaxInt64), int64(999), int64(999999999))
	f.Add("GET", "/<script>&amp;</script>", "x", 200, int64(1), int64(1500), int64(1e9))
	f.Add("GET", "/café/日本", "é", 200, int64(1), int64(time.Millisecond), int64(1e6))
	f.Add("GET", "/\u00a0\u2028\u2029\u0085\u200b\ufeff\ufffd", "\u2028", 200, int64(1), int64(1234567000), int64(-1e9))
	f.Add("GET", "/\xff\xc3\xe6\x97", "\xed\xa0\x80", 200, int64(1), int64(2*time.Hour), int64(math.MaxInt64))
	f.Add("\x80", "/\U000e0080\ue000", "a=b", -5, int64(math.MinInt64), int64(math.MinInt64), int64(math.MinInt64))
	f.Add("GET", "/", "x", 200, int64(1), int64(math.MaxInt64), int64(-6795364578871345152)) // 1754
	zones := []*time.Location{
		time.UTC,
		time.Local,
		time.FixedZone("", -(3*3600 + 30*60)),
		mustZone(f, "Europe/Amsterdam"), // +00:19:32 before 1937
		mustZone(f, "America/New_York"),
	}
	f.Fuzz(func(t *testing.T, method, path, remote string, status int, bytes, durNs, unixNs int64) {
		for _, f := range formats {
			r := newRecorder(f.f)
			for _, loc := range zones {
				r.check(t, &Entry{
					Time:     time.Unix(0, unixNs).In(loc),
					Method:   method,
					Path:     path,
					Status:   status,
					Bytes:    bytes,
					Duration: time.Duration(durNs),
					Remote:   remote,
				})
			}
		}
	})
}

// TestRecordAllocs holds Record to its promise: no allocation once the
// buffer has grown, hostile strings included.
func TestRecordAllocs(t *testing.T) {
	e := Entry{
		Time:     time.Now(),
		Method:   "GET",
		Path:     "/a b/\xff/\u2028/é",
		Status:   200,
		Bytes:    1,
		Duration: 1234567 * time.Microsecond,
		Remote:   "[::1]:1234",
	}
	// Not in parallel: AllocsPerRun counts every goroutine's allocations.
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			l := New(discard{}, f.f, time.Hour)
			l.Record(&e)
			if n := testing.AllocsPerRun(1000, func() { l.Record(&e) }); n != 0 {
				t.Errorf("Record allocates %v times per line; want 0", n)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestOneLine checks that nothing a request brings can split its line.
func TestOneLine(t *testing.T) {
	t.Parallel()
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			r := newRecorder(f.f)
			r.log.Record(&Entry{Method: "\n", Path: "/\n\r\u2028\u2029\x85", Remote: "\r\n"})
			if err := r.log.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := r.buf.String(); strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
				t.Errorf("Record(newlines) = %q; want one line", got)
			}
		})
	}
}
