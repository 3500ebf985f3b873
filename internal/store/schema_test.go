package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// v1 is schema 1 as shipped. Shipped steps never change: a change is a new
// migration.
const v1 = `CREATE TABLE exchanges (
		id          INTEGER PRIMARY KEY,
		started     INTEGER NOT NULL, -- unix microseconds
		method      TEXT NOT NULL,
		status      INTEGER NOT NULL,
		path        TEXT NOT NULL,
		host        TEXT NOT NULL,
		duration    REAL NOT NULL,    -- milliseconds
		size        INTEGER NOT NULL,
		summary_len INTEGER NOT NULL,
		record      TEXT NOT NULL     -- observe.Exchange as JSON
	);
	CREATE TABLE meta (
		one     INTEGER PRIMARY KEY CHECK (one = 1),
		count   INTEGER NOT NULL,
		bytes   INTEGER NOT NULL,
		last_id INTEGER NOT NULL
	);
	INSERT INTO meta VALUES (1, 0, 0, 0);`

func TestShippedMigrations(t *testing.T) {
	t.Parallel()
	if migrations[0] != v1 {
		t.Errorf("migrations[0] =\n%s\nwant schema 1 as shipped:\n%s", migrations[0], v1)
	}
}

// makeV1 writes a schema 1 store at path by hand, as roundtrip with
// schema 1 left it: exchanges 1 to n, and ids up to lastID handed out.
func makeV1(t *testing.T, path string, n int, lastID int) (bytes int64) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, q := range []string{`PRAGMA page_size = 16384`, `PRAGMA auto_vacuum = INCREMENTAL`, `PRAGMA journal_mode = WAL`, `BEGIN`, v1} {
		exec(q)
	}
	for i := 1; i <= n; i++ {
		r, err := newEncoder().encode(uint64(i), exchange(i))
		if err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO exchanges (id, started, method, status, path, host, duration, size, summary_len, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.id, r.started, r.method, r.status, r.path, r.host, r.duration, len(r.record), r.summaryLen, r.record)
		bytes += int64(len(r.record))
	}
	exec(`UPDATE meta SET count = ?, bytes = ?, last_id = ?`, n, bytes, lastID)
	exec(`PRAGMA application_id = ` + strconv.Itoa(applicationID))
	exec(`PRAGMA user_version = 1`)
	exec(`COMMIT`)
	return bytes
}

func TestMigrateFromV1(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	bytes := makeV1(t, path, 20, 25)

	s := open(t, Config{Path: path, Listener: "127.0.0.1:3000"})
	if got, want := s.Stats(), (Stats{Count: 20, Bytes: bytes, Oldest: 1, Newest: 20}); got != want {
		t.Errorf("Stats() after migrating = %+v; want %+v", got, want)
	}
	if got := s.LastID(); got != 25 {
		t.Errorf("LastID() after migrating = %d; want 25", got)
	}
	for _, id := range []uint64{1, 13, 20} {
		ex, err := s.Get(context.Background(), id)
		if err != nil || ex.RequestID != fmt.Sprintf("req-%d", id) {
			t.Errorf("Get(%d) after migrating = %v, %v; want req-%d", id, ex, err, id)
		}
	}
	page, more, err := s.List(context.Background(), flt("status:404"), 0, 3)
	if got := fmt.Sprint(ids(page), more, err); got != "[18 14 10] true <nil>" {
		t.Errorf("List(404) after migrating = %s; want [18 14 10] true <nil>", got)
	}
	s.Put(26, exchange(26))
	s = reopen(t, s)

	var version int
	if err := s.rdb.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != schemaVersion {
		t.Errorf("user_version = %d, %v; want %d", version, err, schemaVersion)
	}
	// Schema 3 indexed what was stored before it for free text.
	if page, _, err := s.List(context.Background(), flt("req"), 0, 100); err != nil || len(page) != 21 {
		t.Errorf("List(req) after migrating = %d exchanges, %v; want all 21", len(page), err)
	}
	var index int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'exchanges_started'`).Scan(&index); err != nil || index != 1 {
		t.Errorf("indexes on started: %d, %v; want 1", index, err)
	}
	rows, err := s.rdb.Query(`SELECT id, listener, imported FROM exchanges WHERE id IN (1, 20, 26) ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, imported int
		var listener string
		if err := rows.Scan(&id, &listener, &imported); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %q %d", id, listener, imported))
	}
	if want := `[1 "" 0 20 "" 0 26 "127.0.0.1:3000" 0]`; fmt.Sprint(got) != want {
		t.Errorf("id, listener, imported = %v; want %v", got, want)
	}
}

// TestMigrateTwice opens a schema 1 store from two stores at once, as two
// serve processes starting together would: one migrates, the other waits
// and finds it done.
func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	makeV1(t, path, 10, 10)
	var wg sync.WaitGroup
	stores := make([]*Store, 2)
	errs := make([]error, 2)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(context.Background(), Config{Path: path}) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Errorf("Open() %d = %v", i, errs[i])
			continue
		}
		if got := s.Stats().Count; got != 10 {
			t.Errorf("store %d: Stats().Count = %d; want 10", i, got)
		}
		s.Close()
	}
}
