// Package quiz holds the lesson's Quick Quiz as one table. The same table
// drives the lab page, which gets it as JSON, `roundtrip quiz`, which asks
// it in a terminal, and the tests, which run every live check against the
// real server.
package quiz

import (
	"context"
	"net/http"

	"github.com/roundtrip/roundtrip/internal/lab"
)

// Question is one multiple-choice question, written for a learner who has
// never seen HTTP.
type Question struct {
	ID      string   `json:"id"` // a stable slug, the key of saved progress
	Text    string   `json:"text"`
	Choices []Choice `json:"choices"`
	Answer  int      `json:"answer"` // index into Choices
	// Why is shown after any answer, right or wrong.
	Why string `json:"why"`
	// Check, when set, proves the answer against roundtrip serve's routes.
	Check *Check `json:"check,omitempty"`
}

// Choice is one possible answer. Note, on a wrong choice, says why it is wrong.
type Choice struct {
	Text string `json:"text"`
	Note string `json:"note,omitempty"`
}

// Check is a live request whose outcome proves a question's answer: the
// experiments' Request and Want, the header worth showing, and what the
// outcome shows.
type Check struct {
	Request lab.Request `json:"request"`
	Want    lab.Want    `json:"want"`
	// Show names the response header to show beside the status line; it is
	// one of Want.Headers, so the tests hold its value to the claim.
	Show   string `json:"show,omitempty"`
	Proves string `json:"proves"`
}

// Run sends c to the server at base with hc and compares the outcome with
// c.Want, as roundtrip lab does for a step.
func (c Check) Run(ctx context.Context, hc *http.Client, base string) lab.Result {
	x := lab.Experiment{Steps: []lab.Step{{Request: c.Request, Want: c.Want}}}
	return lab.Run(ctx, hc, base, x)[0]
}

// jsonBody is the Content-Type of the JSON bodies the checks send.
var jsonBody = map[string]string{"Content-Type": "application/json"}

// Questions is the table, in the order the lesson meets the ideas: the two
// roles, the Network tab, GET and POST, 404 and 405, invalid JSON, DNS, the
// parts of a response, keep-alive and where a request's time goes.
var Questions = []Question{
	{
		ID:   "who-is-the-client",
		Text: "You open a web page in your browser. In that exchange, which one is the client?",
		Choices: []Choice{
			{Text: "The computer that holds the page, because many people use it", Note: "That one is the server: it waits for requests and answers each of them."},
			{Text: "The browser: it sends the request and waits for the answer"},
			{Text: "The network between them", Note: "The network carries the messages; it neither asks nor answers."},
			{Text: "Whichever machine is more powerful", Note: "Size has nothing to do with it: a phone can be a server, and a big machine a client."},
		},
		Answer: 1,
		Why: "The client is the side that starts the conversation by sending a request; the server is the side that waits for " +
			"requests and answers each one. The roles say who asks, not what the machines are. This page is a client too: " +
			"everything it shows came from the server that sent it.",
	},
	{
		ID:   "roles-not-machines",
		Text: "Your app's server asks a database server for some rows. In that conversation, what is your app's server?",
		Choices: []Choice{
			{Text: "Still a server, because it is a server", Note: "A program can be a server to browsers and, at the same moment, a client of the database."},
			{Text: "Neither: servers cannot talk to each other", Note: "They do all the time: to databases, to other APIs, to DNS."},
			{Text: "The client: it sends the query and waits for the result"},
			{Text: "The database's router", Note: "A router picks a handler inside one server; it is not a side of the conversation."},
		},
		Answer: 2,
		Why: "Client and server are roles in one conversation. Your app serves the browser, then turns round and is a client " +
			"of the database, sending SQL and receiving rows, just as your computer is a client of a DNS server when it asks for an address.",
	},
	{
		ID:   "network-tab",
		Text: "You open the browser's developer tools, choose the Network tab and load a page. What is each row in the list?",
		Choices: []Choice{
			{Text: "One request the browser sent and the response that came back: method, status, headers, body and timing"},
			{Text: "One line of the server's source code", Note: "The browser never sees the server's code, only its answers."},
			{Text: "Only the requests that failed", Note: "Every request is listed, successful or not; failed ones are marked in red."},
			{Text: "A link on the page that you have not clicked yet", Note: "Links appear there only once the browser requests them."},
		},
		Answer: 0,
		Why: "The Network tab is the client's own record of the conversation: the page itself, its styles, scripts and images, and every " +
			"fetch() it makes, each with what came back. Click a row for its headers, its body and where its time went.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodGet, Path: "/api/greeting?name=Alice"},
			Want: lab.Want{
				Status:  http.StatusOK,
				Headers: map[string]string{"Content-Type": "application/json"},
				Body:    []string{`"message":"Hello, Alice!"`},
			},
			Show: "Content-Type",
			Proves: "This request is a row in your Network tab now: the method and URL that went out, the status and headers that came back. " +
				"Open the tab and check again to see it.",
		},
	},
	{
		ID:   "address-bar-sends-get",
		Text: "You type http://localhost:3000/api/greeting?name=Alice into the address bar and press Enter. Which method does the browser send?",
		Choices: []Choice{
			{Text: "POST", Note: "A POST needs a form, fetch() in a script or a tool such as curl; the address bar cannot send one."},
			{Text: "Whichever method the route expects", Note: "The browser cannot know what the server expects: it sends GET and shows what comes back."},
			{Text: "None: the address bar only looks the name up", Note: "Looking the name up (DNS) comes first, and then the request is sent."},
			{Text: "GET"},
		},
		Answer: 3,
		Why: "Typing a URL, following a link or reloading a page always sends GET, which means \"give me what is at this URL\". " +
			"Anything the request carries has to be in the URL itself, here in the query ?name=Alice.",
	},
	{
		ID:   "get-vs-post",
		Text: "The greeting needs a name. Where does a GET request carry it, and where does a POST?",
		Choices: []Choice{
			{Text: "Both in the body", Note: "Servers ignore a body on GET, so a GET's input goes in the URL."},
			{Text: "GET in the URL's query (?name=Alice), POST in the request's body"},
			{Text: "GET in a header, POST in the URL", Note: "It is the other way round: the URL for GET, the body for POST."},
			{Text: "Both in the URL; POST only encrypts it", Note: "POST encrypts nothing. HTTPS does, and it protects the URL's path and query as well as the body."},
		},
		Answer: 1,
		Why: "GET asks for something and puts its input in the URL, so it can be bookmarked, shared and repeated safely. " +
			"POST sends data for the server to handle, in the body, with a Content-Type header saying what kind of data it is.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodPost, Path: "/api/greeting", Headers: jsonBody, Body: `{"name": "Alice"}`},
			Want: lab.Want{
				Status:  http.StatusOK,
				Headers: map[string]string{"Content-Type": "application/json"},
				Body:    []string{`"message":"Hello, Alice!"`},
			},
			Show:   "Content-Type",
			Proves: "The same greeting came back, this time for a name sent as JSON in a POST's body rather than in the URL.",
		},
	},
	{
		ID:   "post-only-route",
		Text: "The route /echo only accepts POST. What happens when you visit http://localhost:3000/echo in the address bar?",
		Choices: []Choice{
			{Text: "The browser switches to POST for you", Note: "A browser never changes the method on its own."},
			{Text: "The server answers 404 Not Found", Note: "404 would mean there is no route at /echo; there is one, just not for GET."},
			{Text: "The server answers 405 Method Not Allowed, because the address bar sent GET"},
			{Text: "The page shows \"Echo received\"", Note: "That is the answer to a POST; the GET never reaches the handler."},
		},
		Answer: 2,
		Why: "The server's router found the path /echo but not for the method GET, so it answered 405 before any handler ran. " +
			"This is the lesson's second exercise: once app.get becomes app.post, the address bar can no longer reach the route.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodGet, Path: "/echo", Headers: map[string]string{"Accept": "text/html"}},
			Want: lab.Want{
				Status:  http.StatusMethodNotAllowed,
				Headers: map[string]string{"Allow": "POST"},
			},
			Show:   "Allow",
			Proves: "A GET, sent as the address bar sends it, got 405, and Allow says POST is what /echo takes.",
		},
	},
	{
		ID:   "not-found",
		Text: "A server answers 404 Not Found. What does that mean?",
		Choices: []Choice{
			{Text: "The server has nothing at that path: no route matches it"},
			{Text: "The server is down", Note: "A server that is down cannot answer at all; a 404 comes from a server that is running."},
			{Text: "Your internet connection failed", Note: "Then no status would arrive, and the browser would show its own error page."},
			{Text: "The path exists, but not for this method", Note: "That is 405 Method Not Allowed."},
		},
		Answer: 0,
		Why: "A 404 is a complete, ordinary response: the server received the request, looked for a route for its path and found none. " +
			"A browser shows the page that came with it; fetch() does not throw on a 404 but resolves with response.ok false, so the code must check.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodGet, Path: "/no/such/route"},
			Want: lab.Want{
				Status:  http.StatusNotFound,
				Headers: map[string]string{"Content-Type": "application/problem+json"},
				Body:    []string{"No route matches /no/such/route."},
			},
			Show:   "Content-Type",
			Proves: "A running server answered 404, with a body (a problem, RFC 9457) that says no route matches the path.",
		},
	},
	{
		ID:   "allow-header",
		Text: "POST /hello gets 405 Method Not Allowed. Which response header lists the methods /hello does accept?",
		Choices: []Choice{
			{Text: "Accept", Note: "Accept is a request header: the formats the client can read."},
			{Text: "Allow"},
			{Text: "Location", Note: "Location points to another URL, as in a redirect."},
			{Text: "Content-Type", Note: "Content-Type says what kind of body the message carries."},
		},
		Answer: 1,
		Why: "405 says the path exists but not for this method, and the server must list the methods that would work in the Allow header (RFC 9110). " +
			"A 404 says the path itself is unknown, so the two codes tell you whether to fix the URL or the method.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodPost, Path: "/hello"},
			Want: lab.Want{
				Status:  http.StatusMethodNotAllowed,
				Headers: map[string]string{"Allow": "GET"},
			},
			Show:   "Allow",
			Proves: "POST /hello got 405, and Allow names GET, the method /hello answers.",
		},
	},
	{
		ID:   "invalid-json",
		Text: "You POST {\"name\": Bob} to /api/greeting with Content-Type: application/json. Bob has no quotes. What should the server answer?",
		Choices: []Choice{
			{Text: "200 OK with a greeting for Bob", Note: "The server cannot know what a broken body meant; guessing would hide the mistake."},
			{Text: "500 Internal Server Error", Note: "A 5xx says the server failed. Here the request was wrong, which is a 4xx."},
			{Text: "Nothing: the connection hangs", Note: "A well-built server always answers, a bad request too."},
			{Text: "400 Bad Request, with a body that says where the JSON broke"},
		},
		Answer: 3,
		Why: "Strings in JSON must be quoted, so the body is not JSON. A 4xx status means the client has to change its request, and 400 Bad Request " +
			"says the request could not be understood. roundtrip's answer names the line and column where the JSON broke, as an editor counts them.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodPost, Path: "/api/greeting", Headers: jsonBody, Body: `{"name": Bob}`},
			Want: lab.Want{
				Status:  http.StatusBadRequest,
				Headers: map[string]string{"Content-Type": "application/problem+json"},
				Body:    []string{`"line":1`, `"column":10`},
			},
			Show:   "Content-Type",
			Proves: "The server refused the body with 400 and a problem whose line and column point at the B of Bob.",
		},
	},
	{
		ID:   "dns",
		Text: "Before the browser can send a request to example.com, what does DNS do?",
		Choices: []Choice{
			{Text: "It encrypts the request", Note: "That is TLS, the S in HTTPS."},
			{Text: "It checks that the page exists", Note: "DNS knows names and addresses only; only the server knows its pages."},
			{Text: "It turns the name example.com into the IP address of a server to connect to"},
			{Text: "It keeps a copy of the page to send it faster", Note: "That is a cache or a CDN."},
		},
		Answer: 2,
		Why: "Computers connect to numbers (IP addresses such as 192.0.2.10); people remember names. DNS is the internet's address book: " +
			"your computer is a client of a DNS server and asks \"what is the address of example.com?\". The answer is cached, so later " +
			"requests skip the lookup, and localhost needs none.",
	},
	{
		ID:   "status-code",
		Text: "What is a status code, such as 200, 404 or 503?",
		Choices: []Choice{
			{Text: "A three-digit number on the response's first line that says how the request went; its first digit is the kind of outcome"},
			{Text: "A number that identifies the server", Note: "The server is identified by its name and address, not by the status."},
			{Text: "An error number, sent only when something fails", Note: "Every response has one: 200 OK is a status code too."},
			{Text: "How long the request took, in milliseconds", Note: "Timing is measured by the client, or sent in a header such as Server-Timing."},
		},
		Answer: 0,
		Why: "Every response starts with a status line, such as HTTP/1.1 200 OK. Its first digit is the class: 2xx success, 3xx look elsewhere, " +
			"4xx the client's request was wrong, 5xx the server failed. Programs read the number; the words after it are for people.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodGet, Path: "/status/503"},
			Want: lab.Want{
				Status:  http.StatusServiceUnavailable,
				Headers: map[string]string{"Content-Type": "application/problem+json"},
			},
			Show:   "Content-Type",
			Proves: "/status/503 asks the server for that code: the status line says 503, a 5xx, the server's side of the conversation failing.",
		},
	},
	{
		ID:   "header",
		Text: "What is a header, such as Content-Type: application/json?",
		Choices: []Choice{
			{Text: "The first line of the body", Note: "Headers come before the body, separated from it by an empty line."},
			{Text: "The title of the page", Note: "A page's title is in its HTML, which is the body."},
			{Text: "A Name: value line before the body that tells the other side something about the message"},
			{Text: "A setting kept in the browser", Note: "Headers travel with each request and response; a cookie is only one of them."},
		},
		Answer: 2,
		Why: "Requests and responses both carry headers: Content-Type says what kind of body follows, Content-Length how long it is, " +
			"Allow which methods work, Accept what the client can read. The body is the content; the headers describe it.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodGet, Path: "/hello"},
			Want: lab.Want{
				Status:  http.StatusOK,
				Headers: map[string]string{"Content-Type": "text/plain"},
				Body:    []string{"Hello, World!"},
			},
			Show:   "Content-Type",
			Proves: "The body of /hello is plain text, and its Content-Type header says so, where /api/greeting's says application/json.",
		},
	},
	{
		ID:   "body",
		Text: "What is the body of a response?",
		Choices: []Choice{
			{Text: "The status line", Note: "The status line comes first and says how the request went."},
			{Text: "The content itself, such as HTML, JSON or text, sent after the status line and the headers"},
			{Text: "The headers", Note: "Headers describe the body; they come before it."},
			{Text: "The connection the response arrived on", Note: "The connection carries the whole message, body and all."},
		},
		Answer: 1,
		Why: "A response has three parts: the status line, the headers and then, after an empty line, the body, the actual content. " +
			"Some responses have none: 204 No Content, and every answer to HEAD, which asks for the headers alone.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodHead, Path: "/hello"},
			Want: lab.Want{
				Status:  http.StatusOK,
				Headers: map[string]string{"Content-Length": "13"},
			},
			Show:   "Content-Length",
			Proves: "HEAD got the status line and the headers but no body; Content-Length: 13 is the size of the body a GET gets, Hello, World!",
		},
	},
	{
		ID:   "keep-alive",
		Text: "The browser sends a second request to the same server just after the first. With keep-alive, what happens?",
		Choices: []Choice{
			{Text: "It opens a new connection for every request", Note: "That was HTTP/1.0's habit; since HTTP/1.1 a connection stays open unless a side sends Connection: close."},
			{Text: "The server sends the first answer again from memory", Note: "That is caching: keep-alive reuses the connection, not the answer."},
			{Text: "The server keeps the page running after you close it", Note: "Keep-alive is about the connection; the page lives only in the browser."},
			{Text: "It reuses the connection the first one opened, skipping the DNS lookup, the connect and the TLS handshake"},
		},
		Answer: 3,
		Why: "Opening a connection costs round trips (TCP's handshake, then TLS's) before a byte of the request is sent. Keeping it open for the " +
			"next request saves them: send twice from the request builder and the second one's connect and TLS take no time. " +
			"roundtrip serve keeps an idle connection open for 120 seconds.",
	},
	{
		ID:   "where-time-goes",
		Text: "A browser fetches https://example.com/ for the first time. In what order does the time of that request go?",
		Choices: []Choice{
			{Text: "DNS lookup, TCP connect, TLS handshake, waiting for the first byte, download"},
			{Text: "Download, DNS lookup, waiting, TLS handshake, TCP connect", Note: "Nothing can be downloaded before the server is found and connected to."},
			{Text: "TLS handshake, DNS lookup, TCP connect, download, waiting", Note: "TLS runs over the TCP connection, so it comes after connect, and connect needs the address from DNS."},
			{Text: "All at once: the phases overlap", Note: "Each phase needs the one before it: the address, then the connection, then the keys."},
		},
		Answer: 0,
		Why: "First the name becomes an address (DNS), then a TCP connection opens to it (connect), then HTTPS agrees on keys over it (TLS); " +
			"only then does the request go out. Waiting, the time to the first byte, is the trip there and back plus the server's work; " +
			"download is the body arriving. A reused connection skips the first three.",
	},
	{
		ID:   "waiting-is-the-server",
		Text: "GET /delay/0.5 answers after half a second. In which phase of the request does that half second show?",
		Choices: []Choice{
			{Text: "DNS lookup", Note: "DNS looks up the name once, before connecting; it never sees the path."},
			{Text: "TCP connect", Note: "The connection opens before the request, whatever its path."},
			{Text: "Waiting, the time to the first byte: the server is working before it answers"},
			{Text: "Download", Note: "The answer is a few bytes, which arrive at once when the server sends them."},
		},
		Answer: 2,
		Why: "The handler waits half a second before it writes a byte, so the client has sent its request and hears nothing until the answer " +
			"starts: the waiting phase. The server says where its own time went in the Server-Timing header; handler;dur= is milliseconds in the handler.",
		Check: &Check{
			Request: lab.Request{Method: http.MethodGet, Path: "/delay/0.5"},
			Want: lab.Want{
				Status:  http.StatusOK,
				Headers: map[string]string{"Server-Timing": "handler;dur="},
			},
			Show:   "Server-Timing",
			Proves: "Server-Timing's handler;dur= is about 500 ms: the half second was spent in the server's handler, while the client was waiting.",
		},
	},
}
