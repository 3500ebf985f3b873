// Package har reads and writes HAR 1.2, the HTTP Archive format browsers
// export from their network panels
// (http://www.softwareishard.com/blog/har-12-spec/), and converts between
// its entries and roundtrip's captured exchanges. Decode reads and checks
// a whole document; a Writer streams one out entry by entry, so an export
// holds one entry in memory, not the file.
//
// A document decoded and encoded again keeps every field: the types have
// a field for each of the spec's, optional ones as pointers or nil slices
// (absent stays absent, so a timing of -1 or an empty comment survives),
// and each object keeps the members the spec does not define, such as
// DevTools' _initiator and _transferSize, in its Extra, as raw JSON.
package har

import (
	"encoding/json"
	"fmt"
)

// Version is the HAR version this package writes.
const Version = "1.2"

// Extra holds an object's members the spec does not define (custom
// fields, whose names start with "_", and any others), and optional
// members that were null, as they came. They are encoded after the
// spec's, by name; a name the object has a field for is written only
// when that field is absent.
type Extra map[string]json.RawMessage

// Log is a HAR document's one object, "log".
type Log struct {
	Version string   // "1.2"; the spec reads "" as 1.1
	Creator Creator  // the program that wrote the log
	Browser *Creator // the browser, when a browser wrote it
	Pages   []Page   // nil when absent
	Entries []Entry
	Comment *string
	Extra   Extra
}

// Creator names the program, or the browser, that wrote a log.
type Creator struct {
	Name    string
	Version string
	Comment *string
	Extra   Extra
}

// Page is one page load that entries can refer to by its ID.
type Page struct {
	StartedDateTime string // ISO 8601
	ID              string
	Title           string
	PageTimings     PageTimings
	Comment         *string
	Extra           Extra
}

// PageTimings are a page's load events, in milliseconds from its start;
// -1 when they do not apply.
type PageTimings struct {
	OnContentLoad *float64
	OnLoad        *float64
	Comment       *string
	Extra         Extra
}

// Entry is one request and its response.
type Entry struct {
	Pageref         *string
	StartedDateTime string  // ISO 8601, kept as written
	Time            float64 // milliseconds: the sum of the timings that apply
	Request         Request
	Response        Response
	Cache           Cache
	Timings         Timings
	ServerIPAddress *string
	Connection      *string
	Comment         *string
	Extra           Extra
}

// Request is an entry's request. Cookies, Headers and QueryString are
// written as [] when nil: the spec requires them.
type Request struct {
	Method      string
	URL         string // absolute
	HTTPVersion string
	Cookies     []Cookie
	Headers     []NameValue
	QueryString []NameValue
	PostData    *PostData
	HeadersSize int64 // -1 when not known
	BodySize    int64 // -1 when not known
	Comment     *string
	Extra       Extra
}

// Response is an entry's response.
type Response struct {
	Status      int
	StatusText  string
	HTTPVersion string
	Cookies     []Cookie
	Headers     []NameValue
	Content     Content
	RedirectURL string
	HeadersSize int64 // -1 when not known
	BodySize    int64 // -1 when not known
	Comment     *string
	Extra       Extra
}

// Cookie is a cookie a request sent or a response set.
type Cookie struct {
	Name     string
	Value    string
	Path     *string
	Domain   *string
	Expires  *string // ISO 8601, as written
	HTTPOnly *bool
	Secure   *bool
	Comment  *string
	Extra    Extra
}

// NameValue is a header, or a query string's parameter.
type NameValue struct {
	Name    string
	Value   string
	Comment *string
	Extra   Extra
}

// PostData is a request's body. The spec has Params and Text exclusive,
// for a form's parameters or any other body; each is nil when absent.
type PostData struct {
	MimeType string
	Params   []Param
	Text     *string
	Comment  *string
	Extra    Extra
}

// Param is a posted form parameter, or an uploaded file.
type Param struct {
	Name        string
	Value       *string
	FileName    *string
	ContentType *string
	Comment     *string
	Extra       Extra
}

// Content is a response's body, decoded (no gzip or chunking).
type Content struct {
	Size        int64  // bytes of the body
	Compression *int64 // bytes compression saved
	MimeType    string
	Text        *string
	Encoding    *string // "base64" when Text is the body in base64
	Comment     *string
	Extra       Extra
}

// Cache is what the browser's cache held for an entry: often nothing,
// "cache": {}.
type Cache struct {
	BeforeRequest *CacheEntry
	AfterRequest  *CacheEntry
	Comment       *string
	Extra         Extra
}

// CacheEntry is the state of a cache entry.
type CacheEntry struct {
	Expires    *string // ISO 8601
	LastAccess string  // ISO 8601
	ETag       string
	HitCount   int64
	Comment    *string
	Extra      Extra
}

// Timings are the phases of an entry's round trip, in milliseconds.
// Blocked, DNS, Connect and SSL are optional, -1 when they do not apply;
// SSL is also part of Connect. Send, Wait and Receive are required and
// never negative.
type Timings struct {
	Blocked *float64
	DNS     *float64
	Connect *float64
	Send    float64
	Wait    float64
	Receive float64
	SSL     *float64
	Comment *string
	Extra   Extra
}

// FieldError is a field of a HAR document that is missing, of the wrong
// type or out of its range.
type FieldError struct {
	Entry   int    // the entry's index in log.entries, or -1 outside them
	Field   string // its path from the entry (request.url), or from the document (log.version) outside entries
	Problem string // missing, or what is wrong with its value
}

func (e *FieldError) Error() string {
	switch {
	case e.Entry >= 0 && e.Field == "":
		return fmt.Sprintf("har: entries[%d]: %s", e.Entry, e.Problem)
	case e.Entry >= 0:
		return fmt.Sprintf("har: entries[%d].%s: %s", e.Entry, e.Field, e.Problem)
	case e.Field == "":
		return "har: " + e.Problem
	}
	return "har: " + e.Field + ": " + e.Problem
}
