package route_test

import (
	"fmt"

	"github.com/roundtrip/roundtrip/route"
)

func ExampleHandleRequest() {
	for _, r := range []route.Request{
		{Method: "GET", Path: "/hello"},
		{Method: "GET", Path: "/time?tz=UTC"},
		{Method: "POST", Path: "/echo"},
		{Method: "POST", Path: "/hello"},
		{Method: "GET", Path: "/missing"},
	} {
		res := route.HandleRequest(r)
		fmt.Printf("%s %s -> %d %s\n", r.Method, r.Path, res.Status, res.Body)
	}
	// Output:
	// GET /hello -> 200 Hello, World!
	// GET /time?tz=UTC -> 200 Current time
	// POST /echo -> 200 Echo received
	// POST /hello -> 405 Method Not Allowed
	// GET /missing -> 404 Not Found
}
