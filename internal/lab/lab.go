// Package lab holds the lesson's four experiments as one table. The same
// table drives the lab page, which gets it as JSON, and `roundtrip lab`,
// which runs it in a terminal, against any server: each outcome is judged
// against what HTTP specifies, apart from what only the lesson's server
// (roundtrip serve) does.
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
	// Browser says what to look for in the browser itself, beyond the page:
	// the page's wording, which may send its reader to the page's cards,
	// links and request builder.
	Browser string `json:"browser"`
	// Terminal is Browser for roundtrip lab's reader, who has none of
	// those: it refers to the URLs of the Browse steps, and to Try, which
	// roundtrip lab prints after it.
	Terminal string `json:"-"`
	// Try is a request to send by hand next, printed as a roundtrip
	// request command; nil for none.
	Try *Request `json:"-"`
}

// PageWords are the words that send a reader to the lab page's own parts
// (its cards, their links, the live list, the request builder): what
// roundtrip lab prints (Task, Why, Terminal) must not use them.
var PageWords = []string{"card", "link", "this page", "live list", "builder"}

// Step is one request and what it should produce.
type Step struct {
	Request Request `json:"request"`
	Want    Want    `json:"want"`
	// Why explains the outcome Want expects, for someone who has not met
	// HTTP before. It is shown whatever the server answered, so it says
	// what HTTP and the lesson's server do, never what "the server" did.
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

// Want is the outcome a step expects from the lesson's server: the status,
// and text that the named headers and the body must contain.
type Want struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []string          `json:"body,omitempty"`
	// Spec names the part of HTTP that gives this request Status, such as
	// "RFC 9110 §15.5.6", for a server whose routes are as the step's Why
	// says; empty when the status is the lesson's server's own, from a
	// route only it has.
	Spec string `json:"spec,omitempty"`
	// Required are the Headers Spec requires with Status (a 405's Allow),
	// present with any value. The other Headers, and Body, are how the
	// lesson's server answers where HTTP leaves the form to the server.
	Required []string `json:"required,omitempty"`
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
			Why: "GET /api/greeting with the query name=Alice is the lesson's Express route and its fetch call. A server with that route " +
				"matches the path and method to the greeting handler, which reads the name from the query and answers 200 OK with a JSON body, " +
				"as roundtrip serve and the lesson's Express server do.",
			Browse: true,
		}},
		Browser: "Open your browser's developer tools (F12, or Ctrl+Shift+I; Cmd+Option+I on a Mac) and choose the Network tab, " +
			"then run this card again or open the link. A row named greeting?name=Alice appears: click it to see the method, " +
			"the status, the request and response headers, the body and the timing. The live list on this page shows the same exchange as the server saw it.",
		Terminal: "Open your browser's developer tools (F12, or Ctrl+Shift+I; Cmd+Option+I on a Mac), choose the Network tab, " +
			"and open the URL below. A row named greeting?name=Alice appears: click it to see the method, " +
			"the status, the request and response headers, the body and the timing.",
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
					Status:   http.StatusMethodNotAllowed,
					Headers:  map[string]string{"Allow": "GET, HEAD, OPTIONS"},
					Spec:     "RFC 9110 §15.5.6",
					Required: []string{"Allow"},
				},
				Why: "/hello exists, but only for GET. When the path matches and the method does not, HTTP's answer is " +
					"405 Method Not Allowed, not 404, with the methods the path does take in the Allow header (RFC 9110 §15.5.6). " +
					"Many routers, Express's among them, answer 404 instead unless the app says otherwise.",
			},
			{
				Request: Request{Method: http.MethodGet, Path: "/echo"},
				Want: Want{
					Status:   http.StatusMethodNotAllowed,
					Headers:  map[string]string{"Allow": "POST, OPTIONS"},
					Spec:     "RFC 9110 §15.5.6",
					Required: []string{"Allow"},
				},
				Why: "This is the other direction: /echo is a POST-only route, like the lesson's route once you change app.get to app.post. " +
					"Typing a URL in the address bar and pressing Enter always sends GET, so visiting a POST-only route in the browser gets 405 " +
					"from a server that follows HTTP. To send a POST you need a form, fetch() from a script (as the lab page does), or a tool " +
					"such as curl or roundtrip request.",
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
					"roundtrip serve's /api/greeting answers both: GET reads ?name=, and POST reads a JSON body sent with Content-Type: application/json. " +
					"The lesson's Express server has the GET route only.",
			},
		},
		Browser:  "Open the /echo link: the address bar sends GET, and the browser shows the server's 405 page.",
		Terminal: "Open the /echo URL below in a browser: the address bar sends GET, and the browser shows the server's answer to it.",
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
				Why: "roundtrip serve's /status/{code} is a route whose handler answers with the code in its path, so its 404 is on purpose. " +
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
					Spec:    "RFC 9110 §15.5.5",
				},
				Why: "When no route matches the path, the router's fallback answers 404 Not Found (RFC 9110 §15.5.5). The request said Accept: text/html, " +
					"as a browser's address bar does, so roundtrip serve sends a small HTML page, which the browser displays like any page: " +
					"the 404 shows only in the Network tab and the title. fetch() and curl ask for */* and get roundtrip serve's problem as JSON (RFC 9457).",
				Browse: true,
			},
		},
		Browser: "Open the /no/such/route link: the browser shows the server's HTML 404 page, and the Network tab shows the status in red.",
		Terminal: "Open the /no/such/route URL below in a browser: it shows the page the server sends for a path it has no route for, " +
			"and the Network tab shows its status, in red for a 4xx.",
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
				Spec:    "RFC 9110 §15.5.1",
			},
			Why: "Bob has no quotes, so the body is not JSON: strings in JSON are quoted. A route that takes JSON refuses it with 400 Bad Request " +
				"before its handler uses it (RFC 9110 §15.5.1), and roundtrip serve's problem body names where the JSON broke, line 2 and column 11, " +
				"as an editor would count them. Answering 400 with the place of the mistake, rather than crashing or answering 500, is the server's " +
				"half of the contract: a 4xx says the client must change its request.",
		}},
		Browser:  "Fix the body in the request builder (quote \"Bob\") and send it again: the answer becomes 200.",
		Terminal: "Quote \"Bob\" and send the body again, with the command below: roundtrip serve then answers 200 with the greeting.",
		Try: &Request{
			Method:  http.MethodPost,
			Path:    "/api/greeting",
			Headers: map[string]string{"Content-Type": "application/json"},
			Body:    `{"name": "Bob"}`,
		},
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

// lessonServer is how Judge names the lesson's server.
const lessonServer = "roundtrip serve"

// Judge compares the response of a server, named server (see ServerName),
// to req with w. departs says, a sentence each, where it goes against
// what HTTP specifies: Spec's status, a Required header. differs says
// where it answers otherwise than the lesson's server where HTTP leaves
// the answer to the server: a status from a route only the lesson's server
// has, the other headers, the body. A 404 or 405 where w wants neither
// says the server lacks the route the step is about: what HTTP specifies
// for it does not apply, and that is a difference, not a departure.
// Headers and body are compared only once the status is w's.
func (w Want) Judge(server string, req Request, status int, h http.Header, body []byte) (departs, differs []string) {
	path, _, _ := strings.Cut(req.Path, "?")
	lacksRoute := w.Status != http.StatusNotFound && w.Status != http.StatusMethodNotAllowed
	switch {
	case status == w.Status:
	case lacksRoute && status == http.StatusNotFound:
		return nil, []string{fmt.Sprintf("%s answers 404 here: it has no route for %s %s, which %s answers with %d", server, req.Method, path, lessonServer, w.Status)}
	case lacksRoute && status == http.StatusMethodNotAllowed:
		return nil, []string{fmt.Sprintf("%s answers 405 here: it takes no %s at %s, which %s answers with %d", server, req.Method, path, lessonServer, w.Status)}
	case w.Spec != "":
		return []string{fmt.Sprintf("%s answers %d here; %s says %d", server, status, w.Spec, w.Status)}, nil
	default:
		return nil, []string{fmt.Sprintf("%s answers %d here, where %s answers %d", server, status, lessonServer, w.Status)}
	}
	for _, name := range sortedKeys(w.Headers) {
		got, want := strings.Join(h.Values(name), ", "), w.Headers[name]
		switch {
		case got == "" && slices.Contains(w.Required, name):
			departs = append(departs, fmt.Sprintf("%s sends no %s header with its %d; %s requires one", server, name, status, w.Spec))
		case !strings.Contains(got, want):
			differs = append(differs, fmt.Sprintf("%s sends %s: %q here, where %s's has %q", server, name, got, lessonServer, want))
		}
	}
	for _, want := range w.Body {
		if !strings.Contains(string(body), want) {
			differs = append(differs, fmt.Sprintf("%s's body lacks %q, which %s's has", server, want, lessonServer))
		}
	}
	return departs, differs
}

// ServerName names the server that sent h for Judge's sentences: the
// product of its Server header (nginx of nginx/1.27), else of its
// X-Powered-By (Express), else "this server". A name that is not a short
// plain token is not used: it is the server's to choose, and may be
// anything.
func ServerName(h http.Header) string {
	for _, field := range []string{"Server", "X-Powered-By"} {
		v := h.Get(field)
		if i := strings.IndexAny(v, "/ ("); i >= 0 {
			v = v[:i]
		}
		if v != "" && len(v) <= 32 && strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_") == "" {
			return v
		}
	}
	return "this server"
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
