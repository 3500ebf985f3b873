package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawExec runs statements on the SQLite file at path, outside any Store.
func rawExec(t *testing.T, path string, qs ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range qs {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// closedStore makes a store with a few exchanges at path and closes it.
func closedStore(t *testing.T, path string) {
	t.Helper()
	s := open(t, Config{Path: path})
	put(t, s, 1, 50)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// make prepares the directory dir and returns the store's path in it.
		make func(t *testing.T, dir string) string
		want string
	}{
		{"not a database", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "history.db")
			os.WriteFile(p, []byte("these are my notes, not a database: keep them\n"), 0o644)
			return p
		}, "not a SQLite database"},
		{"shorter than a header", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "history.db")
			os.WriteFile(p, []byte("SQLite"), 0o644)
			return p
		}, "not a SQLite database"},
		{"another program's database", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "notes.db")
			rawExec(t, p, `CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)`, `INSERT INTO notes (text) VALUES ('keep me')`)
			return p
		}, "a SQLite database of another program"},
		{"another program's empty database", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "other.db")
			rawExec(t, p, `PRAGMA user_version = 7`)
			return p
		}, "a SQLite database of another program"},
		{"another program's with roundtrip's tables", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "other.db")
			rawExec(t, p, `CREATE TABLE exchanges (id INTEGER PRIMARY KEY)`, `PRAGMA user_version = 2`)
			return p
		}, "a SQLite database of another program"},
		{"a newer store", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "history.db")
			closedStore(t, p)
			rawExec(t, p, `PRAGMA user_version = 99`)
			return p
		}, fmt.Sprintf("made by a newer roundtrip (schema 99, this one knows %d); upgrade roundtrip, use --store memory", schemaVersion)},
		{"a damaged store", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "history.db")
			closedStore(t, p)
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// The first page after its 100-byte header: the schema's b-tree.
			if _, err := f.WriteAt(bytes.Repeat([]byte{0xa5}, 400), 100); err != nil {
				t.Fatal(err)
			}
			return p
		}, "damaged"},
		{"a directory", func(t *testing.T, dir string) string {
			return dir
		}, "a directory, not a file"},
		{"a directory that cannot be made", func(t *testing.T, dir string) string {
			os.WriteFile(filepath.Join(dir, "state"), []byte("a file"), 0o644)
			return filepath.Join(dir, "state", "roundtrip", "history.db")
		}, "cannot create its directory: not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := tt.make(t, t.TempDir())
			before, _ := os.ReadFile(path)
			s, err := Open(context.Background(), Config{Path: path})
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) = nil error; want %q", path, tt.want)
			}
			msg := err.Error()
			for _, want := range []string{"store " + path + ": ", tt.want, "use --store memory"} {
				if !strings.Contains(msg, want) {
					t.Errorf("Open() error = %q; want one with %q", msg, want)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("Open() error = %q; want one line", msg)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
				t.Errorf("Open() changed %s: %d bytes before, %d after", path, len(before), len(after))
			}
		})
	}
}

// TestOpenLocked opens a store another program holds an exclusive lock
// on: Open waits busy_timeout, then says so.
func TestOpenLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	closedStore(t, path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA locking_mode = EXCLUSIVE`, `BEGIN EXCLUSIVE`, `UPDATE meta SET count = count`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	defer db.Exec(`ROLLBACK`)
	s, err := Open(context.Background(), Config{Path: path, busyTimeout: 100 * time.Millisecond})
	if err == nil {
		s.Close()
		t.Fatal("Open() of a locked store = nil error; want one")
	}
	want := "store " + path + ": locked by another program; stop it, use --store memory, or move the file away"
	if got := err.Error(); got != want {
		t.Errorf("Open() error = %q; want %q", got, want)
	}
}

// TestOpenFile checks what Open makes: the directories 0700, the file and
// its log 0600, and the database's settings.
func TestOpenFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	path := filepath.Join(root, "state", "roundtrip", "history.db")
	s := open(t, Config{Path: path})
	put(t, s, 1, 3)
	waitFor(t, "the batch", func() bool { return s.Stats().Count == 3 })
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{
		{filepath.Join(root, "state"), os.ModeDir | 0o700},
		{filepath.Join(root, "state", "roundtrip"), os.ModeDir | 0o700},
		{path, 0o600},
		{path + "-wal", 0o600},
		{path + "-shm", 0o600},
	} {
		fi, err := os.Stat(f.path)
		if err != nil {
			t.Error(err)
			continue
		}
		if got := fi.Mode(); got != f.mode {
			t.Errorf("%s has mode %v; want %v", f.path, got, f.mode)
		}
	}
	for _, p := range []struct {
		pragma string
		want   any
	}{
		{"journal_mode", "wal"},
		{"auto_vacuum", "2"}, // incremental
		{"page_size", "16384"},
		{"user_version", strconv.Itoa(schemaVersion)},
		{"application_id", strconv.Itoa(applicationID)},
		{"cache_size", "-8192"},
		{"synchronous", "1"}, // normal
		{"busy_timeout", "5000"},
	} {
		var got string
		if err := s.w.conn.QueryRowContext(context.Background(), "PRAGMA "+p.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != p.want {
			t.Errorf("PRAGMA %s = %s; want %s", p.pragma, got, p.want)
		}
	}
	var got string
	if err := s.rdb.QueryRow("PRAGMA cache_size").Scan(&got); err != nil || got != "-2048" {
		t.Errorf("a reader's PRAGMA cache_size = %s, %v; want -2048", got, err)
	}
}

// TestOpenPaths opens stores whose paths hold what a URI escapes.
func TestOpenPaths(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"with space.db", "what?.db", "#1.db", "100%.db", "caf\u00e9.db", "a&b=c.db"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			s := open(t, Config{Path: path})
			put(t, s, 1, 3)
			s = reopen(t, s)
			if got := s.Stats().Count; got != 3 {
				t.Errorf("Stats().Count = %d; want 3", got)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 || entries[0].Name() != name {
				t.Errorf("%s holds %v; want %s", dir, entries, name)
			}
		})
	}
}
