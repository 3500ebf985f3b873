// Package lab holds the lesson's four experiments as one table. The same
// table drives the lab page, which gets it as JSON, and `roundtrip lab`,
// which runs it in a terminal.
package lab

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Experiment is one of the seed's "Try these exercises", as a card of steps.
type Experiment struct {
	Name  string `json:"name"`  // short id, such as "greeting"
	Label string `json:"label"` // the seed's letter: a, b, c, d
	Title string `json:"title"`
	Task  string `json:"task"` // the seed's exercise, as written
	Steps []Step `json:"steps"`
	// Browser says what to look for in the browser itself, beyond the page.
	Browser string `json:"browser"`
}

// Step is one request and what it should produce.
type Step struct {
	Request Request `json:"request"`
	Want    Want    `json:"want"`
	// Why explains what happened, for someone who has not met HTTP before.
	Why string `json:"why"`
	// Browse offers the URL as a link, so the address bar sends it as a GET.
	Browse bool `json:"browse,omitempty"`
}

// Request is what a step sends. Path includes the query.
type Request struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// Want is the outcome a step expects: the status, and text that the named
// headers and the body must contain.
type Want struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []string          `json:"body,omitempty"`
}

// Experiments is the table: the seed's four exercises, in its order.
var Experiments = []Experiment{
	{
		Name:  "greeting",
		Label: "a",
		Title: "GET the greeting",
		Task:  "Start a simple HTTP server and visit it in your browser. Notice the request in the browser's Network tab.",
		Steps: []Step{{
			Request: Request{Method: http.MethodGet, Path: "/api/greeting?name=Alice"},
			Want: Want{
				Status:  http.StatusOK,
				Headers: map[string]string{"Content-Type": "application/json"},
				Body:    []string{`"message":"Hello, Alice!"`},
			},
			Why: "The client sent GET /api/greeting with the query name=Alice. The server's router matched the path and method " +
				"to the greeting handler, which read the name from the query and answered 200 OK with a JSON body. " +
				"This is the lesson's Express route and its fetch call, for real.",
			Browse: true,
		}},
		Browser: "Open your browser's developer tools (F12, or Ctrl+Shift+I; Cmd+Option+I on a Mac) and choose the Network tab, " +
			"then run this card again or open the link. A row named greeting?name=Alice appears: click it to see the method, " +
			"the status, the request and response headers, the body and the timing. The live list on this page shows the same exchange as the server saw it.",
	},
	{
		Name:  "method",
		Label: "b",
		Title: "Change GET to POST",
		Task:  "Change the HTTP method from GET to POST. What happens when you try to visit the URL directly in the browser?",
		Steps: []Step{
			{
				Request: Request{Method: http.MethodPost, Path: "/hello"},
				Want: Want{
					Status:  http.StatusMethodNotAllowed,
					Headers: map[string]string{"Allow": "GET, HEAD, OPTIONS"},
				},
				Why: "/hello exists, but only for GET. The path matched and the method did not, so the server answered " +
					"405 Method Not Allowed, not 404, and listed the methods it does accept in the Allow header.",
			},
			{
				Request: Request{Method: http.MethodGet, Path: "/echo"},
				Want: Want{
					Status:  http.StatusMethodNotAllowed,
					Headers: map[string]string{"Allow": "POST, OPTIONS"},
				},
				Why: "This is the other direction: /echo is a POST-only route, like the lesson's route once you change app.get to app.post. " +
					"Typing a URL in the address bar and pressing Enter always sends GET, so visiting a POST-only route in the browser gets 405. " +
					"To send a POST you need a form, fetch() from a script (as this page does), or a tool such as curl.",
				Browse: true,
			},
			{
				Request: Request{
					Method:  http.MethodPost,
					Path:    "/api/greeting",
					Headers: map[string]string{"Content-Type": "application/json"},
					Body:    `{"name": "Alice"}`,
				},
				Want: Want{Status: http.StatusOK, Body: []string{`"message":"Hello, Alice!"`}},
				Why: "A route that accepts POST takes its input from the body instead of the query. " +
					"/api/greeting answers both: GET reads ?name=, and POST reads a JSON body sent with Content-Type: application/json.",
			},
		},
		Browser: "Open the /echo link: the address bar sends GET, and the browser shows the server's 405 page.",
	},
	{
		Name:  "not-found",
		Label: "c",
		Title: "A route that answers 404",
		Task:  "Add a second route that returns a 404 status code. How does the browser display it?",
		Steps: []Step{
			{
				Request: Request{Method: http.MethodGet, Path: "/status/404"},
				Want: Want{
					Status:  http.StatusNotFound,
					Headers: map[string]string{"Content-Type": "application/problem+json"},
					Body:    []string{`"status":404`},
				},
				Why: "/status/{code} is a route whose handler answers with the code in its path, so this 404 is on purpose. " +
					"A 404 is still a complete response: fetch() does not throw, it resolves with response.ok false, and the code has to check it.",
			},
			{
				Request: Request{
					Method:  http.MethodGet,
					Path:    "/no/such/route",
					Headers: map[string]string{"Accept": "text/html"},
				},
				Want: Want{
					Status:  http.StatusNotFound,
					Headers: map[string]string{"Content-Type": "text/html"},
					Body:    []string{"404 Not Found"},
				},
				Why: "No route matches /no/such/route, so the router's fallback answers 404. The request said Accept: text/html, as a browser's address bar does, " +
					"so the server sent a small HTML page and the browser displays it like any page: the 404 appears only in the Network tab and the title. " +
					"fetch() and curl ask for */* and get the same problem as JSON (RFC 9457).",
				Browse: true,
			},
		},
		Browser: "Open the /no/such/route link: the browser shows the server's HTML 404 page, and the Network tab shows the status in red.",
	},
	{
		Name:  "invalid-json",
		Label: "d",
		Title: "Invalid JSON in a body",
		Task:  "Send a request with invalid JSON in the body. How does the server respond?",
		Steps: []Step{{
			Request: Request{
				Method:  http.MethodPost,
				Path:    "/api/greeting",
				Headers: map[string]string{"Content-Type": "application/json"},
				Body:    "{\n  \"name\": Bob\n}",
			},
			Want: Want{
				Status:  http.StatusBadRequest,
				Headers: map[string]string{"Content-Type": "application/problem+json"},
				Body:    []string{`"line":2`, `"column":11`},
			},
			Why: "Bob has no quotes, so the body is not JSON: strings in JSON are quoted. The server refused it with 400 Bad Request " +
				"before the handler used it, and its problem body names where the JSON broke, line 2 and column 11, as an editor would count them. " +
				"Answering 400 with the place of the mistake, rather than crashing or answering 500, is the server's half of the contract: " +
				"a 4xx says the client must change its request.",
		}},
		Browser: "Fix the body in the request builder (quote \"Bob\") and send it again: the answer becomes 200.",
	},
}

// Lookup returns the experiment with the given name or label.
func Lookup(name string) (Experiment, bool) {
	for _, x := range Experiments {
		if x.Name == name || x.Label == name {
			return x, true
		}
	}
	return Experiment{}, false
}

// Check compares a response with w and returns one sentence per mismatch;
// none means the outcome matched.
func (w Want) Check(status int, h http.Header, body []byte) []string {
	var bad []string
	if status != w.Status {
		bad = append(bad, fmt.Sprintf("status is %d; want %d", status, w.Status))
	}
	for _, name := range sortedKeys(w.Headers) {
		got, want := strings.Join(h.Values(name), ", "), w.Headers[name] // a field sent as several lines is one list (RFC 9110 §5.3)
		if !strings.Contains(got, want) {
			bad = append(bad, fmt.Sprintf("%s is %q; want it to contain %q", name, got, want))
		}
	}
	for _, want := range w.Body {
		if !strings.Contains(string(body), want) {
			bad = append(bad, fmt.Sprintf("body lacks %q", want))
		}
	}
	return bad
}

// Explain is a one-line, plain-English explanation of a status code.
func Explain(code int) string {
	if s, ok := statuses[code]; ok {
		return s
	}
	switch code / 100 {
	case 1:
		return "Informational: the server has more to say before its final answer."
	case 2:
		return "Success: the server understood the request and did it."
	case 3:
		return "Redirection: the client must look somewhere else to finish."
	case 4:
		return "Client error: the request was wrong, and sending it again unchanged will not help."
	case 5:
		return "Server error: the request may have been fine, but the server failed to answer it."
	}
	return "Not a standard HTTP status code."
}

// Statuses returns every status with its own explanation, keyed by code,
// for the page, which falls back to the class as Explain does.
func Statuses() map[string]string {
	m := make(map[string]string, len(statuses)+5)
	for code, s := range statuses {
		m[strconv.Itoa(code)] = s
	}
	for class := 1; class <= 5; class++ {
		m[strconv.Itoa(class)+"xx"] = Explain(class*100 + 99)
	}
	return m
}

var statuses = map[int]string{
	http.StatusContinue:              "Continue: the server is ready for the body; send it.",
	http.StatusOK:                    "OK: the request worked, and the body holds the answer.",
	http.StatusCreated:               "Created: the request made something new; Location says where it is.",
	http.StatusAccepted:              "Accepted: the server took the request on but has not finished it yet.",
	http.StatusNoContent:             "No Content: the request worked, and there is deliberately no body.",
	http.StatusMovedPermanently:      "Moved Permanently: this URL has a new home, named in Location; update your links.",
	http.StatusFound:                 "Found: look in Location for now; the move is temporary.",
	http.StatusSeeOther:              "See Other: the answer is at the URL in Location; fetch it with GET.",
	http.StatusNotModified:           "Not Modified: your cached copy is still good, so no body was sent.",
	http.StatusTemporaryRedirect:     "Temporary Redirect: repeat the same request, same method, at Location.",
	http.StatusPermanentRedirect:     "Permanent Redirect: repeat the same request, same method, at Location, from now on.",
	http.StatusBadRequest:            "Bad Request: the server could not understand the request, such as broken JSON; the body says what is wrong.",
	http.StatusUnauthorized:          "Unauthorized: the request needs credentials, or they were wrong.",
	http.StatusForbidden:             "Forbidden: the server knows who you are and still refuses.",
	http.StatusNotFound:              "Not Found: the server has nothing at this path; usually no route matches it.",
	http.StatusMethodNotAllowed:      "Method Not Allowed: the path exists, but not for this method; the Allow header lists the methods it takes.",
	http.StatusNotAcceptable:         "Not Acceptable: the server cannot answer in any format the Accept header allows.",
	http.StatusRequestTimeout:        "Request Timeout: the client took too long to send its request.",
	http.StatusConflict:              "Conflict: the request clashes with the current state of the resource.",
	http.StatusGone:                  "Gone: this existed once and was removed for good.",
	http.StatusRequestEntityTooLarge: "Content Too Large: the body is bigger than the server accepts.",
	http.StatusUnsupportedMediaType:  "Unsupported Media Type: the server does not take a body of this Content-Type.",
	http.StatusTeapot:                "I'm a teapot: an April Fools' joke from 1998 (RFC 2324) that stuck.",
	http.StatusUnprocessableEntity:   "Unprocessable Content: the body is well-formed but its values make no sense.",
	http.StatusTooManyRequests:       "Too Many Requests: slow down; Retry-After may say for how long.",
	http.StatusInternalServerError:   "Internal Server Error: the server failed while handling a request that may have been fine.",
	http.StatusNotImplemented:        "Not Implemented: the server does not support this method at all.",
	http.StatusBadGateway:            "Bad Gateway: a proxy in front of the server got a bad answer from it.",
	http.StatusServiceUnavailable:    "Service Unavailable: the server cannot answer now, perhaps overloaded or restarting.",
	http.StatusGatewayTimeout:        "Gateway Timeout: a proxy in front of the server gave up waiting for it.",
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
