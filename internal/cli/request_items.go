package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/client"
)

// requestItem is one of HTTPie's request items after the URL, split at
// its separator: Name:value a header (Name: removes it, Name; sends it
// empty, Name:@FILE reads it), name==value a query parameter
// (name==@FILE), and the data items that make the body: name=value a
// string, name:=json raw JSON, name=@FILE and name:=@FILE a file's text
// or JSON, name@FILE a file to upload.
type requestItem struct {
	key, sep, value string
	arg             string // as typed, for errors
}

// itemSeps are HTTPie's separators; a backslash before one of
// itemSpecials makes it part of the key or value.
var itemSeps = []string{":", ";", "=", "@", "==", ":=", "=@", ":@", "==@", ":=@"}

const itemSpecials = ":;@="

// parseItem splits arg as HTTPie does: the first separator wins, the
// longest of those starting at the same place (a:=b is raw JSON, not the
// header a). It reports false when arg has no separator.
func parseItem(arg string) (requestItem, bool) {
	// Tokens alternate: text, then an escaped character, then text...;
	// a backslash before any other character stays, with it.
	type token struct {
		s       string
		escaped bool
	}
	toks := []token{{}}
	for i := 0; i < len(arg); i++ {
		last := &toks[len(toks)-1]
		switch {
		case arg[i] == '\\' && i+1 < len(arg) && strings.IndexByte(itemSpecials, arg[i+1]) >= 0:
			toks = append(toks, token{arg[i+1 : i+2], true}, token{})
			i++
		case arg[i] == '\\' && i+1 < len(arg):
			last.s += arg[i : i+2]
			i++
		default:
			last.s += arg[i : i+1]
		}
	}
	join := func(ts []token) string {
		var b strings.Builder
		for _, t := range ts {
			b.WriteString(t.s)
		}
		return b.String()
	}
	for i, t := range toks {
		if t.escaped {
			continue
		}
		pos, sep := -1, ""
		for _, s := range itemSeps {
			if p := strings.Index(t.s, s); p >= 0 && (pos < 0 || p < pos || p == pos && len(s) > len(sep)) {
				pos, sep = p, s
			}
		}
		if pos >= 0 {
			return requestItem{
				key:   join(toks[:i]) + t.s[:pos],
				sep:   sep,
				value: t.s[pos+len(sep):] + join(toks[i+1:]),
				arg:   arg,
			}, true
		}
	}
	return requestItem{}, false
}

// isData reports whether the item goes in the body.
func (it requestItem) isData() bool {
	switch it.sep {
	case "=", ":=", "=@", ":=@", "@":
		return true
	}
	return false
}

// itemsMode is how data items become a body: HTTPie's JSON by default,
// --form's urlencoded form, or a multipart one with --multipart or a
// file to upload.
type itemsMode int

const (
	itemsJSON itemsMode = iota
	itemsForm
	itemsMultipart
)

// HTTPie's default headers for a body of data items.
const (
	jsonAccept      = "application/json, */*;q=0.5"
	formContentType = "application/x-www-form-urlencoded; charset=utf-8"
)

// itemsBody is the body the data items make, with the Content-Type and
// Accept HTTPie sends by default for it.
type itemsBody struct {
	data        bool // there were data items: the method is POST unless given
	body        []byte
	contentType string
	accept      string
	multipart   bool
	boundary    string
}

// applyItems adds args, HTTPie's request items, to spec: headers and
// query parameters in place, the data items as the body returned.
// form and multipart are --form and --multipart.
func applyItems(e *env, spec *requestSpec, args []string, form, multipart bool) (itemsBody, error) {
	items := make([]requestItem, 0, len(args))
	mode := itemsJSON
	switch {
	case multipart:
		mode = itemsMultipart
	case form:
		mode = itemsForm
	}
	for _, arg := range args {
		it, ok := parseItem(arg)
		if !ok {
			return itemsBody{}, usageError("request: unexpected argument %q: a request item is Name:value, name==value, name=value, name:=json or name@file", arg)
		}
		if it.sep == "@" && mode == itemsForm {
			mode = itemsMultipart // a file to upload, as HTTPie's --form does
		}
		items = append(items, it)
	}
	var query orderedPairs[string]
	var data []requestItem
	for _, it := range items {
		switch it.sep {
		case ":", ";", ":@":
			if err := itemHeader(e, spec, it); err != nil {
				return itemsBody{}, err
			}
		case "==", "==@":
			v := it.value
			if it.sep == "==@" {
				text, err := itemText(e, it)
				if err != nil {
					return itemsBody{}, err
				}
				v = strings.TrimRight(text, "\n")
			}
			query.add(it.key, v)
		default:
			data = append(data, it)
		}
	}
	if len(query.keys) > 0 {
		q := query.encode(func(v string) string { return v })
		if spec.url.RawQuery != "" {
			q = spec.url.RawQuery + "&" + q
		}
		spec.url.RawQuery = q
	}
	switch mode {
	case itemsForm:
		return formItems(e, data)
	case itemsMultipart:
		return multipartItems(e, data)
	}
	return jsonItems(e, data)
}

// itemHeader applies a header item as HTTPie does: its value trimmed of
// spaces, Name: removing the header, Name; sending it empty.
func itemHeader(e *env, spec *requestSpec, it requestItem) error {
	value := it.value
	if it.sep == ":@" {
		text, err := itemText(e, it)
		if err != nil {
			return err
		}
		value = text
	}
	switch {
	case it.sep == ";" && value != "":
		return usageError("request: item %q is neither a header nor an empty one (Name; sends Name empty)", it.arg)
	case !client.IsToken(it.key):
		return usageError("request: item %q: header name %q cannot be sent: it is not a token", it.arg, it.key)
	}
	trimmed := strings.TrimFunc(value, unicode.IsSpace)
	if strings.ContainsAny(trimmed, "\r\n\x00") {
		return usageError("request: item %q: a header's value cannot hold a line break or NUL", it.arg)
	}
	return spec.addHeader(headerArg{name: http.CanonicalHeaderKey(it.key), value: trimmed, remove: it.sep == ":" && value == "", orig: it.arg})
}

// jsonItems makes HTTPie's JSON body: data items set fields of one
// object (or array), nested by their keys' paths, written as Python's
// json module writes it. @FILE alone sends the file as the body.
func jsonItems(e *env, data []requestItem) (itemsBody, error) {
	var root any
	var file *requestItem
	for i, it := range data {
		var v any
		switch it.sep {
		case "@":
			if it.key != "" {
				return itemsBody{}, usageError("request: item %q uploads a file, which needs --form or --multipart (@FILE alone sends a file as the body)", it.arg)
			}
			if file != nil {
				return itemsBody{}, usageError("request: items %q and %q: one file can be the body, not two", file.arg, it.arg)
			}
			file = &data[i]
			continue
		case "=":
			v = it.value
		case "=@":
			text, err := itemText(e, it)
			if err != nil {
				return itemsBody{}, err
			}
			v = text
		case ":=", ":=@":
			raw := it.value
			if it.sep == ":=@" {
				text, err := itemText(e, it)
				if err != nil {
					return itemsBody{}, err
				}
				raw = text
			}
			var err error
			if v, err = parseRawJSON(raw); err != nil {
				return itemsBody{}, usageError("request: item %q is not valid JSON: %v", it.arg, err)
			}
		}
		var err error
		if root, err = setPath(root, it.key, v); err != nil {
			var pe *pathError
			if errors.As(err, &pe) {
				return itemsBody{}, usageError("request: item %q: %s, at byte %d of its key", it.arg, pe.msg, pe.at+1)
			}
			return itemsBody{}, usageError("request: item %q: %v", it.arg, err)
		}
	}
	switch {
	case file != nil && root != nil:
		return itemsBody{}, usageError("request: item %q sends a file as the body, which cannot be mixed with data items such as name=value", file.arg)
	case file != nil:
		b, err := itemFile(e, *file, file.value)
		if err != nil {
			return itemsBody{}, err
		}
		ct := guessType(file.value)
		if ct == "" {
			ct = "application/json"
		}
		return itemsBody{data: true, body: b, contentType: ct, accept: jsonAccept}, nil
	case root == nil:
		return itemsBody{}, nil
	}
	var body bytes.Buffer
	writePythonJSON(&body, root)
	return itemsBody{data: true, body: body.Bytes(), contentType: "application/json", accept: jsonAccept}, nil
}

// formItems makes --form's urlencoded body, each name's values together
// in the order the names first came, as HTTPie sends them.
func formItems(e *env, data []requestItem) (itemsBody, error) {
	var fields orderedPairs[string]
	for _, it := range data {
		v, err := formValue(e, it)
		if err != nil {
			return itemsBody{}, err
		}
		fields.add(it.key, v)
	}
	return itemsBody{data: len(data) > 0, body: []byte(fields.encode(func(v string) string { return v })), contentType: formContentType}, nil
}

// formValue is a data item's value as a form field's text: name:=json
// as Python's str() writes a string, a number or a boolean.
func formValue(e *env, it requestItem) (string, error) {
	switch it.sep {
	case "=@":
		return itemText(e, it)
	case ":=", ":=@":
		raw := it.value
		if it.sep == ":=@" {
			text, err := itemText(e, it)
			if err != nil {
				return "", err
			}
			raw = text
		}
		v, err := parseRawJSON(raw)
		if err != nil {
			return "", usageError("request: item %q is not valid JSON: %v", it.arg, err)
		}
		s, ok := pythonForm(v)
		if !ok {
			return "", usageError("request: item %q: a form field cannot hold a JSON %s, only a string, a number, true or false", it.arg, jsonTypeName(v))
		}
		return s, nil
	}
	return it.value, nil
}

// multipartItems makes a multipart/form-data body of the data items, each
// name's parts together in the order the names first came, as HTTPie
// sends them: name@FILE a file (FILE;type=TYPE gives its Content-Type),
// the others text fields.
func multipartItems(e *env, data []requestItem) (itemsBody, error) {
	var fields orderedPairs[formPart]
	for _, it := range data {
		part := formPart{name: it.key}
		switch it.sep {
		case ":=", ":=@":
			// HTTPie leaves these out of a multipart body without a word.
			return itemsBody{}, usageError("request: item %q: raw JSON has no place in a multipart body; send name=value", it.arg)
		case "@":
			path, ctype, _ := strings.Cut(it.value, ";type=")
			b, err := itemFile(e, it, path)
			if err != nil {
				return itemsBody{}, err
			}
			part.data, part.filename, part.hasFilename = b, filepath.Base(path), true
			part.contentType = ctype
			if ctype == "" {
				part.contentType = guessType(path)
			}
		default:
			v, err := formValue(e, it)
			if err != nil {
				return itemsBody{}, err
			}
			part.data = []byte(v)
		}
		fields.add(it.key, part)
	}
	var parts []formPart
	for _, k := range fields.keys {
		parts = append(parts, fields.values[k]...)
	}
	body, boundary, err := multipartBody(parts)
	if err != nil {
		return itemsBody{}, err
	}
	return itemsBody{data: len(data) > 0, body: body, multipart: true, boundary: boundary}, nil
}

// orderedPairs holds values by key, the keys in the order they first
// came: the order HTTPie's multi-value dicts give query parameters and
// form fields.
type orderedPairs[T any] struct {
	keys   []string
	values map[string][]T
}

func (p *orderedPairs[T]) add(k string, v T) {
	if p.values == nil {
		p.values = map[string][]T{}
	}
	if _, ok := p.values[k]; !ok {
		p.keys = append(p.keys, k)
	}
	p.values[k] = append(p.values[k], v)
}

// encode writes string pairs as a urlencoded form: k=v&k=v2&k2=v3.
func (p *orderedPairs[T]) encode(text func(T) string) string {
	var b strings.Builder
	for _, k := range p.keys {
		for _, v := range p.values[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(text(v)))
		}
	}
	return b.String()
}

// itemText is the UTF-8 text of an item's file, as name=@FILE embeds it.
func itemText(e *env, it requestItem) (string, error) {
	b, err := itemFile(e, it, it.value)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", usageError("request: item %q: %s is not UTF-8 text, which it embeds", it.arg, it.value)
	}
	return string(b), nil
}

// itemFile reads an item's file, ~ standing for $HOME as HTTPie has it.
func itemFile(e *env, it requestItem, path string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(path, "~"); ok && (rest == "" || rest[0] == '/') {
		if home := e.getenv("HOME"); home != "" {
			path = home + rest
		}
	}
	b, err := readFile(e, path)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return nil, usageError("request: item %q: cannot read %s: %v", it.arg, path, pe.Err)
	case err != nil:
		return nil, usageError("request: item %q: %v", it.arg, err)
	}
	return b, nil
}

// guessType is a file's Content-Type by its extension, as HTTPie and curl
// guess it, or "". Go adds charset=utf-8 to text types; they do not.
func guessType(name string) string {
	t := mime.TypeByExtension(filepath.Ext(name))
	mt, params, err := mime.ParseMediaType(t)
	if err != nil {
		return ""
	}
	if _, ok := params["charset"]; ok && len(params) == 1 && strings.HasPrefix(mt, "text/") {
		return mt
	}
	return t
}
