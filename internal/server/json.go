package server

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/problem"
)

// maxBodyBytes bounds every request body the server reads.
const maxBodyBytes = 1 << 20

// readBody reads the whole body, refusing more than maxBodyBytes. It reads
// before any response starts: net/http discards the unread rest of a request
// once the response begins.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *problem.Details) {
	if r.ContentLength > maxBodyBytes {
		return nil, tooLarge(r.ContentLength)
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(netHTTPWriter(w), r.Body, maxBodyBytes))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return nil, tooLarge(-1)
	}
	if err != nil {
		return nil, problem.New(http.StatusBadRequest, "The request body could not be read completely.")
	}
	return buf.Bytes(), nil
}

// netHTTPWriter is net/http's own ResponseWriter under w's wrappers. A
// body limit hit on it tells net/http to read no further and to close the
// connection after the answer; through a wrapper it would read on.
func netHTTPWriter(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

func tooLarge(n int64) *problem.Details {
	if n > 0 {
		return problem.New(http.StatusRequestEntityTooLarge, "The body is %d bytes; this server accepts at most %d bytes (1 MiB).", n, maxBodyBytes)
	}
	return problem.New(http.StatusRequestEntityTooLarge, "The body is larger than %d bytes (1 MiB), the most this server accepts.", maxBodyBytes)
}

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
