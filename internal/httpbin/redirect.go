package httpbin

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/roundtrip/roundtrip/internal/problem"
)

// Redirect answers /redirect/{n} with a 302 to the next of n redirects,
// ending at /get: relative, or absolute with ?absolute=true.
func (b *Bin) Redirect() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirectChain(w, r, !strings.EqualFold(r.URL.Query().Get("absolute"), "true"))
	})
}

// RelativeRedirect is Redirect with relative Locations.
func (b *Bin) RelativeRedirect() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { redirectChain(w, r, true) })
}

// AbsoluteRedirect is Redirect with absolute Locations.
func (b *Bin) AbsoluteRedirect() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { redirectChain(w, r, false) })
}

func redirectChain(w http.ResponseWriter, r *http.Request, relative bool) {
	raw := r.PathValue("n")
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > MaxCount {
		problem.Write(w, r, badParam("n", raw, "use a whole number of redirects from 1 to "+strconv.Itoa(MaxCount)))
		return
	}
	next := "/get"
	switch {
	case n > 1 && relative:
		next = "/relative-redirect/" + strconv.Itoa(n-1)
	case n > 1:
		next = "/absolute-redirect/" + strconv.Itoa(n-1)
	}
	if !relative {
		next = selfOrigin(r) + next
	}
	w.Header().Set("Location", next)
	w.WriteHeader(http.StatusFound)
}

// selfOrigin is this server's scheme and authority as the request named
// them, or its listening address when the request named none (HTTP/1.0).
func selfOrigin(r *http.Request) string {
	host := r.Host
	if host == "" {
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = a.String()
		}
	}
	return scheme(r) + "://" + host
}

// RedirectTo answers /redirect-to?url=&status_code= with a redirect to
// url, which must be a path on this server or this server's own absolute
// URL: anything else would make it an open redirect.
func (b *Bin) RedirectTo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		target, p := redirectTarget(r, q.Get("url"))
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		code := http.StatusFound
		if raw := q.Get("status_code"); raw != "" {
			c, err := strconv.Atoi(raw)
			if err != nil || c < 300 || c > 399 {
				problem.Write(w, r, badParam("status_code", raw, "use a redirect status from 300 to 399"))
				return
			}
			code = c
		}
		w.Header().Set("Location", target)
		w.WriteHeader(code)
	})
}

// redirectTarget is the Location for ?url=raw, or why it is not allowed.
func redirectTarget(r *http.Request, raw string) (string, *problem.Details) {
	const want = "use a path on this server, such as /get, or this server's own absolute URL"
	if raw == "" {
		return "", badParam("url", raw, "url is required; "+want)
	}
	if misread(raw) {
		return "", badParam("url", raw, "it holds a backslash or a control character, which browsers read differently; "+want)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", badParam("url", raw, "it is not a URL; "+want)
	}
	if u.User != nil {
		return "", badParam("url", raw, "it holds credentials; "+want)
	}
	if u.Scheme == "" && u.Host == "" && u.Opaque == "" {
		if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(raw, "//") {
			return "", badParam("url", raw, "it is not a path from the root; "+want)
		}
		return u.String(), nil
	}
	if !sameOrigin(u, r) {
		return "", badParam("url", raw, "it leads to another site, and this server redirects to none (no open redirect); "+want)
	}
	return u.String(), nil
}

// misread reports whether a browser would read a Location otherwise than
// it is written: it reads \ as / and drops tabs and newlines, so that
// /\evil.example and /<TAB>/evil.example are //evil.example to it.
func misread(v string) bool {
	return strings.ContainsAny(v, "\\") || strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c == 0x7f })
}

// localPath reports whether a Location is a path on this server, as a
// browser reads it: not an absolute or scheme-relative URL.
func localPath(v string) bool {
	return strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") && !misread(v)
}

// sameOrigin reports whether u is on the server r was sent to: the same
// scheme and authority, default ports aside.
func sameOrigin(u *url.URL, r *http.Request) bool {
	own := scheme(r)
	if !strings.EqualFold(u.Scheme, own) || r.Host == "" || u.Opaque != "" {
		return false
	}
	return strings.EqualFold(withoutDefaultPort(u.Host, own), withoutDefaultPort(r.Host, own))
}

func withoutDefaultPort(host, scheme string) string {
	if scheme == "http" {
		return strings.TrimSuffix(host, ":80")
	}
	return strings.TrimSuffix(host, ":443")
}
