package server

import (
	"io"
	"net/http"
	"time"
)

// handleHello is the challenge's GET /hello.
func handleHello() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, "Hello, World!")
	})
}

// handleTime is the challenge's GET /time, with the time itself.
func handleTime(now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, "Current time: "+now().UTC().Format(time.RFC3339))
	})
}

func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		writeText(w, http.StatusOK, "ok")
	})
}

// handleNotFound answers every path that no route claims.
func handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		markRouted(w)
		writeProblem(w, r, newProblem(http.StatusNotFound, "No route matches %s.", r.URL.Path))
	})
}

// Shared header values, assigned without Header.Set's canonicalising and
// allocation; nothing appends to them in place.
var (
	textPlain = []string{"text/plain; charset=utf-8"}
	appJSON   = []string{"application/json"}
	nosniff   = []string{"nosniff"}
)

func writeText(w http.ResponseWriter, status int, s string) {
	w.Header()["Content-Type"] = textPlain
	w.WriteHeader(status)
	_, _ = io.WriteString(w, s)
}
