package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Bounds of a JSON diff's output: the differences listed (the rest are
// counted), and the bytes of each value and each path shown.
const (
	maxJSONDiffs = 200
	maxPreview   = 200
	maxPath      = 500
)

// JSONDiff is one part of two JSON bodies that differs, at Path
// ($.items[2].name). A and B are the values as compact JSON, cut at
// maxPreview bytes; the one missing of an Added or a Removed is "".
// Numbers are compared by value (1 and 1.0 are equal), objects whatever
// their keys' order, arrays index by index.
type JSONDiff struct {
	Path string `json:"path"`
	Kind string `json:"kind"` // Added, Removed or Changed
	A    string `json:"a"`
	B    string `json:"b"`
}

var errTooLarge = errors.New("diff: too large to compare as JSON")

// decodeJSON decodes one JSON value, numbers as written, and nothing
// after it.
func decodeJSON(s string) (any, error) {
	if len(s) > maxJSON {
		return nil, errTooLarge
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("diff: data after the JSON value")
	}
	return v, nil
}

// jsonDiff lists where a and b differ, up to maxJSONDiffs, and counts the
// rest.
func jsonDiff(a, b any, ignore []Path) ([]JSONDiff, int) {
	c := jsonCmp{ignore: ignore}
	c.walk(a, b)
	return c.out, c.more
}

type jsonCmp struct {
	ignore []Path
	path   []seg
	out    []JSONDiff
	more   int
}

func (c *jsonCmp) walk(a, b any) {
	if c.ignored() {
		return
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			c.path = append(c.path, seg{key: k})
			c.child(av, bv, k)
			c.path = c.path[:len(c.path)-1]
		}
		return
	case []any:
		bv, ok := b.([]any)
		if !ok {
			break
		}
		for i := range max(len(av), len(bv)) {
			c.path = append(c.path, seg{index: i, isIndex: true})
			switch {
			case i >= len(bv):
				c.add(Removed, av[i], nil)
			case i >= len(av):
				c.add(Added, nil, bv[i])
			default:
				c.walk(av[i], bv[i])
			}
			c.path = c.path[:len(c.path)-1]
		}
		return
	case json.Number:
		if bn, ok := b.(json.Number); ok && numberKey(string(av)) == numberKey(string(bn)) {
			return
		}
	case string, bool, nil:
		if a == b {
			return
		}
	}
	c.add(Changed, a, b)
}

// child compares member k of two objects, one of which may lack it.
func (c *jsonCmp) child(a, b map[string]any, k string) {
	va, inA := a[k]
	vb, inB := b[k]
	switch {
	case !inB:
		c.add(Removed, va, nil)
	case !inA:
		c.add(Added, nil, vb)
	default:
		c.walk(va, vb)
	}
}

func (c *jsonCmp) add(kind string, a, b any) {
	if c.ignored() {
		return
	}
	if len(c.out) == maxJSONDiffs {
		c.more++
		return
	}
	d := JSONDiff{Path: pathString(c.path), Kind: kind}
	if kind != Added {
		d.A = preview(a)
	}
	if kind != Removed {
		d.B = preview(b)
	}
	c.out = append(c.out, d)
}

func (c *jsonCmp) ignored() bool {
	for _, p := range c.ignore {
		if p.match(c.path) {
			return true
		}
	}
	return false
}

// numberKey is a JSON number's value as a string that two numbers share
// exactly when their values are equal, decimal by decimal: 1, 1.0, 10e-1
// and 0.1e1 all give 1e0, and 9007199254740993 stays itself, as float64
// would not keep it. An exponent too large for int64 leaves the number as
// it is written.
func numberKey(s string) string {
	written := s
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp := s, "0"
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
	}
	whole, frac, _ := strings.Cut(mant, ".")
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || e > 1<<62 || e < -1<<62 {
		return "as written: " + written
	}
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return "0" // -0 too
	}
	e -= int64(len(frac))
	trimmed := strings.TrimRight(digits, "0")
	e += int64(len(digits) - len(trimmed))
	sign := ""
	if neg {
		sign = "-"
	}
	return sign + trimmed + "e" + strconv.FormatInt(e, 10)
}

// preview is v as compact JSON, keys sorted, cut at about maxPreview
// bytes with "…". Numbers are as written.
func preview(v any) string {
	p := previewer{budget: maxPreview}
	p.value(v)
	if p.cut {
		p.buf.WriteString("…")
	}
	return p.buf.String()
}

type previewer struct {
	buf    bytes.Buffer
	budget int
	cut    bool
}

func (p *previewer) write(s string) {
	if p.cut {
		return
	}
	if len(s) > p.budget-p.buf.Len() {
		s = trimRune(s[:max(0, p.budget-p.buf.Len())])
		p.cut = true
	}
	p.buf.WriteString(s)
}

func (p *previewer) value(v any) {
	switch v := v.(type) {
	case nil:
		p.write("null")
	case bool:
		p.write(strconv.FormatBool(v))
	case json.Number:
		p.write(string(v))
	case string:
		p.write(quote(v[:min(len(v), maxPreview)], len(v) > maxPreview))
	case []any:
		p.write("[")
		for i, x := range v {
			if p.cut {
				return
			}
			if i > 0 {
				p.write(",")
			}
			p.value(x)
		}
		p.write("]")
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		p.write("{")
		for i, k := range keys {
			if p.cut {
				return
			}
			if i > 0 {
				p.write(",")
			}
			p.write(quote(k, false))
			p.write(":")
			p.value(v[k])
		}
		p.write("}")
	}
}

// quote is s as a JSON string, not HTML-escaped; a long string cut
// before quoting (long) is left open, as the preview is cut there.
func quote(s string, long bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(trimRune(s)) // a string always encodes
	q := strings.TrimSuffix(b.String(), "\n")
	if long {
		q = strings.TrimSuffix(q, `"`)
	}
	return q
}

// seg is one step of a path into a JSON value: a member or an index.
type seg struct {
	key     string
	index   int
	isIndex bool
}

// pathString is path as a JSONPath: $.items[2].name, with keys that are
// not identifiers quoted, $["content-type"]. It is cut at maxPath bytes
// with "…": every difference under a long key, or deep down, repeats it.
func pathString(path []seg) string {
	var b strings.Builder
	b.WriteString("$")
	for _, s := range path {
		if b.Len() > maxPath {
			break
		}
		switch {
		case s.isIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case isIdent(s.key):
			b.WriteString("." + s.key[:min(len(s.key), maxPath)]) // ASCII: cut anywhere
		default:
			b.WriteString("[" + quote(s.key[:min(len(s.key), maxPath)], false) + "]")
		}
	}
	if b.Len() > maxPath {
		return trimRune(b.String()[:maxPath]) + "…"
	}
	return b.String()
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r == '$' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return s != ""
}

// Path is a JSON path to leave out of a comparison, with what is under
// it, in the syntax differences are reported in: $.id, $.items[0].name,
// $["content-type"]. A * stands for any one member or index:
// $.items[*].updated, $.*.id.
type Path struct {
	text  string
	steps []step
}

type step struct {
	any bool
	seg
}

// ParsePath reads a Path.
func ParsePath(s string) (Path, error) {
	p := Path{text: s}
	if !strings.HasPrefix(s, "$") {
		return p, errors.New(`diff: a path begins with $, as in $.items[0].id`)
	}
	for i := 1; i < len(s); {
		switch s[i] {
		case '.':
			j := i + 1
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			key := s[i+1 : j]
			switch {
			case key == "":
				return p, errors.New("diff: a . in a path is followed by a name or *, at byte " + strconv.Itoa(i+1))
			case key == "*":
				p.steps = append(p.steps, step{any: true})
			default:
				p.steps = append(p.steps, step{seg: seg{key: key}})
			}
			i = j
		case '[':
			st, n, err := bracket(s[i:])
			if err != nil {
				return p, errors.New("diff: " + err.Error() + ", at byte " + strconv.Itoa(i+1))
			}
			p.steps = append(p.steps, st)
			i += n
		default:
			return p, errors.New("diff: a path goes on with . or [, at byte " + strconv.Itoa(i+1))
		}
	}
	return p, nil
}

// bracket reads [2], [*] or ["key"] at the start of s, and its length.
func bracket(s string) (step, int, error) {
	end := strings.IndexByte(s, ']')
	switch {
	case strings.HasPrefix(s, `["`):
		// The closing quote is the first not escaped.
		for j := 2; j < len(s); j++ {
			if s[j] == '\\' {
				j++
				continue
			}
			if s[j] != '"' {
				continue
			}
			var key string
			if err := json.Unmarshal([]byte(s[1:j+1]), &key); err != nil || !strings.HasPrefix(s[j+1:], "]") {
				return step{}, 0, errors.New(`a quoted name is a JSON string in [ and ]`)
			}
			return step{seg: seg{key: key}}, j + 2, nil
		}
		return step{}, 0, errors.New("a quoted name is not closed")
	case end < 0:
		return step{}, 0, errors.New("a [ is not closed")
	case s[1:end] == "*":
		return step{any: true}, end + 1, nil
	}
	digits := s[1:end]
	n, err := strconv.Atoi(digits)
	if err != nil || strings.TrimLeft(digits, "0123456789") != "" {
		return step{}, 0, errors.New(`[ ] hold an index, *, or a name in quotes`)
	}
	return step{seg: seg{index: n, isIndex: true}}, end + 1, nil
}

// String is the path as it was written.
func (p Path) String() string { return p.text }

// match reports whether p names path exactly.
func (p Path) match(path []seg) bool {
	if len(p.steps) != len(path) || p.text == "" {
		return false
	}
	for i, st := range p.steps {
		if !st.any && st.seg != path[i] {
			return false
		}
	}
	return true
}
