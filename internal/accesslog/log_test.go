package accesslog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// TestMain fails the tests if a goroutine outlives them, a Log's included.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sink is the underlying writer: it keeps what reaches it and tells of
// each write on a channel, so tests wait for writes instead of sleeping.
type sink struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	err    error // returned by every write while set
	wrote  chan struct{}
}

func newSink() *sink { return &sink{wrote: make(chan struct{}, 100)} }

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	if s.err != nil {
		return 0, s.err
	}
	return s.buf.Write(p)
}

func (s *sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

func (s *sink) failWith(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

func entry(i int) *Entry {
	return &Entry{
		Time:     time.Date(2026, 3, 14, 15, 9, 26, i*1000, time.UTC),
		Method:   "GET",
		Path:     fmt.Sprintf("/%d", i),
		Status:   200,
		Duration: time.Duration(i),
		Remote:   "127.0.0.1:5555",
	}
}

// lines splits s after each newline, keeping them.
func lines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	return l[:len(l)-1] // what follows the last newline is not a line
}

func TestHeldUntilFlush(t *testing.T) {
	t.Parallel()
	for _, end := range []struct {
		name string
		do   func(*Log) error
	}{{"Flush", (*Log).Flush}, {"Close", (*Log).Close}} {
		t.Run(end.name, func(t *testing.T) {
			t.Parallel()
			s := newSink()
			l := New(s, Text, time.Hour)
			l.Record(entry(1))
			_, _ = l.Write([]byte("other\n"))
			if got := s.String(); got != "" {
				t.Fatalf("before %s: writer has %q; want nothing", end.name, got)
			}
			if err := end.do(l); err != nil {
				t.Fatalf("%s: %v", end.name, err)
			}
			want := reference(t, Text, entry(1)) + "other\n"
			if got := s.String(); got != want {
				t.Errorf("after %s: writer has %q; want %q", end.name, got, want)
			}
			if err := end.do(l); err != nil || s.count() != 1 {
				t.Errorf("%s again: err %v, %d writes in all; want nil, 1 (nothing pending)", end.name, err, s.count())
			}
		})
	}
}

func TestFlushedByTimer(t *testing.T) {
	t.Parallel()
	s := newSink()
	l := New(s, JSON, 20*time.Millisecond)
	defer l.Close()
	var want string
	for round := range 2 { // the timer is reused for the second batch
		l.Record(entry(round))
		l.Record(entry(round + 10))
		want += reference(t, JSON, entry(round)) + reference(t, JSON, entry(round+10))
		deadline := time.After(10 * time.Second)
		for s.String() != want {
			select {
			case <-s.wrote:
			case <-deadline:
				t.Fatalf("round %d: writer has %q 10s after Record with a 20ms interval; want %q", round, s.String(), want)
			}
		}
	}
}

func TestFlushedWhenLong(t *testing.T) {
	t.Parallel()
	s := newSink()
	l := New(s, Text, time.Hour)
	line := reference(t, Text, entry(7))
	n := flushAt/len(line) + 1 // the first line count that reaches flushAt
	for range n - 1 {
		l.Record(entry(7))
	}
	if got := s.count(); got != 0 {
		t.Fatalf("%d writes after %d bytes of lines; want none before %d", got, (n-1)*len(line), flushAt)
	}
	l.Record(entry(7))
	select {
	case <-s.wrote:
	case <-time.After(10 * time.Second):
		t.Fatalf("no write 10s after %d bytes of lines; want one from %d", n*len(line), flushAt)
	}
	if got, want := s.String(), strings.Repeat(line, n); got != want {
		t.Errorf("writer has %d bytes; want the %d lines recorded, %d bytes", len(got), n, len(want))
	}
}

// TestOrder interleaves recorded lines with a slog.Logger writing through
// the same Log, as the server's error lines do.
func TestOrder(t *testing.T) {
	t.Parallel()
	s := newSink()
	l := New(s, Text, time.Hour)
	logger := slog.New(slog.NewTextHandler(l, nil))
	var want strings.Builder
	for i := range 50 {
		l.Record(entry(i))
		want.WriteString(reference(t, Text, entry(i)))
		logger.LogAttrs(context.Background(), slog.LevelWarn, "warning", slog.Int("i", i))
		want.WriteString(fmt.Sprintf("level=WARN msg=warning i=%d\n", i))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got, wantLines := lines(s.String()), lines(want.String())
	if len(got) != len(wantLines) {
		t.Fatalf("%d lines; want %d", len(got), len(wantLines))
	}
	for i, line := range got {
		if strings.HasPrefix(line, "time=") && strings.Contains(line, "level=WARN") {
			line = line[strings.Index(line, " ")+1:] // the warning's own clock
		}
		if line != wantLines[i] {
			t.Fatalf("line %d = %q; want %q", i, line, wantLines[i])
		}
	}
}

func TestConcurrent(t *testing.T) {
	t.Parallel()
	// 4000 lines of under 200 bytes: less than maxPending in all, so that
	// none is dropped however late the writer runs on a busy machine.
	const goroutines, each = 8, 500
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			s := newSink()
			l := New(s, f.f, time.Millisecond) // the timer flushes while lines come in
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for i := range each {
						l.Record(entry(g*each + i))
					}
				})
			}
			wg.Wait()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			got := lines(s.String())
			if len(got) != goroutines*each || l.Dropped() != 0 {
				t.Fatalf("%d lines, %d dropped; want %d, 0", len(got), l.Dropped(), goroutines*each)
			}
			seen := make(map[string]bool, len(got))
			for _, line := range got {
				seen[line] = true
			}
			for i := range goroutines * each {
				if want := reference(t, f.f, entry(i)); !seen[want] {
					t.Fatalf("line %q is missing or garbled", want)
				}
			}
		})
	}
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	t.Run("Flush", func(t *testing.T) {
		t.Parallel()
		s := newSink()
		l := New(s, Text, time.Hour)
		s.failWith(boom)
		l.Record(entry(1))
		if err := l.Flush(); !errors.Is(err, boom) {
			t.Errorf("Flush() = %v; want %v", err, boom)
		}
		s.failWith(nil)
		l.Record(entry(2))
		if err := l.Flush(); err != nil {
			t.Errorf("Flush() after the writer recovers = %v; want nil", err)
		}
		if got, want := s.String(), reference(t, Text, entry(2)); got != want {
			t.Errorf("writer has %q; want %q (the failed batch dropped)", got, want)
		}
	})
	t.Run("timer", func(t *testing.T) {
		t.Parallel()
		s := newSink()
		l := New(s, Text, 20*time.Millisecond)
		s.failWith(boom)
		l.Record(entry(1))
		select {
		case <-s.wrote:
		case <-time.After(10 * time.Second):
			t.Fatal("no write 10s after Record with a 20ms interval")
		}
		if err := l.Close(); !errors.Is(err, boom) {
			t.Errorf("Close() after the timer's write failed = %v; want %v", err, boom)
		}
		if err := l.Close(); err != nil {
			t.Errorf("Close() again = %v; want nil (reported once)", err)
		}
	})
}

// stall is a writer that blocks, as a pipe nobody reads does, until the
// test releases it; then it keeps what reaches it.
type stall struct {
	entered  chan struct{} // closed when the first write begins
	enter    sync.Once
	released chan struct{}
	release  func() // safe to call more than once
	active   atomic.Int32
	overlap  atomic.Bool // two writes were under way at once
	mu       sync.Mutex
	buf      bytes.Buffer
}

func newStall(t *testing.T) *stall {
	t.Helper()
	s := &stall{entered: make(chan struct{}), released: make(chan struct{})}
	s.release = sync.OnceFunc(func() { close(s.released) })
	t.Cleanup(s.release) // a failed test leaves no writer blocked
	return s
}

func (s *stall) Write(p []byte) (int, error) {
	if s.active.Add(1) > 1 {
		s.overlap.Store(true)
	}
	defer s.active.Add(-1)
	s.enter.Do(func() { close(s.entered) })
	<-s.released
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *stall) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// within fails t unless done is closed within a generous bound: it checks
// that something finishes, not how fast.
func within(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: not done after 30s", what)
	}
}

// returns fails t unless f returns within within's bound, so that a call
// which blocks fails the test instead of hanging it.
func returns(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	within(t, done, what)
}

// TestSplit gives the access lines a format of their own, or none, while
// the lines written to the Log pass as they are.
func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		f, access Format
	}{
		{"text, access json", Text, JSON},
		{"json, access text", JSON, Text},
		{"text, access off", Text, Off},
		{"json, access off", JSON, Off},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSink()
			l := NewSplit(s, tt.f, tt.access, time.Hour)
			l.Record(entry(1))
			l.Observe(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/2"}})
			_, _ = l.Write([]byte("own\n"))
			if err := l.Flush(); err != nil {
				t.Fatal(err)
			}
			want := "own\n"
			if tt.access != Off {
				want = reference(t, tt.access, entry(1)) + reference(t, tt.access, &Entry{Method: "GET", Path: "/2"}) + want
			}
			if got := s.String(); got != want {
				t.Errorf("NewSplit(%d, %d): writer has %q; want %q", tt.f, tt.access, got, want)
			}
		})
	}
}

// dropNotice reports whether line is the Log's line for dropped lines, as
// slog writes it (its time aside), and the count it gives.
func dropNotice(t *testing.T, f Format, line string) (uint64, bool) {
	t.Helper()
	prefix, end, open := "time=", " ", ""
	if f == JSON {
		prefix, end, open = `{"time":"`, `",`, "{"
	}
	rest, ok := strings.CutPrefix(line, prefix)
	stamp, rest, cut := strings.Cut(rest, end)
	if !ok || !cut {
		return 0, false
	}
	if _, err := time.Parse(time.RFC3339, stamp); err != nil {
		t.Errorf("dropped-lines notice %q: time: %v", line, err)
	}
	rest = open + rest
	i := strings.LastIndexAny(rest, "=:")
	n, err := strconv.ParseUint(strings.TrimRight(rest[i+1:], "}\n"), 10, 64)
	if err != nil {
		return 0, false
	}
	r := slog.NewRecord(time.Time{}, slog.LevelWarn, droppedMsg, 0) // slog leaves out a zero time
	r.AddAttrs(slog.Uint64("lines", n))
	return n, rest == string(appendRecord(nil, f, r))
}

var linePath = regexp.MustCompile(`path\W+/(\d+)`)

// TestStalledWriter records from several goroutines while w blocks: every
// call returns, lines beyond maxPending are dropped and counted, and once w
// wakes the lines kept reach it whole and in order, with one notice where
// the dropped ones are missing.
func TestStalledWriter(t *testing.T) {
	t.Parallel()
	const goroutines, each = 8, 4000 // 32000 lines of about 150 bytes: 4.8 MB, well beyond maxPending
	record := func(f Format) (func(*Log, int), func(*testing.T, int) string) {
		return func(l *Log, i int) { l.Record(entry(i)) },
			func(t *testing.T, i int) string { t.Helper(); return reference(t, f, entry(i)) }
	}
	// Lines of many lengths, so that a short one would fit where a long
	// one was dropped.
	pad := strings.Repeat("x", 200)
	other := func(i int) string {
		return fmt.Sprintf("level=WARN msg=other path=/%d pad=%s\n", i, pad[:i*37%len(pad)])
	}
	write := func(l *Log, i int) { _, _ = l.Write([]byte(other(i))) }
	tests := []struct {
		name  string
		f     Format
		every time.Duration // an hour: the writer stalls in a write of flushAt bytes; else in the timer's
		add   func(*Log, int)
		line  func(*testing.T, int) string
	}{
		{name: "text", f: Text, every: time.Hour},
		{name: "json", f: JSON, every: time.Hour},
		{name: "text, timer", f: Text, every: time.Millisecond},
		{name: "json, timer", f: JSON, every: time.Millisecond},
		{name: "Write", f: Text, every: time.Hour, add: write, line: func(_ *testing.T, i int) string { return other(i) }},
		{name: "Write, json", f: JSON, every: time.Millisecond, add: write, line: func(_ *testing.T, i int) string { return other(i) }},
	}
	for _, tt := range tests {
		if tt.add == nil {
			tt.add, tt.line = record(tt.f)
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStall(t)
			l := New(s, tt.f, tt.every)
			// Line i*each+j is goroutine i's j-th; goroutine "goroutines"
			// primes the writer, goroutines+1 writes after the stall.
			primed, after := goroutines*each, (goroutines+1)*each
			next := primed
			returns(t, "the lines that start a write", func() {
				for n := 0; n < flushAt && (n == 0 || tt.every == time.Hour); next++ {
					n += len(tt.line(t, next))
					tt.add(l, next)
				}
			})
			within(t, s.entered, "the first write")

			returns(t, fmt.Sprintf("%d goroutines' %d lines each with the writer stalled", goroutines, each), func() {
				var wg sync.WaitGroup
				for g := range goroutines {
					wg.Go(func() {
						for j := range each {
							tt.add(l, g*each+j)
						}
					})
				}
				wg.Wait()
			})
			dropped := l.Dropped()
			if dropped == 0 {
				t.Fatalf("Dropped() = 0 after %d lines with the writer stalled; want more than 0", goroutines*each)
			}

			s.release()
			if err := l.Flush(); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			tt.add(l, after) // dropped if it came before the writer took the lines
			if err := l.Flush(); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			if got := l.Dropped(); got != dropped {
				t.Errorf("Dropped() = %d after the writer woke; want %d, as before", got, dropped)
			}
			if s.overlap.Load() {
				t.Error("two writes to w were under way at once")
			}

			// Each goroutine's lines kept are the first ones it recorded:
			// once a line is dropped, all are until the writer wakes.
			kept := make([]int, goroutines+2) // lines seen of each goroutine
			var notices []uint64
			for i, line := range lines(s.String()) {
				if n, ok := dropNotice(t, tt.f, line); ok {
					if kept[goroutines+1] != 0 {
						t.Errorf("line %d: notice %q after the line recorded once the writer woke", i, line)
					}
					notices = append(notices, n)
					continue
				}
				m := linePath.FindStringSubmatch(line)
				if m == nil {
					t.Fatalf("line %d = %q; want a recorded line or the notice", i, line)
				}
				id, _ := strconv.Atoi(m[1])
				g := id / each
				if g >= len(kept) {
					t.Fatalf("line %d = %q; want a line of goroutines 0 to %d", i, line, len(kept)-1)
				}
				if want := g*each + kept[g]; id != want {
					t.Fatalf("line %d = %q; want goroutine %d's line %d", i, line, g, want)
				}
				if want := tt.line(t, id); line != want {
					t.Fatalf("line %d = %q; want %q", i, line, want)
				}
				kept[g]++
			}
			if kept[goroutines] != next-primed || kept[goroutines+1] != 1 {
				t.Errorf("lines before and after the stall: %d, %d; want %d, 1", kept[goroutines], kept[goroutines+1], next-primed)
			}
			missing := uint64(goroutines * each)
			for _, n := range kept[:goroutines] {
				missing -= uint64(n)
			}
			if len(notices) != 1 || notices[0] != dropped || missing != dropped {
				t.Errorf("notices %v, %d lines missing; want one notice of %d, Dropped()", notices, missing, dropped)
			}
		})
	}
}

// TestFlushStalled bounds a Flush, as Close does: it gives up on a stalled
// w without losing the lines, and the Log keeps taking lines meanwhile.
func TestFlushStalled(t *testing.T) {
	t.Parallel()
	s := newStall(t)
	l := New(s, Text, time.Hour)
	l.Record(entry(1))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var err error
	returns(t, "a Flush bounded to 20ms with w stalled", func() { err = l.flush(ctx) })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("flush with w stalled = %v; want %v", err, context.DeadlineExceeded)
	}
	returns(t, "Record and Write after a Flush gave up", func() {
		l.Record(entry(2))
		_, _ = l.Write([]byte("other\n"))
	})
	s.release()
	if err := l.Flush(); err != nil {
		t.Errorf("Flush once w wakes = %v; want nil", err)
	}
	want := reference(t, Text, entry(1)) + reference(t, Text, entry(2)) + "other\n"
	if got := s.String(); got != want {
		t.Errorf("writer has %q; want %q", got, want)
	}
	if got := l.Dropped(); got != 0 {
		t.Errorf("Dropped() = %d; want 0", got)
	}
}

// TestHugeLine keeps a line longer than maxPending when nothing waits
// ahead of it: only a stall is cause to drop.
func TestHugeLine(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		add  func(*testing.T, *Log) string
	}{
		{"Record", func(t *testing.T, l *Log) string {
			e := entry(1)
			e.Path = "/" + strings.Repeat("a", maxPending)
			l.Record(e)
			return reference(t, Text, e)
		}},
		{"Write", func(_ *testing.T, l *Log) string {
			p := strings.Repeat("a", maxPending) + "\n"
			_, _ = l.Write([]byte(p))
			return p
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSink()
			l := New(s, Text, time.Hour)
			want := tt.add(t, l)
			if err := l.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := s.String(); got != want || l.Dropped() != 0 {
				t.Errorf("writer has %d bytes, Dropped() = %d; want the line's %d, 0", len(got), l.Dropped(), len(want))
			}
		})
	}
}

// BenchmarkRecord sets the encoder beside the slog handlers it replaces.
func BenchmarkRecord(b *testing.B) {
	entry := helloEntry(time.Now())
	e := &entry
	ctx := context.Background()
	for _, h := range []struct {
		name string
		h    slog.Handler
	}{
		{"slog-text", slog.NewTextHandler(io.Discard, nil)},
		{"slog-json", slog.NewJSONHandler(io.Discard, nil)},
	} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = h.h.Handle(ctx, slogRecord(e))
			}
		})
	}
	for _, f := range formats {
		b.Run("accesslog-"+f.name, func(b *testing.B) {
			l := New(io.Discard, f.f, time.Hour) // flushAt bounds the buffer
			b.ReportAllocs()
			for b.Loop() {
				l.Record(e)
			}
			_ = l.Close()
			// Lines dropped would make Record look cheap; there should be none.
			b.ReportMetric(float64(l.Dropped())/float64(b.N), "drops/op")
		})
	}
}
