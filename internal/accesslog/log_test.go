package accesslog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
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
	n := 0
	for s.count() == 0 {
		l.Record(entry(7))
		if n++; n*len(line) > flushAt+len(line) {
			t.Fatalf("no write after %d bytes of lines; want one by %d", n*len(line), flushAt)
		}
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
	const goroutines, each = 8, 1000
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
			if len(got) != goroutines*each {
				t.Fatalf("%d lines; want %d", len(got), goroutines*each)
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
		})
	}
}
