package server

import (
	"net/http"

	"github.com/roundtrip/roundtrip/internal/web"
)

// addRoutes registers every route the server answers: the whole API in one place.
func addRoutes(mux *http.ServeMux, d deps) {
	const (
		get   = http.MethodGet
		post  = http.MethodPost
		put   = http.MethodPut
		patch = http.MethodPatch
		del   = http.MethodDelete
	)
	// The lab page at the exact root, its files, and the experiments it runs (internal/web).
	mux.Handle("/{$}", byMethod(map[string]http.Handler{get: web.Page()}))
	mux.Handle(web.StaticPrefix, byMethod(map[string]http.Handler{get: web.Assets(handleNotFound())}))
	mux.Handle("/_roundtrip/api/experiments", byMethod(map[string]http.Handler{get: web.Experiments()}))

	// The lesson's Express route, and its POST variant.
	mux.Handle("/api/greeting", byMethod(map[string]http.Handler{
		get:  handleGreeting(),
		post: handleGreetingJSON(),
	}))

	// The coding challenge's three routes.
	mux.Handle("/hello", byMethod(map[string]http.Handler{get: handleHello()}))
	mux.Handle("/time", byMethod(map[string]http.Handler{get: handleTime(d.now)}))
	mux.Handle("/echo", byMethod(map[string]http.Handler{post: handleEcho()}))

	// The experiments' building blocks, named as httpbin names them.
	anyMethod := func(h http.Handler) *methods {
		return byMethod(map[string]http.Handler{get: h, post: h, put: h, patch: h, del: h})
	}
	mux.Handle("/status/{code}", anyMethod(handleStatus()))
	mux.Handle("/delay/{seconds}", anyMethod(handleDelay()))

	mux.Handle("/healthz", byMethod(map[string]http.Handler{get: handleHealth()}))

	// The inspector's API (internal/inspect) under the reserved prefix, and
	// the Prometheus metrics: both need the token beyond loopback.
	if in := d.inspector; in != nil {
		mux.Handle("/_roundtrip/api/exchanges", d.guard(byMethod(map[string]http.Handler{get: in.HandleList(), del: in.HandleClear()})))
		mux.Handle("/_roundtrip/api/exchanges/{id}", d.guard(byMethod(map[string]http.Handler{get: in.HandleGet()})))
		mux.Handle("/_roundtrip/api/events", d.guard(byMethod(map[string]http.Handler{get: in.HandleEvents()})))
		mux.Handle("/_roundtrip/api/har", d.guard(byMethod(map[string]http.Handler{get: in.HandleHAR()})))
	}
	mux.Handle("/metrics", d.guard(byMethod(map[string]http.Handler{get: d.metrics.handleMetrics()})))

	mux.Handle("/", handleNotFound())
}
