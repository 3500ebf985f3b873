// Package accesslog writes one line per HTTP request, in log/slog's text or
// JSON format, in batches.
//
// It exists for speed: going through a slog.Handler costs more than a
// microsecond per request, most of it in work that is the same for every
// line of this one fixed shape. The lines are byte for byte what
// slog.NewTextHandler or slog.NewJSONHandler (with default options) writes
// for the same record, so readers of the log see no difference.
package accesslog

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// Format is the line format: log/slog's text or JSON handler output.
type Format int

const (
	Text Format = iota
	JSON
)

// Entry is one request's line.
type Entry struct {
	Time     time.Time // when the response finished
	Method   string
	Path     string
	Status   int
	Bytes    int64
	Duration time.Duration
	Remote   string
}

// flushAt bounds the pending bytes: under load the lines go out in writes
// of about this size rather than piling up until the timer fires.
const flushAt = 64 << 10

// Log gathers lines and writes them to w at most flushEvery after the first
// unwritten one: one write per request would cost the server a system call
// each, a third of its throughput on a small machine.
//
// Writes to w happen under the lock, so that lines reach w in the order
// they were recorded.
type Log struct {
	mu    sync.Mutex
	w     io.Writer
	every time.Duration
	timer *time.Timer // made once and reset, so batching allocates nothing
	armed bool        // the timer is set for the pending lines
	buf   []byte      // pending lines
	err   error       // from a write that no Flush made, for the next Flush to report
	enc   encoder
}

// New returns a Log that writes f lines to w.
func New(w io.Writer, f Format, flushEvery time.Duration) *Log {
	l := &Log{w: w, every: flushEvery, enc: encoder{format: f}}
	l.timer = time.AfterFunc(time.Hour, l.timed)
	l.timer.Stop()
	return l
}

// Observe is the access log's observe.Observer: one line per exchange,
// stamped when the handler returned.
func (l *Log) Observe(_ context.Context, ex *observe.Exchange) {
	t := &ex.Times
	l.Record(&Entry{
		Time:     t.Start.Add(t.End),
		Method:   ex.Method,
		Path:     ex.Path,
		Status:   ex.Status,
		Bytes:    ex.BytesOut,
		Duration: t.End,
		Remote:   ex.Client,
	})
}

// Record adds e's line.
func (l *Log) Record(e *Entry) {
	l.mu.Lock()
	l.buf = l.enc.append(l.buf, e)
	l.added()
	l.mu.Unlock()
}

// Write adds p as it is. It lets a slog.Handler for the server's other
// lines (errors, warnings) write through the same buffer, so that all lines
// stay in order. Errors in writing to w are reported by Flush, not here:
// p is not lost to them any more than a recorded line is.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf = append(l.buf, p...)
	l.added()
	l.mu.Unlock()
	return len(p), nil
}

// Flush writes the pending lines. It reports the first error in writing to
// w since the last Flush, including writes made by the timer or because
// the pending lines grew too long.
func (l *Log) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.flush()
	if l.err != nil {
		err, l.err = l.err, nil
	}
	return err
}

// Close flushes. Lines added after it are still written, by their timer.
func (l *Log) Close() error { return l.Flush() }

// added follows each line, under the lock.
func (l *Log) added() {
	if len(l.buf) >= flushAt {
		l.keep(l.flush())
		return
	}
	if !l.armed {
		l.armed = true
		l.timer.Reset(l.every)
	}
}

// timed runs when the timer fires. A Flush may have come first; then there
// is nothing (or only newer lines, written a little early) to write.
func (l *Log) timed() {
	l.mu.Lock()
	l.keep(l.flush())
	l.mu.Unlock()
}

// keep remembers err for the next Flush, which is the only place to report it.
func (l *Log) keep(err error) {
	if l.err == nil {
		l.err = err
	}
}

// flush writes the pending lines, under the lock. Lines whose write failed
// are dropped: keeping them would grow the buffer without bound while w
// keeps failing.
func (l *Log) flush() error {
	if l.armed {
		l.timer.Stop()
		l.armed = false
	}
	if len(l.buf) == 0 {
		return nil
	}
	_, err := l.w.Write(l.buf)
	l.buf = l.buf[:0]
	if cap(l.buf) > 4*flushAt {
		l.buf = nil // one huge Write should not pin its size for good
	}
	return err
}
