package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The JSON body HTTPie's data items build (name=value, name:=json) is a
// tree of these: *jsonObject, *jsonArray, string, pyNumber, bool and nil
// for null. Objects keep their keys' order, and a raw JSON object's
// duplicate keys, as HTTPie sends them.
type (
	jsonObject struct{ pairs []jsonPair }
	jsonPair   struct {
		key   string
		value any
	}
	jsonArray struct{ items []any }
	pyNumber  string // a number, as Python writes the one it parses
)

// get is the value of key's last pair.
func (o *jsonObject) get(key string) (any, bool) {
	for i := len(o.pairs) - 1; i >= 0; i-- {
		if o.pairs[i].key == key {
			return o.pairs[i].value, true
		}
	}
	return nil, false
}

// set replaces the value of key's last pair, or adds one.
func (o *jsonObject) set(key string, v any) {
	for i := len(o.pairs) - 1; i >= 0; i-- {
		if o.pairs[i].key == key {
			o.pairs[i].value = v
			return
		}
	}
	o.pairs = append(o.pairs, jsonPair{key, v})
}

// maxJSONIndex bounds a[N]=value, which fills the array up to N with
// nulls: HTTPie has no bound, and a[999999999]=x would take gigabytes.
const maxJSONIndex = 1 << 16

// pathStep is one step of a nested JSON key, as HTTPie 3 parses one:
// a[b][0][]=x is the key a, the key b, the index 0 and an append.
type pathStep struct {
	kind       string // "key", "index" or "append", HTTPie's names in its errors
	key        string
	index      int
	start, end int // the step's bytes in the key, for errors
}

// reconstruct writes the step back as the key had it.
func (p pathStep) reconstruct(root bool) string {
	switch {
	case p.kind == "key" && root:
		return p.key
	case p.kind == "key":
		return "[" + p.key + "]"
	case p.kind == "index":
		return "[" + strconv.Itoa(p.index) + "]"
	}
	return "[]"
}

// pathToken is a token of a nested JSON key: text, a number, [ or ].
type pathToken struct {
	kind       byte // 't' text, 'n' number, '[' or ']'
	text       string
	start, end int
}

// tokenizePath splits a key as HTTPie's nested JSON tokenizer does: [ and
// ] are operators unless escaped with \, as \ is; other backslashes stay.
// A word that Python's int() reads is a number, unless an escape was in
// it; \1 is the text 1.
func tokenizePath(s string) []pathToken {
	var toks []pathToken
	var buf strings.Builder
	escaped, start := false, 0
	flush := func(end int) {
		if buf.Len() == 0 {
			return
		}
		t := pathToken{kind: 't', text: buf.String(), start: start, end: end}
		if !escaped {
			if _, ok := pythonInt(t.text); ok {
				t.kind = 'n'
			} else if rest, ok := strings.CutPrefix(t.text, `\`); ok {
				if _, ok := pythonInt(rest); ok {
					t.text = rest
				}
			}
		}
		toks = append(toks, t)
		buf.Reset()
		escaped = false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '[' || c == ']':
			flush(i)
			toks = append(toks, pathToken{kind: c, text: string(c), start: i, end: i + 1})
			start = i + 1
		case c == '\\' && i+1 < len(s):
			if buf.Len() == 0 {
				start = i
			}
			if n := s[i+1]; n == '[' || n == ']' || n == '\\' {
				escaped = true
			} else {
				buf.WriteByte('\\')
			}
			buf.WriteByte(s[i+1])
			i++
		default:
			if buf.Len() == 0 {
				start = i
			}
			buf.WriteByte(c)
		}
	}
	flush(len(s))
	return toks
}

// pythonInt reads s as Python's int() does: spaces around it, a sign, and
// digits with single underscores between them (ASCII digits only: Python
// takes any script's too).
func pythonInt(s string) (*big.Int, bool) {
	s = strings.TrimFunc(s, unicode.IsSpace)
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || digits[0] == '_' || digits[len(digits)-1] == '_' || strings.Contains(digits, "__") {
		return nil, false
	}
	n, ok := new(big.Int).SetString(s[:len(s)-len(digits)]+strings.ReplaceAll(digits, "_", ""), 10)
	return n, ok
}

// pathError is a nested JSON key that does not parse or does not fit the
// body built so far; at is the byte of the key where, for the message.
type pathError struct {
	msg string
	at  int
}

func (e *pathError) Error() string { return e.msg }

// tokenName is what HTTPie calls a token kind in "expecting ...".
var tokenName = map[byte]string{'t': "a text", 'n': "a number", '[': "'['", ']': "']'"}

// parsePath parses a nested JSON key: a root (a text or number key, [N]
// or []), then [key], [N] or [] steps.
func parsePath(key string) ([]pathStep, error) {
	toks := tokenizePath(key)
	i := 0
	expect := func(kinds ...byte) (pathToken, error) {
		if i < len(toks) {
			t := toks[i]
			i++
			for _, k := range kinds {
				if t.kind == k {
					return t, nil
				}
			}
			return t, expected(kinds, t.start)
		}
		at := 0
		if len(toks) > 0 {
			at = toks[len(toks)-1].end
		}
		return pathToken{}, expected(kinds, at)
	}
	if len(toks) == 0 {
		return []pathStep{{kind: "key"}}, nil
	}
	var steps []pathStep
	t, err := expect('t', 'n', '[')
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case 't':
		steps = append(steps, pathStep{kind: "key", key: t.text, start: t.start, end: t.end})
	case 'n':
		n, _ := pythonInt(t.text)
		steps = append(steps, pathStep{kind: "key", key: n.String(), start: t.start, end: t.end})
	default:
		step, err := bracket(expect, t, true)
		if err != nil {
			return nil, err
		}
		steps = append(steps, step)
	}
	for i < len(toks) {
		open, err := expect('[')
		if err != nil {
			return nil, err
		}
		step, err := bracket(expect, open, false)
		if err != nil {
			return nil, err
		}
		steps = append(steps, step)
	}
	return steps, nil
}

// bracket parses what follows a [: N], ] or, past the root, text].
func bracket(expect func(...byte) (pathToken, error), open pathToken, root bool) (pathStep, error) {
	kinds := []byte{'t', 'n', ']'}
	if root {
		kinds = kinds[1:]
	}
	t, err := expect(kinds...)
	if err != nil {
		return pathStep{}, err
	}
	step := pathStep{kind: "append", start: open.start, end: t.end}
	switch t.kind {
	case ']':
		return step, nil
	case 't':
		step.kind, step.key = "key", t.text
	case 'n':
		n, _ := pythonInt(t.text)
		if n.Sign() < 0 {
			return pathStep{}, &pathError{msg: "negative indexes are not supported", at: t.start}
		}
		if !n.IsInt64() || n.Int64() > maxJSONIndex {
			return pathStep{}, &pathError{msg: fmt.Sprintf("index %s is over roundtrip's limit of %d", n, maxJSONIndex), at: t.start}
		}
		step.kind, step.index = "index", int(n.Int64())
	}
	end, err := expect(']')
	if err != nil {
		return pathStep{}, err
	}
	step.end = end.end
	return step, nil
}

func expected(kinds []byte, at int) error {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = tokenName[k]
	}
	s := names[len(names)-1]
	if len(names) > 1 {
		s = strings.Join(names[:len(names)-1], ", ") + " or " + s
	}
	return &pathError{msg: "expecting " + s, at: at}
}

// jsonTypeName is a value's type as HTTPie's errors name it.
func jsonTypeName(v any) string {
	switch v.(type) {
	case *jsonObject:
		return "object"
	case *jsonArray:
		return "array"
	case string:
		return "string"
	case pyNumber:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// setPath puts value at key's path in root (nil at first) and returns the
// root, as HTTPie 3's nested JSON does: a[b]=1 makes {"a": {"b": "1"}},
// a[]=1 appends, a[2]=1 fills with nulls up to the index, a key again
// replaces its value. A step that meets the wrong type is an error. One
// difference, on purpose: HTTPie drops a write into an object or array
// a name:=json item gave (a:='{"x":1}' a[y]=2 sends {"a": {"x": 1}}), and
// one into a null replaces the whole body; here both are kept.
func setPath(root any, key string, value any) (any, error) {
	steps, err := parsePath(key)
	if err != nil {
		return nil, err
	}
	container := func(kind string) any {
		if kind == "key" {
			return &jsonObject{}
		}
		return &jsonArray{}
	}
	if root == nil {
		root = container(steps[0].kind)
	}
	cursor := root
	for i, step := range steps {
		last := i == len(steps)-1
		next := value
		if !last {
			next = container(steps[i+1].kind)
		}
		switch c := cursor.(type) {
		case *jsonObject:
			if step.kind != "key" {
				return nil, typeError(steps, i, cursor, "array")
			}
			if old, ok := c.get(step.key); ok && !last && old != nil {
				next = old
			} else {
				c.set(step.key, next)
			}
		case *jsonArray:
			switch step.kind {
			case "key":
				return nil, typeError(steps, i, cursor, "object")
			case "index":
				for len(c.items) <= step.index {
					c.items = append(c.items, nil)
				}
				if old := c.items[step.index]; !last && old != nil {
					next = old
				} else {
					c.items[step.index] = next
				}
			default:
				c.items = append(c.items, next)
			}
		default:
			want := "object"
			if step.kind != "key" {
				want = "array"
			}
			return nil, typeError(steps, i, cursor, want)
		}
		cursor = next
	}
	return root, nil
}

// typeError is HTTPie's message for step i of steps meeting cursor, a
// value of the wrong type.
func typeError(steps []pathStep, i int, cursor any, want string) error {
	var at strings.Builder
	for j, s := range steps[:i] {
		at.WriteString(s.reconstruct(j == 0))
	}
	return &pathError{
		msg: fmt.Sprintf("cannot perform '%s' based access on '%s' which has a type of '%s' but this operation requires a type of '%s'",
			steps[i].kind, at.String(), jsonTypeName(cursor), want),
		at: steps[i].start,
	}
}

// parseRawJSON parses a name:=json item's value into the tree, keeping
// objects' key order and duplicate keys, and numbers as Python reads them.
func parseRawJSON(s string) (any, error) {
	if !json.Valid([]byte(s)) {
		return nil, checkJSON([]byte(s)) // which names the place
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	return decodeTree(dec)
}

func decodeTree(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			o := &jsonObject{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeTree(dec)
				if err != nil {
					return nil, err
				}
				o.pairs = append(o.pairs, jsonPair{k.(string), v})
			}
			_, err := dec.Token()
			return o, err
		}
		a := &jsonArray{}
		for dec.More() {
			v, err := decodeTree(dec)
			if err != nil {
				return nil, err
			}
			a.items = append(a.items, v)
		}
		_, err := dec.Token()
		return a, err
	case json.Number:
		return pythonNumber(string(t))
	}
	return tok, nil // string, bool or nil
}

// pythonNumber is a JSON number as Python's json module reads and writes
// it: an integer exactly, -0 as 0; anything else as a float's repr, 1e2
// as 100.0 and 1e16 as 1e+16.
func pythonNumber(lit string) (pyNumber, error) {
	if !strings.ContainsAny(lit, ".eE") {
		n, _ := new(big.Int).SetString(lit, 10)
		return pyNumber(n.String()), nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		// Python would send Infinity, which is not JSON.
		return "", fmt.Errorf("%s is beyond a 64-bit float's range", lit)
	}
	return pyNumber(pythonFloat(f)), nil
}

// pythonFloat is Python's repr of f: the shortest digits that read back
// as f, in exponent form when the exponent is below -4 or above 15.
func pythonFloat(f float64) string {
	e := strconv.FormatFloat(f, 'e', -1, 64) // such as -1.5e+16
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if x < -4 || x >= 16 {
		sign := "+"
		if x < 0 {
			sign, x = "-", -x
		}
		return fmt.Sprintf("%se%s%02d", mant, sign, x)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pythonForm is a name:=json value in a form, as HTTPie writes it with
// Python's str(): a string as it is, a number as Python writes it, true
// and false as True and False. Others cannot be a field.
func pythonForm(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case pyNumber:
		return string(v), true
	case bool:
		if v {
			return "True", true
		}
		return "False", true
	}
	return "", false
}

// writePythonJSON writes v as Python's json.dumps does, which is what
// HTTPie sends: ", " and ": " between items, and every character outside
// printable ASCII escaped (\u00e9, surrogate pairs beyond the BMP, a
// byte of invalid UTF-8 as Python's surrogateescape holds it, \udcff).
func writePythonJSON(w *bytes.Buffer, v any) {
	switch v := v.(type) {
	case *jsonObject:
		w.WriteByte('{')
		for i, p := range v.pairs {
			if i > 0 {
				w.WriteString(", ")
			}
			writePythonString(w, p.key)
			w.WriteString(": ")
			writePythonJSON(w, p.value)
		}
		w.WriteByte('}')
	case *jsonArray:
		w.WriteByte('[')
		for i, item := range v.items {
			if i > 0 {
				w.WriteString(", ")
			}
			writePythonJSON(w, item)
		}
		w.WriteByte(']')
	case string:
		writePythonString(w, v)
	case pyNumber:
		w.WriteString(string(v))
	case bool:
		w.WriteString(strconv.FormatBool(v))
	default:
		w.WriteString("null")
	}
}

func writePythonString(w *bytes.Buffer, s string) {
	w.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(w, `\u%04x`, 0xdc00+int(s[i]))
			i++
			continue
		}
		i += size
		switch {
		case r == '"':
			w.WriteString(`\"`)
		case r == '\\':
			w.WriteString(`\\`)
		case r == '\n':
			w.WriteString(`\n`)
		case r == '\r':
			w.WriteString(`\r`)
		case r == '\t':
			w.WriteString(`\t`)
		case r == '\b':
			w.WriteString(`\b`)
		case r == '\f':
			w.WriteString(`\f`)
		case r >= ' ' && r <= '~':
			w.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(w, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(w, `\u%04x`, r)
		}
	}
	w.WriteByte('"')
}
