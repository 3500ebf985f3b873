package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// applicationID marks a SQLite file as a roundtrip store ("rtrp"), so that
// another program's database is told apart from a new one.
const applicationID = 0x72747270

// pageSize is the page size of a new store.
const pageSize = 16 << 10

// schemaVersion is the PRAGMA user_version this roundtrip writes.
var schemaVersion = len(migrations)

// migrations[v] takes a store from user_version v to v+1; a new store runs
// them all. A shipped step never changes: a change is a new step.
var migrations = []string{
	// 1: the first store. record is the exchange's JSON, its first
	// summary_len bytes its Summary's but for the closing brace; size is
	// len(record), and meta keeps the sum of sizes (which MaxBytes bounds),
	// the count, and the greatest id ever stored (LastID, through Clear and
	// eviction). The writer updates meta in the transaction that changes
	// exchanges, which keeps it exact with two processes writing: a
	// trigger would cost every insert a statement journal (a fifth of the
	// writer's rate with 4 KiB pages, half with 16 KiB).
	`CREATE TABLE exchanges (
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
	INSERT INTO meta VALUES (1, 0, 0, 0);`,
	// 2: the listener that captured each exchange (two serve processes may
	// share a file), whether it came from a HAR import (bounded by bytes,
	// not by age), and an index on started, since age eviction scanned the
	// whole table without it.
	`ALTER TABLE exchanges ADD COLUMN listener TEXT NOT NULL DEFAULT '';
	ALTER TABLE exchanges ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX exchanges_started ON exchanges (started);`,
	// 3: free-text search (package filter), an FTS5 index of each
	// exchange's URL, header values and text bodies, contentless (the
	// text is in record already) with deletes. The writer fills it behind
	// the inserts, when it has time (meta.indexed is the greatest id it
	// has indexed), since indexing as it inserts took 40% of its time;
	// existing exchanges are indexed so too. Also the response body's
	// size for larger-than, and an imported entry's HAR JSON, exported as
	// it came.
	`ALTER TABLE exchanges ADD COLUMN bytes_out INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE exchanges ADD COLUMN har TEXT;
	UPDATE exchanges SET bytes_out = coalesce(json_extract(record, '$.bytes_out'), 0);
	ALTER TABLE meta ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
	CREATE VIRTUAL TABLE search USING fts5(url, headers, bodies, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');`,
	// 4: bodies also holds the text of an event stream's and a WebSocket's
	// kept messages, as filter.Searched does: the index is made again from
	// the first exchange, behind the inserts as ever.
	`INSERT INTO search (search) VALUES ('delete-all');
	UPDATE meta SET indexed = 0;`,
	// 5: headers also holds the exchange's trace id, where trace:ID finds
	// its candidates (a scan of the records took 1.7 s over 100,000): the
	// index is made again.
	`INSERT INTO search (search) VALUES ('delete-all');
	UPDATE meta SET indexed = 0;`,
}

// setUp checks that conn's database is a roundtrip store, or a new one,
// before changing anything in it, then makes it a write-ahead-logged store
// of the current schema.
func setUp(ctx context.Context, conn *sql.Conn) error {
	app, version, objects, err := identify(ctx, conn)
	if err != nil {
		return err
	}
	fresh := app == 0 && version == 0 && objects == 0
	switch {
	case fresh:
	case app != applicationID:
		return &unusableError{"a SQLite database of another program, not a roundtrip store; use --store memory, or move it away"}
	case version > schemaVersion:
		return newerError(version)
	}
	if fresh {
		// Only before the first table: they decide the file's layout.
		// 16 KiB pages write a batch in a quarter of the log frames (a
		// pwrite each) 4 KiB pages take: 80,000 inserts/s against 60,000.
		for _, q := range []string{`PRAGMA page_size = ` + strconv.Itoa(pageSize), `PRAGMA auto_vacuum = INCREMENTAL`} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return err
			}
		}
	}
	var mode string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return &unusableError{"cannot use a write-ahead log (journal mode " + mode + "); use --store memory, or another path"}
	}
	return migrate(ctx, conn)
}

func newerError(version int) error {
	return &unusableError{fmt.Sprintf("made by a newer roundtrip (schema %d, this one knows %d); upgrade roundtrip, use --store memory, or move it away", version, schemaVersion)}
}

// identify reads what tells a roundtrip store from another database.
func identify(ctx context.Context, conn *sql.Conn) (app, version, objects int, err error) {
	if err = conn.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&app); err != nil {
		return
	}
	if err = conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return
	}
	err = conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&objects)
	return
}

// migrate brings the store to schemaVersion in one transaction, which a
// second process opening the same file at once waits for, and then finds
// nothing to do.
func migrate(ctx context.Context, conn *sql.Conn) (err error) {
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
		}
	}()
	var version int
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > schemaVersion {
		return newerError(version)
	}
	if version == 0 {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
			return err
		}
	}
	for v := version; v < schemaVersion; v++ {
		if _, err := conn.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrating to schema %d: %w", v+1, err)
		}
	}
	if version < schemaVersion {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
			return err
		}
	}
	_, err = conn.ExecContext(ctx, `COMMIT`)
	return err
}
