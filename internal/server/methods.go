package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
)

// methods dispatches one path by method. Unlike ServeMux's own 405, its
// answers are problems; it also gives HEAD to every GET and answers OPTIONS.
type methods struct {
	handlers map[string]http.Handler
	allow    string
}

// methodOrder is the order methods appear in Allow.
var methodOrder = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

func byMethod(handlers map[string]http.Handler) *methods {
	m := &methods{handlers: handlers}
	if h, ok := handlers[http.MethodGet]; ok {
		if _, ok := handlers[http.MethodHead]; !ok {
			handlers[http.MethodHead] = h // net/http drops the body of a HEAD
		}
	}
	allowed := make([]string, 0, len(handlers)+1)
	for _, name := range methodOrder {
		if _, ok := handlers[name]; ok || name == http.MethodOptions {
			allowed = append(allowed, name)
		}
	}
	for name := range handlers {
		if !slices.Contains(allowed, name) {
			panic("server: method " + name + " is missing from methodOrder")
		}
	}
	m.allow = strings.Join(allowed, ", ")
	return m
}

func (m *methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	observe.Routed(w)
	if h, ok := m.handlers[r.Method]; ok {
		h.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Allow", m.allow)
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	problem.Write(w, r, problem.New(http.StatusMethodNotAllowed,
		"%s is not allowed on %s. This path allows %s.", r.Method, r.URL.Path, m.allow))
}
