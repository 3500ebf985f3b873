// Package route is the lesson's coding challenge: a router that maps a
// method and a path to a status and a body, with no I/O.
package route

import "strings"

// Request is the part of an HTTP request that routing looks at.
type Request struct {
	Method string
	Path   string // may carry a query string, which routing ignores
}

// Response is what the router answers.
type Response struct {
	Status int
	Body   string
}

var (
	notFound         = Response{404, "Not Found"}
	methodNotAllowed = Response{405, "Method Not Allowed"}
)

// HandleRequest routes r: GET /hello, GET /time and POST /echo answer 200;
// any other path is 404; a known path with another method is 405.
// Methods are case-sensitive (RFC 9110 §9.1), so "get" is not GET.
func HandleRequest(r Request) Response {
	path := r.Path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	var method, body string
	switch path {
	case "/hello":
		method, body = "GET", "Hello, World!"
	case "/time":
		method, body = "GET", "Current time"
	case "/echo":
		method, body = "POST", "Echo received"
	default:
		return notFound
	}
	if r.Method != method {
		return methodNotAllowed
	}
	return Response{200, body}
}
