// Package reqbody reads request bodies within a bound, before the response
// starts: net/http discards the unread rest of a request once it does.
package reqbody

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/roundtrip/roundtrip/internal/problem"
)

// Max bounds every request body the server reads: 1 MiB, go-httpbin's
// default too.
const Max = 1 << 20

// Read reads the whole body, refusing more than Max bytes with a 413.
func Read(w http.ResponseWriter, r *http.Request) ([]byte, *problem.Details) {
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= Max {
		buf.Grow(int(r.ContentLength))
	}
	if _, p := copyBody(w, r, &buf); p != nil {
		return nil, p
	}
	return buf.Bytes(), nil
}

// Discard reads the whole body and keeps none of it, as Read refuses
// it, and returns its length.
func Discard(w http.ResponseWriter, r *http.Request) (int64, *problem.Details) {
	return copyBody(w, r, io.Discard)
}

// copyBody copies the body to dst, refusing more than Max bytes: a
// declared length without reading, a longer one at the limit.
func copyBody(w http.ResponseWriter, r *http.Request, dst io.Writer) (int64, *problem.Details) {
	if r.ContentLength > Max {
		return 0, TooLarge(r.ContentLength)
	}
	n, err := io.Copy(dst, Limit(w, r, Max))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return 0, TooLarge(-1)
	}
	if err != nil {
		return 0, problem.New(http.StatusBadRequest, "The request body could not be read completely.")
	}
	return n, nil
}

// Limit is http.MaxBytesReader on net/http's own ResponseWriter under w's
// wrappers: a limit hit there tells net/http to read no further and to
// close the connection after the answer; through a wrapper it would read on.
func Limit(w http.ResponseWriter, r *http.Request, n int64) io.ReadCloser {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	return http.MaxBytesReader(w, r.Body, n)
}

// TooLarge is the 413 for a body of n bytes, or of an unknown length
// over Max when n is not positive.
func TooLarge(n int64) *problem.Details {
	if n > 0 {
		return problem.New(http.StatusRequestEntityTooLarge, "The body is %d bytes; this server accepts at most %d bytes (1 MiB).", n, Max)
	}
	return problem.New(http.StatusRequestEntityTooLarge, "The body is larger than %d bytes (1 MiB), the most this server accepts.", Max)
}
