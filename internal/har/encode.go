package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// Writer writes a HAR document to an io.Writer one entry at a time, each
// as one write of one line: an export holds one entry in memory, however
// many it writes.
type Writer struct {
	w      io.Writer
	e      encoder
	head   []byte // the document up to its first entry
	tail   []byte // the document after its last entry
	n      int    // entries written
	err    error  // the first write error, or a bad head
	closed bool
}

// NewWriter returns a Writer of the document whose log is l but for its
// entries, which are left to Entry and RawEntry. Nothing is written
// before the first of those, or Close.
func NewWriter(w io.Writer, l *Log) *Writer {
	head := *l
	head.Entries = nil
	var e encoder
	e.b = append(e.b, `{"log":`...)
	split := head.encode(&e)
	wr := &Writer{w: w, err: e.err}
	wr.head = append(e.b[:split:split], '\n')
	wr.tail = append(slices.Clone(e.b[split:]), "}\n"...)
	return wr
}

var errClosed = errors.New("har: writer closed")

// Entry writes e. An entry that cannot be encoded (a time that is NaN)
// is an error, and nothing is written; an error writing is kept, and
// given by every later call.
func (w *Writer) Entry(e *Entry) error {
	if err := w.begin(); err != nil {
		return err
	}
	e.encode(&w.e)
	if w.e.err != nil {
		return w.e.err
	}
	return w.write()
}

// RawEntry writes an entry already encoded, such as one kept as it was
// imported. It must be a JSON object; it is written compacted, and not
// checked against the spec.
func (w *Writer) RawEntry(raw []byte) error {
	if err := w.begin(); err != nil {
		return err
	}
	start := len(w.e.b)
	buf := bytes.NewBuffer(w.e.b)
	if err := json.Compact(buf, raw); err != nil {
		return fmt.Errorf("har: raw entry: %w", err)
	}
	if w.e.b = buf.Bytes(); w.e.b[start] != '{' {
		return errors.New("har: raw entry is not a JSON object")
	}
	return w.write()
}

// begin starts an entry in w's buffer: the document's head before the
// first, a comma before the others.
func (w *Writer) begin() error {
	switch {
	case w.closed:
		return errClosed
	case w.err != nil:
		return w.err
	}
	w.e.b, w.e.err = w.e.b[:0], nil
	if w.n == 0 {
		w.e.b = append(w.e.b, w.head...)
	} else {
		w.e.b = append(w.e.b, ',')
	}
	return nil
}

func (w *Writer) write() error {
	w.e.b = append(w.e.b, '\n')
	if _, err := w.w.Write(w.e.b); err != nil {
		w.err = err
		return err
	}
	w.n++
	if cap(w.e.b) > 1<<20 {
		w.e.b = nil // one huge entry need not stay in memory for the rest
	}
	return nil
}

// Close writes the end of the document, and its head if no entry was
// written. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	out := w.tail
	if w.n == 0 {
		out = append(slices.Clip(w.head), w.tail...)
	}
	if _, err := w.w.Write(out); err != nil {
		w.err = err
	}
	return w.err
}

// Encode writes the document whose log is l.
func Encode(w io.Writer, l *Log) error {
	wr := NewWriter(w, l)
	for i := range l.Entries {
		if err := wr.Entry(&l.Entries[i]); err != nil {
			return err
		}
	}
	return wr.Close()
}

// MarshalJSON is the log object, entries and all.
func (l *Log) MarshalJSON() ([]byte, error) {
	var e encoder
	l.encode(&e)
	return e.b, e.err
}

// MarshalJSON is the entry as Writer writes it.
func (en *Entry) MarshalJSON() ([]byte, error) {
	var e encoder
	en.encode(&e)
	return e.b, e.err
}

// encoder appends JSON to b, as encoding/json writes it with HTML
// escaping off; it is written by hand so that an entry's fields come in
// the spec's order, its Extra after them, without reflection.
type encoder struct {
	b   []byte
	err error
}

// object is one JSON object being written, with the names written so
// far, which its Extra must not repeat.
type object struct {
	e     *encoder
	n     int
	names [12]string
}

func (e *encoder) object() object {
	e.b = append(e.b, '{')
	return object{e: e}
}

func (o *object) key(k string) {
	if o.n > 0 {
		o.e.b = append(o.e.b, ',')
	}
	if o.n < len(o.names) {
		o.names[o.n] = k
	}
	o.n++
	o.e.b = observe.AppendString(o.e.b, k)
	o.e.b = append(o.e.b, ':')
}

func (o *object) has(k string) bool {
	return slices.Contains(o.names[:min(o.n, len(o.names))], k)
}

func (o *object) str(k, v string) {
	o.key(k)
	o.e.b = observe.AppendString(o.e.b, v)
}

func (o *object) optStr(k string, v *string) {
	if v != nil {
		o.str(k, *v)
	}
}

func (o *object) num(k string, f float64) {
	o.key(k)
	o.e.float(k, f)
}

func (o *object) optNum(k string, f *float64) {
	if f != nil {
		o.num(k, *f)
	}
}

func (o *object) int(k string, n int64) {
	o.key(k)
	o.e.b = strconv.AppendInt(o.e.b, n, 10)
}

func (o *object) optInt(k string, n *int64) {
	if n != nil {
		o.int(k, *n)
	}
}

func (o *object) optBool(k string, v *bool) {
	if v != nil {
		o.key(k)
		o.e.b = strconv.AppendBool(o.e.b, *v)
	}
}

// end writes x's members the object has not written, by name, and
// closes it.
func (o *object) end(x Extra) {
	if len(x) > 0 {
		names := make([]string, 0, len(x))
		for k := range x {
			if !o.has(k) {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		for _, k := range names {
			o.key(k)
			o.e.raw(k, x[k])
		}
	}
	o.e.b = append(o.e.b, '}')
}

func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// raw appends the member k's value v, compacted.
func (e *encoder) raw(k string, v json.RawMessage) {
	buf := bytes.NewBuffer(e.b)
	if err := json.Compact(buf, v); err != nil {
		e.fail(fmt.Errorf("har: extra member %q: %w", k, err))
		e.b = append(e.b, "null"...)
		return
	}
	e.b = buf.Bytes()
}

// float appends f as encoding/json does.
func (e *encoder) float(k string, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.fail(fmt.Errorf("har: %s is %v, which JSON cannot hold", k, f))
		e.b = append(e.b, '0')
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 as 1e-7, as encoding/json writes it
		if n := len(e.b); n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
}

// list appends xs as a JSON array.
func list[T any](e *encoder, xs []T, encode func(*T, *encoder)) {
	e.b = append(e.b, '[')
	for i := range xs {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		encode(&xs[i], e)
	}
	e.b = append(e.b, ']')
}

// encode appends l, and returns where its entries begin: just after the
// array's opening bracket.
func (l *Log) encode(e *encoder) (entries int) {
	o := e.object()
	o.str("version", l.Version)
	o.key("creator")
	l.Creator.encode(e)
	if l.Browser != nil {
		o.key("browser")
		l.Browser.encode(e)
	}
	if l.Pages != nil {
		o.key("pages")
		list(e, l.Pages, (*Page).encode)
	}
	o.key("entries")
	list(e, l.Entries, (*Entry).encode)
	entries = len(e.b) - 1
	if len(l.Entries) > 0 {
		entries = -1 // only NewWriter asks, of a log without entries
	}
	o.optStr("comment", l.Comment)
	o.end(l.Extra)
	return entries
}

func (c *Creator) encode(e *encoder) {
	o := e.object()
	o.str("name", c.Name)
	o.str("version", c.Version)
	o.optStr("comment", c.Comment)
	o.end(c.Extra)
}

func (p *Page) encode(e *encoder) {
	o := e.object()
	o.str("startedDateTime", p.StartedDateTime)
	o.str("id", p.ID)
	o.str("title", p.Title)
	o.key("pageTimings")
	p.PageTimings.encode(e)
	o.optStr("comment", p.Comment)
	o.end(p.Extra)
}

func (t *PageTimings) encode(e *encoder) {
	o := e.object()
	o.optNum("onContentLoad", t.OnContentLoad)
	o.optNum("onLoad", t.OnLoad)
	o.optStr("comment", t.Comment)
	o.end(t.Extra)
}

func (en *Entry) encode(e *encoder) {
	o := e.object()
	o.optStr("pageref", en.Pageref)
	o.str("startedDateTime", en.StartedDateTime)
	o.num("time", en.Time)
	o.key("request")
	en.Request.encode(e)
	o.key("response")
	en.Response.encode(e)
	o.key("cache")
	en.Cache.encode(e)
	o.key("timings")
	en.Timings.encode(e)
	o.optStr("serverIPAddress", en.ServerIPAddress)
	o.optStr("connection", en.Connection)
	o.optStr("comment", en.Comment)
	o.end(en.Extra)
}

func (r *Request) encode(e *encoder) {
	o := e.object()
	o.str("method", r.Method)
	o.str("url", r.URL)
	o.str("httpVersion", r.HTTPVersion)
	o.key("cookies")
	list(e, r.Cookies, (*Cookie).encode)
	o.key("headers")
	list(e, r.Headers, (*NameValue).encode)
	o.key("queryString")
	list(e, r.QueryString, (*NameValue).encode)
	if r.PostData != nil {
		o.key("postData")
		r.PostData.encode(e)
	}
	o.int("headersSize", r.HeadersSize)
	o.int("bodySize", r.BodySize)
	o.optStr("comment", r.Comment)
	o.end(r.Extra)
}

func (r *Response) encode(e *encoder) {
	o := e.object()
	o.int("status", int64(r.Status))
	o.str("statusText", r.StatusText)
	o.str("httpVersion", r.HTTPVersion)
	o.key("cookies")
	list(e, r.Cookies, (*Cookie).encode)
	o.key("headers")
	list(e, r.Headers, (*NameValue).encode)
	o.key("content")
	r.Content.encode(e)
	o.str("redirectURL", r.RedirectURL)
	o.int("headersSize", r.HeadersSize)
	o.int("bodySize", r.BodySize)
	o.optStr("comment", r.Comment)
	o.end(r.Extra)
}

func (c *Cookie) encode(e *encoder) {
	o := e.object()
	o.str("name", c.Name)
	o.str("value", c.Value)
	o.optStr("path", c.Path)
	o.optStr("domain", c.Domain)
	o.optStr("expires", c.Expires)
	o.optBool("httpOnly", c.HTTPOnly)
	o.optBool("secure", c.Secure)
	o.optStr("comment", c.Comment)
	o.end(c.Extra)
}

func (nv *NameValue) encode(e *encoder) {
	o := e.object()
	o.str("name", nv.Name)
	o.str("value", nv.Value)
	o.optStr("comment", nv.Comment)
	o.end(nv.Extra)
}

func (p *PostData) encode(e *encoder) {
	o := e.object()
	o.str("mimeType", p.MimeType)
	if p.Params != nil {
		o.key("params")
		list(e, p.Params, (*Param).encode)
	}
	o.optStr("text", p.Text)
	o.optStr("comment", p.Comment)
	o.end(p.Extra)
}

func (p *Param) encode(e *encoder) {
	o := e.object()
	o.str("name", p.Name)
	o.optStr("value", p.Value)
	o.optStr("fileName", p.FileName)
	o.optStr("contentType", p.ContentType)
	o.optStr("comment", p.Comment)
	o.end(p.Extra)
}

func (c *Content) encode(e *encoder) {
	o := e.object()
	o.int("size", c.Size)
	o.optInt("compression", c.Compression)
	o.str("mimeType", c.MimeType)
	o.optStr("text", c.Text)
	o.optStr("encoding", c.Encoding)
	o.optStr("comment", c.Comment)
	o.end(c.Extra)
}

func (c *Cache) encode(e *encoder) {
	o := e.object()
	if c.BeforeRequest != nil {
		o.key("beforeRequest")
		c.BeforeRequest.encode(e)
	}
	if c.AfterRequest != nil {
		o.key("afterRequest")
		c.AfterRequest.encode(e)
	}
	o.optStr("comment", c.Comment)
	o.end(c.Extra)
}

func (c *CacheEntry) encode(e *encoder) {
	o := e.object()
	o.optStr("expires", c.Expires)
	o.str("lastAccess", c.LastAccess)
	o.str("eTag", c.ETag)
	o.int("hitCount", c.HitCount)
	o.optStr("comment", c.Comment)
	o.end(c.Extra)
}

func (t *Timings) encode(e *encoder) {
	o := e.object()
	o.optNum("blocked", t.Blocked)
	o.optNum("dns", t.DNS)
	o.optNum("connect", t.Connect)
	o.num("send", t.Send)
	o.num("wait", t.Wait)
	o.num("receive", t.Receive)
	o.optNum("ssl", t.SSL)
	o.optStr("comment", t.Comment)
	o.end(t.Extra)
}
