package server

import (
	"net"
	"net/http"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/web"
	"github.com/roundtrip/roundtrip/route"
)

// reservedPrefix is roundtrip's own corner of the URL space: the
// inspector and the lab page's files.
const reservedPrefix = "/_roundtrip/"

// addRoutes registers every route the server answers: the whole API in one
// place. Routes under own are roundtrip's own: logged and counted, never
// captured, so the inspector does not fill with its own traffic.
func addRoutes(mux *http.ServeMux, d deps) {
	const (
		get   = http.MethodGet
		post  = http.MethodPost
		put   = http.MethodPut
		patch = http.MethodPatch
		del   = http.MethodDelete
	)
	own := func(pattern string, h http.Handler) { mux.Handle(pattern, observe.Uncaptured(h)) }

	// The lesson's Express route, and its POST variant.
	mux.Handle("/api/greeting", byMethod(map[string]http.Handler{
		get:  handleGreeting(),
		post: handleGreetingJSON(),
	}))

	// The coding challenge's routes, from its own table (package route), so
	// the two cannot drift apart.
	challenge := map[string]func(body string) http.Handler{
		"/hello": handleHello,
		"/time":  func(body string) http.Handler { return handleTime(d.now, body) },
		"/echo":  func(body string) http.Handler { return handleEcho(body, d.secrets) },
	}
	for _, rt := range route.Routes() {
		h, ok := challenge[rt.Path]
		if !ok {
			panic("server: the challenge's route " + rt.Path + " has no handler") // caught by every test
		}
		mux.Handle(rt.Path, byMethod(map[string]http.Handler{rt.Method: h(rt.Body)}))
	}

	// The experiments' building blocks, named as httpbin names them.
	anyMethod := func(h http.Handler) *methods {
		return byMethod(map[string]http.Handler{get: h, post: h, put: h, patch: h, del: h})
	}
	mux.Handle("/status/{code}", anyMethod(handleStatus(anyMethod(nil).allow))) // 405 sends the Allow that OPTIONS does
	mux.Handle("/delay/{seconds}", anyMethod(handleDelay()))

	mux.Handle("/healthz", byMethod(map[string]http.Handler{get: handleHealth()}))

	addOwnRoutes(mux, d)
	own(reservedPrefix, handleNotFound()) // the rest of roundtrip's corner of the URL space
	mux.Handle("/", handleNotFound())
}

// addOwnRoutes registers roundtrip's own routes: the lab page, its files
// and experiments, the inspector's API and /metrics. serve has them beside
// the lesson's; roundtrip proxy on the inspector's listener, alone.
func addOwnRoutes(mux *http.ServeMux, d deps) {
	const (
		get  = http.MethodGet
		post = http.MethodPost
		del  = http.MethodDelete
	)
	own := func(pattern string, h http.Handler) { mux.Handle(pattern, observe.Uncaptured(h)) }
	// The lab page at the exact root, its files, the experiments it runs and
	// its quiz (internal/web, internal/quiz): only for this server's own
	// names (d.local), against DNS rebinding. A load of the page with ?token=
	// is not captured: the token is the inspector's key.
	page := web.Page()
	tokened := observe.Uncaptured(page)
	mux.Handle("/{$}", d.local(byMethod(map[string]http.Handler{get: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A proxy's inspector shows the app's exchanges, not its own page's.
		if d.proxy || r.URL.Query().Has("token") {
			tokened.ServeHTTP(w, r)
			return
		}
		page.ServeHTTP(w, r)
	})})))
	own(web.StaticPrefix, d.local(byMethod(map[string]http.Handler{get: web.Assets(handleNotFound())})))
	own("/_roundtrip/api/experiments", d.local(byMethod(map[string]http.Handler{get: web.Experiments()})))
	own("/_roundtrip/api/challenge", d.local(byMethod(map[string]http.Handler{get: handleChallenge()})))
	// The check of a learner's server makes requests on the page's behalf:
	// guarded as the inspector's changes are, and to loopback only.
	own("/_roundtrip/api/challenge/check", d.guard(byMethod(map[string]http.Handler{post: handleChallengeCheck()})))
	own("/_roundtrip/api/quiz", d.local(byMethod(map[string]http.Handler{get: handleQuiz()})))

	// The inspector's API (internal/inspect) under the reserved prefix, and
	// the Prometheus metrics: this server's names only, no state changed for
	// another site's page, and the token beyond loopback (d.guard).
	if in := d.inspector; in != nil {
		own("/_roundtrip/api/exchanges", d.guard(byMethod(map[string]http.Handler{get: in.HandleList(), del: in.HandleClear()})))
		own("/_roundtrip/api/exchanges/{id}", d.guard(byMethod(map[string]http.Handler{get: in.HandleGet()})))
		own("/_roundtrip/api/exchanges/{id}/replay", d.guard(byMethod(map[string]http.Handler{post: in.HandleReplay()})))
		own("/_roundtrip/api/exchanges/{id}/as/{format}", d.guard(byMethod(map[string]http.Handler{get: in.HandleCopyAs()})))
		own("/_roundtrip/api/events", d.guard(byMethod(map[string]http.Handler{get: in.HandleEvents()})))
		own("/_roundtrip/api/har", d.guard(byMethod(map[string]http.Handler{get: in.HandleHAR(), post: in.HandleImport()})))
		own("/_roundtrip/api/store", d.guard(byMethod(map[string]http.Handler{get: in.HandleStore()})))
		own("/_roundtrip/api/diff", d.guard(byMethod(map[string]http.Handler{get: in.HandleDiff()})))
		// A permalink: the page, opened on exchange id (its script reads
		// the path), for this server's names only, as the page is.
		own("/_roundtrip/x/{id}", d.local(byMethod(map[string]http.Handler{get: page})))
	}
	own("/_roundtrip/api/info", d.guard(byMethod(map[string]http.Handler{get: d.info})))
	// A lookup the server makes for a page: its names only, and the token
	// beyond loopback, as for the inspector.
	own("/_roundtrip/api/resolve", d.guard(byMethod(map[string]http.Handler{get: handleResolve(net.DefaultResolver.LookupIPAddr)})))
	own("/metrics", d.guard(byMethod(map[string]http.Handler{get: d.metrics.handleMetrics()})))

}
