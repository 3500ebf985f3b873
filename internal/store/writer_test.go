package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// TestEncode checks that a row's record is the exchange's JSON, derived
// figures filled in, exactly as encoding/json writes it (HTML unescaped), and that its first
// summaryLen bytes are the Summary's.
func TestEncode(t *testing.T) {
	t.Parallel()
	tls := exchange(1)
	tls.TLS = "TLS 1.3"
	tls.Times.TLSStart = tls.Times.Start.Add(-time.Millisecond)
	tls.Times.TLSEnd = tls.Times.Start.Add(-time.Microsecond)
	tls.Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	binary := exchange(2)
	binary.Response.SetBody("\x89PNG\r\n\x1a\n", 8, false)
	binary.Request.SetBody(`{"name":"<script>&"}`, 20, false)
	gone := exchange(3)
	gone.Status, gone.ClientGone = 499, true
	bare := &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/"}}
	ws := exchange(0)
	ws.Status = 101
	ws.Upstream = &observe.Upstream{Status: 101}
	ws.Upgrade = &observe.Stream{Protocol: "websocket", BytesSent: 40, BytesReceived: 30, MessagesSent: 4, MessagesReceived: 4, ControlSent: 1, ControlReceived: 1}
	tests := []struct {
		name string
		ex   *observe.Exchange
	}{
		{"small", exchange(0)},
		{"tls and traceparent", tls},
		{"binary and html", binary},
		{"client gone", gone},
		{"made by hand", bare},
		{"switched to websocket", ws},
		{"captured", captured(t)},
	}
	// One encoder for all, as for a batch: each record keeps its bytes
	// while the next are written, until reset.
	e := newEncoder()
	rows := make([]row, len(tests))
	for i, tt := range tests {
		r, err := e.encode(uint64(i+1), tt.ex)
		if err != nil {
			t.Fatalf("encode(%s): %v", tt.name, err)
		}
		rows[i] = r
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rows[i]
			v := *tt.ex
			v.ID = uint64(i + 1)
			v.Derive()
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(&v); err != nil {
				t.Fatal(err)
			}
			want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			if string(r.record) != string(want) {
				t.Errorf("encode(%d, ex).record =\n%s\nwant\n%s", i+1, r.record, want)
			}
			var sum observe.Summary
			if err := json.Unmarshal(append(r.record[:r.summaryLen:r.summaryLen], '}'), &sum); err != nil {
				t.Fatalf("the record's first %d bytes and } are not a Summary: %v", r.summaryLen, err)
			}
			if !reflect.DeepEqual(sum, v.Summary) {
				t.Errorf("Summary from the record's first %d bytes = %+v; want %+v", r.summaryLen, sum, v.Summary)
			}
			if r.method != v.Method || r.path != v.Path || r.status != v.Status || r.host != v.Host || r.duration != v.DurationMS {
				t.Errorf("encode(%d, ex) columns = %q %q %d %q %v; want %q %q %d %q %v", i+1, r.method, r.path, r.status, r.host, r.duration, v.Method, v.Path, v.Status, v.Host, v.DurationMS)
			}
		})
	}
	if tests[0].ex.Phases != nil || tests[0].ex.ContentType != "" {
		t.Errorf("encode changed its exchange: phases %v, content type %q", tests[0].ex.Phases, tests[0].ex.ContentType)
	}
}

// big is the i-th capture with a response body of n bytes.
func big(i, n int) *observe.Exchange {
	ex := exchange(i)
	ex.Response.SetBody(strings.Repeat("x", n), int64(n), false)
	return ex
}

// fileSize is the size of the file at path, 0 if there is none.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestBoundBytes writes ten times MaxBytes (1 MiB) in 64 KiB bodies: the
// records stay under MaxBytes, and the file under MaxBytes plus a quarter
// (a 64 KiB record fills five 16 KiB pages, four of them whole), the free
// pages kept for reuse (1 MiB) and four pages (schema, meta, the index's
// root); the log under walLimit plus a batch.
func TestBoundBytes(t *testing.T) {
	t.Parallel()
	const maxBytes = 1 << 20
	s := open(t, Config{MaxBytes: maxBytes, FlushEvery: time.Millisecond})
	limit := int64(maxBytes + maxBytes/4 + vacuumSlack*pageSize + 4*pageSize)
	var largest, largestWAL int64
	for i := 1; i <= 160; i++ {
		s.Put(uint64(i), big(i, 64<<10))
		if i%8 == 0 {
			waitFor(t, "the batch", func() bool { return s.Stats().Newest == uint64(i) })
			if got := s.Stats().Bytes; got > maxBytes {
				t.Errorf("after %d exchanges, Stats().Bytes = %d; want at most %d", i, got, maxBytes)
			}
			largest = max(largest, fileSize(t, s.cfg.Path))
			largestWAL = max(largestWAL, fileSize(t, s.cfg.Path+"-wal"))
		}
	}
	st := s.Stats()
	// Each body counts three times: in its record, and twice for the
	// search index.
	if st.Newest != 160 || st.Count < 3 || st.Count > 6 {
		t.Errorf("Stats() = %+v; want the newest 3 to 6 exchanges, up to 160", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed := fileSize(t, s.cfg.Path)
	t.Logf("records %d bytes; file at most %d bytes open, %d closed (bound %d); log at most %d bytes", st.Bytes, largest, closed, limit, largestWAL)
	if largest > limit || closed > limit {
		t.Errorf("file at most %d bytes, %d closed; want at most %d", largest, closed, limit)
	}
	if largestWAL > walLimit+maxBatchBytes {
		t.Errorf("log at most %d bytes; want at most %d", largestWAL, walLimit+maxBatchBytes)
	}
}

// TestBoundAge ages captures out: on open, with each batch, and on an
// idle store's sweep. Imported exchanges are bounded by bytes only.
func TestBoundAge(t *testing.T) {
	t.Parallel()
	s := open(t, Config{})
	put(t, s, 1, 10) // now
	old := exchange(11)
	old.Times.Start = time.Now().Add(-time.Hour)
	s.Put(11, old)
	s = reopen(t, s)
	if _, err := s.w.conn.ExecContext(context.Background(), `UPDATE exchanges SET imported = 1 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.conn.ExecContext(context.Background(), `UPDATE exchanges SET started = started - 3600000000 WHERE id <= 5`); err != nil {
		t.Fatal(err)
	}
	if got := s.Stats().Count; got != 11 {
		t.Fatalf("Stats().Count = %d; want 11", got)
	}
	cfg := s.cfg
	cfg.MaxAge = 30 * time.Minute
	s.Close()
	s = open(t, cfg)
	st := s.Stats()
	if st.Count != 6 || st.Oldest != 1 {
		t.Errorf("Stats() after opening with MaxAge 30 min = %+v; want 6 exchanges: 1 (imported) and 6-10", st)
	}
	page, _, err := s.List(context.Background(), flt(""), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ids(page)), "[10 9 8 7 6 1]"; got != want {
		t.Errorf("List() ids = %s; want %s", got, want)
	}

	if _, err := s.w.conn.ExecContext(context.Background(), `UPDATE exchanges SET started = started - 3600000000 WHERE id IN (6, 7)`); err != nil {
		t.Fatal(err)
	}
	s.Put(12, exchange(12))
	waitFor(t, "the batch", func() bool { return s.Stats().Newest == 12 })
	if got := s.Stats(); got.Count != 5 || got.Oldest != 1 {
		t.Errorf("Stats() after a batch = %+v; want 5 exchanges: 1, 8-10 and 12", got)
	}
}

// TestFullDisk fills the file to SQLite's max_page_count, as a full disk
// would: Degraded says so, Put goes on without blocking and counts what it
// loses, and once space is back (Clear, or more pages) writes resume.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		recover func(t *testing.T, s *Store)
	}{
		{"cleared", func(t *testing.T, s *Store) {
			if err := s.Clear(context.Background()); err != nil {
				t.Fatalf("Clear on a full disk: %v", err)
			}
		}},
		{"space freed", func(t *testing.T, s *Store) {
			if _, err := s.w.conn.ExecContext(context.Background(), `PRAGMA max_page_count = 1073741823`); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			s := open(t, Config{FlushEvery: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			var pages int
			if err := s.w.conn.QueryRowContext(context.Background(), `PRAGMA page_count`).Scan(&pages); err != nil {
				t.Fatal(err)
			}
			if _, err := s.w.conn.ExecContext(context.Background(), fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+16)); err != nil {
				t.Fatal(err)
			}
			// 16 pages of 16 KiB hold three or four 64 KiB exchanges.
			id := 0
			for id < 20 && s.Degraded() == nil {
				id++
				s.Put(uint64(id), big(id, 64<<10))
				waitFor(t, "the batch", func() bool { return s.Stats().Newest == uint64(id) || s.Dropped() > 0 })
			}
			err := s.Degraded()
			if err == nil || !strings.Contains(err.Error(), s.cfg.Path) || !strings.Contains(err.Error(), "full") {
				t.Fatalf("Degraded() after %d exchanges of 64 KiB in 256 KiB = %v; want an error naming the file, full", id, err)
			}
			stored := s.Stats().Count
			for range 1000 {
				id++
				s.Put(uint64(id), big(id, 64<<10))
			}
			waitFor(t, "the captures to be dropped", func() bool { return int64(s.Dropped())+stored == int64(id) })
			if err := s.Degraded(); err == nil {
				t.Errorf("Degraded() after 1000 more = nil; want an error")
			}

			tt.recover(t, s)
			id++
			s.Put(uint64(id), big(id, 64<<10))
			waitFor(t, "writes to resume", func() bool { return s.Degraded() == nil && s.Stats().Newest == uint64(id) })
			if err := s.Close(); err != nil {
				t.Errorf("Close() = %v; want nil", err)
			}
			for _, want := range []string{"msg=\"store: cannot write", "msg=\"store: writing again"} {
				if got := strings.Count(logs.String(), want); got != 1 {
					t.Errorf("log has %d lines with %q; want 1:\n%s", got, want, logs.String())
				}
			}
		})
	}
}

// pageCount is how many pages the store's file holds.
func pageCount(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.w.conn.QueryRowContext(context.Background(), `PRAGMA page_count`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestVacuum gives space back to the file system: all of it at once after
// Clear, and in steps of vacuumStep pages after a lower MaxBytes evicted
// most exchanges, down to vacuumSlack free pages.
func TestVacuum(t *testing.T) {
	t.Parallel()
	s := open(t, Config{})
	for i := 1; i <= 400; i++ {
		s.Put(uint64(i), big(i, 32<<10)) // 13 MiB in all
	}
	s = reopen(t, s)
	full := pageCount(t, s)
	if full < 3*vacuumStep {
		t.Fatalf("%d pages; want more than three vacuum steps, %d", full, 3*vacuumStep)
	}

	cfg := s.cfg
	cfg.MaxBytes, cfg.FlushEvery = 256<<10, time.Millisecond
	s.Close()
	s = open(t, cfg) // evicts all but 256 KiB, and takes a step
	if got := pageCount(t, s); got < full-vacuumStep {
		t.Errorf("after opening, %d pages of %d; want one step of at most %d pages given back", got, full, vacuumStep)
	}
	want := (256<<10)*5/4/pageSize + vacuumSlack + 8
	waitFor(t, "the steps", func() bool {
		var free int
		if err := s.w.conn.QueryRowContext(context.Background(), `PRAGMA freelist_count`).Scan(&free); err != nil {
			t.Fatal(err)
		}
		return free <= vacuumSlack
	})
	if got := pageCount(t, s); got > want {
		t.Errorf("after the steps, %d pages; want at most %d", got, want)
	}

	if err := s.Clear(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := pageCount(t, s); got > 12 {
		t.Errorf("after Clear, %d pages; want at most 12 (the tables' roots, 5 of them the search index's)", got)
	}
}

// TestTooBig leaves out an exchange larger than MaxBytes, counted.
func TestTooBig(t *testing.T) {
	t.Parallel()
	s := open(t, Config{MaxBytes: 64 << 10})
	s.Put(1, big(1, 100<<10))
	s.Put(2, exchange(2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.Dropped(); got != 1 {
		t.Errorf("Dropped() = %d; want 1", got)
	}
	if got := s.Stats(); got.Count != 1 || got.Oldest != 2 {
		t.Errorf("Stats() = %+v; want exchange 2 alone", got)
	}
}

// TestQueueBytes bounds what the queue holds by bytes, though one capture
// alone always fits.
func TestQueueBytes(t *testing.T) {
	t.Parallel()
	half := strings.Repeat("x", maxQueueBytes/2)
	s := &Store{queue: make(chan item, 10)} // no writer: the test takes
	huge := exchange(1)
	huge.Request.Body, huge.Response.Body = half, half
	halves := exchange(2)
	halves.Response.Body = half
	steps := []struct {
		put      *observe.Exchange
		take     bool
		wantLen  int
		wantDrop uint64
	}{
		{put: huge, wantLen: 1},                // past maxQueueBytes alone
		{put: halves, wantLen: 1, wantDrop: 1}, // not beside it
		{take: true},                           // the writer takes it
		{put: halves, wantLen: 1, wantDrop: 1}, // half
		{put: halves, wantLen: 1, wantDrop: 2}, // and another half and some
	}
	for i, st := range steps {
		if st.take {
			it := <-s.queue
			s.queued.Add(-it.size)
			continue
		}
		s.Put(uint64(i+1), st.put)
		if got, drop := len(s.queue), s.Dropped(); got != st.wantLen || drop != st.wantDrop {
			t.Errorf("step %d: %d queued, %d dropped; want %d, %d", i, got, drop, st.wantLen, st.wantDrop)
		}
	}
}

// BenchmarkWriter is the writer's rate of small captures (GET /hello as
// the middleware records it): encoding, inserting, evicting and
// committing, until Close has them all on disk. "sustained" feeds it as
// fast as it takes them, with no Share to keep to: what it can do.
// "offered 70k/s" Puts them at serve's peak capture rate, 70 every
// millisecond, and reports the share dropped, with the default Share and
// with none.
func BenchmarkWriter(b *testing.B) {
	ex := captured(b)
	b.Run("sustained", func(b *testing.B) {
		s := open(b, Config{FlushEvery: time.Hour, Share: 1}) // batches of maxBatch
		b.ReportAllocs()
		start := time.Now()
		for i := range b.N {
			s.queued.Add(ex.Size())
			s.queue <- item{id: uint64(i + 1), ex: ex, size: ex.Size()} // blocking: the writer's pace
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "exchanges/s")
	})
	for _, share := range []float64{DefaultShare, 1} {
		b.Run(fmt.Sprintf("offered 70k/s share %g", share), func(b *testing.B) {
			s := open(b, Config{Share: share})
			b.ReportAllocs()
			start := time.Now()
			for i := range b.N {
				if i%70 == 0 {
					for time.Since(start) < time.Duration(i/70)*time.Millisecond {
						time.Sleep(100 * time.Microsecond)
					}
				}
				s.Put(uint64(i+1), ex)
			}
			offered := time.Since(start)
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/offered.Seconds(), "offered/s")
			b.ReportMetric(float64(b.N-int(s.Dropped()))/time.Since(start).Seconds(), "stored/s")
			b.ReportMetric(100*float64(s.Dropped())/float64(b.N), "%dropped")
		})
	}
}

// TestInsertChunks writes one batch of 70 captures, two chunks of
// insertChunk and six rows alone. When the range is free each keeps its
// own id; when another store on the file holds an id in it, each goes
// alone, as before chunks, and is stored once, the other's rows untouched.
func TestInsertChunks(t *testing.T) {
	t.Parallel()
	const n = 70
	tests := []struct {
		name string
		held []int // ids another store wrote first
	}{
		{"free", nil},
		{"one held", []int{40}},
		{"held at both ends", []int{1, n}},
		{"held past the range", []int{n + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "history.db")
			if len(tt.held) > 0 {
				other := open(t, Config{Path: path, Listener: "other"})
				for _, id := range tt.held {
					other.Put(uint64(id), exchange(1000+id))
				}
				if err := other.Close(); err != nil {
					t.Fatal(err)
				}
			}
			s := open(t, Config{Path: path, FlushEvery: time.Hour, Share: 1}) // one batch, at Close
			for i := 1; i <= n; i++ {
				s.Put(uint64(i), exchange(i))
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows, err := db.Query(`SELECT id, listener, json_extract(record, '$.request_id') FROM exchanges ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			ours, kept := map[string]bool{}, 0
			for rows.Next() {
				var id int
				var listener, req string
				if err := rows.Scan(&id, &listener, &req); err != nil {
					t.Fatal(err)
				}
				if listener == "other" {
					if want := fmt.Sprintf("req-%d", 1000+id); req != want {
						t.Errorf("the other store's row %d holds %s; want %s", id, req, want)
					}
					continue
				}
				if ours[req] {
					t.Errorf("%s stored twice", req)
				}
				ours[req] = true
				if req == fmt.Sprintf("req-%d", id) {
					kept++
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if len(ours) != n {
				t.Errorf("%d captures stored; want %d", len(ours), n)
			}
			if tt.held == nil && kept != n {
				t.Errorf("%d rows kept their capture's id; want all %d", kept, n)
			}
		})
	}
}

// TestBoundBytesText writes four times MaxBytes (4 MiB) of exchanges with
// varied JSON text bodies, which the search index indexes word by word:
// the file, index included, stays within MaxBytes and the free pages kept.
func TestBoundBytesText(t *testing.T) {
	t.Parallel()
	const maxBytes = 4 << 20
	s := open(t, Config{MaxBytes: maxBytes, FlushEvery: time.Millisecond, Share: 1}) // the bound, not the pace
	words := strings.Fields("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega")
	var total int64
	for i := 1; total < 4*maxBytes; i++ {
		ex := exchange(i)
		var b strings.Builder
		b.WriteString(`{"items": [`)
		for j := range 150 {
			fmt.Fprintf(&b, `{"id": %d, "name": "%s %s", "n": %d},`, i*1000+j, words[(i+j)%len(words)], words[(i*j)%len(words)], j*i)
		}
		b.WriteString(`{}]}`)
		ex.Response.SetBody(b.String(), int64(b.Len()), false)
		total += int64(b.Len())
		s.Put(uint64(i), ex)
		if i%64 == 0 {
			waitFor(t, "the batch", func() bool { return s.Stats().Newest == uint64(i) })
		}
	}
	waitFor(t, "the index", func() bool { st := s.Stats(); return st.Indexed >= st.Newest })
	path := s.cfg.Path
	st := s.Stats()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	limit := int64(maxBytes + vacuumSlack*pageSize)
	size := fileSize(t, path)
	t.Logf("%d MiB of bodies written; %d exchanges kept, counted %d bytes; file %d bytes (MaxBytes %d)", total>>20, st.Count, st.Bytes, size, maxBytes)
	if st.Bytes > maxBytes || size > limit {
		t.Errorf("counted %d bytes, file %d; want at most %d and %d", st.Bytes, size, maxBytes, limit)
	}
}

// TestOwe: work owes the rest that keeps the writer busy at most Share of
// the time. What the rest does to the rate is BenchmarkWriter's.
func TestOwe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		share float64
		work  time.Duration
		want  time.Duration
	}{
		{0.25, 10 * time.Millisecond, 30 * time.Millisecond},
		{0.5, 10 * time.Millisecond, 10 * time.Millisecond},
		{1, 10 * time.Millisecond, 0},
		{0.1, time.Millisecond, 9 * time.Millisecond},
	}
	for _, tt := range tests {
		w := &writer{s: &Store{cfg: Config{Share: tt.share}}}
		if got := w.owe(tt.work); got != tt.want {
			t.Errorf("owe(%v) with Share %g = %v; want %v", tt.work, tt.share, got, tt.want)
		}
	}
}
