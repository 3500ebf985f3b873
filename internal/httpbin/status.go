package httpbin

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/status"
)

// Status answers /status/{code} with that status, or with one chosen at
// random from a list such as 200:0.7,500:0.3 (weights default to 1;
// ?seed= repeats a choice). It sends what the status requires or needs to
// be of use: a Location to follow, a challenge to answer, the methods
// allowed (allow, as the route itself sends it), a range.
func (b *Bin) Status(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("code")
		code, p := chooseStatus(r, raw)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		writeStatus(w, r, code, allow, fmt.Sprintf("This %d was asked for at %s.", code, r.URL.Path))
	})
}

// maxChoices bounds the codes of a /status list.
const maxChoices = MaxCount

// chooseStatus reads /status/{code}: one code, or a weighted list from
// which it draws one with random(r).
func chooseStatus(r *http.Request, raw string) (int, *problem.Details) {
	const want = "use a status code from 100 to 599, or a list of them with optional weights, such as 200:0.7,500:0.3"
	if !strings.ContainsAny(raw, ",:") {
		code, err := strconv.Atoi(raw)
		if err != nil || code < 100 || code > 599 {
			return 0, badParam("code", raw, want)
		}
		return code, nil
	}
	var (
		codes   []int
		weights []float64
		total   float64
	)
	for item := range strings.SplitSeq(raw, ",") {
		if len(codes) == maxChoices {
			return 0, badParam("code", raw, want+"; at most "+strconv.Itoa(maxChoices)+" codes")
		}
		c, wt, hasWeight := strings.Cut(item, ":")
		code, err := strconv.Atoi(c)
		if err != nil || code < 100 || code > 599 {
			return 0, badParam("code", raw, want)
		}
		if code == http.StatusSwitchingProtocols {
			return 0, badParam("code", raw, "101 Switching Protocols only answers an Upgrade request; leave it out of the list")
		}
		weight := 1.0
		if hasWeight {
			weight, err = strconv.ParseFloat(wt, 64)
			if err != nil || math.IsNaN(weight) || math.IsInf(weight, 0) || weight < 0 {
				return 0, badParam("code", raw, "weights are numbers from 0 up, such as 200:0.7,500:0.3")
			}
		}
		codes = append(codes, code)
		weights = append(weights, weight)
		total += weight
	}
	if total <= 0 || math.IsInf(total, 0) {
		return 0, badParam("code", raw, "the weights must add up to more than 0")
	}
	rng, p := random(r)
	if p != nil {
		return 0, p
	}
	return codes[weightedChoice(rng, weights, total)], nil
}

// weightedChoice draws an index of weights, each chosen in proportion to
// its weight; total is their sum.
func weightedChoice(rng *rand.Rand, weights []float64, total float64) int {
	x := rng.Float64() * total
	last := 0
	for i, wt := range weights {
		if wt == 0 {
			continue
		}
		if x < wt {
			return i
		}
		x -= wt
		last = i
	}
	return last // rounding left x at the end: the last weighted choice
}

// writeStatus answers with code and what it needs; detail is the
// problem's for a 4xx or 5xx.
func writeStatus(w http.ResponseWriter, r *http.Request, code int, allow, detail string) {
	text := status.Text(code)
	if text == "" {
		text = "Unassigned"
	}
	h := w.Header()
	switch code {
	case http.StatusMultipleChoices, http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusUseProxy, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		h.Set("Location", "/hello") // the lesson's route: a client that follows lands on a 200
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", basicChallenge)
	case http.StatusPaymentRequired:
		h.Set("X-More-Info", "http://vimeo.com/22053820") // as go-httpbin sends them
	case http.StatusProxyAuthRequired:
		h.Set("Proxy-Authenticate", basicChallenge)
	case http.StatusMethodNotAllowed:
		h.Set("Allow", allow)
	case http.StatusRequestedRangeNotSatisfiable:
		h.Set("Content-Range", "bytes */0") // RFC 9110 §15.5.17: the representation's length
	case http.StatusTeapot:
		h.Set("X-More-Info", "http://tools.ietf.org/html/rfc2324")
	}
	switch {
	case code == http.StatusSwitchingProtocols:
		problem.Write(w, r, problem.New(http.StatusBadRequest, "101 Switching Protocols only answers an Upgrade request; it cannot be sent on demand."))
	case code < 200 && !r.ProtoAtLeast(1, 1):
		// RFC 9110 §15.2: no interim responses to an HTTP/1.0 client.
		answerText(w, http.StatusOK, fmt.Sprintf("%d %s is an informational response, which HTTP/1.0 clients do not understand, so only this 200 was sent.", code, text))
	case code < 200:
		// Other 1xx codes are interim: the client sees them, then the final answer.
		w.WriteHeader(code)
		answerText(w, http.StatusOK, fmt.Sprintf("Sent %d %s as an informational response, then this 200.", code, text))
	case noContent(code):
		w.WriteHeader(code)
	case code >= 400:
		if code == http.StatusTeapot {
			detail = "I'm a teapot! " + detail // go-httpbin's body, which clients' tests look for
		}
		p := problem.New(code, "%s", detail)
		p.Title = text
		problem.Write(w, r, p)
	case code == http.StatusPartialContent:
		body := "206 Partial Content"
		h.Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", len(body)-1, len(body)))
		answerText(w, code, body)
	default:
		answerText(w, code, fmt.Sprintf("%d %s", code, text))
	}
}

// Unstable answers 200, or 500 with probability ?failure_rate= (default
// 0.5); ?seed= repeats the draw.
func (b *Bin) Unstable() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rate := 0.5
		if raw := r.URL.Query().Get("failure_rate"); raw != "" {
			f, err := strconv.ParseFloat(raw, 64)
			if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
				problem.Write(w, r, badParam("failure_rate", raw, "use a probability from 0 to 1, such as 0.25"))
				return
			}
			rate = f
		}
		rng, p := random(r)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		code := http.StatusOK
		if rng.Float64() < rate {
			code = http.StatusInternalServerError
		}
		writeStatus(w, r, code, "", fmt.Sprintf("This %d was drawn at random, with failure_rate=%g.", code, rate))
	})
}
