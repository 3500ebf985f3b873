// Package diff compares two exchanges, as when a replay against another
// server, a new build or a migrated backend is checked against the
// original: the request line, the status, the headers of both messages
// (order aside, some ignored), the bodies (JSON by structure, text line by
// line, binary by size and SHA-256) and the timing. Its work and its
// output are bounded whatever the bodies hold, so that it can answer an
// API request.
package diff

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// DefaultIgnore is the headers left out when Options.Ignore is nil: they
// differ on every exchange by design (a date, an id, a timing, a trace),
// and a diff full of them would hide the differences that matter.
// Content-Length is compared: it changes only with the body or with its
// framing (chunked or not), and either is worth seeing.
var DefaultIgnore = []string{"Date", "X-Request-Id", "Server-Timing", "Traceparent", "Tracestate"}

// Options tune a comparison. The zero value ignores DefaultIgnore.
type Options struct {
	// Ignore names the headers to leave out, in any case: nil means
	// DefaultIgnore; an empty slice that is not nil compares them all.
	Ignore []string
	// IgnorePaths leaves parts of JSON bodies out, everything under them
	// too.
	IgnorePaths []Path
}

// Kinds of difference, of a header or of a part of a JSON body: Added is
// only in b, Removed only in a, Changed in both with other values.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Result is what differs between exchanges a and b. Only Timing is
// expected to differ between two runs of the same exchange; Equal leaves
// it out.
type Result struct {
	A      Ref     `json:"a"`
	B      Ref     `json:"b"`
	Status Status  `json:"status"`
	Method *Change `json:"method"` // nil when the same
	// URL is the request line's; the Host is not compared, as a replay
	// against another server changes it by design.
	URL      *Change `json:"url"`
	Request  Message `json:"request"`
	Response Message `json:"response"`
	Timing   Timing  `json:"timing"`
	Ignored  Ignored `json:"ignored"`
}

// Ref names one of the two exchanges.
type Ref struct {
	ID     uint64 `json:"id"`
	Method string `json:"method"`
	URL    string `json:"url"`
	Host   string `json:"host"`
	Status int    `json:"status"`
}

// Status is the two statuses.
type Status struct {
	A     int  `json:"a"`
	B     int  `json:"b"`
	Equal bool `json:"equal"`
}

// Change is a value that differs: a's and b's.
type Change struct {
	A string `json:"a"`
	B string `json:"b"`
}

// Message is what differs in one side of the exchanges, the requests or
// the responses.
type Message struct {
	Headers []Header `json:"headers"` // by name; empty, not nil, when none differ
	Body    Body     `json:"body"`
}

// Header is one header that differs. Its values are compared as a set
// with repeats, in any order; A and B are as recorded.
type Header struct {
	Name string   `json:"name"` // canonical: Content-Type
	Kind string   `json:"kind"` // Added, Removed or Changed
	A    []string `json:"a"`
	B    []string `json:"b"`
}

// Ignored is what the comparison left out.
type Ignored struct {
	Headers []string `json:"headers"` // canonical names
	Paths   []string `json:"paths"`
}

// Timing compares the exchanges' durations and their server-side phases,
// in milliseconds; deltas are b's less a's.
type Timing struct {
	A      float64 `json:"a_ms"`
	B      float64 `json:"b_ms"`
	Delta  float64 `json:"delta_ms"`
	Phases []Phase `json:"phases"`
}

// Phase is one phase's durations, matched by name; A or B is nil when
// that exchange has no such phase (only a TLS connection's first exchange
// has tls), and Delta then too.
type Phase struct {
	Name  string   `json:"name"`
	Label string   `json:"label"`
	A     *float64 `json:"a_ms"`
	B     *float64 `json:"b_ms"`
	Delta *float64 `json:"delta_ms"`
}

// Equal reports whether nothing but timing differs: the request line,
// the status, the headers not ignored and the bodies, as far as they were
// captured (Body.Truncated says when that was not all of them).
func (r Result) Equal() bool {
	return r.Status.Equal && r.Method == nil && r.URL == nil &&
		len(r.Request.Headers) == 0 && len(r.Response.Headers) == 0 &&
		r.Request.Body.Equal && r.Response.Body.Equal
}

// MarshalJSON is r's JSON with Equal's verdict first, as "equal", for
// the page and for scripts.
func (r Result) MarshalJSON() ([]byte, error) {
	type fields Result // without this method
	return json.Marshal(struct {
		Equal bool `json:"equal"`
		fields
	}{r.Equal(), fields(r)})
}

// Exchanges compares a with b. A nil exchange compares as an empty one.
func Exchanges(a, b *observe.Exchange, opts Options) Result {
	if a == nil {
		a = new(observe.Exchange)
	}
	if b == nil {
		b = new(observe.Exchange)
	}
	names := opts.Ignore
	if names == nil {
		names = DefaultIgnore
	}
	ignore := make(map[string]bool, len(names))
	r := Result{
		A:       ref(a),
		B:       ref(b),
		Status:  Status{A: a.Status, B: b.Status, Equal: a.Status == b.Status},
		Ignored: Ignored{Headers: []string{}, Paths: []string{}},
	}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || ignore[strings.ToLower(n)] {
			continue
		}
		ignore[strings.ToLower(n)] = true
		r.Ignored.Headers = append(r.Ignored.Headers, http.CanonicalHeaderKey(n))
	}
	for _, p := range opts.IgnorePaths {
		r.Ignored.Paths = append(r.Ignored.Paths, p.String())
	}
	if a.Method != b.Method {
		r.Method = &Change{a.Method, b.Method}
	}
	if a.URL != b.URL {
		r.URL = &Change{a.URL, b.URL}
	}
	r.Request = Message{
		Headers: headers(a.Request.Headers, b.Request.Headers, ignore),
		Body:    bodies(&a.Request, &b.Request, opts.IgnorePaths),
	}
	r.Response = Message{
		Headers: headers(a.Response.Headers, b.Response.Headers, ignore),
		Body:    bodies(&a.Response, &b.Response, opts.IgnorePaths),
	}
	r.Timing = timing(a, b)
	return r
}

func ref(ex *observe.Exchange) Ref {
	return Ref{ID: ex.ID, Method: ex.Method, URL: ex.URL, Host: ex.Host, Status: ex.Status}
}

// headers compares two header sets by name, in any case (a HAR import
// may keep names as written), leaving out those in ignore (lower case).
func headers(a, b http.Header, ignore map[string]bool) []Header {
	type pair struct{ a, b []string }
	byName := map[string]*pair{}
	gather := func(h http.Header, side func(*pair, []string)) {
		for k, vs := range h {
			lower := strings.ToLower(k)
			if ignore[lower] {
				continue
			}
			p := byName[lower]
			if p == nil {
				p = new(pair)
				byName[lower] = p
			}
			side(p, vs)
		}
	}
	gather(a, func(p *pair, vs []string) { p.a = append(p.a, vs...) })
	gather(b, func(p *pair, vs []string) { p.b = append(p.b, vs...) })
	out := []Header{}
	for lower, p := range byName {
		h := Header{Name: http.CanonicalHeaderKey(lower), A: p.a, B: p.b}
		switch {
		case len(p.a) == 0 && len(p.b) == 0:
			continue
		case len(p.a) == 0:
			h.Kind, h.A = Added, []string{}
		case len(p.b) == 0:
			h.Kind, h.B = Removed, []string{}
		case sameValues(p.a, p.b):
			continue
		default:
			h.Kind = Changed
		}
		out = append(out, h)
	}
	slices.SortFunc(out, func(x, y Header) int { return strings.Compare(x.Name, y.Name) })
	return out
}

// sameValues reports whether a and b hold the same values, in any order.
func sameValues(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// timing compares durations, and phases by name: a's in their order,
// then any only b has.
func timing(a, b *observe.Exchange) Timing {
	t := Timing{A: a.DurationMS, B: b.DurationMS, Delta: delta(a.DurationMS, b.DurationMS), Phases: []Phase{}}
	at := map[string]int{}
	for _, p := range a.Phases {
		if _, ok := at[p.Name]; ok {
			continue // a name twice: the first counts
		}
		at[p.Name] = len(t.Phases)
		t.Phases = append(t.Phases, Phase{Name: p.Name, Label: p.Label, A: ptr(p.DurationMS)})
	}
	for _, p := range b.Phases {
		i, ok := at[p.Name]
		if !ok {
			at[p.Name] = len(t.Phases)
			t.Phases = append(t.Phases, Phase{Name: p.Name, Label: p.Label, B: ptr(p.DurationMS)})
			continue
		}
		ph := &t.Phases[i]
		if ph.B != nil {
			continue
		}
		ph.B = ptr(p.DurationMS)
		if ph.Label == "" {
			ph.Label = p.Label
		}
		ph.Delta = ptr(delta(*ph.A, p.DurationMS))
	}
	return t
}

// delta is b - a to the microsecond, as observe records times: float
// subtraction would say 2.8000000000000003.
func delta(a, b float64) float64 { return math.Round((b-a)*1000) / 1000 }

func ptr(f float64) *float64 { return &f }
