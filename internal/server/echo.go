package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/reqbody"
)

type echoed struct {
	Message string  `json:"message"`
	Request echoReq `json:"request"`
}

type echoReq struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   map[string][]string `json:"query"`
	Headers map[string]string   `json:"headers"`
	// Body is the parsed JSON when the Content-Type says JSON, the text
	// otherwise, and absent when empty. Bytes that are not UTF-8 come back
	// base64-encoded in BodyBase64.
	Body       any    `json:"body,omitempty"`
	BodyBase64 []byte `json:"body_base64,omitempty"`
}

// handleEcho is the challenge's POST /echo: it answers with the request it
// received, as the server saw it.
// Unless secrets is set, credentials are redacted as in a capture
// (observe.IsSecretHeader, observe.IsSecretParam): the capture keeps this
// body, and a screenshot of it travels.
func handleEcho(message string, secrets bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, p := reqbody.Read(w, r)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		req := echoReq{
			Method:  r.Method,
			Path:    r.URL.Path,
			Query:   r.URL.Query(),
			Headers: make(map[string]string, len(r.Header)+1),
		}
		req.Headers["Host"] = r.Host // on the wire, though net/http moves it out of Header
		for k, v := range r.Header {
			req.Headers[k] = strings.Join(v, ", ")
			if !secrets && observe.IsSecretHeader(k) {
				req.Headers[k] = observe.Redacted
			}
		}
		for k, v := range req.Query {
			if !secrets && observe.IsSecretParam(k) {
				for i := range v {
					v[i] = observe.Redacted
				}
			}
		}
		switch {
		case len(body) == 0:
		case httpjson.Is(r.Header.Get("Content-Type")):
			// Kept as the client's own JSON text, checked but not turned into
			// Go values: a 1 MiB body of [0,0,...] decoded into any took
			// 66 MB, 524,439 allocations and 171 ms (BenchmarkEchoWorstJSON);
			// checked in place, 4.5 MB, 65 and 28 ms. Keys keep their order
			// and numbers their digits. Only a
			// body that fails the check is decoded, for its error's position.
			if !json.Valid(body) || !utf8.Valid(body) {
				var v any
				p := decodeJSON(body, &v)
				if p == nil { // cannot happen: Valid and Decode agree
					p = problem.New(http.StatusBadRequest, "The body is not valid JSON.")
				}
				problem.Write(w, r, p)
				return
			}
			req.Body = json.RawMessage(body)
		case utf8.Valid(body):
			req.Body = string(body)
		default:
			req.BodyBase64 = body
		}
		httpjson.Write(w, http.StatusOK, echoed{Message: message, Request: req})
	})
}
