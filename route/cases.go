package route

import "maps"

// The lesson's rules, each checked by some of the cases: a learner whose
// code fails a case is told the rule it broke and given its hint.
const (
	RuleKnown   = "a known path answers its body"
	RuleUnknown = "an unknown path is 404"
	RuleMethod  = "a known path with another method is 405"
	RuleCase    = "methods are case-sensitive"
	RuleQuery   = "the query string plays no part"
)

// Case is one request of the challenge's test table and the response the
// lesson asks for, with the rule it checks.
type Case struct {
	Method string   `json:"method"`
	Path   string   `json:"path"`
	Want   Response `json:"want"`
	Rule   string   `json:"rule"`
}

// found is the 200 a known route answers with body.
func found(body string) Response { return Response{200, body} }

// cases is the test table, grouped by rule. Its odd requests (an empty
// method, a lowercase one, a path without a slash) are ones a function
// can be given even though an HTTP request line could not carry them all.
var cases = [...]Case{
	{"GET", "/hello", found("Hello, World!"), RuleKnown},
	{"GET", "/time", found("Current time"), RuleKnown},
	{"POST", "/echo", found("Echo received"), RuleKnown},

	// Unknown paths are 404 whatever the method.
	{"GET", "/", notFound, RuleUnknown},
	{"GET", "/nope", notFound, RuleUnknown},
	{"DELETE", "/nope", notFound, RuleUnknown},
	{"get", "/nope", notFound, RuleUnknown},
	{"", "", notFound, RuleUnknown},
	{"GET", "/hello/", notFound, RuleUnknown},
	{"GET", "/HELLO", notFound, RuleUnknown},
	{"GET", "hello", notFound, RuleUnknown},
	{"GET", "/echo/x", notFound, RuleUnknown},

	// Known paths with another method are 405.
	{"POST", "/hello", methodNotAllowed, RuleMethod},
	{"PUT", "/time", methodNotAllowed, RuleMethod},
	{"GET", "/echo", methodNotAllowed, RuleMethod},
	{"HEAD", "/hello", methodNotAllowed, RuleMethod},
	{"", "/hello", methodNotAllowed, RuleMethod},

	// Methods are case-sensitive (RFC 9110 §9.1).
	{"get", "/hello", methodNotAllowed, RuleCase},
	{"Post", "/echo", methodNotAllowed, RuleCase},

	// The query string plays no part in routing.
	{"GET", "/hello?x=1", found("Hello, World!"), RuleQuery},
	{"GET", "/time?", found("Current time"), RuleQuery},
	{"POST", "/echo?a=b&c", found("Echo received"), RuleQuery},
	{"POST", "/hello?x=1", methodNotAllowed, RuleQuery},
	{"GET", "/nope?hello", notFound, RuleQuery},
	{"GET", "?/hello", notFound, RuleQuery},
}

// Cases returns the challenge's test table: every case HandleRequest
// passes, and a learner's handleRequest must.
func Cases() []Case { return append([]Case(nil), cases[:]...) }

// hints is one sentence for each rule, for a learner whose code fails it.
var hints = map[string]string{
	RuleKnown:   "Look the path up in the routes table and, when the method is the one listed, return status 200 with exactly that route's body.",
	RuleUnknown: "Compare the whole path exactly, case and trailing slash included, and return {status: 404, body: 'Not Found'} for any path the table lacks, whatever the method.",
	RuleMethod:  "When the path is in the table but the method is not its method (HEAD and an empty method too), return {status: 405, body: 'Method Not Allowed'}: the path exists, so it is not 404.",
	RuleCase:    "Compare methods exactly, without changing their case: 'get' is not GET (RFC 9110 §9.1), so get /hello is 405.",
	RuleQuery:   "Cut the path at the first '?' before looking it up: /hello?x=1 is the path /hello with a query, and ?/hello is an empty path with one.",
}

// Hint is the hint for rule, or "" for a rule the table does not name.
func Hint(rule string) string { return hints[rule] }

// Hints returns every rule's hint, keyed by rule.
func Hints() map[string]string { return maps.Clone(hints) }
