package server

import (
	"net/http"
	"strings"
)

// corsMethods are the methods a preflight allows: those the routes take.
const corsMethods = "GET, POST, HEAD, PUT, DELETE, PATCH, OPTIONS"

// cors answers browsers on the lesson's and httpbin's routes as go-httpbin
// does: any Origin is reflected, a preflight (OPTIONS with
// Access-Control-Request-Method) is answered 200 for every method the
// routes take and the headers asked for, and a page may read X-Request-Id,
// Server-Timing and, by Timing-Allow-Origin, the timings: the tour sends
// its request to tour-N.localhost, a second name for this server, so that
// the browser opens a new connection and times its handshake.
//
// Credentials are allowed, as go-httpbin allows them, only while secrets
// are redacted: cookies are shared by every port of a host, and with
// Config.CaptureSecrets another site's page could read what /cookies and
// /headers reflect of another local app's. roundtrip's own routes (its
// page, the inspector's API, /metrics) get no CORS at all: they keep their
// Host and Origin checks.
func cors(credentials bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if origin == "" || ownPath(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			if credentials {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", corsMethods)
				if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" {
					h.Set("Access-Control-Allow-Headers", asked)
				}
				h.Set("Access-Control-Max-Age", "3600")
				h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
				w.WriteHeader(http.StatusOK)
				return
			}
			h.Set("Access-Control-Expose-Headers", "Server-Timing, X-Request-Id")
			h.Set("Timing-Allow-Origin", origin)
			next.ServeHTTP(w, r)
		})
	}
}

// ownPath reports whether path is one of roundtrip's own routes: its page at
// the root, everything under the reserved prefix, and /metrics.
func ownPath(path string) bool {
	return path == "/" || path == "/metrics" || strings.HasPrefix(path, reservedPrefix)
}
