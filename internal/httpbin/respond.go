package httpbin

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/reqbody"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

// respondSeeds is how many seeds /respond remembers where their sequence
// is; the one unused longest is forgotten first, and restarts when next
// used.
const respondSeeds = 1000

// Respond answers /respond, every behaviour of the other endpoints in one
// request, each parameter optional and all of them combinable:
//
//   - status=503: the status, 200 to 599 (default 200).
//   - delay=200ms, jitter=50ms: wait delay, plus or minus a random part of
//     jitter (never below 0), before the head; Server-Timing says how long
//     as delay;dur=. delay plus jitter is at most MaxDuration.
//   - header=Name:value, repeatable: response header fields. Those that
//     would break the framing (Content-Length, Transfer-Encoding, Trailer
//     and the hop-by-hop fields), the server's own (X-Request-Id,
//     Server-Timing, X-Content-Type-Options), those with a parameter of
//     their own (Content-Type, Content-Encoding) and a Location or Refresh
//     that leaves this server (an open redirect) are refused; MaxCount at
//     most.
//   - body=text: the content (default none, or drip's asterisks), at most
//     MaxBytes, and in practice less: the server takes a request target of
//     8 KiB at most (server.MaxHeaderLine). content-type=type/subtype
//     (default text/plain; charset=utf-8). As /base64 does, a body of a
//     type a browser could render as a page (anything but the inert list:
//     text/plain, application/json, application/octet-stream and
//     go-httpbin's octet-string) is HTML-escaped and sandboxed by
//     Content-Security-Policy, and a script, style or WebAssembly type is
//     refused: no page or script can be planted on this server's origin.
//   - gzip=true: the content gzip-encoded, with Content-Encoding, whatever
//     the request's Accept-Encoding: it tests a client's decoding.
//   - drip=10x100ms: the content in 10 pieces of near-equal size, 100ms
//     apart, each flushed; at most MaxCount pieces, one byte each at
//     least, and delay, jitter and the pauses add up to MaxDuration at
//     most.
//   - trailer=Name:value, repeatable: a trailer, declared in the head and
//     sent after the content (chunked on HTTP/1.1), with /trailers' rules;
//     MaxCount at most.
//   - close=after-headers or close=mid-body: the head (and, mid-body, half
//     the content, as Content-Length announced it whole) and then the
//     connection aborted: a Go client reads an unexpected EOF on HTTP/1.1
//     and a stream reset (INTERNAL_ERROR) on HTTP/2. The abort is
//     panic(http.ErrAbortHandler), which net/http turns into both, where a
//     hijack would work on HTTP/1.1 only. A HEAD has no content, so
//     either closes after the head.
//   - failure_rate=0.1, failure_status=503: a share of answers, 0 to 1,
//     that fail instead, after the same wait and with the same header=
//     fields: a problem with failure_status (400 to 599, default 500) and
//     none of the body, drip, trailer or close behaviours.
//   - seed=42: the same sequence of answers. Each request with seed S
//     takes the next draws of S's sequence (two: failure, then jitter),
//     so the nth request with seed S gets the nth answer of any server
//     started afresh: what a client's retries need. The server remembers
//     respondSeeds seeds; a seed it has forgotten, or never seen, starts
//     its sequence from the beginning.
//
// A parameter it does not know, one given twice (but header and trailer),
// a value it cannot use, or content asked of a status that has none (204,
// 205, 304) gets a 400 problem naming it; a query that would lose a
// parameter (a semicolon, a bad escape) gets a 400 too.
func (b *Bin) Respond() http.Handler {
	seeds := newSeedLog(respondSeeds)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, prob := strictQuery(r)
		var p respondPlan
		if prob == nil {
			p, prob = parseRespond(q)
		}
		if prob == nil {
			_, prob = reqbody.Read(w, r) // read, so the connection stays usable and the record has it
		}
		if prob != nil {
			problem.Write(w, r, prob)
			return
		}
		var failDraw, jitterDraw float64
		if p.seeded {
			failDraw, jitterDraw = seeds.next(p.seed)
		} else {
			failDraw, jitterDraw = rand.Float64(), rand.Float64()
		}
		wait := max(p.delay+time.Duration((2*jitterDraw-1)*float64(p.jitter)), 0)
		if !sleep(r, wait) {
			return // the client left; the record says 499
		}
		h := w.Header()
		for _, f := range p.headers {
			h.Add(f.name, f.value)
		}
		timing := []servertiming.Metric{{Name: "delay", Dur: wait, Desc: fmt.Sprintf("delay %s, jitter %s", p.delay, p.jitter)}}
		if p.failureRate > 0 && failDraw < p.failureRate {
			serverTiming(w, timing...)
			problem.Write(w, r, problem.New(p.failureStatus, "A simulated failure: failure_rate=%g, and this answer's draw was %.4f.", p.failureRate, failDraw))
			return
		}
		if p.pieces > 1 {
			timing = append(timing, servertiming.Metric{Name: "drip", Dur: time.Duration(p.pieces-1) * p.pause, Desc: fmt.Sprintf("%d pieces, %s apart", p.pieces, p.pause)})
		}
		serverTiming(w, timing...)
		if len(p.trailers) > 0 {
			names := make([]string, 0, len(p.trailers))
			for _, f := range p.trailers {
				if !slices.Contains(names, f.name) {
					names = append(names, f.name)
				}
			}
			h.Set("Trailer", strings.Join(names, ", "))
		}
		if !noContent(p.status) {
			if p.contentType != "" {
				h.Set("Content-Type", p.contentType)
			}
			if !p.inert {
				h.Set("Content-Security-Policy", sandboxCSP)
			}
			h.Set("X-Content-Type-Options", "nosniff")
			if p.gzip {
				h.Set("Content-Encoding", "gzip")
			}
			// Announced whole, so that a cut reads as one; chunked for
			// trailers, and for a head cut off before no content.
			if len(p.trailers) == 0 && (p.close != "after-headers" || len(p.body) > 0) {
				h.Set("Content-Length", strconv.Itoa(len(p.body)))
			}
		}
		w.WriteHeader(p.status)
		rc := http.NewResponseController(w)
		if p.close == "after-headers" || r.Method == http.MethodHead {
			if p.close != "" {
				abort(rc)
			}
			return
		}
		end := len(p.body)
		if p.close == "mid-body" {
			end /= 2
		}
		for i := range p.pieces {
			from, to := i*len(p.body)/p.pieces, (i+1)*len(p.body)/p.pieces
			if from >= end {
				break
			}
			if i > 0 && !sleep(r, p.pause) {
				return
			}
			if _, err := w.Write(p.body[from:min(to, end)]); err != nil {
				return
			}
			if p.pieces > 1 {
				_ = rc.Flush()
			}
		}
		if p.close == "mid-body" {
			abort(rc)
		}
		for _, f := range p.trailers {
			h.Add(f.name, f.value)
		}
	})
}

// abort sends what is written and aborts the response: net/http closes
// an HTTP/1.1 connection, and resets an HTTP/2 stream.
func abort(rc *http.ResponseController) {
	_ = rc.Flush()
	panic(http.ErrAbortHandler)
}

// headerField is a header= or trailer= parameter, read.
type headerField struct{ name, value string }

// respondPlan is a /respond request's parameters, checked.
type respondPlan struct {
	status        int
	delay, jitter time.Duration
	headers       []headerField
	body          []byte // as sent: escaped, then encoded
	contentType   string
	inert         bool // a type a browser shows as it is: no escaping, no sandbox
	gzip          bool
	pieces        int
	pause         time.Duration
	trailers      []headerField
	close         string
	failureRate   float64
	failureStatus int
	seed          uint64
	seeded        bool
}

// respondParams are /respond's parameters: true for those that repeat.
var respondParams = map[string]bool{
	"status": false, "delay": false, "jitter": false, "header": true, "body": false,
	"content-type": false, "gzip": false, "drip": false, "trailer": true, "close": false,
	"failure_rate": false, "failure_status": false, "seed": false,
}

func parseRespond(q url.Values) (respondPlan, *problem.Details) {
	p := respondPlan{status: http.StatusOK, failureStatus: http.StatusInternalServerError, pieces: 1}
	for name, values := range q {
		repeats, ok := respondParams[name]
		if !ok {
			return p, badParam(name, values[0], "not a parameter of /respond, which takes "+paramList())
		}
		if !repeats && len(values) > 1 {
			return p, badParam(name, values[1], "give it once")
		}
	}
	var prob *problem.Details
	one := func(name string, parse func(raw string) *problem.Details) {
		if raw, ok := q[name]; ok && prob == nil {
			prob = parse(raw[0])
		}
	}
	one("status", func(raw string) (prob *problem.Details) {
		p.status, prob = parseStatus("status", raw, 200)
		return prob
	})
	one("failure_status", func(raw string) (prob *problem.Details) {
		p.failureStatus, prob = parseStatus("failure_status", raw, 400)
		return prob
	})
	one("delay", func(raw string) (prob *problem.Details) {
		p.delay, prob = parseDuration("delay", raw)
		return prob
	})
	one("jitter", func(raw string) (prob *problem.Details) {
		p.jitter, prob = parseDuration("jitter", raw)
		return prob
	})
	one("drip", func(raw string) *problem.Details {
		const want = "use pieces x pause, such as 10x100ms: from 1 to %d pieces, a pause up to %s"
		n, d, ok := strings.Cut(raw, "x")
		pieces, err := strconv.Atoi(n)
		if !ok || err != nil || pieces < 1 || pieces > MaxCount {
			return badParam("drip", raw, fmt.Sprintf(want, MaxCount, MaxDuration))
		}
		pause, prob := parseDuration("drip", d)
		if prob != nil {
			return badParam("drip", raw, fmt.Sprintf(want, MaxCount, MaxDuration))
		}
		p.pieces, p.pause = pieces, pause
		return nil
	})
	one("failure_rate", func(raw string) (prob *problem.Details) {
		p.failureRate, prob = parseFraction("failure_rate", raw)
		return prob
	})
	one("seed", func(raw string) (prob *problem.Details) {
		p.seed, prob = parseSeed(raw)
		p.seeded = prob == nil
		return prob
	})
	one("close", func(raw string) *problem.Details {
		if raw != "after-headers" && raw != "mid-body" {
			return badParam("close", raw, "use after-headers or mid-body")
		}
		p.close = raw
		return nil
	})
	one("gzip", func(raw string) *problem.Details {
		on, err := strconv.ParseBool(raw)
		if raw == "" {
			on, err = true, nil // ?gzip alone
		}
		if err != nil {
			return badParam("gzip", raw, "use true or false")
		}
		p.gzip = on
		return nil
	})
	one("content-type", func(raw string) (prob *problem.Details) {
		p.contentType, p.inert, prob = servedType(raw, "use a media type, such as application/json or text/plain; charset=utf-8", "the body")
		return prob
	})
	if prob != nil {
		return p, prob
	}
	if len(q["header"]) > MaxCount {
		return p, badParam("header", q["header"][MaxCount], fmt.Sprintf("at most %d header fields", MaxCount))
	}
	for _, raw := range q["header"] {
		f, prob := parseField("header", raw)
		if prob == nil {
			prob = checkHeader(f, raw)
		}
		if prob != nil {
			return p, prob
		}
		p.headers = append(p.headers, f)
	}
	if len(q["trailer"]) > MaxCount {
		return p, badParam("trailer", q["trailer"][MaxCount], fmt.Sprintf("at most %d trailers", MaxCount))
	}
	for _, raw := range q["trailer"] {
		f, prob := parseField("trailer", raw)
		if prob == nil && forbiddenTrailer(f.name) {
			prob = badParam("trailer", raw, "this field cannot be a trailer (RFC 9110 §6.5.1): it frames, routes, authenticates, modifies or describes the content, or controls the response")
		}
		if prob != nil {
			return p, prob
		}
		p.trailers = append(p.trailers, f)
	}

	// The bounds of the parameters together.
	if p.delay+p.jitter > MaxDuration {
		return p, badParam("jitter", q.Get("jitter"), fmt.Sprintf("delay (%s) plus jitter must not pass %s", p.delay, MaxDuration))
	}
	if p.delay+p.jitter+time.Duration(p.pieces-1)*p.pause > MaxDuration {
		return p, badParam("drip", q.Get("drip"), fmt.Sprintf("delay plus jitter (%s) plus the pauses between pieces must not pass %s", p.delay+p.jitter, MaxDuration))
	}
	if noContent(p.status) {
		for _, name := range []string{"body", "content-type", "gzip", "drip", "trailer", "close"} {
			if q.Has(name) {
				return p, badParam(name, q.Get(name), fmt.Sprintf("a %d has no content (RFC 9110 §15)", p.status))
			}
		}
		return p, nil
	}

	// The content as it goes out.
	body := q.Get("body")
	if !q.Has("body") && q.Has("drip") {
		body = strings.Repeat("*", p.pieces) // as /drip sends
	}
	if len(body) > MaxBytes {
		return p, badParam("body", shorten(body), fmt.Sprintf("use at most %d bytes", MaxBytes))
	}
	switch {
	case body != "" && p.contentType == "":
		p.contentType, p.inert = textType, true
	case p.contentType == "":
		p.inert = true // no content, no type
	}
	if !p.inert {
		body = html.EscapeString(body)
	}
	p.body = []byte(body)
	if p.gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(p.body)
		_ = zw.Close()
		p.body = buf.Bytes()
	}
	if p.pieces > 1 && p.pieces > len(p.body) {
		return p, badParam("drip", q.Get("drip"), fmt.Sprintf("%d pieces need %d bytes of content at least; this one has %d", p.pieces, p.pieces, len(p.body)))
	}
	if p.close == "mid-body" && len(p.body) < 2 {
		return p, badParam("close", "mid-body", "mid-body needs 2 bytes of content at least, so that half of it is cut")
	}
	return p, nil
}

// paramList is /respond's parameters, sorted, for a problem's detail.
func paramList() string {
	names := make([]string, 0, len(respondParams))
	for name := range respondParams {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// parseStatus reads a final status from lo to 599.
func parseStatus(name, raw string, lo int) (int, *problem.Details) {
	code, err := strconv.Atoi(raw)
	if err != nil || code < lo || code > 599 {
		return 0, badParam(name, raw, fmt.Sprintf("use a status from %d to 599", lo))
	}
	return code, nil
}

// parseField reads Name:value, the value's surrounding whitespace trimmed.
func parseField(param, raw string) (headerField, *problem.Details) {
	name, value, ok := strings.Cut(raw, ":")
	value = strings.TrimSpace(value)
	if !ok || !servertiming.IsToken(name) || !validFieldValue(value) {
		return headerField{}, badParam(param, raw, "use Name:value, the name a token and the value without control characters (RFC 9110 §5)")
	}
	return headerField{http.CanonicalHeaderKey(name), value}, nil
}

// checkHeader refuses the header fields /respond does not let a request
// set.
func checkHeader(f headerField, raw string) *problem.Details {
	if refusedHeader(f.name) {
		return badParam("header", raw, "this server sets "+f.name+" itself, for the message's framing or its own use: use body, drip and trailer")
	}
	switch f.name {
	case "Content-Type":
		return badParam("header", raw, "use content-type=")
	case "Content-Encoding":
		return badParam("header", raw, "use gzip=true")
	case "X-Content-Type-Options":
		return badParam("header", raw, "the server sets this field itself")
	case "Location", "Refresh":
		if f.name == "Refresh" || !localPath(f.value) {
			return badParam("header", raw, "a redirect stays on this server: use a path such as /get, or /redirect-to")
		}
	}
	return nil
}

// seedLog is each recent seed's sequence of draws, at most max seeds,
// the least recently used forgotten first.
type seedLog struct {
	mu     sync.Mutex
	max    int
	recent *list.List // of *seedEntry, the most recently used first
	bySeed map[uint64]*list.Element
}

// seedEntry is one seed of a seedLog and where its sequence is.
type seedEntry struct {
	seed uint64
	rng  *rand.Rand
}

func newSeedLog(max int) *seedLog {
	return &seedLog{max: max, recent: list.New(), bySeed: make(map[uint64]*list.Element)}
}

// next is seed's next two draws, in [0, 1).
func (l *seedLog) next(seed uint64) (float64, float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.bySeed[seed]
	if ok {
		l.recent.MoveToFront(e)
	} else {
		if l.recent.Len() >= l.max {
			oldest := l.recent.Back()
			delete(l.bySeed, oldest.Value.(*seedEntry).seed)
			l.recent.Remove(oldest)
		}
		e = l.recent.PushFront(&seedEntry{seed, rand.New(rand.NewPCG(seed, seed))})
		l.bySeed[seed] = e
	}
	rng := e.Value.(*seedEntry).rng
	return rng.Float64(), rng.Float64()
}
