// Package accesslog writes one line per HTTP request, in log/slog's text or
// JSON format, in batches.
//
// It exists for speed: going through a slog.Handler costs more than a
// microsecond per request, most of it in work that is the same for every
// line of this one fixed shape. The lines are byte for byte what
// slog.NewTextHandler or slog.NewJSONHandler (with default options) writes
// for the same record, so readers of the log see no difference.
//
// It never holds up a request for its writer: when stderr stalls, lines are
// dropped and counted rather than waited for.
package accesslog

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// Format is the line format: log/slog's text or JSON handler output.
type Format int

const (
	Text Format = iota
	JSON
	// Off, as the access lines' format, leaves them out: the Log then
	// carries only the lines written to it, the server's own.
	Off
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

// flushAt starts a write once this many bytes are pending: under load the
// lines go out in writes of about this size rather than piling up until the
// timer fires.
const flushAt = 64 << 10

// maxPending bounds the bytes waiting while a write is under way; a line
// that would go beyond it is dropped. At serve's full load (24k requests/s
// of lines of about 150 bytes, 3.6 MB/s) it rides out a writer 0.3 s
// behind, nearly three of serve's 100 ms batches, without a loss, and a
// writer stalled for good costs at most twice it (these lines and the batch
// it is stuck on), little beside serve's 30 MiB.
const maxPending = 1 << 20

// maxSpare is the largest written batch whose buffer is kept for the next
// one, so that batching allocates nothing, even after the pending lines
// grew past flushAt while a write was under way (which a busy machine's
// scheduler makes common); keeping the two buffers costs at most 2 MiB. A
// bigger one, grown by one huge line, goes back to the collector rather than
// pin its size.
const maxSpare = maxPending + 64<<10

// closeWait bounds Close: at shutdown a writer stalled for good must not
// keep the process from exiting. A live pipe or terminal takes the 2 MiB at
// most pending in far less, and it leaves serve's default 15 s of shutdown
// within Kubernetes' default grace period of 30 s.
const closeWait = 5 * time.Second

// Log gathers lines and writes them to w at most flushEvery after the first
// unwritten one: one write per request would cost the server a system call
// each, a third of its throughput on a small machine.
//
// It never holds up a request, even when w blocks (a pipe nobody reads, a
// terminal paused with Ctrl-S): Record and Write only append to the pending
// lines, under a lock held for nothing longer than that or a swap of
// buffers, and drop the line when maxPending bytes are already waiting. The
// writer, whoever holds the token, takes all the pending lines under that
// lock and writes them outside it: a goroutine started when flushAt bytes
// are pending, the timer's goroutine, or one started by Flush. So lines
// reach w in the order they were recorded, writes to w never overlap, and a
// w that blocks holds up the writer alone. The writer ends with its write,
// so a Log leaves no goroutine behind once its lines are out.
type Log struct {
	w       io.Writer
	format  Format // of the lines written to it and of the notice of dropped ones
	every   time.Duration
	timer   *time.Timer   // made once and reset, so batching allocates nothing
	dropped atomic.Uint64 // lines dropped since New, for Dropped to read without the lock

	// token is held by the one writer. Its holder alone touches batch,
	// batchLost and spare, and it never takes mu but to take the lines:
	// a writer that waited for a lock that every request takes would fall
	// behind them.
	token     chan struct{}
	busy      atomic.Bool // a writer has lines to write: a cheaper test than the token
	started   atomic.Bool // and it has begun: it is not waiting for a P
	batch     []byte      // the lines taken
	batchLost uint64      // lines dropped just after them
	spare     []byte      // the last batch's buffer, emptied, for the pending lines

	mu    sync.Mutex
	buf   []byte // pending lines
	lost  uint64 // lines dropped since the writer last took buf
	armed bool   // the timer is set
	enc   encoder

	errMu sync.Mutex // not mu, for the same reason
	err   error      // from a write, for the next Flush to report
}

// New returns a Log that writes f lines to w.
func New(w io.Writer, f Format, flushEvery time.Duration) *Log {
	return NewSplit(w, f, f, flushEvery)
}

// NewSplit is New with the access lines, Record's, in a format of their
// own, or left out when access is Off. The lines written to the Log and
// the notice of dropped ones are in f, the format of the server's own
// lines, as is the notice a server warning.
func NewSplit(w io.Writer, f, access Format, flushEvery time.Duration) *Log {
	l := &Log{w: w, every: flushEvery, token: make(chan struct{}, 1), format: f, enc: encoder{format: access}}
	l.timer = time.AfterFunc(time.Hour, l.timed)
	l.timer.Stop()
	return l
}

// Observe is the access log's observe.Observer: one line per exchange,
// stamped when the handler returned.
func (l *Log) Observe(_ context.Context, ex *observe.Exchange) {
	if l.enc.format == Off {
		return
	}
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

// Record adds e's line, or drops it if it would take the pending lines
// beyond maxPending.
//
// Once a line is dropped, every line is until the writer takes the pending
// ones; it then writes, after them, one line at level WARN that says how
// many were dropped (see appendDropped), exactly where they are missing.
// A first line longer than maxPending is kept: it waits behind no other.
func (l *Log) Record(e *Entry) {
	if l.enc.format == Off {
		return
	}
	l.mu.Lock()
	if l.lost == 0 {
		n := len(l.buf)
		l.buf = l.enc.append(l.buf, e)
		if l.armed && (len(l.buf) < flushAt || len(l.buf) < 2*flushAt && l.busy.Load()) {
			l.mu.Unlock() // most lines: schedule would do nothing
			return
		}
		if len(l.buf) > maxPending && n > 0 {
			l.buf = l.buf[:n]
			l.drop()
		}
	} else {
		l.drop()
	}
	l.schedule() // unlocks
}

// Write adds p as it is. It lets a slog.Handler for the server's other
// lines (errors, warnings) write through the same buffer, so that all lines
// stay in order. It drops p as Record drops a line, and never fails: errors
// in writing to w are reported by Flush, and a stalled w by Dropped, so that
// no caller turns either into errors of its own.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	if n := len(l.buf); l.lost == 0 && (n+len(p) <= maxPending || n == 0) {
		l.buf = append(l.buf, p...)
	} else {
		l.drop()
	}
	l.schedule() // unlocks
	return len(p), nil
}

// Dropped returns how many lines (calls of Record or Write) were dropped
// since New because maxPending bytes were waiting for a stalled or slow w.
// Lines whose write failed are not counted: Flush reports the error.
func (l *Log) Dropped() uint64 { return l.dropped.Load() }

// Flush writes the pending lines and waits until w has taken them. It
// reports the first error in writing to w since the last Flush, including
// writes made by the timer or because the pending lines grew long.
//
// It waits for as long as w blocks: it is for shutdown and tests, never a
// request's path. Close bounds the wait.
func (l *Log) Flush() error { return l.flush(context.Background()) }

// Close flushes, waiting at most closeWait for w. If w is still stalled
// then, Close returns an error and leaves the lines to the writer, which
// writes them if w wakes before the process ends. Lines added after Close
// are still written, by their timer.
func (l *Log) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), closeWait)
	defer cancel()
	return l.flush(ctx)
}

// flush is Flush, giving up when ctx is done.
func (l *Log) flush(ctx context.Context) error {
	select {
	case l.token <- struct{}{}: // after the write under way, if any
	case <-ctx.Done():
		return stalled(ctx)
	}
	l.mu.Lock()
	l.take()
	l.mu.Unlock()
	if len(l.batch) == 0 && l.batchLost == 0 {
		l.write() // only gives the token back
		return l.takeErr()
	}
	written := make(chan struct{})
	go func() {
		l.write()
		close(written)
	}()
	select {
	case <-written:
	case <-ctx.Done():
		return stalled(ctx)
	}
	return l.takeErr()
}

// takeErr returns the error kept for Flush, and forgets it.
func (l *Log) takeErr() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	err := l.err
	l.err = nil
	return err
}

func stalled(ctx context.Context) error {
	return fmt.Errorf("accesslog: the log's writer is stalled, lines are not written: %w", ctx.Err())
}

// schedule follows a line, kept or dropped, under mu, and unlocks it. It
// has the pending lines written now if they are long and the writer is
// free, and else by the timer.
//
// When the writer is a batch behind and has not begun, it yields to it: a
// goroutine started waits in its P's queue until the goroutine running there
// blocks or is preempted (up to 10 ms). Requests block on the network all
// the time, but a caller that does not (a benchmark, a loop logging without
// I/O) would otherwise run the pending lines up to maxPending and drop them.
// A yield is no wait: the caller runs again after the goroutines ready
// before it. A writer stalled in w has begun, and gets no yields.
func (l *Log) schedule() {
	behind := false
	if len(l.buf) >= flushAt {
		if l.tryToken() {
			l.take()
			go l.write()
		} else { // the writer is busy; the next line tries again, and the timer
			behind = len(l.buf) >= 2*flushAt && !l.started.Load()
		}
	}
	if !l.armed && len(l.buf) > 0 {
		l.armed = true
		l.timer.Reset(l.every)
	}
	l.mu.Unlock()
	if behind {
		runtime.Gosched()
	}
}

// tryToken takes the token if it is free.
func (l *Log) tryToken() bool {
	if l.busy.Load() {
		return false // as the send would, in a load rather than a call
	}
	select {
	case l.token <- struct{}{}:
		return true
	default:
		return false
	}
}

// drop counts a dropped line, under mu.
func (l *Log) drop() {
	l.lost++
	l.dropped.Add(1)
}

// timed runs when the timer fires: its goroutine writes the pending lines,
// or, while another writer is busy, sets the timer again to try later.
func (l *Log) timed() {
	l.mu.Lock()
	l.armed = false
	if len(l.buf) == 0 { // a Flush came first
		l.mu.Unlock()
		return
	}
	select {
	case l.token <- struct{}{}:
		l.take()
		l.mu.Unlock()
		l.write()
	default:
		l.armed = true
		l.timer.Reset(l.every)
		l.mu.Unlock()
	}
}

// take hands the pending lines to the writer, under mu, with the token.
func (l *Log) take() {
	l.batch, l.batchLost = l.buf, l.lost
	l.buf, l.spare, l.lost = l.spare[:0], nil, 0
	l.started.Store(false)
	l.busy.Store(true)
}

// write writes the lines taken and gives the token back.
func (l *Log) write() {
	l.started.Store(true)
	b := l.batch
	if l.batchLost > 0 {
		b = appendDropped(b, l.format, l.batchLost) // the format is set for good, without mu
	}
	var err error
	if len(b) > 0 {
		// Lines whose write failed are dropped: keeping them would grow
		// the buffer without bound while w keeps failing.
		_, err = l.w.Write(b)
	}
	if err != nil {
		l.errMu.Lock()
		if l.err == nil {
			l.err = err // for the next Flush, the only place to report it
		}
		l.errMu.Unlock()
	}
	if cap(b) <= maxSpare {
		l.spare = b[:0]
	}
	l.batch, l.batchLost = nil, 0
	l.busy.Store(false)
	<-l.token
}
