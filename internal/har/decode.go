package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// ErrTooLarge is the error of a document longer than Decode may read.
var ErrTooLarge = errors.New("har: document too large")

// Decode reads a whole HAR document from r, up to maxBytes of it, and
// returns its log. It checks what the spec requires of each object
// (log.version, log.creator.name, each entry's startedDateTime in ISO
// 8601, request.method and url, response.status, content.mimeType,
// timings.send, wait and receive, ...): a field missing, of the wrong
// type or out of range is a *FieldError naming it. Malformed JSON is an
// error giving its byte offset, wrapping a *json.SyntaxError; a document
// longer than maxBytes is ErrTooLarge. Members beside "log" at the top
// are dropped: the spec defines none. A UTF-8 byte order mark, which
// tools on Windows write, is skipped.
func Decode(r io.Reader, maxBytes int64) (*Log, error) {
	limit := maxBytes
	if limit < math.MaxInt64 {
		limit++ // one byte more tells a document of maxBytes from a longer one
	}
	data, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil {
		return nil, fmt.Errorf("har: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	bom := 0
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		bom = 3
	}
	if err := valid(data[bom:], int64(bom)); err != nil {
		return nil, err
	}
	v := data[bom+skipSpace(data[bom:], 0):]
	if v[0] != '{' {
		return nil, &FieldError{Entry: -1, Problem: "the document is not an object: " + show(v)}
	}
	var l *Log
	err = members(v, func(name, v []byte) error {
		if string(name) != "log" {
			return nil
		}
		l = new(Log) // a second log, as encoding/json would, replaces the first
		return in(name, decodeObject(v, l.decode))
	})
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, &FieldError{Entry: -1, Field: "log", Problem: "missing"}
	}
	return l, nil
}

// valid reports malformed JSON with its offset, counted from off.
func valid(data []byte, off int64) error {
	if json.Valid(data) {
		return nil
	}
	var v struct{}
	err := json.Unmarshal(data, &v) // only to learn where: Valid does not say
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Errorf("har: malformed JSON at offset %d: %w", se.Offset+off, se)
	}
	return errSyntax
}

// UnmarshalJSON decodes one entry, checked as Decode checks each: a
// *FieldError has Entry -1 and a Field from the entry.
func (en *Entry) UnmarshalJSON(data []byte) error {
	if err := valid(data, 0); err != nil {
		return err
	}
	*en = Entry{}
	return decodeObject(data[skipSpace(data, 0):], en.decode)
}

func (l *Log) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "version":
			has |= 1
			return in(name, str(v, &l.Version))
		case "creator":
			has |= 2
			l.Creator = Creator{}
			return in(name, decodeObject(v, l.Creator.decode))
		case "browser":
			return in(name, optObject(v, &l.Browser, &l.Extra, name, (*Creator).decode))
		case "pages":
			return in(name, optArray(v, &l.Pages, &l.Extra, name, (*Page).decode))
		case "entries":
			has |= 4
			return in(name, decodeEntries(v, &l.Entries))
		case "comment":
			return in(name, opt(v, &l.Comment, &l.Extra, name, str))
		}
		return l.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "version", "creator", "entries")
}

// decodeEntries decodes log.entries, whose errors name the entry by its
// index rather than by a path.
func decodeEntries(v []byte, out *[]Entry) error {
	if kind(v) != '[' {
		return notA(v, "an array")
	}
	*out = make([]Entry, 0, 16)
	return elements(v, func(i int, v []byte) error {
		*out = append(*out, Entry{})
		err := decodeObject(v, (*out)[len(*out)-1].decode)
		if fe, ok := err.(*FieldError); ok {
			fe.Entry = i
		}
		return err
	})
}

func (c *Creator) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "name":
			has |= 1
			return in(name, str(v, &c.Name))
		case "version":
			has |= 2
			return in(name, str(v, &c.Version))
		case "comment":
			return in(name, opt(v, &c.Comment, &c.Extra, name, str))
		}
		return c.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "name", "version")
}

func (p *Page) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "startedDateTime":
			has |= 1
			return in(name, date(v, &p.StartedDateTime))
		case "id":
			has |= 2
			return in(name, str(v, &p.ID))
		case "title":
			has |= 4
			return in(name, str(v, &p.Title))
		case "pageTimings":
			has |= 8
			p.PageTimings = PageTimings{}
			return in(name, decodeObject(v, p.PageTimings.decode))
		case "comment":
			return in(name, opt(v, &p.Comment, &p.Extra, name, str))
		}
		return p.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "startedDateTime", "id", "title", "pageTimings")
}

func (t *PageTimings) decode(v []byte) error {
	return members(v, func(name, v []byte) error {
		switch string(name) {
		case "onContentLoad":
			return in(name, opt(v, &t.OnContentLoad, &t.Extra, name, num))
		case "onLoad":
			return in(name, opt(v, &t.OnLoad, &t.Extra, name, num))
		case "comment":
			return in(name, opt(v, &t.Comment, &t.Extra, name, str))
		}
		return t.Extra.keep(name, v)
	})
}

func (en *Entry) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "pageref":
			return in(name, opt(v, &en.Pageref, &en.Extra, name, str))
		case "startedDateTime":
			has |= 1
			return in(name, date(v, &en.StartedDateTime))
		case "time":
			has |= 2
			return in(name, num(v, &en.Time))
		case "request":
			has |= 4
			en.Request = Request{}
			return in(name, decodeObject(v, en.Request.decode))
		case "response":
			has |= 8
			en.Response = Response{}
			return in(name, decodeObject(v, en.Response.decode))
		case "cache":
			has |= 16
			en.Cache = Cache{}
			return in(name, decodeObject(v, en.Cache.decode))
		case "timings":
			has |= 32
			en.Timings = Timings{}
			return in(name, decodeObject(v, en.Timings.decode))
		case "serverIPAddress":
			return in(name, opt(v, &en.ServerIPAddress, &en.Extra, name, str))
		case "connection":
			return in(name, opt(v, &en.Connection, &en.Extra, name, str))
		case "comment":
			return in(name, opt(v, &en.Comment, &en.Extra, name, str))
		}
		return en.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "startedDateTime", "time", "request", "response", "cache", "timings")
}

func (r *Request) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "method":
			has |= 1
			return in(name, nonEmpty(v, &r.Method))
		case "url":
			has |= 2
			return in(name, absoluteURL(v, &r.URL))
		case "httpVersion":
			has |= 4
			return in(name, str(v, &r.HTTPVersion))
		case "cookies":
			has |= 8
			return in(name, array(v, &r.Cookies, (*Cookie).decode))
		case "headers":
			has |= 16
			return in(name, array(v, &r.Headers, (*NameValue).decode))
		case "queryString":
			has |= 32
			return in(name, array(v, &r.QueryString, (*NameValue).decode))
		case "postData":
			return in(name, optObject(v, &r.PostData, &r.Extra, name, (*PostData).decode))
		case "headersSize":
			has |= 64
			return in(name, integer(v, &r.HeadersSize))
		case "bodySize":
			has |= 128
			return in(name, integer(v, &r.BodySize))
		case "comment":
			return in(name, opt(v, &r.Comment, &r.Extra, name, str))
		}
		return r.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize")
}

func (r *Response) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "status":
			has |= 1
			return in(name, statusCode(v, &r.Status))
		case "statusText":
			has |= 2
			return in(name, str(v, &r.StatusText))
		case "httpVersion":
			has |= 4
			return in(name, str(v, &r.HTTPVersion))
		case "cookies":
			has |= 8
			return in(name, array(v, &r.Cookies, (*Cookie).decode))
		case "headers":
			has |= 16
			return in(name, array(v, &r.Headers, (*NameValue).decode))
		case "content":
			has |= 32
			r.Content = Content{}
			return in(name, decodeObject(v, r.Content.decode))
		case "redirectURL":
			has |= 64
			return in(name, str(v, &r.RedirectURL))
		case "headersSize":
			has |= 128
			return in(name, integer(v, &r.HeadersSize))
		case "bodySize":
			has |= 256
			return in(name, integer(v, &r.BodySize))
		case "comment":
			return in(name, opt(v, &r.Comment, &r.Extra, name, str))
		}
		return r.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize")
}

func (c *Cookie) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "name":
			has |= 1
			return in(name, str(v, &c.Name))
		case "value":
			has |= 2
			return in(name, str(v, &c.Value))
		case "path":
			return in(name, opt(v, &c.Path, &c.Extra, name, str))
		case "domain":
			return in(name, opt(v, &c.Domain, &c.Extra, name, str))
		case "expires":
			// Not checked as a date: a cookie's odd expiry is no reason
			// to refuse a document.
			return in(name, opt(v, &c.Expires, &c.Extra, name, str))
		case "httpOnly":
			return in(name, opt(v, &c.HTTPOnly, &c.Extra, name, boolean))
		case "secure":
			return in(name, opt(v, &c.Secure, &c.Extra, name, boolean))
		case "comment":
			return in(name, opt(v, &c.Comment, &c.Extra, name, str))
		}
		return c.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "name", "value")
}

func (nv *NameValue) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "name":
			has |= 1
			return in(name, str(v, &nv.Name))
		case "value":
			has |= 2
			return in(name, str(v, &nv.Value))
		case "comment":
			return in(name, opt(v, &nv.Comment, &nv.Extra, name, str))
		}
		return nv.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "name", "value")
}

func (p *PostData) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "mimeType":
			has |= 1
			return in(name, str(v, &p.MimeType))
		case "params":
			// The spec lists params and text as exclusive, and writers
			// leave out the one they do not fill: both are optional.
			return in(name, optArray(v, &p.Params, &p.Extra, name, (*Param).decode))
		case "text":
			return in(name, opt(v, &p.Text, &p.Extra, name, str))
		case "comment":
			return in(name, opt(v, &p.Comment, &p.Extra, name, str))
		}
		return p.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "mimeType")
}

func (p *Param) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "name":
			has |= 1
			return in(name, str(v, &p.Name))
		case "value":
			return in(name, opt(v, &p.Value, &p.Extra, name, str))
		case "fileName":
			return in(name, opt(v, &p.FileName, &p.Extra, name, str))
		case "contentType":
			return in(name, opt(v, &p.ContentType, &p.Extra, name, str))
		case "comment":
			return in(name, opt(v, &p.Comment, &p.Extra, name, str))
		}
		return p.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "name")
}

func (c *Content) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "size":
			has |= 1
			return in(name, integer(v, &c.Size))
		case "compression":
			return in(name, opt(v, &c.Compression, &c.Extra, name, integer))
		case "mimeType":
			has |= 2
			return in(name, str(v, &c.MimeType))
		case "text":
			return in(name, opt(v, &c.Text, &c.Extra, name, str))
		case "encoding":
			return in(name, opt(v, &c.Encoding, &c.Extra, name, str))
		case "comment":
			return in(name, opt(v, &c.Comment, &c.Extra, name, str))
		}
		return c.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	if err := missing(has, "size", "mimeType"); err != nil {
		return err
	}
	if c.base64() && c.Text != nil {
		if _, err := decodeBase64(*c.Text); err != nil {
			return &FieldError{Entry: -1, Field: "text", Problem: "not base64, as its encoding says: " + err.Error()}
		}
	}
	return nil
}

// base64 reports whether c's text is the body in base64.
func (c *Content) base64() bool { return c.Encoding != nil && *c.Encoding == "base64" }

// decodeBase64 decodes s as HAR writers encode bodies: standard base64,
// padded or not, line breaks ignored.
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b2, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b2, nil
		}
	}
	return b, err
}

func (c *Cache) decode(v []byte) error {
	return members(v, func(name, v []byte) error {
		switch string(name) {
		case "beforeRequest":
			return in(name, optObject(v, &c.BeforeRequest, &c.Extra, name, (*CacheEntry).decode))
		case "afterRequest":
			return in(name, optObject(v, &c.AfterRequest, &c.Extra, name, (*CacheEntry).decode))
		case "comment":
			return in(name, opt(v, &c.Comment, &c.Extra, name, str))
		}
		return c.Extra.keep(name, v)
	})
}

func (c *CacheEntry) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "expires":
			return in(name, opt(v, &c.Expires, &c.Extra, name, str))
		case "lastAccess":
			has |= 1
			return in(name, str(v, &c.LastAccess))
		case "eTag":
			has |= 2
			return in(name, str(v, &c.ETag))
		case "hitCount":
			has |= 4
			return in(name, integer(v, &c.HitCount))
		case "comment":
			return in(name, opt(v, &c.Comment, &c.Extra, name, str))
		}
		return c.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "lastAccess", "eTag", "hitCount")
}

func (t *Timings) decode(v []byte) error {
	var has uint
	err := members(v, func(name, v []byte) error {
		switch string(name) {
		case "blocked":
			return in(name, opt(v, &t.Blocked, &t.Extra, name, num))
		case "dns":
			return in(name, opt(v, &t.DNS, &t.Extra, name, num))
		case "connect":
			return in(name, opt(v, &t.Connect, &t.Extra, name, num))
		// The spec wants send, wait and receive not negative, but DevTools
		// can write a wait a little under zero, and har-validator's schema
		// takes any number: a number is enough.
		case "send":
			has |= 1
			return in(name, num(v, &t.Send))
		case "wait":
			has |= 2
			return in(name, num(v, &t.Wait))
		case "receive":
			has |= 4
			return in(name, num(v, &t.Receive))
		case "ssl":
			return in(name, opt(v, &t.SSL, &t.Extra, name, num))
		case "comment":
			return in(name, opt(v, &t.Comment, &t.Extra, name, str))
		}
		return t.Extra.keep(name, v)
	})
	if err != nil {
		return err
	}
	return missing(has, "send", "wait", "receive")
}

// kind is the first byte of the JSON value v: '{', '[', '"', 't', 'f',
// 'n', or that of a number.
func kind(v []byte) byte {
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

func isNull(v []byte) bool { return string(v) == "null" }

// decodeObject checks that v is an object before decode reads it.
func decodeObject(v []byte, decode func([]byte) error) error {
	if kind(v) != '{' {
		return notA(v, "an object")
	}
	return decode(v)
}

// array decodes the array v into out, an element at a time.
func array[T any](v []byte, out *[]T, decode func(*T, []byte) error) error {
	if kind(v) != '[' {
		return notA(v, "an array")
	}
	*out = []T{} // present, even when empty
	return elements(v, func(i int, v []byte) error {
		*out = append(*out, *new(T))
		if err := decodeObject(v, func(v []byte) error { return decode(&(*out)[len(*out)-1], v) }); err != nil {
			return in(fmt.Appendf(nil, "[%d]", i), err)
		}
		return nil
	})
}

// opt decodes the optional member name, whose value is v, into *p. A
// null goes to Extra as it came, so that it is written again as null.
func opt[T any](v []byte, p **T, x *Extra, name []byte, decode func([]byte, *T) error) error {
	if isNull(v) {
		*p = nil
		return x.keep(name, v)
	}
	t := new(T)
	if err := decode(v, t); err != nil {
		return err
	}
	*p = t
	x.drop(name)
	return nil
}

// optObject is opt for an object.
func optObject[T any](v []byte, p **T, x *Extra, name []byte, decode func(*T, []byte) error) error {
	return opt(v, p, x, name, func(v []byte, t *T) error {
		return decodeObject(v, func(v []byte) error { return decode(t, v) })
	})
}

// optArray is opt for an array: nil when absent, non-nil when present.
func optArray[T any](v []byte, p *[]T, x *Extra, name []byte, decode func(*T, []byte) error) error {
	if isNull(v) {
		*p = nil
		return x.keep(name, v)
	}
	if err := array(v, p, decode); err != nil {
		return err
	}
	x.drop(name)
	return nil
}

// keep adds the member name to x, its value compacted and copied out of
// the document, so that the document's bytes are not kept alive. Bytes
// that are not UTF-8 become U+FFFD, as in the fields decoded.
func (x *Extra) keep(name, v []byte) error {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		return errSyntax
	}
	if !utf8.Valid(b.Bytes()) {
		b.Reset()
		var val any
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber() // numbers as written
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if dec.Decode(&val) != nil || enc.Encode(val) != nil {
			return errSyntax
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	if *x == nil {
		*x = Extra{}
	}
	(*x)[string(name)] = b.Bytes()
	return nil
}

func (x *Extra) drop(name []byte) {
	if *x != nil {
		delete(*x, string(name))
	}
}

func str(v []byte, p *string) error {
	if kind(v) != '"' {
		return notA(v, "a string")
	}
	*p = unquoteString(v)
	return nil
}

// unquoteString is unquote, as a string made once.
func unquoteString(q []byte) string {
	if len(q) < 2 {
		return ""
	}
	inner := q[1 : len(q)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return string(inner)
	}
	return s
}

func nonEmpty(v []byte, p *string) error {
	if err := str(v, p); err != nil {
		return err
	}
	if *p == "" {
		return &FieldError{Entry: -1, Problem: "empty"}
	}
	return nil
}

// absoluteURL checks only for a scheme: browsers write URLs, such as
// http://x/%zz, that net/url refuses.
func absoluteURL(v []byte, p *string) error {
	if err := str(v, p); err != nil {
		return err
	}
	if !hasScheme(*p) {
		return &FieldError{Entry: -1, Problem: show(v) + " is not an absolute URL"}
	}
	return nil
}

// hasScheme reports whether u starts with an RFC 3986 scheme and a colon.
func hasScheme(u string) bool {
	for i := 0; i < len(u); i++ {
		switch c := u[i]; {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return true
		default:
			return false
		}
	}
	return false
}

func date(v []byte, p *string) error {
	if err := str(v, p); err != nil {
		return err
	}
	if _, err := parseTime(*p); err != nil {
		return &FieldError{Entry: -1, Problem: show(v) + " is not an ISO 8601 date"}
	}
	return nil
}

// parseTime reads an ISO 8601 date and time as HAR has them
// (2009-04-16T12:07:25.123+01:00): RFC 3339, or with an offset lacking
// its colon.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if t2, err2 := time.Parse("2006-01-02T15:04:05.999999999Z0700", s); err2 == nil {
			return t2, nil
		}
	}
	return t, err
}

func num(v []byte, p *float64) error {
	if c := kind(v); c != '-' && (c < '0' || c > '9') {
		return notA(v, "a number")
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return &FieldError{Entry: -1, Problem: show(v) + " is out of range"}
	}
	*p = f
	return nil
}

// integer decodes a whole number, which JSON may write as 1e3 or 12.0.
func integer(v []byte, p *int64) error {
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		*p = n
		return nil
	}
	var f float64
	if err := num(v, &f); err != nil {
		return err
	}
	if f != math.Trunc(f) {
		return &FieldError{Entry: -1, Problem: show(v) + " is not a whole number"}
	}
	if f < -(1<<63) || f >= 1<<63 {
		return &FieldError{Entry: -1, Problem: show(v) + " is out of range"}
	}
	*p = int64(f)
	return nil
}

// statusCode is a response's status: 0, which DevTools writes for a
// request that failed, or three digits.
func statusCode(v []byte, p *int) error {
	var n int64
	if err := integer(v, &n); err != nil {
		return err
	}
	if n < 0 || n > 999 {
		return &FieldError{Entry: -1, Problem: show(v) + " is not a status code"}
	}
	*p = int(n)
	return nil
}

func boolean(v []byte, p *bool) error {
	switch string(v) {
	case "true":
		*p = true
	case "false":
		*p = false
	default:
		return notA(v, "true or false")
	}
	return nil
}

// missing is the error of the first of names whose bit has lacks.
func missing(has uint, names ...string) error {
	for i, n := range names {
		if has&(1<<i) == 0 {
			return &FieldError{Entry: -1, Field: n, Problem: "missing"}
		}
	}
	return nil
}

func notA(v []byte, what string) error {
	return &FieldError{Entry: -1, Problem: show(v) + " is not " + what}
}

// show is the JSON value v as an error quotes it: objects and arrays
// elided, anything else cut short.
func show(v []byte) string {
	const max = 40
	switch kind(v) {
	case '{':
		return "{…}"
	case '[':
		return "[…]"
	}
	if len(v) <= max {
		return string(v)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return string(v[:cut]) + "…"
}

// in puts the member name before the path of err, a *FieldError from
// within it. An entry's errors already name it, by index.
func in(name []byte, err error) error {
	fe, ok := err.(*FieldError)
	if !ok || fe.Entry >= 0 {
		return err
	}
	switch {
	case fe.Field == "":
		fe.Field = string(name)
	case fe.Field[0] == '[':
		fe.Field = string(name) + fe.Field
	default:
		fe.Field = string(name) + "." + fe.Field
	}
	return err
}
