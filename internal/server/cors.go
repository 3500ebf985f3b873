package server

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// loopbackCORS lets a page from a loopback origin read the lesson's routes
// from another: the tour sends its request to tour-N.localhost, a second
// name for this server, so that the browser opens a new connection and
// times its handshake, and reads the answer, its X-Request-Id and its
// Server-Timing (Timing-Allow-Origin) across origins. No credentials are
// allowed, and roundtrip's own routes are left out: they keep their Host
// and Origin checks.
func loopbackCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !strings.HasPrefix(r.URL.Path, reservedPrefix) && r.URL.Path != "/metrics" && loopbackOrigin(o) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Timing-Allow-Origin", o)
			h.Set("Access-Control-Expose-Headers", "Server-Timing, X-Request-Id")
			h.Add("Vary", "Origin")
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackOrigin reports whether origin is an http(s) origin on this
// machine: localhost, a name under localhost, or a loopback address.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
