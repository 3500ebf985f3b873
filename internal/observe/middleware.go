package observe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
	"unsafe"

	"github.com/roundtrip/roundtrip/internal/servertiming"
	"github.com/roundtrip/roundtrip/internal/status"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// Observer receives each finished exchange. It runs on the request's
// goroutine after the handler has returned, so it must be quick. ex never
// changes afterwards: an observer may keep it, but must not change it.
type Observer func(ctx context.Context, ex *Exchange)

// Config configures Middleware.
type Config struct {
	Observers []Observer // called in order with every exchange
	MaxBody   int        // body bytes kept per side; 0 keeps none
	Secrets   bool       // keep secret headers (IsSecretHeader) and query parameters (IsSecretParam) as sent

	// Recover, when set, answers a handler's panic that came before the
	// response began; the panic's value is v. A panic after that, or with
	// Recover unset, aborts the connection (http.ErrAbortHandler).
	Recover func(w http.ResponseWriter, r *http.Request, v any)
}

// Middleware observes every exchange through next. Each response gets an
// X-Request-Id (the client's, when well formed) and Server-Timing with the
// server's phases; each finished exchange goes to cfg.Observers.
func Middleware(cfg Config) func(http.Handler) http.Handler {
	ids := NewIDs()
	buffers := &sync.Pool{New: func() any { return new(bytes.Buffer) }}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &recorder{ResponseWriter: w, maxBody: cfg.MaxBody, buffers: buffers}
			t := &rec.ex.Times
			t.Start = time.Now()
			if c := connOf(r.Context()); c != nil {
				if r.ProtoMajor == 1 { // one request at a time: the read is this one's
					t.Read = c.requestStart(t.Start)
				}
				if r.TLS != nil {
					t.TLSStart, t.TLSEnd = c.handshake(t.Start)
				}
			}
			id := first(r.Header, "X-Request-Id")
			if !ValidRequestID(id) {
				id = ids.Next()
			}
			rec.vals[0] = id
			// The server's span: a child of a valid traceparent, or a new
			// trace's root. A few nanoseconds; exporting it is an
			// observer's business (Export).
			tc, _ := trace.Continue(first(r.Header, "Traceparent"))
			rec.ex.TraceID, rec.ex.SpanID, rec.traceFlags = tc.TraceID, tc.SpanID, tc.Flags
			w.Header()["X-Request-Id"] = rec.vals[0:1:1]
			rec.head = r.Method == http.MethodHead
			rec.reqHeader = r.Header
			rec.capture = cfg.MaxBody > 0 && !rec.head
			if r.Body != nil && r.Body != http.NoBody {
				// It counts the body's bytes even when it keeps none. A
				// copy of r, because net/http inspects the original's Body
				// after the handler to decide how to finish the request.
				rec.tee = &teeBody{ReadCloser: r.Body, rec: rec}
				r2 := new(http.Request)
				*r2 = *r
				r2.Body = rec.tee
				r = r2
			}
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler || cfg.Recover == nil || rec.status != 0 {
						rec.finish(r, &cfg)
						panic(http.ErrAbortHandler) // half a response is worse than none
					}
					cfg.Recover(rec, r, v)
				}
				rec.finish(r, &cfg)
			}()
			next.ServeHTTP(rec, r)
			if rec.status == 0 && !rec.hijacked && r.Context().Err() == nil {
				rec.WriteHeader(http.StatusOK) // so an empty 200 carries Server-Timing too
			}
		})
	}
}

// Trace is the server's span of the exchange being served on w, with the
// trace's flags; zero outside the middleware. A proxy's upstream leg is its
// child.
func Trace(w http.ResponseWriter) trace.Context {
	if rec := recorderOf(w); rec != nil {
		return trace.Context{TraceID: rec.ex.TraceID, SpanID: rec.ex.SpanID, Flags: rec.traceFlags}
	}
	return trace.Context{}
}

// RequestID is the id of the exchange being served on w, "" outside the
// middleware: a proxy hands it on to the app.
func RequestID(w http.ResponseWriter) string {
	if rec := recorderOf(w); rec != nil {
		return rec.vals[0]
	}
	return ""
}

// Routed notes that routing is over and a route's handler begins: the end
// of the route phase. Routers call it.
func Routed(w http.ResponseWriter) {
	if rec := recorderOf(w); rec != nil {
		rec.ex.Times.Routed = time.Since(rec.ex.Times.Start)
	}
}

// Uncaptured marks h's exchanges as roundtrip's own (Exchange.Internal):
// their bodies are not kept, and the inspector leaves them out.
func Uncaptured(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec := recorderOf(w); rec != nil {
			rec.ex.Internal = true
			rec.capture = false
			if rec.tee != nil {
				rec.tee.rec = nil
			}
		}
		h.ServeHTTP(w, r)
	})
}

// recorderOf finds the middleware's recorder under w, through any
// wrappers that unwrap as http.ResponseController expects.
func recorderOf(w http.ResponseWriter) *recorder {
	for {
		switch v := w.(type) {
		case *recorder:
			return v
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return nil
		}
	}
}

// recorder is the ResponseWriter the handler writes to: it notes the
// status and size, stamps Server-Timing on the headers as they leave, and
// keeps the first bytes of the body. It holds the exchange's record, so
// one allocation serves both.
type recorder struct {
	http.ResponseWriter
	ex       Exchange
	vals     [2]string // the values of X-Request-Id and Server-Timing
	status   int       // the final status written, 0 before
	bytes    int64     // body bytes written
	werr     bool      // a write failed: the client is gone
	head     bool      // a HEAD request: net/http sends no body
	hijacked bool      // the handler took the connection (Hijack)
	maxBody  int
	// traceFlags are the trace's flags, for Server-Timing's traceparent.
	traceFlags byte

	reqHeader http.Header   // the request's, for Hijack to find its Upgrade
	switched  *switchedConn // the connection Hijack returned after a protocol switch, or nil
	events    *events       // a text/event-stream body's events, or nil
	sentHead  http.Header   // the head as sent, when trailers may change the map after it

	capture bool          // keep the body's first bytes
	text    string        // those bytes, when one WriteString wrote them all
	body    *bytes.Buffer // or else those bytes, from buffers
	cut     bool          // the body outgrew maxBody
	buffers *sync.Pool
	tee     *teeBody // the request body's capture, or nil
}

func (rec *recorder) WriteHeader(code int) {
	// 1xx answers are interim, but for 101: the connection switches
	// protocols (a WebSocket through the proxy), and that is the answer.
	if rec.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		rec.status = code
		rec.headersOut()
		if _, ok := rec.Header()["Trailer"]; ok {
			// The handler will set its trailers in the same map, over the
			// head's values of the same name (a Server-Timing): the
			// record keeps the head as it went out. Rare, so the copy is
			// only made here.
			rec.sentHead = rec.Header().Clone()
		}
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.wrote(n, err)
	if rec.capture && n > 0 {
		rec.buffer().Write(p[:rec.room(n)])
	}
	if rec.events != nil && n > 0 {
		rec.events.feed(p[:n])
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
		rec.WriteHeader(http.StatusOK)
	}
	n, err := sw.WriteString(s)
	rec.wrote(n, err)
	if rec.capture && n > 0 {
		if rec.bytes == int64(n) && n == len(s) && n <= rec.maxBody {
			rec.text = s // the whole body so far: strings never change, so no copy
		} else {
			rec.buffer().WriteString(s[:rec.room(n)])
		}
	}
	if rec.events != nil && n > 0 {
		// The parser reads its bytes and keeps none of them: a view of s
		// spares a copy of every write.
		rec.events.feed(unsafe.Slice(unsafe.StringData(s), n))
	}
	return n, err
}

func (rec *recorder) wrote(n int, err error) {
	if err != nil && err != http.ErrBodyNotAllowed {
		rec.werr = true
	}
	if !rec.head { // net/http accepts a HEAD's body and sends none of it
		rec.bytes += int64(n)
	}
}

// Flush sends what is buffered, headers first, for handlers that assert
// http.Flusher rather than use http.ResponseController.
func (rec *recorder) Flush() {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	if f, ok := rec.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach deadlines, Hijack and the
// rest of what the writer underneath offers.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// Hijack notes that the handler took the connection, as a proxy does for
// a protocol switch, whose 101 it writes itself, past the recorder. For a
// request that asked for a switch (Upgrade), the connection it returns
// counts what crosses it, for the record's Upgrade; a CONNECT's tunnel is
// not a switch, and its handler counts its own bytes.
func (rec *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(rec.ResponseWriter).Hijack()
	if err != nil {
		return c, rw, err
	}
	rec.hijacked = true
	if p := first(rec.reqHeader, "Upgrade"); p != "" {
		sc := newSwitchedConn(c, p, keepLimit(rec.capture, rec.maxBody), rec.ex.Times.Start)
		// The ReadWriter's reader may hold the client's first bytes after
		// the request, read ahead by net/http: they and the rest are read
		// through the counted connection, whichever a handler reads from
		// (coder/websocket reads the reader). Its writer stays on the raw
		// connection: a handler may write the 101's head there (as
		// httputil.ReverseProxy does), which is no frame to count.
		if n := rw.Reader.Buffered(); n > 0 {
			b, _ := rw.Reader.Peek(n)
			sc.ahead = bytes.Clone(b)
		}
		rec.switched = sc
		return sc, bufio.NewReadWriter(bufio.NewReader(sc), rw.Writer), nil
	}
	return c, rw, nil
}

// headersOut runs once, as the final status is set: the handler phase ends
// here, so Server-Timing can still go out with the headers.
func (rec *recorder) headersOut() {
	t := &rec.ex.Times
	t.Wrote = time.Since(t.Start)
	var ms [3]servertiming.Metric
	m := ms[:0]
	if !t.Read.IsZero() {
		m = append(m, servertiming.Metric{Name: "read", Dur: t.Start.Sub(t.Read)})
	}
	routed := max(t.Routed, 0)
	m = append(m, servertiming.Metric{Name: "route", Dur: routed}, servertiming.Metric{Name: "handler", Dur: t.Wrote - routed})
	var buf [176]byte
	b := servertiming.Append(buf[:0], m...)
	b = servertiming.AppendTraceparent(b, trace.Context{TraceID: rec.ex.TraceID, SpanID: rec.ex.SpanID, Flags: rec.traceFlags})
	rec.vals[1] = string(b)
	h := rec.Header()
	if !rec.head && !rec.ex.Internal && rec.status != http.StatusSwitchingProtocols && isEventStream(first(h, "Content-Type"), first(h, "Content-Encoding")) {
		rec.events = newEvents(keepLimit(rec.capture, rec.maxBody), t.Start)
	}
	if _, ok := h["X-Request-Id"]; !ok {
		// Set at the start, and cleared by a handler that clears the map
		// after a 1xx, as httputil.ReverseProxy does.
		h["X-Request-Id"] = rec.vals[0:1:1]
	}
	if app := h["Server-Timing"]; len(app) > 0 {
		// A proxy's: the app's own metrics first, then the proxy's.
		h["Server-Timing"] = append(app[:len(app):len(app)], rec.vals[1])
		return
	}
	h["Server-Timing"] = rec.vals[1:2:2]
}

// buffer is the capture buffer, taken from the pool on first use; it
// starts with the text kept so far.
func (rec *recorder) buffer() *bytes.Buffer {
	if rec.body == nil {
		rec.body = rec.buffers.Get().(*bytes.Buffer)
		rec.body.WriteString(rec.text)
		rec.text = ""
	}
	return rec.body
}

// room is how many of n more bytes the capture keeps; it marks the capture
// cut when that is fewer than n.
func (rec *recorder) room(n int) int {
	left := max(rec.maxBody-rec.buffer().Len(), 0)
	if n > left {
		rec.cut = true
		return left
	}
	return n
}

// finish completes the record and hands it to the observers.
func (rec *recorder) finish(r *http.Request, cfg *Config) {
	ex := &rec.ex
	ex.Times.End = time.Since(ex.Times.Start)
	ex.Status = rec.status
	// A client that left before any answer is what nginx logs as 499. One
	// that left while the answer went out keeps its status.
	ex.ClientGone = rec.werr || rec.status == 0 && r.Context().Err() != nil
	if rec.status == 0 && ex.ClientGone {
		ex.Status = status.ClientClosedRequest
	}
	if rec.status == 0 && rec.hijacked {
		ex.Status, ex.ClientGone = http.StatusSwitchingProtocols, false // written on the connection taken
		if up := ex.Upstream; up != nil && up.Status != 0 {
			ex.Status = up.Status
		}
	}
	ex.Client = r.RemoteAddr
	ex.Method = r.Method
	ex.URL = r.RequestURI
	if ex.URL == "" {
		ex.URL = r.URL.RequestURI()
	}
	if !cfg.Secrets {
		ex.URL = RedactURL(ex.URL)
	}
	ex.Path = r.URL.Path
	ex.Route = r.Pattern
	if ex.Route == "" {
		ex.Route = "/" // ServeMux's own redirects
	}
	ex.Host = r.Host
	ex.Proto = r.Proto
	if r.TLS != nil {
		ex.TLS = tls.VersionName(r.TLS.Version)
	}
	ex.BytesOut = rec.bytes
	if c := rec.switched; c != nil {
		// The handler has returned: a proxy's copying is over, but for
		// bytes its last reads and writes may still move as the
		// connection closes, which the record, finished here, leaves out.
		ex.Upgrade = c.snapshot()
	}
	if e := rec.events; e != nil {
		ex.Stream = e.snapshot(rec.bytes)
	}
	ex.RequestID = rec.vals[0]
	if tp := first(r.Header, "Traceparent"); trace.Valid(tp) {
		ex.Traceparent = tp
	}
	ex.Request.Headers, ex.Response.Headers = r.Header, rec.Header()
	if rec.sentHead != nil {
		ex.Response.Headers = rec.sentHead
	}
	reqSize, reqSecret := scan(ex.Request.Headers)
	resSize, resSecret := scan(ex.Response.Headers)
	if reqSecret && !cfg.Secrets {
		ex.Request.Headers = Redact(ex.Request.Headers)
	}
	if resSecret && !cfg.Secrets {
		ex.Response.Headers = Redact(ex.Response.Headers)
	}
	if b := rec.tee; b != nil {
		ex.BytesIn = b.n
		size, cut := b.n, b.cut
		if r.ContentLength > size {
			size, cut = r.ContentLength, true // the handler left some unread
		}
		if !ex.Internal {
			ex.Request.SetBody(bufString(b.buf), size, cut)
		}
		rec.release(b.buf)
	}
	if !ex.Internal {
		text := rec.text
		if rec.body != nil {
			text = rec.body.String()
		}
		ex.Response.SetBody(text, rec.bytes, rec.cut)
	}
	rec.release(rec.body)
	ex.size = ex.sizeWith(reqSize + resSize)
	// The record is finished: observers may keep it, so the recorder lets
	// go of what only the response needed.
	rec.ResponseWriter, rec.tee, rec.body, rec.buffers = nil, nil, nil, nil
	rec.reqHeader, rec.switched, rec.events, rec.sentHead = nil, nil, nil, nil
	for _, o := range cfg.Observers {
		o(r.Context(), ex)
	}
}

func (rec *recorder) release(b *bytes.Buffer) {
	if b == nil || b.Cap() > 2*rec.maxBody {
		return
	}
	b.Reset()
	rec.buffers.Put(b)
}

// teeBody keeps the first bytes of a request body as the handler reads it.
type teeBody struct {
	io.ReadCloser
	rec *recorder // nil once the exchange is uncaptured
	buf *bytes.Buffer
	n   int64
	cut bool
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if n > 0 && b.rec != nil && b.rec.maxBody > 0 {
		if b.buf == nil {
			b.buf = b.rec.buffers.Get().(*bytes.Buffer)
		}
		kept := p[:n]
		if room := b.rec.maxBody - b.buf.Len(); len(kept) > room {
			kept, b.cut = kept[:max(room, 0)], true
		}
		b.buf.Write(kept)
	}
	return n, err
}

// first is h.Get for a key already in canonical form, which spares the
// check that Get makes on every call.
func first(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func bufString(b *bytes.Buffer) string {
	if b == nil {
		return ""
	}
	return b.String()
}
