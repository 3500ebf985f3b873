// Package status names HTTP status codes as RFC 9110 does, where Go's
// net/http still uses the older RFC 7231 phrases, and adds the one code
// roundtrip records that never goes on the wire.
package status

import "net/http"

// ClientClosedRequest is what roundtrip records when the client went away
// before the response began: nginx's 499. No response carries it.
const ClientClosedRequest = 499

// rfc9110 are the phrases RFC 9110 §15 renamed.
var rfc9110 = map[int]string{
	http.StatusRequestEntityTooLarge:        "Content Too Large",
	http.StatusRequestURITooLong:            "URI Too Long",
	http.StatusRequestedRangeNotSatisfiable: "Range Not Satisfiable",
	http.StatusUnprocessableEntity:          "Unprocessable Content",
	ClientClosedRequest:                     "Client Closed Request",
}

// Text is code's reason phrase, or "" for a code without one.
func Text(code int) string {
	if s, ok := rfc9110[code]; ok {
		return s
	}
	return http.StatusText(code)
}
