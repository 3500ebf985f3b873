package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// Batches and housekeeping.
const (
	// maxBatch and maxBatchBytes end a batch before FlushEvery: a
	// transaction's pages go through the write-ahead log, which a big batch
	// would grow past walLimit.
	maxBatch      = 512
	maxBatchBytes = 4 << 20
	// vacuumStep is the most free pages one step gives back to the file
	// system (4 MiB), so that a step never holds the writer long;
	// vacuumSlack free pages (1 MiB) are kept for the next batches to reuse.
	vacuumStep  = (4 << 20) / pageSize
	vacuumSlack = (1 << 20) / pageSize
	// sweepEvery is how often the writer evicts by age when no captures
	// come; while more than vacuumSlack pages are free it takes a vacuum
	// step every FlushEvery.
	sweepEvery = time.Minute
	// quietAfter is how long without a drop ends a drop episode: its end
	// is logged, and the next drop is logged again.
	quietAfter = time.Minute
)

// writer is the goroutine that owns the write connection.
type writer struct {
	s      *Store
	db     *sql.DB
	conn   *sql.Conn
	insert *sql.Stmt
	chunk  *sql.Stmt // insertChunk rows at once
	args   []any     // chunk's arguments, kept for the next chunk
	enc    *encoder

	batch      []row
	batchBytes int64

	dropping   bool      // a drop episode is on
	seenBehind uint64    // s.behind when last looked at
	lastDrop   time.Time // when a new drop was last seen

	more      bool  // the last vacuum step left free pages to give back
	unindexed bool  // exchanges wait to be indexed for search
	indexStep int   // how many exchanges the next index step takes
	err       error // the last flush's, for Close
}

var (
	errTooBig       = errors.New("store: a record larger than MaxBytes")
	errImportTooBig = errors.New("store: the import is larger than the store may hold (--store-max-bytes)")
)

// deleteRows deletes the exchanges with ids, those still there, in one
// transaction, and returns the ids deleted.
func (w *writer) deleteRows(ctx context.Context, ids []int64) (gone []uint64, err error) {
	if _, err := w.conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			w.conn.ExecContext(ctx, `ROLLBACK`)
			gone = nil
		}
	}()
	var bytes int64
	for _, id := range ids {
		var size int64
		err := w.conn.QueryRowContext(ctx, `DELETE FROM exchanges WHERE id = ? RETURNING size`, id).Scan(&size)
		if errors.Is(err, sql.ErrNoRows) {
			continue // evicted meanwhile
		}
		if err != nil {
			return nil, err
		}
		if _, err := w.conn.ExecContext(ctx, `DELETE FROM search WHERE rowid = ?`, id); err != nil {
			return nil, err
		}
		bytes += size
		gone = append(gone, uint64(id))
	}
	if err := w.account(ctx, -int64(len(gone)), -bytes, 0); err != nil {
		return nil, err
	}
	st, _, err := w.stats(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := w.conn.ExecContext(ctx, `COMMIT`); err != nil {
		return nil, err
	}
	w.s.stats.Store(&st)
	w.more = true // pages to give back
	return gone, nil
}

// importRows stores job's exchanges in one transaction, all or none.
func (w *writer) importRows(ctx context.Context, job *importJob) ([]uint64, error) {
	e := newEncoder()
	rows := make([]row, 0, len(job.exs))
	for i, ex := range job.exs {
		r, err := e.encodeAs(ex.ID, ex, false)
		if err != nil {
			return nil, fmt.Errorf("store: entry %d: %w", i, err)
		}
		r.har = job.entries[i]
		rows = append(rows, r)
	}
	ids := make([]uint64, 0, len(rows))
	if err := w.writeRows(ctx, rows, &ids); err != nil {
		return nil, err
	}
	return ids, nil
}

// row is one capture, encoded for its insert.
type row struct {
	id         int64 // 0: the next free id
	started    int64
	method     string
	status     int
	path       string
	host       string
	duration   float64
	bytesOut   int64
	summaryLen int
	record     []byte
	har        []byte // an imported entry's HAR JSON
	searched   int    // the bytes of text the search index will hold
}

// size is what r counts against MaxBytes: its record and HAR entry, and
// twice the text its search index holds, which the index takes about
// (JSON with many numbers took 1.3 times its text; TestBoundBytesText),
// so that the file stays near MaxBytes.
func (r *row) size() int64 {
	return int64(len(r.record) + len(r.har) + 2*r.searched)
}

func newWriter(ctx context.Context, s *Store, db *sql.DB, conn *sql.Conn) (*writer, error) {
	const columns = `INSERT INTO exchanges
		(id, started, method, status, path, host, duration, size, summary_len, record, listener, imported, bytes_out, har)
		VALUES `
	const values = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insert, err := conn.PrepareContext(ctx, columns+values+` ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return nil, err
	}
	chunk, err := conn.PrepareContext(ctx, columns+strings.Repeat(values+`, `, insertChunk-1)+values)
	if err != nil {
		insert.Close()
		return nil, err
	}
	w := &writer{s: s, db: db, conn: conn, insert: insert, chunk: chunk, enc: newEncoder(), indexStep: 64}
	// Evict by age and bound by bytes at once: MaxBytes may have shrunk.
	err = w.write(ctx, nil)
	if err == nil {
		w.more = w.vacuum(ctx)
		w.unindexed = true // what an older roundtrip, or a killed one, left
	}
	return w, err
}

// run is the writer's loop: it batches captures until FlushEvery after
// the first, or a batch is full, and writes each batch in a transaction.
func (w *writer) run() {
	s := w.s
	defer close(s.done)
	ctx := context.Background()
	flush := time.NewTimer(0)
	flush.Stop()
	sweep := time.NewTimer(sweepEvery)
	defer sweep.Stop()
	rest := time.NewTimer(0)
	rest.Stop()
	// owed is how long the writer rests before it works again, so that it
	// is busy at most Share of the time: work of d owes d×(1-Share)/Share,
	// and time spent waiting pays it back. A rest takes no captures: the
	// queue fills, and drops what does not fit, rather than the writer
	// taking the CPU the requests need.
	var owed time.Duration
	// Owed rest is capped: a write that waited out another process's lock
	// (busy_timeout, 5 s) took no CPU, and a rest of 45 s after it would
	// keep the store from recovering.
	work := func(start time.Time) { owed = min(owed+w.owe(time.Since(start)), maxOwed) }
	for {
		if w.more { // free pages to give back: step again soon
			w.more = false
			sweep.Reset(s.cfg.FlushEvery)
		}
		if owed >= minRest {
			r := min(owed, maxRest)
			rest.Reset(r)
			select {
			case <-rest.C:
				owed -= r
				continue
			case <-s.quit:
				rest.Stop()
				w.drain(ctx)
				return
			}
		}
		// Index for search only with no capture waiting: a step of
		// indexStep exchanges takes a few milliseconds.
		if w.unindexed && len(s.queue) == 0 && len(w.batch) == 0 && !s.cfg.noIndex {
			select {
			case <-s.quit:
			default:
				start := time.Now()
				w.unindexed = w.index(ctx)
				work(start)
				continue
			}
		}
		waited := time.Now()
		select {
		case it := <-s.queue:
			start := time.Now()
			owed = max(owed-start.Sub(waited), 0)
			if w.take(ctx, it) {
				flush.Stop()
			} else if len(w.batch) == 1 {
				// FlushEvery from the capture, not from when the writer
				// got to it: a capture that waited out a write or an index
				// step is written the sooner, so that what a SIGKILL loses
				// stays FlushEvery and a write.
				flush.Reset(s.cfg.FlushEvery - captureAge(it.ex))
			}
			work(start)
		case <-flush.C:
			start := time.Now()
			owed = max(owed-start.Sub(waited), 0)
			// The batch is due: with what already waits in the queue, so
			// that a backlog, whose captures are all past due, is written
			// in full batches rather than one by one.
			for len(w.batch) > 0 && len(s.queue) > 0 {
				w.take(ctx, <-s.queue)
			}
			w.flush(ctx)
			work(start)
		case <-sweep.C:
			start := time.Now()
			owed = max(owed-start.Sub(waited), 0)
			w.flush(ctx)
			w.sweep(ctx)
			sweep.Reset(sweepEvery)
			work(start)
		case <-s.quit:
			flush.Stop()
			w.drain(ctx)
			return
		}
	}
}

// A rest lasts at least minRest (shorter ones wait for more work owed)
// and at most maxRest at a time.
const (
	minRest = time.Millisecond
	maxRest = 50 * time.Millisecond
	maxOwed = 500 * time.Millisecond
)

// owe is the rest that work of d owes.
func (w *writer) owe(d time.Duration) time.Duration {
	share := w.s.cfg.Share
	if share >= 1 {
		return 0
	}
	return time.Duration(float64(d) * (1 - share) / share)
}

// drain writes what is queued, for Close.
func (w *writer) drain(ctx context.Context) {
	for {
		select {
		case it := <-w.s.queue:
			w.take(ctx, it)
			continue
		default:
		}
		break
	}
	w.flush(ctx)
}

// captureAge is how long ago ex was captured, 0 when unknown.
func captureAge(ex *observe.Exchange) time.Duration {
	if ex == nil || ex.Times.Start.IsZero() {
		return 0
	}
	return max(time.Since(ex.Times.Start)-max(ex.Times.End, 0), 0)
}

// take adds it to the batch, or clears the store, and reports whether it
// wrote the batch.
func (w *writer) take(ctx context.Context, it item) bool {
	if it.clear != nil {
		clear(w.batch) // queued before the Clear: cleared with the rest
		w.batch, w.batchBytes = w.batch[:0], 0
		w.enc.reset()
		it.clear <- w.clear(ctx)
		return true
	}
	w.s.queued.Add(-it.size)
	if it.del != nil {
		w.flush(ctx)
		ids, err := w.deleteRows(ctx, it.del.ids)
		it.del.done <- importResult{ids, err}
		return true
	}
	if it.imp != nil {
		w.flush(ctx) // captured before it, stored before it
		ids, err := w.importRows(ctx, it.imp)
		it.imp.done <- importResult{ids, err}
		return true
	}
	r, err := w.enc.encode(it.id, it.ex)
	if err == nil && r.size() > w.s.cfg.MaxBytes {
		w.enc.drop(r)
		err = errTooBig // to keep alone, as the inspector also finds
	}
	if err != nil {
		w.s.failed.Add(1)
		return false
	}
	w.batch = append(w.batch, r)
	w.batchBytes += r.size()
	if len(w.batch) >= maxBatch || w.batchBytes >= maxBatchBytes {
		w.flush(ctx)
		return true
	}
	return false
}

// encoder makes rows, writing the records of a batch into one buffer,
// which the next batch reuses.
type encoder struct {
	buf []byte
}

func newEncoder() *encoder { return new(encoder) }

// reset lets the batch's records go: their bytes are overwritten next.
func (e *encoder) reset() {
	if cap(e.buf) > 2*maxBatchBytes {
		e.buf = nil // a huge record was in it
	}
	e.buf = e.buf[:0]
}

// drop takes back the last record encoded.
func (e *encoder) drop(r row) { e.buf = e.buf[:len(e.buf)-len(r.record)] }

// encode makes ex, captured as id, a row: its JSON with derived figures
// filled in, on a copy, since observers' records never change. A record
// holds on to the buffer only until reset: when the buffer grows, the
// records before stay in the old array, which the batch still holds.
func (e *encoder) encode(id uint64, ex *observe.Exchange) (row, error) {
	return e.encodeAs(id, ex, true)
}

// encodeAs is encode, deriving the figures only with derive set: an
// imported exchange has its phases from its HAR timings, and no Times.
func (e *encoder) encodeAs(id uint64, ex *observe.Exchange, derive bool) (row, error) {
	v := *ex
	v.ID = id
	v.Listener = "" // a column of its own
	if derive {
		v.Derive()
	}
	start := len(e.buf)
	b, n, err := observe.AppendExchange(e.buf, &v)
	if err != nil {
		return row{}, err
	}
	e.buf = b
	rec := b[start:len(b):len(b)]
	started := v.Started
	if started.IsZero() {
		started = time.Now() // made by hand: aged from when it is stored
	}
	return row{
		id:         int64(id),
		started:    started.UnixMicro(),
		method:     v.Method,
		status:     v.Status,
		path:       v.Path,
		host:       v.Host,
		duration:   v.DurationMS,
		bytesOut:   v.BytesOut,
		summaryLen: n,
		record:     rec,
		searched:   searchedLen(&v),
	}, nil
}

// flush writes the batch, counting it dropped if it cannot be written.
func (w *writer) flush(ctx context.Context) {
	w.noteDrops()
	if len(w.batch) == 0 {
		return
	}
	err := w.write(ctx, w.batch)
	if err != nil {
		w.s.failed.Add(uint64(len(w.batch)))
	}
	w.err = err
	w.s.setDegraded(err)
	clear(w.batch)
	w.batch, w.batchBytes = w.batch[:0], 0
	w.enc.reset()
	if err == nil {
		w.more = w.vacuum(ctx)
	}
}

// write inserts rows in one transaction, evicting first what is too old,
// and the oldest while the records with rows would take more than
// MaxBytes, so that the pages freed are reused at once.
func (w *writer) write(ctx context.Context, rows []row) error {
	return w.writeRows(ctx, rows, nil)
}

// writeRows is write; with ids non-nil, the rows are imported ones, and
// ids gets the id each took.
func (w *writer) writeRows(ctx context.Context, rows []row, ids *[]uint64) (err error) {
	if _, err := w.conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			w.conn.ExecContext(ctx, `ROLLBACK`) // may fail: SQLite may have rolled back itself
		}
	}()
	var extra int64
	for i := range rows {
		extra += rows[i].size()
	}
	if err := w.evict(ctx, extra); err != nil {
		return err
	}
	last, err := w.insertRows(ctx, rows, ids)
	if err != nil {
		return err
	}
	if ids != nil && extra > w.s.cfg.MaxBytes {
		return errImportTooBig
	}
	if len(rows) > 0 {
		if err := w.account(ctx, int64(len(rows)), extra, last); err != nil {
			return err
		}
	}
	if extra > w.s.cfg.MaxBytes { // rows alone are past the bound
		if err := w.evict(ctx, 0); err != nil {
			return err
		}
	}
	st, lastID, err := w.stats(ctx)
	if err != nil {
		return err
	}
	if _, err := w.conn.ExecContext(ctx, `COMMIT`); err != nil {
		return err
	}
	w.s.stats.Store(&st)
	if len(rows) > 0 {
		w.unindexed = true
	}
	for {
		old := w.s.lastID.Load()
		if n := uint64(lastID); n <= old || w.s.lastID.CompareAndSwap(old, n) {
			break
		}
	}
	return nil
}

// insertRows inserts rows, and their text into the search index, and
// returns the greatest id they took. A row's id taken already (by another
// process on the file) is replaced by the next free one.
func (w *writer) insertRows(ctx context.Context, rows []row, ids *[]uint64) (last int64, err error) {
	imported := ids != nil
	listener := w.s.cfg.Listener
	done := 0
	if !imported {
		if done, last, err = w.insertChunks(ctx, rows); err != nil {
			return 0, err
		}
		rows = rows[done:]
	}
	// free is the next id never used, past meta.last_id too: SQLite's own
	// choice, one past the greatest id stored, would reuse cleared ids.
	var free int64
	next := func() (int64, error) {
		if free == 0 {
			if err := w.conn.QueryRowContext(ctx, `SELECT max(last_id, coalesce((SELECT max(id) FROM exchanges), 0)) + 1 FROM meta`).Scan(&free); err != nil {
				return 0, err
			}
		}
		free = max(free, last+1)
		free++
		return free - 1, nil
	}
	for i := range rows {
		r := &rows[i]
		id := r.id
		if id == 0 {
			if id, err = next(); err != nil {
				return 0, err
			}
		}
		args := r.appendArgs(nil, id, listener, imported)
		res, err := w.insert.ExecContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		for { // taken by another process on the file: the next free one
			if n, err := res.RowsAffected(); err != nil {
				return 0, err
			} else if n > 0 {
				break
			}
			if args[0], err = next(); err != nil {
				return 0, err
			}
			if res, err = w.insert.ExecContext(ctx, args...); err != nil {
				return 0, err
			}
		}
		id, err = res.LastInsertId()
		if err != nil {
			return 0, err
		}
		if ids != nil {
			*ids = append(*ids, uint64(id))
		}
		last = max(last, id)
	}
	return last, nil
}

// insertChunk is how many rows a chunked insert takes: one statement for
// 32 rows cut the writer's instructions by a sixth (65,800 to 54,900 an
// exchange in BenchmarkWriter, by callgrind); 64 saved little more.
const insertChunk = 32

// insertChunks inserts the captures of rows, insertChunk at a time, when
// every row has its id and no stored exchange holds one in their range;
// the write transaction keeps that true while it lasts. It returns how
// many rows it inserted, those before the rest, and the greatest id.
func (w *writer) insertChunks(ctx context.Context, rows []row) (done int, last int64, err error) {
	if len(rows) < insertChunk {
		return 0, 0, nil
	}
	lo, hi := rows[0].id, rows[0].id
	for i := range rows {
		if rows[i].id == 0 {
			return 0, 0, nil
		}
		lo, hi = min(lo, rows[i].id), max(hi, rows[i].id)
	}
	var held bool
	if err := w.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM exchanges WHERE id BETWEEN ? AND ?)`, lo, hi).Scan(&held); err != nil || held {
		return 0, 0, err
	}
	listener := w.s.cfg.Listener
	for ; done+insertChunk <= len(rows); done += insertChunk {
		args := w.args[:0]
		for i := range rows[done : done+insertChunk] {
			r := &rows[done+i]
			args = r.appendArgs(args, r.id, listener, false)
			last = max(last, r.id)
		}
		_, err := w.chunk.ExecContext(ctx, args...)
		clear(args) // the batch's records are not to outlive it here
		w.args = args
		if err != nil {
			return 0, 0, err
		}
	}
	return done, last, nil
}

// appendArgs appends r's values, as id, in the order of the inserts'
// columns.
func (r *row) appendArgs(args []any, id int64, listener string, imported bool) []any {
	return append(args, id, r.started, r.method, r.status, r.path, r.host, r.duration, r.size(), r.summaryLen, r.record, listener, imported, r.bytesOut, nullBytes(r.har))
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// An index step takes indexStep exchanges, adjusted so that a step takes
// about indexBudget: a capture that comes meanwhile waits for the step
// before its batch's FlushEvery begins (256 exchanges took 4 ms here, and
// ten times that under the race detector).
const (
	indexBudget  = 5 * time.Millisecond
	minIndexStep = 8
	maxIndexStep = 1024
)

// index adds the next exchanges not yet in the search index to it, in a
// transaction of their own, and reports whether more are left. The text
// is what filter.Searched gives, taken from the records by SQLite: its
// JSON functions are far cheaper than decoding them (rt_url is
// filter.SearchedURL).
func (w *writer) index(ctx context.Context) (more bool) {
	start := time.Now()
	defer func() {
		switch took := time.Since(start); {
		case took > indexBudget:
			w.indexStep = max(w.indexStep/2, minIndexStep)
		case took < indexBudget/2:
			w.indexStep = min(w.indexStep*2, maxIndexStep)
		}
	}()
	err := func() (err error) {
		if _, err := w.conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				w.conn.ExecContext(ctx, `ROLLBACK`)
			}
		}()
		var from int64
		var upto sql.NullInt64
		if err := w.conn.QueryRowContext(ctx, `SELECT indexed, (SELECT max(id) FROM (SELECT id FROM exchanges WHERE id > indexed ORDER BY id LIMIT ?)) FROM meta`, w.indexStep).Scan(&from, &upto); err != nil {
			return err
		}
		if !upto.Valid {
			more = false
			_, err := w.conn.ExecContext(ctx, `COMMIT`)
			return err
		}
		if _, err := w.conn.ExecContext(ctx, `INSERT INTO search (rowid, url, headers, bodies) SELECT id,
			rt_url(coalesce(json_extract(record, '$.url'), '')),
			coalesce((SELECT group_concat(value, char(10)) FROM json_tree(record, '$.request.headers') WHERE type = 'text'), '') || char(10) ||
			coalesce((SELECT group_concat(value, char(10)) FROM json_tree(record, '$.response.headers') WHERE type = 'text'), '') || char(10) ||
			coalesce(json_extract(record, '$.trace_id'), ''),
			coalesce(json_extract(record, '$.request.body'), '') || char(10) || coalesce(json_extract(record, '$.response.body'), '') ||
			coalesce((SELECT char(10) || group_concat(value, char(10)) FROM json_tree(record, '$.stream.messages') WHERE key = 'text'), '') ||
			coalesce((SELECT char(10) || group_concat(value, char(10)) FROM json_tree(record, '$.upgrade.messages') WHERE key = 'text'), '')
			FROM exchanges WHERE id > ? AND id <= ?`, from, upto.Int64); err != nil {
			return err
		}
		if _, err := w.conn.ExecContext(ctx, `UPDATE meta SET indexed = ?`, upto.Int64); err != nil {
			return err
		}
		more = true
		if _, err = w.conn.ExecContext(ctx, `COMMIT`); err != nil {
			return err
		}
		st := w.s.Stats()
		st.Indexed = uint64(upto.Int64)
		w.s.stats.Store(&st)
		return nil
	}()
	if err != nil {
		return false // a failing disk reports itself at the next batch; indexing resumes after it
	}
	return more
}

// account adds to meta's totals what the transaction changed.
func (w *writer) account(ctx context.Context, count, bytes, lastID int64) error {
	_, err := w.conn.ExecContext(ctx, `UPDATE meta SET count = count + ?, bytes = bytes + ?, last_id = max(last_id, ?)`, count, bytes, lastID)
	return err
}

// evict deletes captures older than MaxAge, then the oldest exchanges
// while the records would take more than MaxBytes with extra bytes more.
// It runs in the writer's transaction.
func (w *writer) evict(ctx context.Context, extra int64) error {
	cutoff := time.Now().Add(-w.s.cfg.MaxAge).UnixMicro()
	old, err := w.conn.QueryContext(ctx, `DELETE FROM exchanges WHERE started < ? AND imported = 0 RETURNING id, size`, cutoff)
	if err != nil {
		return err
	}
	var count, bytes int64
	var gone []int64
	for old.Next() {
		var id, size int64
		if err := old.Scan(&id, &size); err != nil {
			old.Close()
			return err
		}
		count, bytes = count+1, bytes+size
		gone = append(gone, id)
	}
	if err := errors.Join(old.Err(), old.Close()); err != nil {
		return err
	}
	for _, id := range gone {
		if _, err := w.conn.ExecContext(ctx, `DELETE FROM search WHERE rowid = ?`, id); err != nil {
			return err
		}
	}
	var total int64
	if err := w.conn.QueryRowContext(ctx, `SELECT bytes FROM meta`).Scan(&total); err != nil {
		return err
	}
	total -= bytes
	if excess := total + extra - w.s.cfg.MaxBytes; excess > 0 {
		// size comes before record in a row: this reads no overflow pages.
		rows, err := w.conn.QueryContext(ctx, `SELECT id, size FROM exchanges ORDER BY id`)
		if err != nil {
			return err
		}
		var cut int64
		for excess > 0 && rows.Next() {
			var size int64
			if err := rows.Scan(&cut, &size); err != nil {
				rows.Close()
				return err
			}
			excess, count, bytes = excess-size, count+1, bytes+size
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM exchanges WHERE id <= ?`, `DELETE FROM search WHERE rowid <= ?`} {
			if _, err := w.conn.ExecContext(ctx, q, cut); err != nil {
				return err
			}
		}
	}
	if count == 0 {
		return nil
	}
	return w.account(ctx, -count, -bytes, 0)
}

// stats reads what the store holds and the greatest id it has held.
func (w *writer) stats(ctx context.Context) (Stats, int64, error) {
	var st Stats
	var lastID int64
	var oldest, newest sql.NullInt64
	err := w.conn.QueryRowContext(ctx, `SELECT count, bytes, last_id, indexed,
		(SELECT min(id) FROM exchanges), (SELECT max(id) FROM exchanges) FROM meta`).
		Scan(&st.Count, &st.Bytes, &lastID, &st.Indexed, &oldest, &newest)
	st.Oldest, st.Newest = uint64(oldest.Int64), uint64(newest.Int64)
	return st, lastID, err
}

// vacuum gives at most vacuumStep free pages back to the file system,
// keeping vacuumSlack for the next batches, and reports whether more are
// left to give.
func (w *writer) vacuum(ctx context.Context) bool {
	var free int
	if err := w.conn.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil || free <= vacuumSlack {
		return false
	}
	n := min(free-vacuumSlack, vacuumStep)
	if err := w.pragmaVacuum(ctx, n); err != nil {
		return false
	}
	return free-n > vacuumSlack
}

// pragmaVacuum frees n pages (all with n 0). The driver's Exec steps the
// pragma to its end, a page a step.
func (w *writer) pragmaVacuum(ctx context.Context, n int) error {
	_, err := w.conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA incremental_vacuum(%d)`, n))
	return err
}

// sweep evicts by age while no captures come, and takes a step through
// the free pages.
func (w *writer) sweep(ctx context.Context) {
	if err := w.write(ctx, nil); err == nil {
		w.more = w.vacuum(ctx)
	}
}

// clear deletes every exchange and gives back all the free pages.
func (w *writer) clear(ctx context.Context) error {
	err := w.clearRows(ctx)
	if err == nil {
		err = w.pragmaVacuum(ctx, 0)
	}
	if err != nil {
		return err
	}
	w.s.setDegraded(nil) // the space is back
	return nil
}

func (w *writer) clearRows(ctx context.Context) (err error) {
	if _, err := w.conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			w.conn.ExecContext(ctx, `ROLLBACK`)
		}
	}()
	for _, q := range []string{`DELETE FROM exchanges`, `INSERT INTO search (search) VALUES ('delete-all')`, `UPDATE meta SET count = 0, bytes = 0`} {
		if _, err := w.conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	st, _, err := w.stats(ctx)
	if err != nil {
		return err
	}
	if _, err := w.conn.ExecContext(ctx, `COMMIT`); err != nil {
		return err
	}
	w.s.stats.Store(&st)
	return nil
}

// noteDrops logs when captures start being dropped because the writer
// fell behind, and when none have been for quietAfter: two lines an
// episode, never one a drop.
func (w *writer) noteDrops() {
	n := w.s.behind.Load()
	now := time.Now()
	if n != w.seenBehind {
		if !w.dropping {
			w.s.log.Warn("store: the writer fell behind; captures are dropped", "path", w.s.cfg.Path, "dropped", n)
		}
		w.seenBehind, w.dropping, w.lastDrop = n, true, now
		return
	}
	if w.dropping && now.Sub(w.lastDrop) >= quietAfter {
		w.dropping = false
		w.s.log.Info("store: the writer keeps up again", "path", w.s.cfg.Path, "dropped", n)
	}
}

// close releases the write connection; SQLite checkpoints the log into
// the file as its last connection closes.
func (w *writer) close() error {
	return errors.Join(w.insert.Close(), w.chunk.Close(), w.conn.Close(), w.db.Close())
}

// searchedLen is the length of the text filter.Searched gives, without
// making it.
func searchedLen(ex *observe.Exchange) int {
	n := len(ex.URL) + len(ex.Request.Body) + len(ex.Response.Body) + 1 + len(ex.TraceID.String())
	for _, h := range []http.Header{ex.Request.Headers, ex.Response.Headers} {
		for _, vs := range h {
			for _, v := range vs {
				n += len(v) + 1
			}
		}
	}
	for _, st := range []*observe.Stream{ex.Stream, ex.Upgrade} {
		if st != nil {
			for i := range st.Messages {
				if t := st.Messages[i].Text; t != "" {
					n += len(t) + 1
				}
			}
		}
	}
	return n
}
