// Package store keeps captured exchanges on disk, in an embedded SQLite
// database (modernc.org/sqlite, pure Go), so that the history outlives the
// serve process: the inspector holds only its recent exchanges in memory,
// and a restart or a crash would lose them all.
//
// Capture never waits on the disk. Put hands an exchange to a bounded queue
// without blocking, and one writer goroutine encodes and inserts queued
// exchanges in a transaction every Config.FlushEvery; when the writer falls
// behind, or cannot write at all (a full disk), captures are dropped and
// counted and the server keeps serving. The database is bounded by the
// bytes its records take and by their age, the oldest going first. Two
// serve processes may share one file: SQLite's locks let them take turns.
//
// Each exchange is stored as its observe.Exchange JSON, derived figures
// filled in, beside indexed columns for listing. Times are not stored:
// what Get returns is derived already, and calling Derive on it again
// would reset its phases.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/observe"
)

// Defaults and limits for Config and List.
const (
	DefaultMaxBytes   = 256 << 20
	DefaultMaxAge     = 7 * 24 * time.Hour
	DefaultQueue      = 8192
	DefaultFlushEvery = 100 * time.Millisecond
	DefaultShare      = 0.1
	// MaxLimit bounds a page of List.
	MaxLimit = 1000
	// maxQueueBytes bounds what queued captures hold (observe.Exchange.Size)
	// besides their count, though one alone is always taken: 8192 captures
	// of two 1 MiB bodies would be 16 GiB. Most are the inspector's records
	// too, so this is an upper bound on what the queue adds to serve's
	// memory.
	maxQueueBytes = 32 << 20
	// defaultBusyTimeout is how long a statement waits for another
	// connection's lock (a second serve process on the same file).
	defaultBusyTimeout = 5 * time.Second
)

// MaxHeap bounds the Go heap a Store holds beyond the inspector's
// records: its queue (which may hold records the history let go), a
// batch's encoding, and two exports' chunks. SQLite's page caches, 12 MiB,
// are C memory beside it.
const MaxHeap = maxQueueBytes + 2*maxBatchBytes + 2*exportBytes

// ErrNotFound is Get's error for an id the store does not hold.
var ErrNotFound = errors.New("store: no such exchange")

// ErrClosed is the error of a call on a closed Store.
var ErrClosed = errors.New("store: closed")

// Config configures a Store. Only Path is required.
type Config struct {
	Path       string        // the database file; its directory is created (0700) if missing
	MaxBytes   int64         // bytes the stored records may take (their JSON); default DefaultMaxBytes
	MaxAge     time.Duration // captures older than this go; default DefaultMaxAge
	Listener   string        // recorded with each exchange: the serve listener that captured it
	Queue      int           // captures waiting for the writer, at most; default DefaultQueue
	FlushEvery time.Duration // the writer's batch interval, what a SIGKILL may lose; default DefaultFlushEvery
	// Share is the most of the time the writer may be busy (0 to 1; default
	// DefaultShare): it rests after working, so that under load it takes
	// no more of the CPU from the requests, and drops the captures it has
	// no time for, counted.
	Share  float64
	Logger *slog.Logger // a line when drops begin and end, when writes fail and recover; nil discards

	busyTimeout time.Duration // tests shorten it; default defaultBusyTimeout
	noIndex     bool          // tests leave exchanges unindexed, to search them one by one
}

// Store is a durable history of exchanges. Its methods are safe for
// concurrent use.
type Store struct {
	cfg Config
	log *slog.Logger
	rdb *sql.DB // readers: Get, List
	w   *writer

	queue  chan item
	queued atomic.Int64 // Size of the captures in queue
	closed atomic.Bool
	quit   chan struct{} // closed by Close: the writer drains the queue and ends
	done   chan struct{} // closed by the writer as it ends

	behind atomic.Uint64 // captures dropped because the queue was full
	failed atomic.Uint64 // captures dropped because their batch could not be written
	lastID atomic.Uint64
	stats  atomic.Pointer[Stats]

	mu       sync.Mutex
	degraded error // the last write's error, nil once one succeeds

	closeOnce sync.Once
	closeErr  error
}

// item is one capture, a Clear when clear is set, or an Import.
type item struct {
	id    uint64
	ex    *observe.Exchange
	size  int64
	clear chan error
	imp   *importJob
	del   *deleteJob
}

// deleteJob is a Delete for the writer: done gets the ids deleted.
type deleteJob struct {
	ids  []int64
	done chan importResult
}

// importJob is an Import for the writer.
type importJob struct {
	exs     []*observe.Exchange
	entries [][]byte
	done    chan importResult
}

type importResult struct {
	ids []uint64
	err error
}

// Stats describe what a Store holds, as of its writer's last batch.
type Stats struct {
	Count  int64  // exchanges stored
	Bytes  int64  // the bytes of their records, which MaxBytes bounds
	Oldest uint64 // the oldest id stored, 0 when empty
	Newest uint64 // the newest id stored, 0 when empty
	// Indexed is the greatest id indexed for free-text search: the writer
	// indexes behind its inserts, when no captures wait.
	Indexed uint64
}

// LastID is the greatest id the store has held, 0 for a new store. It
// does not go down with eviction or Clear, so ids handed out from
// LastID()+1 keep increasing across restarts.
func (s *Store) LastID() uint64 { return s.lastID.Load() }

// Path is the store's file, as an absolute path.
func (s *Store) Path() string { return s.cfg.Path }

// Put queues ex, captured as id, for the writer. It never blocks: when the
// queue is full, or the store closed, ex is dropped and counted. Exchanges
// of roundtrip's own routes (ex.Internal) are not stored. ex must not
// change afterwards, as observers' records never do. An id already taken
// in the file (by a second serve process on it) is stored as the next free
// one instead; id 0 always takes the next free one, and ids past
// math.MaxInt64 are dropped.
func (s *Store) Put(id uint64, ex *observe.Exchange) {
	if ex == nil || ex.Internal {
		return
	}
	if s.closed.Load() || id > math.MaxInt64 {
		s.behind.Add(1)
		return
	}
	size := ex.Size()
	if n := s.queued.Add(size); n > maxQueueBytes && n != size { // one alone always fits
		s.queued.Add(-size)
		s.behind.Add(1)
		return
	}
	select {
	case s.queue <- item{id: id, ex: ex, size: size}:
	default:
		s.queued.Add(-size)
		s.behind.Add(1)
	}
}

// Get returns the exchange stored as id, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id uint64) (*observe.Exchange, error) {
	if id > math.MaxInt64 {
		return nil, ErrNotFound
	}
	var rec []byte
	var listener string
	var imported bool
	err := s.rdb.QueryRowContext(ctx, `SELECT record, listener, imported FROM exchanges WHERE id = ?`, int64(id)).Scan(&rec, &listener, &imported)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, s.readError(err)
	}
	ex := new(observe.Exchange)
	if err := json.Unmarshal(rec, ex); err != nil {
		return nil, fmt.Errorf("store %s: exchange %d: %w", s.cfg.Path, id, err)
	}
	ex.ID, ex.Listener, ex.Imported = id, listener, imported
	return ex, nil
}

// List returns up to limit (1 to MaxLimit) exchanges matching f, newest
// first, with ids below before (0 means from the newest); more reports
// whether older matches remain. The exchanges hold their Summary only,
// without messages or phases: Get has the rest.
func (s *Store) List(ctx context.Context, f filter.Filter, before uint64, limit int) (page []*observe.Exchange, more bool, err error) {
	if limit < 1 || limit > MaxLimit {
		return nil, false, fmt.Errorf("store: list limit %d: want 1 to %d", limit, MaxLimit)
	}
	// The Summary's JSON begins the record: the rest is not decoded. One
	// row more than limit tells whether there are more.
	page = make([]*observe.Exchange, 0, min(limit, 64))
	err = s.query(ctx, selection(f, "id, substr(CAST(record AS BLOB), 1, summary_len), listener, imported", before, limit+1, true, s.indexed()), limit+1, func(rows *sql.Rows) error {
		if len(page) == limit {
			more = true
			return nil
		}
		var id int64
		var sum []byte
		var listener string
		var imported bool
		if err := rows.Scan(&id, &sum, &listener, &imported); err != nil {
			return s.readError(err)
		}
		ex := new(observe.Exchange)
		if err := json.Unmarshal(append(sum, '}'), &ex.Summary); err != nil {
			return fmt.Errorf("store %s: exchange %d: %w", s.cfg.Path, id, err)
		}
		ex.ID, ex.Listener, ex.Imported = uint64(id), listener, imported
		page = append(page, ex)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return page, more, nil
}

// Clear deletes every exchange stored, and every capture queued before it,
// and gives their space back to the file system. Ids keep counting. If
// ctx ends first, Clear returns its error, and may still happen.
func (s *Store) Clear(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	done := make(chan error, 1)
	select {
	case s.queue <- item{clear: done}:
	case <-s.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Dropped is how many captures were not stored: the writer fell behind
// and the queue was full, their batch could not be written, or one alone
// was larger than MaxBytes.
func (s *Store) Dropped() uint64 { return s.behind.Load() + s.failed.Load() }

// Degraded is the error of the writer's last batch while the store cannot
// write (a full disk, an I/O error, a lock held too long), and nil once a
// batch is written again. Captures are dropped meanwhile.
func (s *Store) Degraded() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.degraded
}

// setDegraded records the outcome of a write, logging the changes.
func (s *Store) setDegraded(err error) {
	s.mu.Lock()
	was := s.degraded
	if err != nil {
		err = fmt.Errorf("store %s: cannot write: %w", s.cfg.Path, err)
	}
	s.degraded = err
	s.mu.Unlock()
	switch {
	case was == nil && err != nil:
		s.log.Error("store: cannot write; captures are dropped until it can", "path", s.cfg.Path, "err", err)
	case was != nil && err == nil:
		s.log.Info("store: writing again", "path", s.cfg.Path, "dropped", s.Dropped())
	}
}

// Stats reports what the store holds, as of the writer's last batch: it
// reads no disk, for /metrics and the page.
func (s *Store) Stats() Stats { return *s.stats.Load() }

// Close writes every queued capture to disk, ends the writer and closes
// the database. A Put that returns before Close is called is on disk when
// Close returns nil. Close may be called more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.quit)
		<-s.done
		// Anything that raced in after the writer's last look.
		for {
			select {
			case it := <-s.queue:
				switch {
				case it.clear != nil:
					it.clear <- ErrClosed
				case it.imp != nil:
					it.imp.done <- importResult{err: ErrClosed}
				case it.del != nil:
					it.del.done <- importResult{err: ErrClosed}
				default:
					s.queued.Add(-it.size)
					s.behind.Add(1)
				}
				continue
			default:
			}
			break
		}
		s.closeErr = errors.Join(s.w.err, s.w.close(), s.rdb.Close())
	})
	return s.closeErr
}

// readError is err from a reader, named after the store.
func (s *Store) readError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, sql.ErrConnDone) || s.closed.Load() {
		return ErrClosed
	}
	return fmt.Errorf("store %s: %w", s.cfg.Path, err)
}
