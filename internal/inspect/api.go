package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
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

// HandleGet is GET /_roundtrip/api/exchanges/{id}.
func (in *Inspector) HandleGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("id")
		id, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			writeProblem(w, r, http.StatusNotFound, "There is no exchange "+strconv.Quote(raw)+"; ids are positive numbers.")
			return
		}
		ex, ok := in.Lookup(r.Context(), id)
		if !ok {
			writeProblem(w, r, http.StatusNotFound, "Exchange "+raw+" is not in the history: it never happened, or it was cleared or pushed out by newer ones.")
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
			appendMissed(&buf, rp.missed)
		}
		// Encoded outside the history's lock, a view at a time.
		for i, ex := range rp.records {
			appendEvent(&buf, summary(rp.from+uint64(i), ex))
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
		for {
			select {
			case ex := <-s.ch:
				appendEvent(&buf, ex)
				// Drain what is queued into one write.
				for n := len(s.ch); n > 0; n-- {
					appendEvent(&buf, <-s.ch)
				}
				if n := s.missed.Swap(0); n > 0 {
					appendMissed(&buf, n)
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

func appendMissed(buf *bytes.Buffer, n int64) {
	buf.WriteString("event: missed\ndata: {\"missed\": ")
	buf.WriteString(strconv.FormatInt(n, 10))
	buf.WriteString("}\n\n")
}

// HandleHAR is GET /_roundtrip/api/har: the history as a HAR 1.2 download,
// streamed. At most maxExports run at once; another is told to retry.
func (in *Inspector) HandleHAR() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case in.exports <- struct{}{}:
			defer func() { <-in.exports }()
		default:
			w.Header().Set("Retry-After", strconv.Itoa(int(exportRetry/time.Second)))
			writeProblem(w, r, http.StatusServiceUnavailable, "The inspector is exporting the history "+strconv.Itoa(maxExports)+" times already; try again in a moment.")
			return
		}
		first, records := in.records()
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Disposition", `attachment; filename="roundtrip.har"`)
		bw := httpjson.Begin(w, http.StatusOK)
		if r.Method == http.MethodHead {
			return
		}
		_ = writeHAR(bw, first, records) // an error means the client left
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
