package cli

import (
	"fmt"
	"strings"

	"github.com/roundtrip/roundtrip/internal/client"
)

// requestArgs are request's arguments, [METHOD] URL [ITEM...], as HTTPie
// takes them: METHOD is there when the first of two or more arguments
// does not look like a URL, unless the second is a request item that does
// not either (localhost name==Alice). 127.0.0.1:3000/hello has an item's
// form too, so an item decides only when it cannot be a URL.
type requestArgs struct {
	method string // "" when not given
	url    string
	items  []string // after the URL: HTTPie's request items, once supported
}

func splitRequestArgs(args []string) (requestArgs, error) {
	var a requestArgs
	switch {
	case len(args) == 0:
		return a, usageError("request takes [METHOD] URL, such as roundtrip request POST localhost:3000/echo -d hi")
	case len(args) >= 2 && !looksLikeURL(args[0]) && (itemKind(args[1]) == "" || looksLikeURL(args[1])):
		a.method, args = args[0], args[1:]
	}
	a.url, a.items = args[0], args[1:]
	if a.method != "" && !client.IsToken(a.method) {
		return a, usageError("request: %q is not an HTTP method (a token, such as GET or PURGE)", a.method)
	}
	return a, nil
}

// looksLikeURL reports whether s is a URL rather than a method: methods
// are tokens without these, and URLs (even localhost:3000, /hello or
// example.com) have one.
func looksLikeURL(s string) bool { return strings.ContainsAny(s, "/:.[") }

// itemKind names the HTTPie request item s is, by its first separator
// (Name:value a header, name==value a query parameter, name=value and
// name:=json body fields, name@file a file, Name; an empty header), or ""
// when it is none, such as a stray word or a second URL.
func itemKind(s string) string {
	i := strings.IndexAny(s, ":=@;")
	if i <= 0 || strings.Contains(s, "://") {
		return ""
	}
	rest := s[i:]
	switch {
	case strings.HasPrefix(rest, "=="):
		return "query"
	case strings.HasPrefix(rest, ":="), strings.HasPrefix(rest, "="):
		return "field"
	case rest[0] == ':':
		return "header"
	case rest[0] == '@':
		return "file"
	case rest == ";":
		return "empty header"
	}
	return ""
}

// checkItems refuses what follows the URL. HTTPie's request items are the
// next step (issue 20 §2): they will feed the request's model here.
func checkItems(items []string) error {
	if len(items) == 0 {
		return nil
	}
	item := items[0]
	kind := itemKind(item)
	if kind == "" {
		return usageError("request: unexpected argument %q", item)
	}
	name, value, _ := strings.Cut(item, map[string]string{"query": "==", "header": ":", "field": "=", "file": "@", "empty header": ";"}[kind])
	name = strings.TrimSuffix(name, ":") // name:=json
	instead := map[string]string{
		"query":        fmt.Sprintf("put it in the URL's query: ?%s=%s", name, value),
		"header":       fmt.Sprintf("send the header with -H '%s: %s'", name, value),
		"field":        fmt.Sprintf(`send the body with --json -d '{"%s": ...}'`, name),
		"file":         "send a file as the body with -d @FILE",
		"empty header": fmt.Sprintf("send the header with -H '%s;'", name),
	}[kind]
	return usageError("request: request items such as %q are not supported yet; %s", item, instead)
}
