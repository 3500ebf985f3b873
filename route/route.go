// Package route is the lesson's coding challenge: a router that maps a
// method and a path to a status and a body, with no I/O. Its tables are
// the one source of the challenge: roundtrip's server registers its routes
// from Routes, and Cases, the tests HandleRequest passes, drive this
// package's tests, the lab page's editor and roundtrip challenge, which
// hold a learner's own code or server to the same cases.
package route

import "strings"

// Request is the part of an HTTP request that routing looks at.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"` // may carry a query string, which routing ignores
}

// Response is what the router answers.
type Response struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// Route is one route of the challenge: the one method a path answers and
// the body it answers with.
type Route struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   string `json:"body"`
}

// routes is the challenge's table, in the lesson's order.
var routes = [...]Route{
	{"GET", "/hello", "Hello, World!"},
	{"GET", "/time", "Current time"},
	{"POST", "/echo", "Echo received"},
}

// Routes returns the challenge's routing table, in the lesson's order.
func Routes() []Route { return append([]Route(nil), routes[:]...) }

var (
	notFound         = Response{404, "Not Found"}
	methodNotAllowed = Response{405, "Method Not Allowed"}
)

// HandleRequest routes r by the table: a path in it answers 200 with its
// body for its method and 405 for any other; any other path is 404.
// Methods are case-sensitive (RFC 9110 §9.1), so "get" is not GET. The
// lesson asks for nothing more, so HEAD and OPTIONS are 405 here too;
// the server adds what HTTP adds (HEAD wherever GET is, OPTIONS, Allow).
func HandleRequest(r Request) Response {
	path := r.Path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	for _, rt := range &routes {
		if rt.Path != path {
			continue
		}
		if r.Method != rt.Method {
			return methodNotAllowed
		}
		return Response{200, rt.Body}
	}
	return notFound
}
