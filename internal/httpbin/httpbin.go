// Package httpbin answers go-httpbin's endpoints by the same names and with
// the same semantics, where RFC 9110 allows them, so that roundtrip serve is
// a drop-in local httpbin; it adds /respond, which combines them. Each
// maker returns one endpoint's handler; the server's routes.go mounts them.
// Every size, count and duration a request asks for has a documented
// maximum, and a request beyond it gets a 400 problem naming the parameter.
package httpbin

import (
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

// The bounds every endpoint enforces. go-httpbin's defaults are the same:
// its clients' tests pass unchanged, and nothing a client asks for holds
// the server longer or makes it write more.
const (
	MaxDuration = 10 * time.Second // a delay, a drip, a stream's length; well inside the write timeout
	MaxBytes    = 1 << 20          // a body made to order (/bytes, /range, /drip, /respond), /base64's data, a WebSocket message
	MaxCount    = 100              // lines, redirects, events, /status's choices, trailers, /respond's fields and pieces
	MaxLinks    = 256              // /links' page: go-httpbin's bound, above MaxCount
	MaxAge      = 1 << 31          // /cache/{seconds}: RFC 9111 §1.2.2's largest delta-seconds
)

// Config configures a Bin. The zero value is usable.
type Config struct {
	// Secrets reflects credentials (Authorization, cookies, tokens) as
	// sent. Unset, they come back redacted as in a capture: the inspector
	// keeps every response body, and a screenshot of one travels.
	Secrets  bool
	Hostname string           // /hostname's answer; default "roundtrip"
	Version  string           // /version's; default "devel"
	Now      func() time.Time // default time.Now
}

// Bin makes the endpoints' handlers.
type Bin struct {
	cfg Config
}

// New returns a Bin configured by cfg.
func New(cfg Config) *Bin {
	if cfg.Hostname == "" {
		cfg.Hostname = "roundtrip"
	}
	if cfg.Version == "" {
		cfg.Version = "devel"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Bin{cfg: cfg}
}

// request is go-httpbin's description of a request without a body, the
// answer of /get and the start of most others'.
type request struct {
	Args    url.Values  `json:"args"`
	Headers http.Header `json:"headers"`
	Method  string      `json:"method"`
	Origin  string      `json:"origin"`
	URL     string      `json:"url"`
}

// describe describes r as go-httpbin does, with its credentials redacted
// unless Config.Secrets is set.
func (b *Bin) describe(r *http.Request) request {
	return request{
		Args:    b.args(r),
		Headers: b.headers(r),
		Method:  r.Method,
		Origin:  clientIP(r),
		URL:     b.redactURL(fullURL(r)),
	}
}

// args is r's query, each secret parameter's values redacted.
func (b *Bin) args(r *http.Request) url.Values {
	q := r.URL.Query()
	if !b.cfg.Secrets {
		for k, v := range q {
			if observe.IsSecretParam(k) {
				for i := range v {
					v[i] = observe.Redacted
				}
			}
		}
	}
	return q
}

// headers is r's header with Host, which net/http moves out of it, as
// go-httpbin sends it, and each secret header redacted.
func (b *Bin) headers(r *http.Request) http.Header {
	h := r.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h["Host"] = []string{r.Host}
	if !b.cfg.Secrets {
		h = observe.Redact(h)
	}
	return h
}

func (b *Bin) redactURL(u string) string {
	if b.cfg.Secrets {
		return u
	}
	return observe.RedactURL(u)
}

// clientIP is the address the request came from. Unlike go-httpbin it
// does not trust X-Forwarded-For and its kin: any client can send them.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// scheme is the scheme r came by: https over TLS, http otherwise.
func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// fullURL is the absolute URL r was sent to.
func fullURL(r *http.Request) string {
	u := url.URL{Scheme: scheme(r), Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	return u.String()
}

const (
	textType = "text/plain; charset=utf-8"
	htmlType = "text/html; charset=utf-8"
)

// writeDoc answers 200 with body, of type ctype, whole: a fixed document,
// a coded or random body, with its Content-Length.
func writeDoc(w http.ResponseWriter, ctype string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // a write error means the client left
}

// answerText answers code with a plain-text body.
func answerText(w http.ResponseWriter, code int, s string) {
	h := w.Header()
	h.Set("Content-Type", textType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, s) // a write error means the client left
}

// writeFlushed writes b and flushes it to the client, so that a paced
// body shows its pace; false means the client left.
func writeFlushed(w http.ResponseWriter, rc *http.ResponseController, b []byte) bool {
	if _, err := w.Write(b); err != nil {
		return false
	}
	return rc.Flush() == nil
}

// badParam is the 400 for a parameter (a path segment or a query
// parameter) the endpoint cannot use; want says what it takes.
func badParam(name, raw, want string) *problem.Details {
	p := problem.New(http.StatusBadRequest, "%s=%q is not usable: %s.", name, raw, want)
	p.Title = "Bad parameter " + name
	return p
}

// strictQuery is r's query, or a 400 where r.URL.Query would drop a
// malformed pair (a bad escape, a semicolon) without a word: a header or
// a cookie asked for would silently not be set.
func strictQuery(r *http.Request) (url.Values, *problem.Details) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, problem.New(http.StatusBadRequest, "The query is malformed: separate parameters with & and percent-encode %%, ; and + in values (%%25, %%3B, %%2B).")
	}
	return q, nil
}

// parseCount reads a whole number from 0 to max.
func parseCount(name, raw string, max int) (int, *problem.Details) {
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > max {
		return 0, badParam(name, raw, "use a whole number from 0 to "+strconv.Itoa(max))
	}
	return n, nil
}

// parsePositive reads a whole number from 1 to max; 0 gets its own word.
func parsePositive(name, raw string, max int) (int, *problem.Details) {
	n, p := parseCount(name, raw, max)
	if p == nil && n == 0 {
		p = badParam(name, raw, "use a whole number from 1 to "+strconv.Itoa(max))
	}
	return n, p
}

// parseFraction reads a number from 0 to 1.
func parseFraction(name, raw string) (float64, *problem.Details) {
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || !(f >= 0 && f <= 1) { // NaN fails both
		return 0, badParam(name, raw, "use a fraction from 0 to 1")
	}
	return f, nil
}

// parseDuration reads a duration from 0 to MaxDuration, written as
// go-httpbin takes it: seconds ("1.5") or a Go duration ("1500ms").
func parseDuration(name, raw string) (time.Duration, *problem.Details) {
	d, err := time.ParseDuration(raw)
	if err != nil {
		s, ferr := strconv.ParseFloat(raw, 64)
		if ferr != nil || math.IsNaN(s) || math.IsInf(s, 0) || s < 0 || s > MaxDuration.Seconds() {
			return 0, badParam(name, raw, "use seconds (1.5) or a duration (1500ms) from 0 to "+MaxDuration.String())
		}
		d = time.Duration(s * float64(time.Second))
	}
	if d < 0 || d > MaxDuration {
		return 0, badParam(name, raw, "use seconds (1.5) or a duration (1500ms) from 0 to "+MaxDuration.String())
	}
	return d, nil
}

// random is the source of an endpoint's random choices: from ?seed=, so
// that the same seed gives the same sequence of answers, or a random one.
func random(r *http.Request) (*rand.Rand, *problem.Details) {
	raw := r.URL.Query().Get("seed")
	if raw == "" {
		return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), nil
	}
	seed, p := parseSeed(raw)
	if p != nil {
		return nil, p
	}
	return rand.New(rand.NewPCG(seed, seed)), nil
}

// parseSeed reads a seed=: any uint64.
func parseSeed(raw string) (uint64, *problem.Details) {
	seed, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, badParam("seed", raw, "use a whole number from 0 to 18446744073709551615")
	}
	return seed, nil
}

// pacing is a paced stream's query, as /jsonl and /sse read it: count
// writes spread over duration after delay, each pause varied by ±jitter
// (0 to 1), drawn from rand (?seed=).
type pacing struct {
	count           int
	duration, delay time.Duration
	jitter          float64
	rand            *rand.Rand
}

// parsePacing reads ?count=&duration=&delay=&jitter=&seed= over the
// defaults in p; positive wants a count and a duration above 0, as /sse
// does. delay plus duration is at most MaxDuration.
func parsePacing(r *http.Request, p pacing, positive bool) (pacing, *problem.Details) {
	q := r.URL.Query()
	var prob *problem.Details
	if raw := q.Get("count"); raw != "" {
		if positive {
			p.count, prob = parsePositive("count", raw, MaxCount)
		} else {
			p.count, prob = parseCount("count", raw, MaxCount)
		}
		if prob != nil {
			return p, prob
		}
	}
	if raw := q.Get("duration"); raw != "" {
		if p.duration, prob = parseDuration("duration", raw); prob != nil {
			return p, prob
		}
		if positive && p.duration <= 0 {
			return p, badParam("duration", raw, "use a duration above 0, up to "+MaxDuration.String())
		}
	}
	if raw := q.Get("delay"); raw != "" {
		if p.delay, prob = parseDuration("delay", raw); prob != nil {
			return p, prob
		}
	}
	if raw := q.Get("jitter"); raw != "" {
		if p.jitter, prob = parseFraction("jitter", raw); prob != nil {
			return p, prob
		}
	}
	if p.delay+p.duration > MaxDuration {
		return p, tooLong(p.duration, p.delay)
	}
	p.rand, prob = random(r)
	return p, prob
}

// jittered is d scaled by a random factor within 1±jitter.
func jittered(d time.Duration, jitter float64, rng *rand.Rand) time.Duration {
	if jitter <= 0 {
		return d
	}
	return max(time.Duration(float64(d)*(1+jitter*(2*rng.Float64()-1))), 0)
}

// tooLong is the 400 for a delay and a duration each within MaxDuration
// whose sum is not: together they would hold the connection longer than
// any one wait may.
func tooLong(duration, delay time.Duration) *problem.Details {
	p := problem.New(http.StatusBadRequest, "delay=%s and duration=%s add up to %s; together they may take at most %s.", delay, duration, delay+duration, MaxDuration)
	p.Title = "Bad parameter duration"
	return p
}

// pausePerWrite spreads n writes over d as go-httpbin does: no pause after
// the last, rounded up so that the pauses fill d.
func pausePerWrite(d time.Duration, n int) time.Duration {
	if n <= 1 {
		return d
	}
	gaps := time.Duration(n - 1)
	return (d + gaps - 1) / gaps
}

// serverTiming sets Server-Timing to metrics: a header, or a trailer
// declared before the head.
func serverTiming(w http.ResponseWriter, metrics ...servertiming.Metric) {
	w.Header().Set("Server-Timing", string(servertiming.Append(nil, metrics...)))
}

// pacedTiming sets go-httpbin's Server-Timing for a paced body (/drip,
// /sse): the total time, the delay before the head, the duration of the
// writes after it and the pause between two.
func pacedTiming(w http.ResponseWriter, total, delay, duration, pause time.Duration) {
	serverTiming(w,
		servertiming.Metric{Name: "total_duration", Dur: total, Desc: "total request duration"},
		servertiming.Metric{Name: "initial_delay", Dur: delay, Desc: "initial delay"},
		servertiming.Metric{Name: "write_duration", Dur: duration, Desc: "duration of writes after initial delay"},
		servertiming.Metric{Name: "pause_per_write", Dur: pause, Desc: "computed pause between writes"},
	)
}

// noContent reports whether a status cannot carry content: 204, 205 and
// 304 (RFC 9110 §15).
func noContent(status int) bool {
	return status == http.StatusNoContent || status == http.StatusResetContent || status == http.StatusNotModified
}

// sleep waits d, or until the client leaves; it reports whether the wait
// ran its course.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}
