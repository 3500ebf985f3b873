package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// The decoder walks the document's bytes itself rather than through
// encoding/json's structs, for three things those cannot give: member
// names matched exactly (encoding/json matches "Method" to method),
// whether a member was there at all, and the members no field takes.
// Decode checks the whole document with encoding/json first, so the
// walk below reads valid JSON; it still checks every index, and gives
// errSyntax rather than reading past the end.

var errSyntax = errors.New("har: malformed JSON")

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// skipString returns the index after the string that starts at data[i].
func skipString(data []byte, i int) (int, error) {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errSyntax
}

// skipValue returns the index after the value that starts at data[i],
// without recursion: nesting is counted.
func skipValue(data []byte, i int) (int, error) {
	depth := 0
	for i < len(data) {
		switch c := data[i]; {
		case c == '"':
			end, err := skipString(data, i)
			if err != nil {
				return 0, err
			}
			if i = end; depth == 0 {
				return i, nil
			}
			continue
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return i, nil // a number or literal ends where its container does
			}
			if depth--; depth == 0 {
				return i + 1, nil
			}
		case depth == 0 && (c == ',' || c == ':' || isSpace(c)):
			return i, nil
		}
		i++
	}
	if depth != 0 {
		return 0, errSyntax
	}
	return i, nil
}

// members calls f with each member of the object v, in order: its name,
// unescaped, and its value. v must be an object.
func members(v []byte, f func(name, value []byte) error) error {
	i := skipSpace(v, 1)
	if i < len(v) && v[i] == '}' {
		return nil
	}
	for i < len(v) {
		if v[i] != '"' {
			return errSyntax
		}
		end, err := skipString(v, i)
		if err != nil {
			return err
		}
		name := unquote(v[i:end])
		i = skipSpace(v, end)
		if i >= len(v) || v[i] != ':' {
			return errSyntax
		}
		i = skipSpace(v, i+1)
		vend, err := skipValue(v, i)
		if err != nil || vend == i {
			return errSyntax
		}
		if err := f(name, v[i:vend]); err != nil {
			return err
		}
		i = skipSpace(v, vend)
		if i >= len(v) {
			break
		}
		switch v[i] {
		case ',':
			i = skipSpace(v, i+1)
		case '}':
			return nil
		default:
			return errSyntax
		}
	}
	return errSyntax
}

// elements calls f with each element of the array v and its index. v
// must be an array.
func elements(v []byte, f func(i int, value []byte) error) error {
	i := skipSpace(v, 1)
	if i < len(v) && v[i] == ']' {
		return nil
	}
	for n := 0; i < len(v); n++ {
		end, err := skipValue(v, i)
		if err != nil || end == i {
			return errSyntax
		}
		if err := f(n, v[i:end]); err != nil {
			return err
		}
		i = skipSpace(v, end)
		if i >= len(v) {
			break
		}
		switch v[i] {
		case ',':
			i = skipSpace(v, i+1)
		case ']':
			return nil
		default:
			return errSyntax
		}
	}
	return errSyntax
}

// unquote is the JSON string q, quotes included, unescaped. Most strings
// have no escapes and are valid UTF-8: those are sliced, not decoded.
func unquote(q []byte) []byte {
	if len(q) < 2 {
		return nil
	}
	inner := q[1 : len(q)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return inner
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return inner
	}
	return []byte(s)
}
