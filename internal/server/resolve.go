package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
)

// resolveTimeout bounds one lookup; maxLookups bounds those at once, each
// a request the server makes for a page.
const (
	resolveTimeout = 3 * time.Second
	maxLookups     = 4
)

// resolved is GET /_roundtrip/api/resolve's answer. A name that does not
// exist, or a resolver that does not answer, is an answer of DNS too, so
// it is a 200 with error set, not a failure of this API.
type resolved struct {
	Name       string   `json:"name"`
	Addresses  []string `json:"addresses"`
	DurationMS float64  `json:"duration_ms"`
	Error      string   `json:"error,omitempty"`
}

// handleResolve is GET /_roundtrip/api/resolve?name=example.com: the name
// looked up through this machine's system resolver, timed, for the page's
// DNS demonstration.
func handleResolve(lookup func(ctx context.Context, host string) ([]net.IPAddr, error)) http.Handler {
	slots := make(chan struct{}, maxLookups)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(r.URL.Query().Get("name"), ".")
		if !hostname(name) {
			problem.Write(w, r, problem.New(http.StatusBadRequest, "A name to look up is letters, digits and hyphens in dot-separated labels, such as example.com, at most 253 characters."))
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		default:
			w.Header().Set("Retry-After", "1")
			problem.Write(w, r, problem.New(http.StatusServiceUnavailable, "%d lookups are under way, as many as this server makes at once; try again in a moment.", maxLookups))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), resolveTimeout)
		defer cancel()
		start := time.Now()
		addrs, err := lookup(ctx, name)
		out := resolved{Name: name, Addresses: []string{}, DurationMS: observe.Millis(time.Since(start))}
		for _, a := range addrs {
			out.Addresses = append(out.Addresses, a.String())
		}
		var de *net.DNSError
		switch {
		case err == nil:
		case errors.As(err, &de) && de.IsNotFound:
			out.Error = "no such name: the resolver says " + name + " does not exist"
		case errors.As(err, &de) && de.IsTimeout, errors.Is(err, context.DeadlineExceeded):
			out.Error = "no answer within " + resolveTimeout.String() + ": the resolver could not be reached"
		default:
			out.Error = "the lookup failed: the resolver could not answer"
		}
		w.Header().Set("Cache-Control", "no-store")
		httpjson.Write(w, http.StatusOK, out)
	})
}

// hostname reports whether s is a DNS name by RFC 1123's syntax: labels of
// letters, digits and hyphens, 1 to 63 characters, no hyphen at either
// end, 253 characters in all.
func hostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
