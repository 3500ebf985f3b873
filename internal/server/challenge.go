package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/roundtrip/roundtrip/internal/challenge"
	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/reqbody"
	"github.com/roundtrip/roundtrip/route"
)

// handleChallenge is GET /_roundtrip/api/challenge: the coding challenge's
// routes, cases and hints from package route, which the page's editor runs
// a learner's code against.
func handleChallenge() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		httpjson.Write(w, http.StatusOK, struct {
			Routes []route.Route     `json:"routes"`
			Cases  []route.Case      `json:"cases"`
			Hints  map[string]string `json:"hints"`
		}{route.Routes(), route.Cases(), route.Hints()})
	})
}

// Bounds on the page's check of a learner's server.
const (
	maxCheckBody     = 4 << 10 // {"server": URL} needs far less
	checkCaseTimeout = 3 * time.Second
	checkTimeout     = 30 * time.Second // the whole check, about 20 cases
)

// handleChallengeCheck is POST /_roundtrip/api/challenge/check with
// {"server": URL}: the server sends the challenge's cases to URL on the
// page's behalf (challenge.Check), as roundtrip challenge does, and answers
// the report. Since it makes requests for a page, it goes only to this
// machine (challenge.Loopback, enforced again at each dial) and runs one
// check at a time.
func handleChallengeCheck() http.Handler {
	busy := make(chan struct{}, 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(reqbody.Limit(w, r, maxCheckBody))
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			problem.Write(w, r, problem.New(http.StatusRequestEntityTooLarge, "The body is larger than %d bytes, the most a check's request needs.", maxCheckBody))
			return
		}
		if err != nil {
			problem.Write(w, r, problem.New(http.StatusBadRequest, "The request body could not be read completely."))
			return
		}
		var req struct {
			Server string `json:"server"`
		}
		if err := httpjson.Decode(body, &req); err != nil {
			problem.Write(w, r, problem.FromJSON(err))
			return
		}
		target, err := challenge.Target(req.Server)
		if err == nil {
			err = challenge.Loopback(target)
		}
		if err != nil {
			problem.Write(w, r, problem.New(http.StatusBadRequest, "Cannot check that server: %s.", err))
			return
		}
		select {
		case busy <- struct{}{}:
			defer func() { <-busy }()
		default:
			w.Header().Set("Retry-After", "1")
			problem.Write(w, r, problem.New(http.StatusServiceUnavailable, "A check is already running; try again when it has finished."))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
		defer cancel()
		hc := challenge.NewClient(checkCaseTimeout, true)
		defer hc.CloseIdleConnections()
		rep, err := challenge.Check(ctx, hc, target)
		var unreachable *challenge.Unreachable
		switch {
		case errors.As(err, &unreachable):
			problem.Write(w, r, problem.New(http.StatusBadGateway, "Cannot reach %s: %v. Is your server running?", target, unreachable.Err))
		case err != nil:
			problem.Write(w, r, problem.New(http.StatusGatewayTimeout, "The check of %s took more than %s in all.", target, checkTimeout))
		default:
			w.Header().Set("Cache-Control", "no-store")
			httpjson.Write(w, http.StatusOK, rep)
		}
	})
}
