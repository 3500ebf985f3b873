package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/har"
	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/reqbody"
)

// Paging limits for the list.
const (
	defaultLimit = 50
	maxLimit     = 1000
)

// Event streams: a comment every pingEvery keeps idle proxies from closing
// the stream (a write taking longer than Config.WriteStall drops a stuck
// subscriber); a request body of up to maxStreamBody bytes is read within
// bodyWait and ignored; a client turned away for too many streams is told
// to retry after subscriberRetry.
const (
	pingEvery       = 15 * time.Second
	maxStreamBody   = 4 << 10
	bodyWait        = 10 * time.Second
	subscriberRetry = 5 * time.Second
)

// HandleList is GET /_roundtrip/api/exchanges: newest first, paged with
// limit and before, filtered by method, status (404 or 4xx) and path prefix,
// as {"exchanges": [summaries], "next_before": id or null}.
func (in *Inspector) HandleList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, before := defaultLimit, uint64(0)
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxLimit {
				writeProblem(w, r, http.StatusBadRequest, "limit must be a number from 1 to "+strconv.Itoa(maxLimit)+".")
				return
			}
			limit = n
		}
		if v := q.Get("before"); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil || n == 0 {
				writeProblem(w, r, http.StatusBadRequest, "before must be an exchange id, a positive number.")
				return
			}
			before = n
		}
		f, ok := listFilter(w, r)
		if !ok {
			return
		}
		// Streamed, listChunk records at a time: a page of 1000 built whole
		// held 1000 copies of records and their JSON for as long as a
		// client that never reads kept it waiting (20 such HTTP/2
		// connections took serve to 2.2 GiB).
		w.Header().Set("Cache-Control", "no-store")
		bw := httpjson.Begin(w, http.StatusOK)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		bw.WriteString(`{"exchanges":[`)
		n, more, last := 0, false, uint64(0)
		for n < limit {
			page, m := in.Page(r.Context(), f, before, min(listChunk, limit-n))
			for _, ex := range page {
				if n > 0 {
					bw.WriteByte(',')
				}
				if enc.Encode(&ex.Summary) != nil {
					return // the client left
				}
				n, last = n+1, ex.ID
			}
			more = m
			if !m || len(page) == 0 {
				break
			}
			before = last
		}
		bw.WriteString(`],"next_before":`)
		if more {
			bw.WriteString(strconv.FormatUint(last, 10))
		} else {
			bw.WriteString("null")
		}
		bw.WriteString("}\n")
		_ = bw.Flush()
	})
}

// listChunk is how many records a list answer holds at once.
const listChunk = 64

// listFilter is a list's filter: q in the one filter syntax, and the
// shorthands method, status and path, ANDed. On a bad one it writes a 400
// problem naming the position.
func listFilter(w http.ResponseWriter, r *http.Request) (Filter, bool) {
	q := r.URL.Query()
	f, err := filter.Parse(q.Get("q"))
	if err != nil {
		p := problem.New(http.StatusBadRequest, "The filter q cannot be read: %s.", strings.TrimPrefix(err.Error(), "filter: "))
		var se *filter.SyntaxError
		if errors.As(err, &se) {
			p.Column = se.Pos + 1
		}
		problem.Write(w, r, p)
		return f, false
	}
	for _, key := range []string{"method", "status", "path"} {
		v := q.Get(key)
		if v == "" {
			continue
		}
		g, err := filter.Parse(key + `:"` + v + `"`)
		if err != nil || strings.Contains(v, `"`) {
			writeProblem(w, r, http.StatusBadRequest, key+" must be "+map[string]string{
				"method": "a method such as GET",
				"status": "a code such as 404 or a class such as 4xx",
				"path":   "a path prefix such as /api/",
			}[key]+".")
			return f, false
		}
		f = f.And(g)
	}
	return f, true
}

// lookupPath finds the exchange the path's {id} names, in the history or
// the store; if there is none it writes the 404 problem saying why.
func (in *Inspector) lookupPath(w http.ResponseWriter, r *http.Request) (*observe.Exchange, bool) {
	raw := r.PathValue("id")
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		writeProblem(w, r, http.StatusNotFound, "There is no exchange "+strconv.Quote(raw)+"; ids are positive numbers.")
		return nil, false
	}
	ex, ok := in.Lookup(r.Context(), id)
	if !ok {
		writeProblem(w, r, http.StatusNotFound, "Exchange "+raw+" is not in the history: it never happened, or it was cleared or pushed out by newer ones.")
	}
	return ex, ok
}

// HandleGet is GET /_roundtrip/api/exchanges/{id}.
func (in *Inspector) HandleGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex, ok := in.lookupPath(w, r)
		if !ok {
			return
		}
		writeJSON(w, http.StatusOK, ex)
	})
}

// HandleClear is DELETE /_roundtrip/api/exchanges.
func (in *Inspector) HandleClear() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
}

// HandleEvents is GET /_roundtrip/api/events: one Server-Sent Event per
// exchange. Last-Event-ID (or ?last_event_id=) replays the newest maxReplay
// exchanges the history still holds after that id, and counts the others
// as missed. A subscriber that falls behind misses events and is told how
// many; one whose writes stall is dropped; neither slows the requests being
// captured. HEAD gets the stream's headers and no stream.
func (in *Inspector) HandleEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last := r.Header.Get("Last-Event-ID")
		if last == "" {
			last = r.URL.Query().Get("last_event_id")
		}
		var lastID uint64
		if last != "" {
			n, err := strconv.ParseUint(last, 10, 64)
			if err != nil {
				writeProblem(w, r, http.StatusBadRequest, "Last-Event-ID must be an exchange id, a number.")
				return
			}
			lastID = n
		}
		if r.Method == http.MethodHead {
			// net/http drops a HEAD's body writes, so no write would ever
			// fail once the client left: answer and return.
			streamHeaders(w.Header())
			w.WriteHeader(http.StatusOK)
			return
		}
		if !drainBody(w, r) {
			return
		}
		s, rp := in.subscribe(last != "", lastID)
		if s == nil {
			w.Header().Set("Retry-After", strconv.Itoa(int(subscriberRetry/time.Second)))
			writeProblem(w, r, http.StatusServiceUnavailable, "The inspector has "+strconv.Itoa(in.cfg.MaxSubscribers)+" event streams open, as many as it serves; try again once one closes.")
			return
		}
		defer in.unsubscribe(s)
		older := in.fromStore(r.Context(), lastID, &rp)
		rc := http.NewResponseController(w)
		streamHeaders(w.Header())
		w.WriteHeader(http.StatusOK)

		var buf bytes.Buffer
		send := func() bool {
			_ = rc.SetWriteDeadline(time.Now().Add(in.cfg.WriteStall))
			_, err := w.Write(buf.Bytes())
			buf.Reset()
			return err == nil && rc.Flush() == nil
		}
		buf.WriteString(": connected\n\n")
		if rp.missed > 0 {
			appendMissed(&buf, rp.missed, "")
		}
		for _, sum := range older {
			appendEvent(&buf, sum)
		}
		older = nil
		// Encoded outside the history's lock, a view at a time.
		for i, ex := range rp.records {
			sum := summary(rp.from+uint64(i), ex)
			sum.Listener = in.cfg.Listener
			appendEvent(&buf, sum)
		}
		rp.records = nil // the stream keeps no records while it runs
		if !send() {
			return
		}
		if buf.Cap() > 64<<10 {
			buf = bytes.Buffer{} // let a long replay's buffer go
		}
		ping := time.NewTicker(pingEvery)
		defer ping.Stop()
		var health <-chan time.Time
		var seen storeSeen
		if in.cfg.Store != nil {
			t := time.NewTicker(storeCheck)
			defer t.Stop()
			health = t.C
			seen = in.storeSeen()
		}
		for {
			select {
			case ex := <-s.ch:
				appendEvent(&buf, ex)
				// Drain what is queued into one write.
				for n := len(s.ch); n > 0; n-- {
					appendEvent(&buf, <-s.ch)
				}
				if n := s.missed.Swap(0); n > 0 {
					appendMissed(&buf, n, "")
				}
			case <-health:
				now := in.storeSeen()
				if now.dropped > seen.dropped {
					appendMissed(&buf, int64(now.dropped-seen.dropped), "store")
				}
				if now.degraded != seen.degraded {
					appendStore(&buf, now.degraded)
				}
				seen = now
				if buf.Len() == 0 {
					continue
				}
			case <-ping.C:
				buf.WriteString(": ping\n\n")
			case <-r.Context().Done():
				return
			case <-in.done:
				return
			}
			if !send() {
				return
			}
		}
	})
}

// storeCheck is how often a stream looks at the store's health, to tell
// its page of captures the store dropped and of a store that cannot write.
const storeCheck = time.Second

type storeSeen struct {
	dropped  uint64
	degraded string
}

func (in *Inspector) storeSeen() storeSeen {
	st := storeSeen{dropped: in.cfg.Store.Dropped()}
	if err := in.cfg.Store.Degraded(); err != nil {
		st.degraded = err.Error()
	}
	return st
}

// fromStore takes from the store what a resumed stream missed because
// the history let it go: the newest of them, up to what maxReplay leaves
// after rp's records, as summaries, oldest first, and takes them off
// rp.missed.
func (in *Inspector) fromStore(ctx context.Context, lastID uint64, rp *replay) []*observe.Summary {
	budget := maxReplay - len(rp.records)
	if in.cfg.Store == nil || rp.missed <= 0 || budget <= 0 {
		return nil
	}
	// rp.missed counts the ids from lastID+1 up to the first replayed.
	before := lastID + uint64(rp.missed) + 1
	page, _, err := in.cfg.Store.List(ctx, Filter{}, before, min(budget, int(rp.missed)))
	if err != nil {
		return nil
	}
	out := make([]*observe.Summary, 0, len(page))
	for i := len(page) - 1; i >= 0; i-- {
		if page[i].ID > lastID {
			out = append(out, &page[i].Summary)
		}
	}
	if len(out) > 0 {
		rp.missed = int64(out[0].ID - lastID - 1) // gaps below the oldest sent
	}
	return out
}

func streamHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // tell proxies not to hold events back
}

// drainBody reads a stream request's body to its end, bounded in size and
// time, and reports whether the stream may go on; if not, it has written
// the problem. A GET's body means nothing (RFC 9110 §9.3.1) but is allowed,
// so a small one is drained rather than refused. It must be read: net/http
// begins watching the connection, and cancels r.Context() when the client
// leaves, only once the body is read, and with Connection: close or
// HTTP/1.0 it never reads it itself, so such a stream outlived its client.
func drainBody(w http.ResponseWriter, r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(bodyWait))
	n, err := io.Copy(io.Discard, io.LimitReader(r.Body, maxStreamBody+1))
	_ = rc.SetReadDeadline(time.Time{})
	switch {
	case n > maxStreamBody:
		writeProblem(w, r, http.StatusRequestEntityTooLarge, "The event stream takes no request body; one of up to "+strconv.Itoa(maxStreamBody)+" bytes is read and ignored, and this one is longer.")
		return false
	case errors.Is(err, os.ErrDeadlineExceeded):
		writeProblem(w, r, http.StatusRequestTimeout, "The request body did not arrive within "+bodyWait.String()+".")
		return false
	case err != nil:
		writeProblem(w, r, http.StatusBadRequest, "The request body could not be read.")
		return false
	}
	return true
}

func appendEvent(buf *bytes.Buffer, s *observe.Summary) {
	buf.WriteString("id: ")
	buf.WriteString(strconv.FormatUint(s.ID, 10))
	buf.WriteString("\nevent: exchange\ndata: ")
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // ends with the newline that closes data
	buf.WriteString("\n")
}

// appendMissed tells a stream of n exchanges: with where "", events it
// missed; with "store", captures the store dropped (the stream had them,
// a restart will not).
func appendMissed(buf *bytes.Buffer, n int64, where string) {
	buf.WriteString("event: missed\ndata: {\"missed\": ")
	buf.WriteString(strconv.FormatInt(n, 10))
	if where != "" {
		buf.WriteString(`, "where": "` + where + `"`)
	}
	buf.WriteString("}\n\n")
}

// appendStore tells a stream that the store cannot write (why), or can
// again (why "").
func appendStore(buf *bytes.Buffer, why string) {
	buf.WriteString("event: store\ndata: ")
	var b []byte
	if why == "" {
		b = []byte(`{"degraded":null}`)
	} else {
		b, _ = json.Marshal(map[string]string{"degraded": why})
	}
	buf.Write(b)
	buf.WriteString("\n\n")
}

// HandleHAR is GET /_roundtrip/api/har: the history as a HAR 1.2 download,
// streamed: with a store, all it holds and then what it has not written
// yet; q selects, in the one filter syntax. At most maxExports run at
// once; another is told to retry.
func (in *Inspector) HandleHAR() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := listFilter(w, r)
		if !ok {
			return
		}
		select {
		case in.exports <- struct{}{}:
			defer func() { <-in.exports }()
		default:
			w.Header().Set("Retry-After", strconv.Itoa(int(exportRetry/time.Second)))
			writeProblem(w, r, http.StatusServiceUnavailable, "The inspector is exporting the history "+strconv.Itoa(maxExports)+" times already; try again in a moment.")
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Disposition", `attachment; filename="roundtrip.har"`)
		bw := httpjson.Begin(w, http.StatusOK)
		if r.Method == http.MethodHead {
			return
		}
		_ = in.writeHAR(r.Context(), bw, f) // an error means the client left
	})
}

// exportRetry is how long a HAR export turned away is told to wait.
const exportRetry = time.Second

// writeJSON writes v as JSON that no cache keeps: the history changes.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	httpjson.Write(w, status, v)
}

// badRequest writes the problem of a request the API cannot answer.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	problem.Write(w, r, problem.New(status, "%s", detail))
}

// HandleStore is GET /_roundtrip/api/store: where the history is kept and
// how that is going, for the page's banner and for scripts.
func (in *Inspector) HandleStore() http.Handler {
	type memory struct {
		Exchanges int   `json:"exchanges"`
		Bytes     int64 `json:"bytes"`
	}
	type status struct {
		Durable   bool    `json:"durable"` // false: --store memory
		Path      string  `json:"path,omitempty"`
		Listener  string  `json:"listener,omitempty"`
		Exchanges int64   `json:"exchanges"`
		Bytes     int64   `json:"bytes"`
		Oldest    uint64  `json:"oldest"`
		Newest    uint64  `json:"newest"`
		Indexed   uint64  `json:"indexed"`
		Dropped   uint64  `json:"dropped"`
		Degraded  *string `json:"degraded"`
		Memory    memory  `json:"memory"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := status{Listener: in.cfg.Listener, Memory: memory{in.Len(), in.Bytes()}}
		if s := in.cfg.Store; s != nil {
			stats := s.Stats()
			st.Durable, st.Path = true, s.Path()
			st.Exchanges, st.Bytes, st.Oldest, st.Newest, st.Indexed = stats.Count, stats.Bytes, stats.Oldest, stats.Newest, stats.Indexed
			st.Dropped = s.Dropped()
			if err := s.Degraded(); err != nil {
				why := err.Error()
				st.Degraded = &why
			}
		}
		writeJSON(w, http.StatusOK, st)
	})
}

// maxImport bounds a HAR posted to the API.
const maxImport = 256 << 20

// HandleImport is POST /_roundtrip/api/har: a HAR file into the store, all
// its entries or none, marked as imported; it answers 201 with their ids.
func (in *Inspector) HandleImport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if in.cfg.Store == nil {
			writeProblem(w, r, http.StatusConflict, "Importing needs a store to keep the exchanges in, and this server runs with --store memory.")
			return
		}
		// An import holds its file decoded, and more: it takes a turn with
		// the exports, which bounds what imports and exports hold at once.
		select {
		case in.exports <- struct{}{}:
			defer func() { <-in.exports }()
		default:
			w.Header().Set("Retry-After", strconv.Itoa(int(exportRetry/time.Second)))
			writeProblem(w, r, http.StatusServiceUnavailable, "The inspector is importing or exporting "+strconv.Itoa(maxExports)+" times already; try again in a moment.")
			return
		}
		l, err := har.Decode(reqbody.Limit(w, r, maxImport), maxImport)
		var fe *har.FieldError
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, har.ErrTooLarge) || errors.As(err, &mbe):
			writeProblem(w, r, http.StatusRequestEntityTooLarge, "A HAR file of up to "+strconv.Itoa(maxImport>>20)+" MiB is imported through the API; import a larger one with roundtrip history import.")
			return
		case err != nil:
			writeProblem(w, r, http.StatusBadRequest, "The HAR file cannot be imported, and nothing was: "+strings.TrimPrefix(err.Error(), "har: ")+".")
			return
		}
		ids, err := in.Import(r.Context(), l)
		switch {
		case errors.As(err, &fe):
			writeProblem(w, r, http.StatusBadRequest, "The HAR file cannot be imported, and nothing was: "+strings.TrimPrefix(err.Error(), "har: ")+".")
			return
		case err != nil:
			writeProblem(w, r, http.StatusInternalServerError, "The store could not take the import, and nothing was imported.")
			return
		}
		res := struct {
			Imported int    `json:"imported"`
			First    uint64 `json:"first,omitempty"`
			Last     uint64 `json:"last,omitempty"`
		}{Imported: len(ids)}
		if len(ids) > 0 {
			res.First, res.Last = ids[0], ids[len(ids)-1]
		}
		writeJSON(w, http.StatusCreated, res)
	})
}
