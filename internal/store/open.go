package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Page caches, set on every connection: the writer's holds the b-tree's
// upper levels and a batch's pages, a reader's a page of List. With one
// writer and at most maxReaders readers, SQLite's caches take at most
// 8 + 2×2 = 12 MiB.
const (
	writerCacheKiB = 8 << 10
	readerCacheKiB = 2 << 10
	maxReaders     = 2
	// walLimit is when the write-ahead log is checkpointed into the file,
	// and the size it is cut back to after: SQLite's 1000 pages would be
	// 16 MiB of 16 KiB pages. A batch is at most maxBatchBytes more.
	walLimit = 4 << 20
)

// header opens every SQLite database file.
const header = "SQLite format 3\x00"

// Open opens the store at cfg.Path, creating it (0600, its directory 0700)
// if it is missing and migrating an older schema, and starts its writer.
// A file that is not a roundtrip store, or is damaged, locked or newer
// than this roundtrip, is left as it is and Open returns a one-line error
// naming it and what to do.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, errors.New("store: no path")
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = DefaultFlushEvery
	}
	if cfg.Share <= 0 || cfg.Share > 1 {
		cfg.Share = DefaultShare
	}
	if cfg.busyTimeout <= 0 {
		cfg.busyTimeout = defaultBusyTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	path, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("store %s: %v; use --store memory, or another path", cfg.Path, err)
	}
	cfg.Path = path
	if err := prepareFile(path); err != nil {
		return nil, err
	}

	wdb, err := sql.Open("sqlite", dsn(path, cfg, writerCacheKiB, false))
	if err != nil {
		return nil, openError(path, err)
	}
	wdb.SetMaxOpenConns(1)
	conn, err := wdb.Conn(ctx)
	if err == nil {
		err = setUp(ctx, conn)
	}
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		wdb.Close()
		return nil, openError(path, err)
	}
	rdb, err := sql.Open("sqlite", dsn(path, cfg, readerCacheKiB, true))
	if err != nil {
		conn.Close()
		wdb.Close()
		return nil, openError(path, err)
	}
	rdb.SetMaxOpenConns(maxReaders)
	rdb.SetMaxIdleConns(maxReaders)

	s := &Store{
		cfg:   cfg,
		log:   log,
		rdb:   rdb,
		queue: make(chan item, cfg.Queue),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	w, err := newWriter(ctx, s, wdb, conn)
	if err != nil {
		conn.Close()
		wdb.Close()
		rdb.Close()
		return nil, openError(path, err)
	}
	s.w = w
	go w.run()
	return s, nil
}

// prepareFile creates path's directory (0700) if missing, and path itself
// (0600: SQLite gives its write-ahead log the same mode), and refuses a
// file that is not a SQLite database before SQLite touches it.
func prepareFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("store %s: cannot create its directory: %v; use --store memory, or another path", path, unwrapPath(err))
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close() // empty: SQLite makes it a database
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("store %s: cannot create it: %v; use --store memory, or another path", path, unwrapPath(err))
	}
	f, err = os.Open(path)
	if err != nil {
		return fmt.Errorf("store %s: cannot open it: %v; use --store memory, or another path", path, unwrapPath(err))
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return fmt.Errorf("store %s: a directory, not a file; use --store memory, or another path", path)
	}
	b := make([]byte, len(header))
	n, err := io.ReadFull(f, b)
	switch {
	case n == 0 && errors.Is(err, io.EOF):
		return nil // empty, as SQLite leaves a new file
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("store %s: cannot read it: %v; use --store memory, or move it away", path, unwrapPath(err))
	case !bytes.Equal(b[:n], []byte(header)):
		return fmt.Errorf("store %s: not a SQLite database; use --store memory, or move it away", path)
	}
	return nil
}

// unwrapPath is err without the path an *fs.PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// dsn is the driver's name for path. Only per-connection settings are in
// it: the persistent ones (WAL, auto_vacuum) are set once the file is
// known to be a roundtrip store, so another program's database is never
// changed. synchronous=NORMAL syncs at checkpoints only: a commit survives
// the process being killed, if not a power cut.
func dsn(path string, cfg Config, cacheKiB int, reader bool) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x on Windows
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "cache_size(-"+strconv.Itoa(cacheKiB)+")")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "journal_size_limit("+strconv.Itoa(walLimit)+")")
	q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(walLimit/pageSize)+")")
	q.Add("_pragma", "trusted_schema(OFF)")
	if reader {
		q.Add("_pragma", "query_only(ON)")
	}
	return "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + q.Encode()
}

// openError is err, met opening the store at path, as one line saying
// what to do.
func openError(path string, err error) error {
	var ue *unusableError
	if errors.As(err, &ue) {
		return fmt.Errorf("store %s: %s", path, ue.why)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("store %s: locked by another program; stop it, use --store memory, or move the file away", path)
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("store %s: not a SQLite database; use --store memory, or move it away", path)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("store %s: damaged (the database disk image is malformed); use --store memory, or move it away", path)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_AUTH:
			return fmt.Errorf("store %s: cannot open it for writing; use --store memory, or another path", path)
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("store %s: the disk is full; free some space, use --store memory, or another path", path)
		}
	}
	return fmt.Errorf("store %s: %v; use --store memory, or move it away", path, oneLine(err))
}

// unusableError is a file Open will not use: why, and what to do.
type unusableError struct{ why string }

func (e *unusableError) Error() string { return e.why }

// oneLine is err's message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
