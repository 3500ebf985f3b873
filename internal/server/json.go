package server

import (
	"net/http"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/problem"
)

func requireJSON(r *http.Request) *problem.Details {
	ct := r.Header.Get("Content-Type")
	if httpjson.Is(ct) {
		return nil
	}
	if ct == "" {
		return problem.New(http.StatusUnsupportedMediaType, "The request has no Content-Type; send JSON with Content-Type: application/json.")
	}
	return problem.New(http.StatusUnsupportedMediaType, "The body is %q, not JSON; send it with Content-Type: application/json.", ct)
}

// decodeJSON decodes exactly one JSON value from body into v; its problem
// names the line and column and never a Go type.
func decodeJSON(body []byte, v any) *problem.Details {
	if err := httpjson.Decode(body, v); err != nil {
		return problem.FromJSON(err)
	}
	return nil
}
