package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// requestSpec is the request the command line describes, built up from
// its flags and arguments before it becomes an http.Request. HTTPie's
// request items (issue 20 §2) are to add to it as -H, -d and the URL do.
type requestSpec struct {
	method  string // "" for GET, or POST with a body
	url     *url.URL
	host    string          // -H Host's, sent in place of the URL's, as curl does
	header  http.Header     // what is sent beside Host and the transport's own
	removed map[string]bool // names -H 'Name:' took out, defaults included
	body    []byte
}

func newRequestSpec(method string, u *url.URL) *requestSpec {
	return &requestSpec{method: method, url: u, header: http.Header{}, removed: map[string]bool{}}
}

// addHeader applies one -H, as curl does: Host replaces the URL's host in
// the Host header, an empty value removes the header.
func (s *requestSpec) addHeader(a headerArg) error {
	if a.name == "Host" {
		if a.value == "" {
			return usageError("request: -H 'Host:' cannot remove Host: HTTP/1.1 requires one")
		}
		if !validHost(a.value) {
			return usageError("request: -H 'Host: %s' is not a host a Host header can hold", a.value)
		}
		s.host = a.value
		return nil
	}
	if a.remove {
		s.header.Del(a.name)
		s.removed[a.name] = true
		return nil
	}
	s.header.Add(a.name, a.value)
	delete(s.removed, a.name)
	return nil
}

// validHost reports whether h is a Host header's value net/http sends:
// it replaces any other with an empty one. The bytes are httpguts'
// (RFC 3986's reg-name, IP literals and a port).
func validHost(h string) bool {
	return !strings.ContainsFunc(h, func(r rune) bool {
		return r >= 0x80 || !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || strings.ContainsRune("!$%&'()*+,-.:;=[]_~", r))
	})
}

// defaultHeader sets name to value unless -H set or removed it.
func (s *requestSpec) defaultHeader(name, value string) {
	if s.header.Get(name) == "" && !s.removed[name] {
		s.header.Set(name, value)
	}
}

// request builds the http.Request.
func (s *requestSpec) request(ctx context.Context) (*http.Request, error) {
	method := s.method
	if method == "" {
		method = http.MethodGet
		if len(s.body) > 0 {
			method = http.MethodPost
		}
	}
	var body io.Reader
	if len(s.body) > 0 {
		body = bytes.NewReader(s.body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.url.String(), body)
	if err != nil {
		return nil, usageError("request: %v", err)
	}
	req.Header = s.header.Clone()
	if s.removed["User-Agent"] {
		req.Header["User-Agent"] = []string{""} // net/http's way to send none
	}
	req.Host = s.host
	return req, nil
}

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
