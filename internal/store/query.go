package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/observe"
	"modernc.org/sqlite"
)

// listQuery is List's statement: the Summary's JSON, which begins the
// record (the rest is not decoded), of limit+1 rows below before, the
// last telling whether there are more.
func listQuery(f filter.Filter, before uint64, limit int) (string, []any) {
	if before == 0 || before > math.MaxInt64 {
		before = math.MaxInt64
	}
	cond, args := where(f)
	q := `SELECT id, substr(CAST(record AS BLOB), 1, summary_len), listener, imported FROM exchanges WHERE id < ?` + cond + ` ORDER BY id DESC LIMIT ?`
	return q, append(append([]any{int64(before)}, args...), limit+1)
}

// where is f as conditions ANDed to a query on exchanges, each beginning
// " AND ", with their arguments: only the terms f has, so that the scan
// down the primary key tests no more than it must. It selects what
// f.Match does, which TestMatchAgreesWithList holds it to.
func where(f filter.Filter) (string, []any) {
	var b strings.Builder
	var args []any
	for _, t := range f.Terms {
		b.WriteString(" AND ")
		if t.Negate {
			b.WriteString("NOT ")
		}
		switch t.Field {
		case filter.Method:
			b.WriteString("method = ?")
			args = append(args, t.Value)
		case filter.Status:
			if t.Num < 10 {
				b.WriteString("status BETWEEN ? AND ?")
				args = append(args, int(t.Num)*100, int(t.Num)*100+99)
			} else {
				b.WriteString("status = ?")
				args = append(args, int(t.Num))
			}
		case filter.Path:
			// Compared as bytes: substr on text counts characters, and a
			// path may hold bytes that are not UTF-8.
			b.WriteString("substr(CAST(path AS BLOB), 1, ?) = ?")
			args = append(args, len(t.Value), []byte(t.Value))
		case filter.Host:
			b.WriteString("rt_host(host, ?)")
			args = append(args, t.Value)
		case filter.Header:
			cond := ""
			if t.Value != "" {
				cond = " WHERE rt_contains(value, ?)"
			}
			fmt.Fprintf(&b, "EXISTS (SELECT 1 FROM json_each(record, ?)%[1]s UNION ALL SELECT 1 FROM json_each(record, ?)%[1]s)", cond)
			for _, side := range []string{"request", "response"} {
				// The name is a token: no quote can end the key early.
				args = append(args, `$.`+side+`.headers."`+t.Name+`"`)
				if t.Value != "" {
					args = append(args, t.Value)
				}
			}
		case filter.Duration:
			b.WriteString("duration " + sqlOp(t.Op) + " ?")
			args = append(args, t.Num)
		case filter.Size:
			b.WriteString("bytes_out " + sqlOp(t.Op) + " ?")
			args = append(args, t.Num)
		case filter.Text:
			b.WriteString("id IN (SELECT rowid FROM search WHERE search MATCH ?)")
			args = append(args, ftsPhrase(t.Words))
		}
	}
	return b.String(), args
}

// The functions where's SQL calls, so that the store and filter.Match
// agree where SQL's own would not (lower folds ASCII only).
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("rt_host", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		host, _ := args[0].(string)
		pattern, _ := args[1].(string)
		return filter.HostMatches(host, pattern), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("rt_contains", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		value, _ := args[0].(string)
		needle, _ := args[1].(string)
		return strings.Contains(strings.ToLower(value), needle), nil
	})
}

func sqlOp(op filter.Op) string {
	switch op {
	case filter.Less:
		return "<"
	case filter.LessEq:
		return "<="
	case filter.Greater:
		return ">"
	case filter.GreaterEq:
		return ">="
	}
	return "="
}

// ftsPhrase is words as an FTS5 phrase, its last word a prefix. Words
// hold letters and digits only: nothing in them needs quoting.
func ftsPhrase(words []string) string {
	return `"` + strings.Join(words, " ") + `" *`
}

// Record is a stored exchange whole, and for an imported one the HAR
// entry it came from, as the file had it.
type Record struct {
	*observe.Exchange
	HAR json.RawMessage
}

// Range returns up to limit (1 to MaxLimit) exchanges matching f with ids
// above after, oldest first, whole: for an export, or a stream resumed
// from further back than the inspector's memory.
func (s *Store) Range(ctx context.Context, f filter.Filter, after uint64, limit int) ([]Record, error) {
	if limit < 1 || limit > MaxLimit {
		return nil, fmt.Errorf("store: range limit %d: want 1 to %d", limit, MaxLimit)
	}
	if after > math.MaxInt64 {
		return nil, nil
	}
	cond, args := where(f)
	q := `SELECT id, record, listener, imported, har FROM exchanges WHERE id > ?` + cond + ` ORDER BY id LIMIT ?`
	rows, err := s.rdb.QueryContext(ctx, q, append(append([]any{int64(after)}, args...), limit)...)
	if err != nil {
		return nil, s.readError(err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var id int64
		var rec, har []byte
		var listener string
		var imported bool
		if err := rows.Scan(&id, &rec, &listener, &imported, &har); err != nil {
			return nil, s.readError(err)
		}
		ex := new(observe.Exchange)
		if err := json.Unmarshal(rec, ex); err != nil {
			return nil, fmt.Errorf("store %s: exchange %d: %w", s.cfg.Path, id, err)
		}
		ex.ID, ex.Listener, ex.Imported = uint64(id), listener, imported
		out = append(out, Record{ex, har})
	}
	if err := rows.Err(); err != nil {
		return nil, s.readError(err)
	}
	return out, nil
}

// Import stores exs, loaded from a HAR file, in one transaction: all or
// none. entries[i] is exs[i]'s HAR entry, kept to be exported as it came.
// An exchange's ID is the id it is stored as, 0 for the next free one;
// Import returns the ids taken. Exchanges are stored as they are, not
// derived: their phases come from their HAR timings.
func (s *Store) Import(ctx context.Context, exs []*observe.Exchange, entries [][]byte) ([]uint64, error) {
	if len(exs) != len(entries) {
		return nil, fmt.Errorf("store: import of %d exchanges with %d entries", len(exs), len(entries))
	}
	if s.closed.Load() {
		return nil, ErrClosed
	}
	for _, ex := range exs {
		ex.Imported = true
	}
	done := make(chan importResult, 1)
	select {
	case s.queue <- item{imp: &importJob{exs, entries, done}}:
	case <-s.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("store %s: import: %w", s.cfg.Path, r.err)
		}
		return r.ids, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
