package server

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/roundtrip/roundtrip/internal/problem"
)

// access guards the inspector and the metrics: on a non-loopback listen
// they need the bearer token.
type access struct {
	token    string
	required atomic.Bool
}

// guard refuses a request without the token when one is required. The
// token may also come as ?token=, since EventSource and download links
// cannot set headers.
func (a *access) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.required.Load() && !a.allowed(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="roundtrip"`)
			problem.Write(w, r, problem.New(http.StatusUnauthorized,
				"This server listens beyond loopback, so the inspector needs the token printed at start: send Authorization: Bearer TOKEN."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *access) allowed(r *http.Request) bool {
	got := ""
	if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		got = strings.TrimSpace(auth[7:])
	} else if r.Method == http.MethodGet {
		got = r.URL.Query().Get("token")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(a.token)) == 1
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
