package server

import "net/http"

// addRoutes registers every route the server answers: the whole API in one place.
func addRoutes(mux *http.ServeMux, d deps) {
	const (
		get   = http.MethodGet
		post  = http.MethodPost
		put   = http.MethodPut
		patch = http.MethodPatch
		del   = http.MethodDelete
	)
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
	mux.Handle("/", handleNotFound())
}
