package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/inspect"
)

// recorder remembers what a handler wrote, for the middleware around it.
// When observe made it, it also stamps Server-Timing on the headers just
// before they leave and keeps the first bytes of the body.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64

	obs     *observer  // nil when observe is not in the stack
	vals    *[3]string // the values of X-Request-Id, Server-Timing and Date
	times   inspect.Times
	capture bool          // keep the body's first bytes
	text    string        // those bytes, when one WriteString wrote them all
	body    *bytes.Buffer // or else those bytes, from obs.buffers
	cut     bool          // the body outgrew the capture limit
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && code >= 200 {
		rec.status = code
		rec.headersOut()
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
		rec.headersOut()
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.bytes += int64(n)
	if rec.capture && n > 0 {
		rec.keep(p[:n])
	}
	return n, err
}

// WriteString spares io.WriteString a copy: net/http's own writer takes
// strings as they are.
func (rec *recorder) WriteString(s string) (int, error) {
	sw, ok := rec.ResponseWriter.(io.StringWriter)
	if !ok {
		return rec.Write([]byte(s))
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
		rec.headersOut()
	}
	n, err := sw.WriteString(s)
	rec.bytes += int64(n)
	if rec.capture && n > 0 {
		if rec.bytes == int64(n) && n == len(s) && n <= rec.obs.maxBody {
			rec.text = s[:n] // the whole body so far: strings never change, so no copy
		} else {
			rec.buffer().WriteString(s[:rec.room(n)])
		}
	}
	return n, err
}

// headersOut runs once, as the final status is set: the handler phase ends
// here, so Server-Timing can still go out with the headers. Date goes from
// here too, from the same clock reading, so that net/http need not read
// the clock and format a date for every response.
func (rec *recorder) headersOut() {
	if rec.obs == nil {
		return
	}
	rec.times.Wrote = time.Since(rec.times.Start)
	var buf [96]byte
	rec.vals[1] = string(rec.times.AppendServerTiming(buf[:0]))
	h := rec.Header()
	h["Server-Timing"] = rec.vals[1:2:2]
	if _, ok := h["Date"]; !ok {
		rec.vals[2] = httpDate(rec.times.Start.Add(rec.times.Wrote))
		h["Date"] = rec.vals[2:3:3]
	}
}

// dateText is the Date header of one second.
type dateText struct {
	sec  int64
	text string
}

var lastDate atomic.Pointer[dateText]

// httpDate is t as a Date header (RFC 9110's IMF-fixdate). It is formatted
// once a second: responses in the same second share the text.
func httpDate(t time.Time) string {
	sec := t.Unix()
	if d := lastDate.Load(); d != nil && d.sec == sec {
		return d.text
	}
	d := &dateText{sec, t.UTC().Format(http.TimeFormat)}
	lastDate.Store(d)
	return d.text
}

func (rec *recorder) keep(p []byte) {
	rec.buffer().Write(p[:rec.room(len(p))])
}

// buffer is the capture buffer, taken from the pool on first use; it
// starts with the text kept so far.
func (rec *recorder) buffer() *bytes.Buffer {
	if rec.body == nil {
		rec.body = rec.obs.buffers.Get().(*bytes.Buffer)
		rec.body.WriteString(rec.text)
		rec.text = ""
	}
	return rec.body
}

// captured is the body's first bytes, as kept.
func (rec *recorder) captured() string {
	if rec.body != nil {
		return rec.body.String()
	}
	return rec.text
}

// room is how many of n more bytes the capture keeps; it marks the capture
// cut when that is fewer than n.
func (rec *recorder) room(n int) int {
	left := max(rec.obs.maxBody-rec.buffer().Len(), 0)
	if n > left {
		rec.cut = true
		return left
	}
	return n
}

// markRouted notes that routing is over and a route's handler begins.
func markRouted(w http.ResponseWriter) {
	if rec, ok := w.(*recorder); ok && rec.obs != nil {
		rec.times.Routed = time.Since(rec.times.Start)
	}
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

func record(w http.ResponseWriter) *recorder {
	if rec, ok := w.(*recorder); ok {
		return rec
	}
	return &recorder{ResponseWriter: w}
}

// logRequests writes one access log line per request.
func logRequests(access *accesslog.Log) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if access == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := record(w)
			start := rec.times.Start // observe's clock reading, when it runs outside
			if start.IsZero() {
				start = now()
			}
			defer func() {
				took := time.Since(start)
				if rec.obs != nil {
					rec.times.End = took // one clock reading serves both
				}
				status := rec.status
				if status == 0 {
					status = http.StatusOK // a handler that wrote nothing sends 200
				}
				access.Record(&accesslog.Entry{
					Time:     start.Add(took),
					Method:   r.Method,
					Path:     r.URL.Path,
					Status:   status,
					Bytes:    rec.bytes,
					Duration: took,
					Remote:   r.RemoteAddr,
				})
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// recoverPanics turns a handler panic into a 500 problem and keeps the
// server serving. The stack goes to the log, never to the client.
func recoverPanics(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := record(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.LogAttrs(r.Context(), slog.LevelError, "handler panic",
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.Any("panic", v),
					slog.String("stack", string(debug.Stack())),
				)
				if rec.status != 0 {
					// The response has begun: cut the connection rather than
					// append an error to half a response.
					panic(http.ErrAbortHandler)
				}
				writeProblem(rec, r, newProblem(http.StatusInternalServerError, "The server hit an unexpected error while handling this request."))
			}()
			next.ServeHTTP(rec, r)
		})
	}
}
