package httpbin

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	randv2 "math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

// Dynamic data: bodies made to order, in size, pace and encoding.

const octets = "application/octet-stream"

// randomBytes reads the bytes of a seeded generator, eight at a time, so
// that a body is the same whatever the sizes it is read in.
type randomBytes struct {
	rng  *randv2.Rand
	buf  [8]byte
	left int // unread bytes at the end of buf
}

func (rb *randomBytes) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if rb.left == 0 {
			binary.LittleEndian.PutUint64(rb.buf[:], rb.rng.Uint64())
			rb.left = len(rb.buf)
		}
		c := copy(p[n:], rb.buf[len(rb.buf)-rb.left:])
		rb.left -= c
		n += c
	}
	return n, nil
}

// Bytes answers /bytes/{n}?seed=: n random bytes, the same ones for the
// same seed.
func (b *Bin) Bytes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, p := parseCount("n", r.PathValue("n"), MaxBytes)
		rng, rp := random(r)
		if p = cmp.Or(p, rp); p != nil { // the first problem
			problem.Write(w, r, p)
			return
		}
		body := make([]byte, n)
		_, _ = (&randomBytes{rng: rng}).Read(body)
		writeDoc(w, octets, body)
	})
}

// maxChunks bounds /stream-bytes' chunks, each a write and a flush: a
// mebibyte a byte at a time would keep a core busy for seconds.
const maxChunks = 1 << 16

// StreamBytes answers /stream-bytes/{n}?chunk_size=&seed=: the bytes of
// /bytes/{n}, chunked, each chunk of chunk_size bytes (10 KiB unless
// asked) flushed as it is made.
func (b *Bin) StreamBytes() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, p := parseCount("n", r.PathValue("n"), MaxBytes)
		chunk := 10 << 10
		if raw := r.URL.Query().Get("chunk_size"); raw != "" && p == nil {
			chunk, p = parseCount("chunk_size", raw, MaxBytes)
			least := max(1, (n+maxChunks-1)/maxChunks)
			if p == nil && chunk < least {
				p = badParam("chunk_size", raw, fmt.Sprintf("use a whole number from %d to %d: %d bytes go in at most %d chunks", least, MaxBytes, n, maxChunks))
			}
		}
		rng, rp := random(r)
		if p = cmp.Or(p, rp); p != nil { // the first problem
			problem.Write(w, r, p)
			return
		}
		w.Header().Set("Content-Type", octets)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if n == 0 {
			w.Header().Set("Content-Length", "0")
		}
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodHead {
			return
		}
		rc := http.NewResponseController(w)
		src := &randomBytes{rng: rng}
		buf := make([]byte, min(chunk, n))
		for left := n; left > 0; left -= len(buf) {
			buf = buf[:min(len(buf), left)]
			_, _ = src.Read(buf)
			if !writeFlushed(w, rc, buf) {
				return // the client left
			}
		}
	})
}

// streamLine is one line of /stream and /jsonl: go-httpbin's description
// of the request, without the method, and the line's number.
type streamLine struct {
	ID      int         `json:"id"`
	Args    url.Values  `json:"args"`
	Headers http.Header `json:"headers"`
	Origin  string      `json:"origin"`
	URL     string      `json:"url"`
}

// streamLines writes n lines of the request described as JSON, each
// flushed, waiting pause() before each line after the first.
func (b *Bin) streamLines(w http.ResponseWriter, r *http.Request, n int, pause func() time.Duration) {
	d := b.describe(r)
	line := streamLine{Args: d.Args, Headers: d.Headers, Origin: d.Origin, URL: d.URL}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	bw := httpjson.Begin(w, http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // served as JSON with nosniff, never as HTML
	for i := range n {
		if i > 0 && !sleep(r, pause()) {
			return // the client left
		}
		line.ID = i
		_ = enc.Encode(line) // to a buffer: a write error shows at Flush
		if bw.Flush() != nil || rc.Flush() != nil {
			return
		}
	}
}

// Stream answers /stream/{n}: n lines of JSON, each the request described
// and its "id", each flushed as it is written.
func (b *Bin) Stream() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, p := parseCount("n", r.PathValue("n"), MaxCount)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		b.streamLines(w, r, n, func() time.Duration { return 0 })
	})
}

// letters is /range's body: size bytes "abc…z" over and over, made as they
// are read, so that any range of it costs only its own length. Reads return
// at most chunk bytes (no limit when 0), each after perByte for each byte.
type letters struct {
	r         *http.Request
	size, off int64
	chunk     int64
	perByte   time.Duration
}

func (l *letters) Read(p []byte) (int, error) {
	if l.off >= l.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), l.size-l.off)
	if l.chunk > 0 {
		n = min(n, l.chunk)
	}
	if !sleep(l.r, l.perByte*time.Duration(n)) {
		return 0, l.r.Context().Err() // the client left
	}
	for i := range n {
		p[i] = 'a' + byte((l.off+i)%26)
	}
	l.off += n
	return int(n), nil
}

func (l *letters) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += l.off
	case io.SeekEnd:
		offset += l.size
	default:
		return 0, errors.New("seek: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative offset")
	}
	l.off = offset
	return offset, nil
}

// rangeWriter is what http.ServeContent writes /range's answer to: its
// failures (412, 416) go out as problems, and when the body is paced each
// write is flushed, so that the pace shows.
type rangeWriter struct {
	http.ResponseWriter
	r      *http.Request
	n      int64
	flush  bool
	failed bool
}

func (rw *rangeWriter) WriteHeader(code int) {
	if code < 400 {
		rw.ResponseWriter.WriteHeader(code)
		return
	}
	rw.failed = true
	var p *problem.Details
	switch code {
	case http.StatusRequestedRangeNotSatisfiable:
		// RFC 9110 §15.5.17: the length, which ServeContent leaves out when
		// the ranges do not parse.
		rw.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(rw.n, 10))
		p = problem.New(code, "Range: %s is not satisfiable: /range/%d has bytes 0 to %d.", rw.r.Header.Get("Range"), rw.n, rw.n-1)
	case http.StatusPreconditionFailed:
		p = problem.New(code, "The request's precondition (If-Match or If-Unmodified-Since) does not hold for /range/%d.", rw.n)
	default:
		p = problem.New(code, "The range could not be served.")
	}
	problem.Write(rw.ResponseWriter, rw.r, p)
}

func (rw *rangeWriter) Write(b []byte) (int, error) {
	if rw.failed {
		return len(b), nil // http.ServeContent's plain-text error, replaced by the problem
	}
	n, err := rw.ResponseWriter.Write(b)
	if err == nil && rw.flush {
		err = http.NewResponseController(rw.ResponseWriter).Flush()
	}
	return n, err
}

// Range answers /range/{n}?duration=&chunk_size= with n bytes of "abc…z"
// and RFC 9110 range requests on them, by http.ServeContent: a single
// range gets a 206 with Content-Range, several a multipart/byteranges 206,
// a range past the end a 416 with "Content-Range: bytes */n"; If-Range,
// If-Match and If-None-Match take the strong ETag "range{n}". duration
// spreads the body's bytes over that time, chunk_size at a time, or more
// when the chunks would come less than minPause apart.
func (b *Bin) Range() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("n")
		n, p := parsePositive("n", raw, MaxBytes)
		q := r.URL.Query()
		var duration time.Duration
		if raw := q.Get("duration"); raw != "" && p == nil {
			duration, p = parseDuration("duration", raw)
		}
		var chunk int
		if raw := q.Get("chunk_size"); raw != "" && p == nil {
			chunk, p = parsePositive("chunk_size", raw, MaxBytes)
		}
		h := w.Header()
		h.Set("Accept-Ranges", "bytes")
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		h.Set("ETag", `"range`+strconv.Itoa(n)+`"`)
		h.Set("Content-Type", textType)
		h.Set("X-Content-Type-Options", "nosniff")
		perByte := duration / time.Duration(n)
		if perByte > 0 && chunk > 0 {
			chunk = max(chunk, int((minPause+perByte-1)/perByte))
		}
		body := &letters{r: r, size: int64(n), chunk: int64(chunk), perByte: perByte}
		r = byteRanges(r)
		http.ServeContent(&rangeWriter{ResponseWriter: w, r: r, n: int64(n), flush: perByte > 0}, r, "", time.Time{}, body)
	})
}

// byteRanges is r as http.ServeContent should see it: its Range ignored
// unless a GET's, in bytes (RFC 9110 §14.2), and the unit, which is
// case-insensitive, lower-cased.
func byteRanges(r *http.Request) *http.Request {
	rg := r.Header.Get("Range")
	if rg == "" {
		return r
	}
	r = r.Clone(r.Context()) // the inspector keeps the request as sent
	unit, _, _ := strings.Cut(rg, "=")
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead, !strings.EqualFold(unit, "bytes"):
		r.Header.Del("Range")
	default:
		r.Header.Set("Range", "bytes"+rg[len(unit):])
	}
	return r
}

// minPause is the shortest pause between two paced writes, of /drip or
// /range: a pace faster than that writes several bytes at a time, on the
// same schedule, rather than wake the handler a thousand times a second.
const minPause = 5 * time.Millisecond

// Drip answers /drip?numbytes=&duration=&delay=&code=: after delay, a
// status of code (200 unless asked) and numbytes asterisks (10 unless
// asked) spread over duration (2s and 2s unless asked), with Content-Length
// as go-httpbin sends it. delay and duration together take at most
// MaxDuration, so that a drip ends well inside the server's write timeout.
func (b *Bin) Drip() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		duration, delay, n, code := 2*time.Second, 2*time.Second, 10, http.StatusOK
		var p *problem.Details
		if raw := q.Get("duration"); raw != "" {
			duration, p = parseDuration("duration", raw)
		}
		if raw := q.Get("delay"); raw != "" && p == nil {
			delay, p = parseDuration("delay", raw)
		}
		if raw := q.Get("numbytes"); raw != "" && p == nil {
			n, p = parsePositive("numbytes", raw, MaxBytes)
		}
		if raw := q.Get("code"); raw != "" && p == nil {
			var err error
			code, err = strconv.Atoi(raw)
			if err != nil || code < 100 || code > 599 || code == http.StatusSwitchingProtocols {
				p = badParam("code", raw, "use a status from 100 to 599 other than 101, which only answers an Upgrade")
			}
		}
		if p == nil && duration+delay > MaxDuration {
			p = tooLong(duration, delay)
		}
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		if !sleep(r, delay) {
			return // the client left
		}
		if code < 200 {
			// An interim answer, as /status sends one, but never to an
			// HTTP/1.0 client (RFC 9110 §15.2); the drip is the final 200.
			if r.ProtoAtLeast(1, 1) {
				w.WriteHeader(code)
			}
			code = http.StatusOK
		}
		writes := 1
		if duration > 0 {
			writes = min(n, int(duration/minPause)+1)
		}
		pause := pausePerWrite(duration, writes)
		pacedTiming(w, delay+duration, delay, duration, pause)
		h := w.Header()
		h.Set("Content-Type", textType)
		h.Set("X-Content-Type-Options", "nosniff")
		bodiless := noContent(code)
		if !bodiless {
			h.Set("Content-Length", strconv.Itoa(n))
		}
		w.WriteHeader(code)
		if bodiless || r.Method == http.MethodHead {
			return
		}
		rc := http.NewResponseController(w)
		stars := bytes.Repeat([]byte{'*'}, (n+writes-1)/writes)
		start, sent := time.Now(), 0
		for k := range writes {
			// Write k ends at byte n*(k+1)/writes, at start + k*pause.
			if k > 0 && !sleep(r, time.Until(start.Add(time.Duration(k)*pause))) {
				return // the client left
			}
			end := int(int64(n) * int64(k+1) / int64(writes))
			if !writeFlushed(w, rc, stars[:end-sent]) {
				return // the client left
			}
			sent = end
		}
	})
}

// delayed is /delay's answer: the request described, as go-httpbin sends
// it, and the wait, as roundtrip's /delay always has.
type delayed struct {
	bodyRequest
	Message string  `json:"message"`
	Seconds float64 `json:"seconds"`
}

// Delay answers /delay/{seconds} after that wait: seconds ("1.5") or a Go
// duration ("1500ms") up to MaxDuration.
func (b *Bin) Delay() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, p := parseDuration("seconds", r.PathValue("seconds"))
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		// The body is read, and described, before the wait: as go-httpbin,
		// /delay describes the request whole.
		desc, p := b.describeBody(w, r)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		if !sleep(r, d) {
			return // the client left; nobody is waiting for an answer
		}
		serverTiming(w, servertiming.Metric{Name: "initial_delay", Dur: d, Desc: "initial delay"})
		s := d.Seconds()
		httpjson.Write(w, http.StatusOK, delayed{bodyRequest: desc, Message: fmt.Sprintf("Waited %gs.", s), Seconds: s})
	})
}

// Links answers /links/{n}/{offset} with an HTML page of n links to the
// pages of the same set, the one at offset unlinked; /links/{n} redirects
// to /links/{n}/0.
func (b *Bin) Links() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, p := parseCount("n", r.PathValue("n"), MaxLinks)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		rawOffset := r.PathValue("offset")
		if rawOffset == "" {
			loc := "/links/" + strconv.Itoa(n) + "/0"
			if r.URL.RawQuery != "" {
				loc += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", loc)
			w.WriteHeader(http.StatusFound)
			return
		}
		offset, err := strconv.Atoi(rawOffset)
		if err != nil {
			problem.Write(w, r, badParam("offset", rawOffset, "use a whole number"))
			return
		}
		var page strings.Builder
		page.WriteString("<html><head><title>Links</title></head><body>")
		for i := range n {
			if i == offset {
				fmt.Fprintf(&page, "%d ", i)
			} else {
				fmt.Fprintf(&page, `<a href="/links/%d/%d">%d</a> `, n, i, i)
			}
		}
		page.WriteString("</body></html>")
		writeDoc(w, htmlType, []byte(page.String()))
	})
}

// Base64 answers /base64/{data} and /base64/{operation}/{data}: data
// decoded (from the URL-safe alphabet, or else the standard one) or
// encoded (to the URL-safe one), as text/plain unless ?content-type= says
// otherwise. Decoded data is the client's own, so this origin never serves
// it as something that runs: a type that could render as a page gets the
// body HTML-escaped and sandboxed, as go-httpbin escapes it, and a script
// or style type is refused.
func (b *Bin) Base64() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, data := r.PathValue("operation"), r.PathValue("data")
		if op == "" {
			op = "decode"
		}
		if len(data) > MaxBytes {
			problem.Write(w, r, badParam("data", shorten(data), "use at most "+strconv.Itoa(MaxBytes)+" bytes"))
			return
		}
		var out []byte
		switch op {
		case "encode":
			out = []byte(base64.URLEncoding.EncodeToString([]byte(data)))
		case "decode":
			var err error
			if out, err = base64.URLEncoding.DecodeString(data); err != nil {
				if out, err = base64.StdEncoding.DecodeString(data); err != nil {
					problem.Write(w, r, badParam("data", shorten(data), "base64 decode failed: use base64, URL-safe or standard, padded"))
					return
				}
			}
		default:
			problem.Write(w, r, badParam("operation", op, "use encode or decode"))
			return
		}
		ctype := textType
		if raw := r.URL.Query().Get("content-type"); raw != "" {
			var isInert bool
			var p *problem.Details
			if ctype, isInert, p = servedType(raw, "use a media type such as text/plain", "the data"); p != nil {
				problem.Write(w, r, p)
				return
			}
			if !isInert {
				out = []byte(html.EscapeString(string(out)))
				w.Header().Set("Content-Security-Policy", sandboxCSP)
			}
		}
		writeDoc(w, ctype, out)
	})
}

// servedType reads the content-type= of content the client wrote, for
// /base64 and /respond: the type as it goes out, and whether it is inert.
// What is not a media type gets a 400 saying want; a runnable type, one
// saying that it would run what (the data, the body) as code.
func servedType(raw, want, what string) (ctype string, isInert bool, p *problem.Details) {
	mt, params, err := mime.ParseMediaType(raw)
	if err != nil || !strings.Contains(mt, "/") {
		return "", false, badParam("content-type", raw, want)
	}
	if runnable(mt) {
		return "", false, badParam("content-type", raw, "a script or style type would run "+what+" as code from this origin; use text/plain")
	}
	return mime.FormatMediaType(mt, params), inert[mt], nil
}

// sandboxCSP is the Content-Security-Policy of content the client wrote
// in a type that is not inert: no script runs, and the page has no origin.
const sandboxCSP = "default-src 'none'; sandbox"

// inert are the types a browser never renders as a document, which /base64
// and /respond serve as the client wrote them and /response-headers
// reflects unescaped: go-httpbin's list (with its "octet-string") and the
// type it meant.
var inert = map[string]bool{
	"text/plain":               true,
	"application/json":         true,
	"application/octet-stream": true,
	"application/octet-string": true,
}

// runnable reports whether a browser would run a body of media type mt
// (lower case) from this origin as a script, a worker or a style sheet,
// which escaping does not defuse: WHATWG MIME Sniffing's JavaScript types,
// CSS and WebAssembly.
func runnable(mt string) bool {
	switch mt {
	case "text/css", "application/wasm", "application/ecmascript", "application/javascript", "application/x-ecmascript",
		"application/x-javascript", "text/ecmascript", "text/javascript", "text/jscript", "text/livescript",
		"text/x-ecmascript", "text/x-javascript":
		return true
	}
	return strings.HasPrefix(mt, "text/javascript1.")
}

// shorten cuts a long parameter for quoting in a problem.
func shorten(s string) string {
	const most = 64
	if len(s) <= most {
		return s
	}
	return s[:most] + "…"
}

// UUID answers /uuid with a random version 4 UUID (RFC 9562).
func (b *Bin) UUID() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u [16]byte
		_, _ = rand.Read(u[:]) // never fails (crypto/rand)
		u[6] = u[6]&0x0f | 0x40
		u[8] = u[8]&0x3f | 0x80
		httpjson.Write(w, http.StatusOK, struct {
			UUID string `json:"uuid"`
		}{fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])})
	})
}
