package server

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/roundtrip/roundtrip/internal/problem"
)

// access guards roundtrip's own pages, the inspector and the metrics:
//   - by Host, against DNS rebinding: a page on attacker.example whose name
//     comes to resolve to 127.0.0.1 reaches this server as same-origin, and
//     only the Host header it sends gives it away;
//   - by Origin, against cross-site requests that change state;
//   - by token, beyond loopback (or always, when required).
type access struct {
	token    string
	hosts    []string // allowed names beyond the built-in ones, lowercase; ".name" allows its subdomains too
	always   bool     // the token is required on loopback too
	required atomic.Bool
	origins  *http.CrossOriginProtection
}

func newAccess(token string, hosts []string, always bool) *access {
	a := &access{token: token, always: always, origins: http.NewCrossOriginProtection()}
	for _, h := range hosts {
		a.hosts = append(a.hosts, normalHost(h))
	}
	a.origins.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, problem.New(http.StatusForbidden,
			"This request came from another site's page, and the inspector does not change its state for other sites."))
	}))
	return a
}

// listening sets what the listener decides: the token is needed unless
// addr reaches only this machine.
func (a *access) listening(addr net.Addr) { a.required.Store(a.always || !Loopback(addr)) }

// local refuses a request whose Host is not one of this server's names.
// The lesson's demo endpoints stay open to any Host; roundtrip's own pages
// do not, since they show or change what was captured.
func (a *access) local(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.hostAllowed(r.Host) {
			problem.Write(w, r, problem.New(http.StatusForbidden,
				"This server's own pages answer only to localhost, IP addresses and the names given with --allowed-host; %q is not one of them.", r.Host))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// guard is local, then the Origin check for requests that change state,
// then the token when one is required. The token may also come as ?token=,
// since EventSource and download links cannot set headers.
func (a *access) guard(next http.Handler) http.Handler {
	tokened := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.required.Load() && !a.tokenOK(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="roundtrip"`)
			problem.Write(w, r, problem.New(http.StatusUnauthorized,
				"The inspector needs the token printed at start: send Authorization: Bearer TOKEN."))
			return
		}
		next.ServeHTTP(w, r)
	})
	return a.local(a.origins.Handler(tokened))
}

func (a *access) tokenOK(r *http.Request) bool {
	got := ""
	if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		got = strings.TrimSpace(auth[7:])
	} else if r.Method == http.MethodGet {
		got = r.URL.Query().Get("token")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(a.token)) == 1
}

// hostAllowed reports whether a Host header names this server. IP
// literals always do: a page can only send one as its Host when it was
// loaded from that address, so no rebinding is possible. So do localhost
// and its subdomains, which browsers resolve to loopback themselves
// (RFC 6761 §6.3). An empty Host is an HTTP/1.0 client's, not a browser's.
func (a *access) hostAllowed(hostport string) bool {
	if hostport == "" {
		return true
	}
	host := normalHost(hostport)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || net.ParseIP(host) != nil {
		return true
	}
	for _, h := range a.hosts {
		if host == h || strings.HasPrefix(h, ".") && (host == h[1:] || strings.HasSuffix(host, h)) {
			return true
		}
	}
	return false
}

// normalHost is a Host header's name: without its port or IPv6 brackets,
// lowercase, without a trailing dot.
func normalHost(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// Loopback reports whether addr reaches only this machine: a loopback IP,
// or a Unix socket. The unspecified 0.0.0.0 and :: listen everywhere.
func Loopback(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}
