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
		head  = http.MethodHead
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

	// go-httpbin's endpoints by its names (internal/httpbin), which are the
	// experiments' building blocks too. Those go-httpbin answers for any
	// method take the five a client sends with a meaning (and HEAD and
	// OPTIONS); the rest get a 405 that names them.
	bin := d.bin
	only := func(method string, h http.Handler) *methods { return byMethod(map[string]http.Handler{method: h}) }
	anyMethod := func(h http.Handler) *methods {
		return byMethod(map[string]http.Handler{get: h, post: h, put: h, patch: h, del: h})
	}
	withBody := func(h http.Handler) *methods {
		return byMethod(map[string]http.Handler{post: h, put: h, patch: h})
	}
	// The methods, and the request described back.
	mux.Handle("/get", only(get, bin.Get()))
	mux.Handle("/head", only(head, bin.Get()))
	mux.Handle("/post", only(post, bin.Body()))
	mux.Handle("/put", only(put, bin.Body()))
	mux.Handle("/patch", only(patch, bin.Body()))
	mux.Handle("/delete", only(del, bin.Body()))
	mux.Handle("/anything", anyMethod(bin.Anything()))
	mux.Handle("/anything/", anyMethod(bin.Anything()))
	mux.Handle("/headers", anyMethod(bin.Headers()))
	mux.Handle("/ip", anyMethod(bin.IP()))
	mux.Handle("/user-agent", anyMethod(bin.UserAgent()))
	mux.Handle("/dump/request", anyMethod(bin.DumpRequest()))
	mux.Handle("/hostname", anyMethod(bin.Hostname()))
	mux.Handle("/env", anyMethod(bin.Env()))
	mux.Handle("/version", anyMethod(bin.Version()))
	mux.Handle("/upload", withBody(bin.Upload()))
	// Authentication.
	mux.Handle("/basic-auth/{user}/{password}", anyMethod(bin.BasicAuth()))
	mux.Handle("/hidden-basic-auth/{user}/{password}", anyMethod(bin.HiddenBasicAuth()))
	mux.Handle("/bearer", anyMethod(bin.Bearer()))
	mux.Handle("/digest-auth/{qop}/{user}/{password}", anyMethod(bin.DigestAuth()))
	mux.Handle("/digest-auth/{qop}/{user}/{password}/{algorithm}", anyMethod(bin.DigestAuth()))
	// Status codes and failure.
	mux.Handle("/status/{code}", anyMethod(bin.Status(anyMethod(nil).allow))) // 405 sends the Allow that OPTIONS does
	mux.Handle("/unstable", anyMethod(bin.Unstable()))
	// Redirects.
	mux.Handle("/redirect/{n}", anyMethod(bin.Redirect()))
	mux.Handle("/relative-redirect/{n}", anyMethod(bin.RelativeRedirect()))
	mux.Handle("/absolute-redirect/{n}", anyMethod(bin.AbsoluteRedirect()))
	mux.Handle("/redirect-to", anyMethod(bin.RedirectTo()))
	// Caching.
	mux.Handle("/cache", anyMethod(bin.Cache()))
	mux.Handle("/cache/{seconds}", anyMethod(bin.CacheFor()))
	mux.Handle("/etag/{etag}", anyMethod(bin.ETag()))
	mux.Handle("/response-headers", anyMethod(bin.ResponseHeaders()))
	// Cookies.
	mux.Handle("/cookies", anyMethod(bin.Cookies()))
	mux.Handle("/cookies/set", anyMethod(bin.SetCookies()))
	mux.Handle("/cookies/delete", anyMethod(bin.DeleteCookies()))
	// Formats.
	mux.Handle("/json", anyMethod(bin.JSON()))
	mux.Handle("/jsonl", anyMethod(bin.JSONL()))
	mux.Handle("/xml", anyMethod(bin.XML()))
	mux.Handle("/html", anyMethod(bin.HTML()))
	mux.Handle("/robots.txt", anyMethod(bin.Robots()))
	mux.Handle("/deny", anyMethod(bin.Deny()))
	mux.Handle("/encoding/utf8", only(get, bin.UTF8()))
	mux.Handle("/gzip", anyMethod(bin.Gzip()))
	mux.Handle("/deflate", anyMethod(bin.Deflate()))
	mux.Handle("/brotli", anyMethod(bin.Brotli()))
	mux.Handle("/image", anyMethod(bin.Image()))
	mux.Handle("/image/{kind}", anyMethod(bin.ImageKind()))
	mux.Handle("/forms/post", only(get, bin.FormsPost()))
	// Dynamic data.
	mux.Handle("/bytes/{n}", anyMethod(bin.Bytes()))
	mux.Handle("/stream-bytes/{n}", anyMethod(bin.StreamBytes()))
	mux.Handle("/stream/{n}", anyMethod(bin.Stream()))
	mux.Handle("/range/{n}", anyMethod(bin.Range()))
	mux.Handle("/drip", anyMethod(bin.Drip()))
	mux.Handle("/delay/{seconds}", anyMethod(bin.Delay()))
	mux.Handle("/links/{n}", anyMethod(bin.Links()))
	mux.Handle("/links/{n}/{offset}", anyMethod(bin.Links()))
	mux.Handle("/base64/{data}", anyMethod(bin.Base64()))
	mux.Handle("/base64/{operation}/{data}", anyMethod(bin.Base64()))
	mux.Handle("/uuid", anyMethod(bin.UUID()))
	// Streaming protocols.
	mux.Handle("/sse", anyMethod(bin.SSE()))
	mux.Handle("/websocket/echo", only(get, bin.WebSocketEcho()))
	mux.Handle("/trailers", anyMethod(bin.Trailers()))
	// Every behaviour above, combined in one request.
	mux.Handle("/respond", anyMethod(bin.Respond()))

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
		own("/_roundtrip/api/exchanges/{id}/client", d.guard(byMethod(map[string]http.Handler{get: in.HandleBoth()})))
		own("/_roundtrip/api/reports", d.guard(byMethod(map[string]http.Handler{post: in.HandleReport()})))
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
