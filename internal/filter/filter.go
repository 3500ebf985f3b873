// Package filter is roundtrip's one filter syntax, for the inspector's API,
// its page and `roundtrip history`, in the style of DevTools' Network
// panel:
//
//	method:POST status:4xx path:/api/ host:localhost header:content-type=json
//	duration>100ms larger-than:10k -status:200 "hello world" greet
//	trace:4bf92f3577b34da6a3ce929d0e0e4736
//
// Terms are joined by AND; a leading - negates one. Free text matches the
// URL, the header values and the text bodies, word by word, the last word
// of a term as a prefix (greet matches greeting), case aside. The store
// evaluates a Filter in SQL, with SQLite FTS5 for free text; Match
// evaluates it in memory, alike, which a test holds them to.
package filter

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// Field is what a term looks at.
type Field int

// The fields.
const (
	Text     Field = iota // free text: the URL, header values and text bodies
	Method                // method:GET, exact, case aside
	Status                // status:404 or status:4xx
	Path                  // path:/api/, a prefix
	Host                  // host:localhost, the Host with or without its port; *.example.com for subdomains
	Header                // header:name or header:name=value, in the request or the response, the value a substring, case aside
	Duration              // duration>100ms (also <, >=, <=, =), a bare number in milliseconds
	Size                  // larger-than:10k, smaller-than:1M: response body bytes
	Trace                 // trace:4bf92f3577b34da6a3ce929d0e0e4736, the exchange's W3C trace id
)

// Op compares a term's number.
type Op int

// The comparisons of Duration and Size terms.
const (
	Eq Op = iota
	Less
	LessEq
	Greater
	GreaterEq
)

// Term is one condition. Which fields are set depends on Field.
type Term struct {
	Negate bool
	Field  Field
	// Value is the method (upper case), the path prefix, the host (lower
	// case), the header value (lower case) or, for Text, the words.
	Value string
	Name  string  // Header: the canonical header name
	Op    Op      // Duration, Size
	Num   float64 // Status: a code, or a class 1 to 5; Duration: ms; Size: bytes
	// Words are a Text term's words, folded as Words folds them.
	Words []string
}

// Filter is a parsed filter: all its terms must hold. The zero Filter
// matches everything.
type Filter struct {
	Terms []Term
	src   string
}

// String is the text the filter was parsed from.
func (f Filter) String() string { return f.src }

// And is the filter of f's terms and g's.
func (f Filter) And(g Filter) Filter {
	src := strings.TrimSpace(f.src + " " + g.src)
	return Filter{Terms: append(f.Terms[:len(f.Terms):len(f.Terms)], g.Terms...), src: src}
}

// HasText reports whether f has free text, which reads bodies.
func (f Filter) HasText() bool {
	for _, t := range f.Terms {
		if t.Field == Text {
			return true
		}
	}
	return false
}

// IsZero reports whether f matches everything.
func (f Filter) IsZero() bool { return len(f.Terms) == 0 }

// SyntaxError is a filter Parse cannot read, at Pos, a byte offset.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter: at character %d: %s", e.Pos+1, e.Msg)
}

// MaxLen bounds a filter's text, and so the work of one query.
const MaxLen = 1024

// Parse reads s, terms separated by spaces.
func Parse(s string) (Filter, error) {
	f := Filter{src: s}
	if len(s) > MaxLen {
		return f, &SyntaxError{MaxLen, fmt.Sprintf("longer than %d bytes", MaxLen)}
	}
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			i++
			continue
		}
		start := i
		tok, next, err := token(s, i)
		if err != nil {
			return f, err
		}
		i = next
		t, err := parseTerm(tok, start)
		if err != nil {
			return f, err
		}
		if t.Field == Text && len(t.Words) == 0 {
			if t.Negate && tok.text == "" {
				return f, &SyntaxError{start, "a lone - negates nothing; write -status:200, or quote it: \"-\""}
			}
			continue // punctuation alone: no words to look for
		}
		f.Terms = append(f.Terms, t)
	}
	return f, nil
}

// raw is one space-separated token: -? (key op)? value, the value quoted
// or not.
type raw struct {
	neg    bool
	key    string
	op     string // ":", "<", ">", "<=", ">=", "="
	text   string // unquoted
	quoted bool
	valPos int
}

func token(s string, i int) (raw, int, error) {
	var r raw
	if s[i] == '-' && i+1 < len(s) && s[i+1] != ' ' {
		r.neg = true
		i++
	} else if s[i] == '-' {
		return r, i + 1, &SyntaxError{i, "a lone - negates nothing; write -status:200, or quote it: \"-\""}
	}
	// A key is letters and dashes before an operator.
	j := i
	for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] == '-') {
		j++
	}
	if j > i && j < len(s) && strings.IndexByte(":<>=", s[j]) >= 0 {
		r.key = strings.ToLower(s[i:j])
		k := j + 1
		if s[j] != ':' && k < len(s) && s[k] == '=' {
			k++
		}
		r.op = s[j:k]
		i = k
	}
	r.valPos = i
	if i < len(s) && s[i] == '"' {
		end := strings.IndexByte(s[i+1:], '"')
		if end < 0 {
			return r, len(s), &SyntaxError{i, "a quote that is never closed"}
		}
		r.text, r.quoted = s[i+1:i+1+end], true
		i += end + 2
		if i < len(s) && s[i] != ' ' && s[i] != '\t' {
			return r, i, &SyntaxError{i, "a space must follow a closing quote"}
		}
		return r, i, nil
	}
	j = i
	for j < len(s) && s[j] != ' ' && s[j] != '\t' {
		j++
	}
	r.text = s[i:j]
	return r, j, nil
}

func parseTerm(r raw, start int) (Term, error) {
	t := Term{Negate: r.neg}
	bad := func(format string, args ...any) (Term, error) {
		return t, &SyntaxError{r.valPos, fmt.Sprintf(format, args...)}
	}
	if r.key == "" {
		t.Field, t.Value, t.Words = Text, r.text, Words(r.text)
		return t, nil
	}
	colon := r.op == ":"
	if r.text == "" && !r.quoted {
		return bad("%s%s wants a value", r.key, r.op)
	}
	switch r.key {
	case "method":
		if !colon {
			return bad("method takes a colon: method:POST")
		}
		if !validToken(r.text) {
			return bad("%q is not a method", r.text)
		}
		t.Field, t.Value = Method, strings.ToUpper(r.text)
	case "status":
		if !colon {
			return bad("status takes a colon: status:404 or status:4xx")
		}
		n, ok := parseStatus(r.text)
		if !ok {
			return bad("status wants a code such as 404 or a class such as 4xx, not %q", r.text)
		}
		t.Field, t.Num = Status, float64(n)
	case "path":
		if !colon {
			return bad("path takes a colon: path:/api/")
		}
		t.Field, t.Value = Path, r.text
	case "host", "domain":
		if !colon {
			return bad("%s takes a colon: host:localhost", r.key)
		}
		t.Field, t.Value = Host, strings.ToLower(r.text)
	case "header":
		if !colon {
			return bad("header takes a colon: header:content-type=json")
		}
		name, value, _ := strings.Cut(r.text, "=")
		if !validToken(name) {
			return bad("%q is not a header name", name)
		}
		t.Field, t.Name, t.Value = Header, http.CanonicalHeaderKey(name), strings.ToLower(value)
	case "duration":
		op, ok := ops[r.op]
		if !ok {
			return bad("duration compares with <, >, <=, >= or =: duration>100ms")
		}
		ms, ok := parseDuration(r.text)
		if !ok {
			return bad("duration wants a time such as 100ms, 1.5s or 250, not %q", r.text)
		}
		t.Field, t.Op, t.Num = Duration, op, ms
	case "trace":
		if !colon {
			return bad("trace takes a colon: trace:4bf92f3577b34da6a3ce929d0e0e4736")
		}
		id, ok := trace.ParseID(strings.ToLower(r.text))
		if !ok {
			return bad("trace wants a trace id, 32 hex digits not all zero, not %q", r.text)
		}
		t.Field, t.Value = Trace, id.String()
	case "larger-than", "smaller-than":
		if !colon {
			return bad("%s takes a colon: %s:10k", r.key, r.key)
		}
		n, ok := parseSize(r.text)
		if !ok {
			return bad("%s wants a size such as 500, 10k or 1M, not %q", r.key, r.text)
		}
		t.Field, t.Num, t.Op = Size, n, Greater
		if r.key == "smaller-than" {
			t.Op = Less
		}
	default:
		return t, &SyntaxError{start, fmt.Sprintf("%q is not a filter; use method, status, path, host, header, duration, larger-than, smaller-than, trace, or quote it as text", r.key+r.op)}
	}
	return t, nil
}

var ops = map[string]Op{"=": Eq, ":": Eq, "<": Less, "<=": LessEq, ">": Greater, ">=": GreaterEq}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func parseStatus(v string) (int, bool) {
	if len(v) == 3 && (v[1:] == "xx" || v[1:] == "XX") && v[0] >= '1' && v[0] <= '5' {
		return int(v[0] - '0'), true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 100 && n <= 599
}

func parseDuration(v string) (float64, bool) {
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 && n < 1e12 {
		return n, true
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, false
	}
	return observe.Millis(d), true
}

func parseSize(v string) (float64, bool) {
	mult := 1.0
	switch strings.ToLower(v[len(v)-1:]) {
	case "k":
		mult = 1 << 10
	case "m":
		mult = 1 << 20
	case "g":
		mult = 1 << 30
	}
	if mult != 1 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 || n*mult > 1<<62 {
		return 0, false
	}
	return n * mult, true
}

// Words splits s into the words free text looks for, folded: runs of
// letters and digits, lower case, as SQLite's unicode61 tokenizer splits
// and folds them (without removing diacritics).
func Words(s string) []string {
	var out []string
	for w := range words(s) {
		out = append(out, w)
	}
	return out
}

// words yields s's words, folded.
func words(s string) func(func(string) bool) {
	return func(yield func(string) bool) {
		var b strings.Builder
		flush := func() bool {
			if b.Len() == 0 {
				return true
			}
			w := b.String()
			b.Reset()
			return yield(w)
		}
		for i := 0; i < len(s); {
			c := s[i]
			if c < utf8.RuneSelf {
				i++
				switch {
				case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
					b.WriteByte(c)
				case c >= 'A' && c <= 'Z':
					b.WriteByte(c + 'a' - 'A')
				default:
					if !flush() {
						return
					}
				}
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)) {
				b.WriteRune(unicode.ToLower(r))
				continue
			}
			if !flush() {
				return
			}
		}
		flush()
	}
}

// Searched is the text free text looks in, as the store indexes it: the
// URL; the header values, then the trace id (so that the index finds
// trace:ID's candidates); and the text bodies, an event stream's and a
// WebSocket's kept messages after them (the SSE stream's first).
func Searched(ex *observe.Exchange) (url, headers, bodies string) {
	var b strings.Builder
	for _, h := range []http.Header{ex.Request.Headers, ex.Response.Headers} {
		for _, vs := range h {
			for _, v := range vs {
				b.WriteString(v)
				b.WriteByte('\n')
			}
		}
	}
	b.WriteString(ex.TraceID.String())
	headers = b.String()
	b.Reset()
	b.WriteString(ex.Request.Body)
	b.WriteByte('\n')
	b.WriteString(ex.Response.Body)
	for _, st := range []*observe.Stream{ex.Stream, ex.Upgrade} {
		if st == nil {
			continue
		}
		for i := range st.Messages {
			if t := st.Messages[i].Text; t != "" {
				b.WriteByte('\n')
				b.WriteString(t)
			}
		}
	}
	return SearchedURL(ex.URL), headers, b.String()
}

// SearchedURL is the text free text looks in for a request-target: as it
// came and, when it has escapes, decoded too, so that onerror finds
// /?q=%3Cimg%20onerror%3D… (whose words as it came are 3cimg, 20onerror).
func SearchedURL(target string) string {
	if !strings.ContainsAny(target, "%+") {
		return target
	}
	decoded, err := url.QueryUnescape(target)
	if err != nil || decoded == target {
		return target
	}
	return target + "\n" + decoded
}

// HasWords reports whether ex's searched text holds words, folded, in a
// row, as a Text term looks for them.
func HasWords(ex *observe.Exchange, words []string) bool {
	url, headers, bodies := Searched(ex)
	return contains(url, words) || contains(headers, words) || contains(bodies, words)
}

// Match reports whether ex is one f selects.
func (f Filter) Match(ex *observe.Exchange) bool {
	var text [3]string
	var searched bool
	for i := range f.Terms {
		t := &f.Terms[i]
		var ok bool
		if t.Field == Text {
			if !searched {
				text[0], text[1], text[2] = Searched(ex)
				searched = true
			}
			ok = contains(text[0], t.Words) || contains(text[1], t.Words) || contains(text[2], t.Words)
		} else {
			ok = t.match(ex)
		}
		if ok == t.Negate {
			return false
		}
	}
	return true
}

func (t *Term) match(ex *observe.Exchange) bool {
	switch t.Field {
	case Method:
		return ex.Method == t.Value
	case Status:
		if t.Num < 10 {
			return ex.Status/100 == int(t.Num)
		}
		return ex.Status == int(t.Num)
	case Path:
		return strings.HasPrefix(ex.Path, t.Value)
	case Host:
		return HostMatches(ex.Host, t.Value)
	case Header:
		return headerHas(ex.Request.Headers, t.Name, t.Value) || headerHas(ex.Response.Headers, t.Name, t.Value)
	case Duration:
		return t.Op.holds(ex.DurationMillis(), t.Num) // a record in memory has no DurationMS yet
	case Size:
		return t.Op.holds(float64(ex.BytesOut), t.Num)
	case Trace:
		return ex.TraceID.String() == t.Value
	}
	return false
}

func (op Op) holds(a, b float64) bool {
	switch op {
	case Less:
		return a < b
	case LessEq:
		return a <= b
	case Greater:
		return a > b
	case GreaterEq:
		return a >= b
	}
	return a == b
}

// HostMatches reports whether host (a Host header, maybe with a port)
// is pattern: the same name, the same name and port, or for *.name a
// subdomain of name. Case aside.
func HostMatches(host, pattern string) bool {
	host = strings.ToLower(host)
	if host == pattern {
		return true
	}
	name := host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		name = host[:i]
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	if name == strings.TrimSuffix(strings.TrimPrefix(pattern, "["), "]") {
		return true
	}
	if rest, ok := strings.CutPrefix(pattern, "*"); ok && strings.HasPrefix(rest, ".") {
		return strings.HasSuffix(name, rest)
	}
	return false
}

func headerHas(h http.Header, name, value string) bool {
	vs := h[name]
	if len(vs) == 0 {
		return false
	}
	if value == "" {
		return true
	}
	for _, v := range vs {
		if strings.Contains(strings.ToLower(v), value) {
			return true
		}
	}
	return false
}

// contains reports whether the words of s hold ws in a row, the last a
// prefix of its word, as the FTS5 query "w1 w2 w3" * does.
func contains(s string, ws []string) bool {
	k := len(ws)
	if k == 0 {
		return true
	}
	// The last k words seen, in a ring: a phrase is a handful of words,
	// and a body may be a megabyte of them.
	var small [8]string
	ring := small[:0]
	if k > len(small) {
		ring = make([]string, 0, k)
	}
	n := 0
	for w := range words(s) {
		if len(ring) < k {
			ring = append(ring, w)
		} else {
			ring[n%k] = w
		}
		n++
		if n < k {
			continue
		}
		ok := true
		for i := range k {
			got := ring[(n-k+i)%k]
			if i == k-1 && !strings.HasPrefix(got, ws[i]) || i < k-1 && got != ws[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
