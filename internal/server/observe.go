package server

import (
	"bytes"
	"crypto/subtle"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roundtrip/roundtrip/internal/inspect"
)

// reservedPrefix is roundtrip's own corner of the URL space: the inspector
// and the lab page. Requests under it are never captured.
const reservedPrefix = "/_roundtrip/"

// metricsPath is where Prometheus scrapes; scrapes are not captured either,
// so a scraper does not flood the history.
const metricsPath = "/metrics"

// observer is the middleware state that sees every exchange: request ids,
// Server-Timing, metrics and, when the inspector is on, the capture.
type observer struct {
	inspector *inspect.Inspector // nil when the inspector is off
	ids       *inspect.IDs
	metrics   *metrics
	maxBody   int
	buffers   sync.Pool // *bytes.Buffer for body captures
}

func newObserver(in *inspect.Inspector, m *metrics) *observer {
	o := &observer{inspector: in, ids: inspect.NewIDs(), metrics: m}
	if in != nil {
		o.maxBody = in.MaxBody()
	}
	o.buffers.New = func() any { return new(bytes.Buffer) }
	return o
}

// observe wraps the whole stack, outside logging and panic recovery, so it
// sees the response they produce, including a recovered panic's 500.
func (o *observer) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w, obs: o}
		rec.times.Start = now()
		// The read phase is per connection, so only HTTP/1.x, where a
		// connection carries one request at a time, can time it.
		tc, _ := r.Context().Value(connKey{}).(*timedConn)
		if r.ProtoMajor != 1 {
			tc = nil
		}
		if tc != nil {
			rec.times.Read = tc.requestStart()
		}
		id := first(r.Header, "X-Request-Id")
		if !inspect.ValidRequestID(id) {
			id = o.ids.Next()
		}
		rec.vals = new([3]string) // X-Request-Id, Server-Timing and Date, in one allocation
		rec.vals[0] = id
		w.Header()["X-Request-Id"] = rec.vals[0:1:1]

		capture := o.inspector != nil && !strings.HasPrefix(r.URL.Path, reservedPrefix) && r.URL.Path != metricsPath
		var body *teeBody
		if capture {
			rec.capture = o.maxBody > 0 && r.Method != http.MethodHead
			if r.Body != nil && r.Body != http.NoBody {
				// A copy, because net/http inspects the original's Body
				// after the handler to decide how to finish the request.
				body = &teeBody{ReadCloser: r.Body, obs: o}
				r2 := new(http.Request)
				*r2 = *r
				r2.Body = body
				r = r2
			}
		}
		o.metrics.inFlight.Add(1)
		defer func() {
			if rec.times.End == 0 { // logRequests may have read the clock already
				rec.times.End = time.Since(rec.times.Start)
			}
			o.metrics.inFlight.Add(-1)
			status := rec.status
			if status == 0 {
				status = http.StatusOK // a panic that aborted the response before its headers
			}
			route := r.Pattern
			if route == "" {
				route = "/" // ServeMux's own redirects
			}
			o.metrics.observe(route, r.Method, status, rec.times.End)
			if capture {
				o.capture(rec, r, id, route, status, body)
			}
		}()
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.WriteHeader(http.StatusOK) // so an empty 200 carries Server-Timing too
		}
	})
}

// capture turns the finished exchange into an inspect.Exchange and adds it.
func (o *observer) capture(rec *recorder, r *http.Request, id, route string, status int, body *teeBody) {
	h := rec.Header()
	ex := &inspect.Exchange{
		Summary: inspect.Summary{
			Client:    r.RemoteAddr,
			Method:    r.Method,
			URL:       r.RequestURI,
			Path:      r.URL.Path,
			Route:     route,
			Host:      r.Host,
			Proto:     r.Proto,
			Status:    status,
			BytesOut:  rec.bytes,
			RequestID: id,
		},
		Times: rec.times,
	}
	if ex.URL == "" {
		ex.URL = r.URL.RequestURI()
	}
	if r.TLS != nil {
		ex.TLS = tls.VersionName(r.TLS.Version)
	}
	if tp := first(r.Header, "Traceparent"); inspect.ValidTraceparent(tp) {
		ex.Traceparent = tp
	}
	ex.Request.Headers, ex.Response.Headers = r.Header, h
	if body != nil {
		ex.BytesIn = body.n
		size, cut := body.n, body.cut
		if r.ContentLength > size {
			size, cut = r.ContentLength, true // the handler left some unread
		}
		ex.Request.SetBody(bufString(body.buf), size, cut)
		o.release(body.buf)
	}
	ex.Response.SetBody(rec.captured(), rec.bytes, rec.cut)
	o.release(rec.body)
	o.inspector.Add(ex)
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

func (o *observer) release(b *bytes.Buffer) {
	if b == nil || b.Cap() > 2*o.maxBody {
		return
	}
	b.Reset()
	o.buffers.Put(b)
}

// teeBody keeps the first bytes of a request body as the handler reads it.
type teeBody struct {
	io.ReadCloser
	obs *observer
	buf *bytes.Buffer
	n   int64
	cut bool
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if n > 0 && b.obs.maxBody > 0 {
		if b.buf == nil {
			b.buf = b.obs.buffers.Get().(*bytes.Buffer)
		}
		kept := p[:n]
		if room := b.obs.maxBody - b.buf.Len(); len(kept) > room {
			kept, b.cut = kept[:max(room, 0)], true
		}
		b.buf.Write(kept)
	}
	return n, err
}

// access guards the inspector and the metrics: on a non-loopback listen
// they need the bearer token.
type access struct {
	token    string
	required atomic.Bool
}

// guard refuses a request without the token when one is required. The
// token may also come as ?token=, since EventSource and download links
// cannot set headers.
func (a *access) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.required.Load() && !a.allowed(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="roundtrip"`)
			writeProblem(w, r, newProblem(http.StatusUnauthorized,
				"This server listens beyond loopback, so the inspector needs the token printed at start: send Authorization: Bearer TOKEN."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *access) allowed(r *http.Request) bool {
	got := ""
	if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		got = strings.TrimSpace(auth[7:])
	} else if r.Method == http.MethodGet {
		got = r.URL.Query().Get("token")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(a.token)) == 1
}

// Loopback reports whether addr reaches only this machine: a loopback IP,
// or a Unix socket. The unspecified 0.0.0.0 and :: listen everywhere.
func Loopback(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}
