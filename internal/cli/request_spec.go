package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// requestSpec is the request the command line describes, built up from
// its flags and arguments before it becomes an http.Request: the URL,
// -H, HTTPie's request items, and the flags that make a body or a
// header (-d, -F, -u, -b) add to it.
type requestSpec struct {
	method  string // "" for GET, or POST when post is set
	url     *url.URL
	host    string          // -H Host's, sent in place of the URL's, as curl does
	header  http.Header     // what is sent beside Host and the transport's own
	removed map[string]bool // names -H 'Name:' took out, defaults included
	body    []byte
	post    bool // the body is data (-d, -F, data items): POST unless a method is given
}

func newRequestSpec(method string, u *url.URL) *requestSpec {
	return &requestSpec{method: method, url: u, header: http.Header{}, removed: map[string]bool{}}
}

// addHeader applies one -H, as curl does, or a header item, as HTTPie
// does, which agree: Host replaces the URL's host in the Host header, and
// a removal takes out what came before, a default included.
func (s *requestSpec) addHeader(a headerArg) error {
	if a.name == "Host" {
		if a.remove || a.value == "" {
			return usageError("request: %s cannot remove Host: HTTP/1.1 requires one", a.what())
		}
		if !validHost(a.value) {
			return usageError("request: %s is not a host a Host header can hold", a.what())
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

// addCookie adds c, name=value pairs, to the one Cookie header RFC 6265
// §5.4 allows.
func (s *requestSpec) addCookie(c string) {
	if old := s.header.Get("Cookie"); old != "" {
		c = old + "; " + c
	}
	s.header.Set("Cookie", c)
	delete(s.removed, "Cookie")
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
		if s.post {
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
	items  []string // after the URL: HTTPie's request items
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

// itemKind names the HTTPie request item s is, by its separator, or ""
// when it is none, such as a stray word or a second URL.
func itemKind(s string) string {
	it, ok := parseItem(s)
	if !ok || strings.Contains(s, "://") {
		return ""
	}
	switch it.sep {
	case "==", "==@":
		return "query"
	case ":", ";", ":@":
		return "header"
	}
	return "data"
}
