package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/observe"
	"modernc.org/sqlite"
)

// statement is one SQL query and its arguments.
type statement struct {
	q    string
	args []any
}

// selection is the statements that select f's exchanges with ids beyond
// bound (below it going newest first, above it oldest first), limit of
// them, the columns cols of exchanges: run in turn, each for what limit
// the ones before left. With free text, the search index drives the
// query (FTS5 walks its matches in id order, so a word in every exchange
// costs no more than a rare one), and the exchanges the writer has not
// indexed yet are read one by one: newer than any indexed, they come
// first going newest first, last going oldest first.
//
// indexed is the greatest id indexed, the same in both statements: read
// in each, an id the writer indexed between them would be in both.
func selection(f filter.Filter, cols string, bound uint64, limit int, newest bool, indexed uint64) []statement {
	cmp, order := ">", "ASC"
	if newest {
		cmp, order = "<", "DESC"
		if bound == 0 || bound > math.MaxInt64 {
			bound = math.MaxInt64
		}
	}
	if bound > math.MaxInt64 {
		return nil
	}
	var match []string
	var tail []any // rt_text arguments for the unindexed
	var tailCond strings.Builder
	rest := filter.Filter{}
	for _, t := range f.Terms {
		if t.Field != filter.Text {
			rest.Terms = append(rest.Terms, t)
			continue
		}
		words := strings.Join(t.Words, " ")
		if t.Negate {
			tailCond.WriteString(" AND NOT rt_text(record, ?)")
		} else {
			tailCond.WriteString(" AND rt_text(record, ?)")
		}
		tail = append(tail, words)
		if t.Negate {
			match = append(match, "NOT "+ftsPhrase(t.Words))
		} else {
			match = append([]string{ftsPhrase(t.Words)}, match...)
		}
	}
	if len(match) == 0 || strings.HasPrefix(match[0], "NOT ") {
		// No word to look up: a scan down the primary key, testing each.
		cond, args := where(f)
		return []statement{{
			`SELECT ` + cols + ` FROM exchanges WHERE id ` + cmp + ` ?` + cond + ` ORDER BY id ` + order + ` LIMIT ?`,
			append(append([]any{int64(bound)}, args...), limit),
		}}
	}
	cond, args := where(rest)
	inIndex := statement{
		`SELECT ` + cols + ` FROM search JOIN exchanges ON exchanges.id = search.rowid WHERE search MATCH ? AND search.rowid ` + cmp + ` ? AND search.rowid <= ?` +
			cond + ` ORDER BY search.rowid ` + order + ` LIMIT ?`,
		append(append([]any{strings.Join(match, " "), int64(bound), int64(indexed)}, args...), limit),
	}
	unindexed := statement{
		`SELECT ` + cols + ` FROM exchanges WHERE id ` + cmp + ` ? AND id > ?` + tailCond.String() + cond + ` ORDER BY id ` + order + ` LIMIT ?`,
		append(append(append([]any{int64(bound), int64(indexed)}, tail...), args...), limit),
	}
	if newest {
		return []statement{unindexed, inIndex}
	}
	return []statement{inIndex, unindexed}
}

// indexed is the greatest id this store's writer has indexed: at most
// what the file says, another process's writer may have done more.
func (s *Store) indexed() uint64 { return s.Stats().Indexed }

// query runs sel's statements in turn until limit rows are scanned,
// calling scan for each; limit is the LIMIT of each statement, which
// selection put last in its arguments.
func (s *Store) query(ctx context.Context, sel []statement, limit int, scan func(*sql.Rows) error) error {
	n := 0
	for _, st := range sel {
		if n >= limit {
			break
		}
		st.args[len(st.args)-1] = limit - n
		rows, err := s.rdb.QueryContext(ctx, st.q, st.args...)
		if err != nil {
			return s.readError(err)
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
			n++
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return s.readError(err)
		}
	}
	return nil
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
		case filter.Trace:
			// The index finds the candidates (it holds the trace id with
			// the headers), the record decides; the exchanges not indexed
			// yet are read one by one.
			b.WriteString("((id IN (SELECT rowid FROM search WHERE search MATCH ?) OR id > (SELECT indexed FROM meta)) AND coalesce(json_extract(record, '$.trace_id'), '') = ?)")
			args = append(args, `headers:"`+t.Value+`"`, t.Value)
		case filter.Text:
			// The index, and the exchanges the writer has not indexed yet
			// read one by one.
			b.WriteString("(id IN (SELECT rowid FROM search WHERE search MATCH ?) OR id > (SELECT indexed FROM meta) AND rt_text(record, ?))")
			args = append(args, ftsPhrase(t.Words), strings.Join(t.Words, " "))
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
	sqlite.MustRegisterDeterministicScalarFunction("rt_text", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		var rec []byte
		switch v := args[0].(type) {
		case string:
			rec = []byte(v)
		case []byte:
			rec = v
		}
		words, _ := args[1].(string)
		var ex observe.Exchange
		if json.Unmarshal(rec, &ex) != nil {
			return false, nil
		}
		return filter.HasWords(&ex, strings.Fields(words)), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction("rt_url", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		target, _ := args[0].(string)
		return filter.SearchedURL(target), nil
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
	recs, _, err := s.rangeBytes(ctx, f, after, limit, math.MaxInt64)
	return recs, err
}

// rangeBytes is Range, ending once the records read take maxBytes (one is
// always read), and reports whether it ended so.
func (s *Store) rangeBytes(ctx context.Context, f filter.Filter, after uint64, limit int, maxBytes int64) (out []Record, cut bool, err error) {
	var bytes int64
	err = s.query(ctx, selection(f, "id, record, listener, imported, har", after, limit, false, s.indexed()), limit, func(rows *sql.Rows) error {
		if bytes >= maxBytes {
			cut = true
			return errEnough
		}
		var id int64
		var rec, har []byte
		var listener string
		var imported bool
		if err := rows.Scan(&id, &rec, &listener, &imported, &har); err != nil {
			return s.readError(err)
		}
		bytes += int64(len(rec) + len(har))
		ex := new(observe.Exchange)
		if err := json.Unmarshal(rec, ex); err != nil {
			return fmt.Errorf("store %s: exchange %d: %w", s.cfg.Path, id, err)
		}
		ex.ID, ex.Listener, ex.Imported = uint64(id), listener, imported
		out = append(out, Record{ex, har})
		return nil
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return out, cut, err
}

// errEnough ends a query's scan early.
var errEnough = errors.New("enough")

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

// Each reads at most exportChunk exchanges at a time, and stops a chunk
// once its records take exportBytes: a chunk of 256 records of two 1 MiB
// bodies would be half a gigabyte.
const (
	exportChunk = 256
	exportBytes = 8 << 20
)

// Each calls fn with every exchange matching f with ids above after,
// oldest first, reading exportChunk at a time, so that an export of the
// whole store holds one chunk in memory. It stops at fn's first error,
// and returns it.
func (s *Store) Each(ctx context.Context, f filter.Filter, after uint64, fn func(Record) error) error {
	for {
		recs, cut, err := s.rangeBytes(ctx, f, after, exportChunk, exportBytes)
		if err != nil {
			return err
		}
		for i, r := range recs {
			recs[i] = Record{} // fn may keep r; the chunk does not
			if err := fn(r); err != nil {
				return err
			}
			after = r.ID
		}
		if !cut && len(recs) < exportChunk {
			return nil
		}
	}
}

// Delete deletes the exchanges matching f, and returns how many went; a
// zero f is Clear. Exchanges stored after it began are not looked at.
func (s *Store) Delete(ctx context.Context, f filter.Filter) (int64, error) {
	if f.IsZero() {
		before := s.Stats().Count
		if err := s.Clear(ctx); err != nil {
			return 0, err
		}
		return before, nil
	}
	var ids []int64
	after := uint64(0)
	for {
		var chunk []int64
		err := s.query(ctx, selection(f, "id", after, MaxLimit, false, s.indexed()), MaxLimit, func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return s.readError(err)
			}
			chunk = append(chunk, id)
			return nil
		})
		if err != nil {
			return 0, err
		}
		ids = append(ids, chunk...)
		if len(chunk) < MaxLimit {
			break
		}
		after = uint64(chunk[len(chunk)-1])
	}
	if len(ids) == 0 {
		return 0, nil
	}
	done := make(chan importResult, 1)
	select {
	case s.queue <- item{del: &deleteJob{ids, done}}:
	case <-s.done:
		return 0, ErrClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case r := <-done:
		return int64(len(r.ids)), r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
