package server

import (
	"io"
	"net/http"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
)

// handleHello is the challenge's GET /hello.
func handleHello(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, body)
	})
}

// handleTime is the challenge's GET /time, with the time itself.
func handleTime(now func() time.Time, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, body+": "+now().UTC().Format(time.RFC3339))
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
		observe.Routed(w)
		problem.Write(w, r, problem.New(http.StatusNotFound, "No route matches %s.", r.URL.Path))
	})
}

func writeText(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, s)
}
