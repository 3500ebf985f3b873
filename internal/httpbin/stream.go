package httpbin

// The streaming protocols: server-sent events, a WebSocket echo and HTTP
// trailers.

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

// SSE answers /sse?count=&duration=&delay=&jitter= as go-httpbin does:
// count events (default 10, at most MaxCount) named ping, whose data is
// {"id":n,"timestamp":unix-ms}, spread over duration (default 5s) after
// delay (default 0), each pause scaled by a random factor within ±jitter
// (0 to 1; ?seed= makes it repeatable). delay plus duration is at most
// MaxDuration. Each event is flushed as it is written, and the stream stops
// when the client leaves. Server-Timing comes as a trailer, declared in the
// head, since the stream's timings are known only at its end.
func (b *Bin) SSE() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		p, prob := parsePacing(r, pacing{count: 10, duration: 5 * time.Second}, true)
		if prob != nil {
			problem.Write(w, r, prob)
			return
		}
		if !sleep(r, p.delay) {
			return // the client left; the record says 499
		}
		pause := pausePerWrite(p.duration, p.count)
		h := w.Header()
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("Trailer", "Server-Timing")
		defer func() {
			pacedTiming(w, time.Since(start), p.delay, p.duration, pause)
		}()
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodHead {
			return // no body goes out: nothing to wait for
		}
		rc := http.NewResponseController(w)
		var buf []byte
		for i := range p.count {
			if i > 0 && !sleep(r, jittered(pause, p.jitter, p.rand)) {
				return
			}
			buf = appendEvent(buf[:0], i, b.cfg.Now())
			if !writeFlushed(w, rc, buf) {
				return // the client left
			}
		}
	})
}

// appendEvent appends go-httpbin's ping event with id and the time now.
func appendEvent(b []byte, id int, now time.Time) []byte {
	b = append(b, "event: ping\ndata: "...)
	data, _ := json.Marshal(struct {
		ID        int   `json:"id"`
		Timestamp int64 `json:"timestamp"`
	}{id, now.UnixMilli()})
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// The WebSocket echo's bounds beyond its query's: a client silent for
// wsIdle is closed with 1001 (going away), as is one still open after
// wsLifetime, however busy; a write to a client that does not read gives
// up after wsIdle too. The server's HTTP deadlines are cleared once the
// connection switches, as the proxy's tunnels clear them: these replace
// them, and they end with a close frame rather than a cut.
const (
	wsIdle     = MaxDuration
	wsLifetime = 6 * MaxDuration
)

// WebSocketEcho answers /websocket/echo?max_fragment_size=&max_message_size=
// as go-httpbin does: every text or binary message comes back as it was
// sent, in frames of at most max_fragment_size bytes (default MaxBytes/2,
// or max_message_size if less).
// A message over max_message_size (default and most MaxBytes) closes the
// connection with 1009 (message too big); text that is not UTF-8, with
// 1007. Pings get pongs, and a client's close frame is echoed with its
// code, as coder/websocket answers it. The handler returns when the client
// leaves, when it falls silent for wsIdle, or after wsLifetime.
func (b *Bin) WebSocketEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fragment, message, prob := parseEchoLimits(r)
		if prob == nil {
			prob = checkHandshake(w, r)
		}
		if prob != nil {
			problem.Write(w, r, prob)
			return
		}
		var idle *time.Timer
		touch := func() {
			if idle != nil {
				idle.Reset(wsIdle)
			}
		}
		c, err := websocket.Accept(clearDeadlines{w}, r, &websocket.AcceptOptions{
			// Any origin, as go-httpbin accepts: an echo sends back only
			// what the page itself sent, and reads no cookie or credential,
			// so a cross-origin page learns nothing it did not have.
			InsecureSkipVerify: true,
			OnPingReceived:     func(context.Context, []byte) bool { touch(); return true },
			OnPongReceived:     func(context.Context, []byte) { touch() },
		})
		if err != nil {
			return // Accept has answered
		}
		defer c.CloseNow()
		c.SetReadLimit(int64(message))
		goAway := func(why string) func() {
			return func() { _ = c.Close(websocket.StatusGoingAway, why) }
		}
		idle = time.AfterFunc(wsIdle, goAway("idle for "+wsIdle.String()))
		defer idle.Stop()
		life := time.AfterFunc(wsLifetime, goAway("open for "+wsLifetime.String()+", the most this server allows"))
		defer life.Stop()

		ctx := r.Context()
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return // closed, too big (answered 1009), or the client left
			}
			touch()
			if typ == websocket.MessageText && !utf8.Valid(msg) {
				_ = c.Close(websocket.StatusInvalidFramePayloadData, "a text message must be UTF-8")
				return
			}
			if echo(ctx, c, typ, msg, fragment) != nil {
				return
			}
		}
	})
}

// parseEchoLimits reads /websocket/echo's query.
func parseEchoLimits(r *http.Request) (fragment, message int, prob *problem.Details) {
	q := r.URL.Query()
	fragment, message = MaxBytes/2, MaxBytes
	limit := func(name string, v *int) {
		raw := q.Get(name)
		if !q.Has(name) || prob != nil {
			return
		}
		if *v, prob = parseCount(name, raw, MaxBytes); prob == nil && *v < 1 {
			prob = badParam(name, raw, "use a whole number of bytes from 1 to "+strconv.Itoa(MaxBytes))
		}
	}
	limit("max_fragment_size", &fragment)
	limit("max_message_size", &message)
	switch {
	case prob != nil:
	case !q.Has("max_fragment_size"):
		fragment = min(fragment, message) // go-httpbin refuses a smaller max_message_size alone
	case fragment > message:
		prob = badParam("max_fragment_size", q.Get("max_fragment_size"), fmt.Sprintf("use at most max_message_size (%d)", message))
	}
	return fragment, message, prob
}

// checkHandshake refuses, as a problem, a request that is not a WebSocket
// handshake, before coder/websocket would answer it in plain text: 426
// with the Upgrade a client needs (RFC 9110 §15.5.22), 400 with the
// version this server speaks (RFC 6455 §4.4), or 400 for a bad key.
func checkHandshake(w http.ResponseWriter, r *http.Request) *problem.Details {
	if !hasToken(r.Header["Connection"], "upgrade") || !hasToken(r.Header["Upgrade"], "websocket") {
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		return problem.New(http.StatusUpgradeRequired, "/websocket/echo speaks WebSocket only: open it with a WebSocket client (HTTP/1.1 with Connection: Upgrade and Upgrade: websocket).")
	}
	if v := r.Header.Get("Sec-WebSocket-Version"); v != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return problem.New(http.StatusBadRequest, "Sec-WebSocket-Version %q is not one this server speaks: use 13 (RFC 6455).", v)
	}
	keys := r.Header["Sec-Websocket-Key"]
	if key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.Join(keys, ""))); len(keys) != 1 || err != nil || len(key) != 16 {
		return problem.New(http.StatusBadRequest, "Sec-WebSocket-Key must be sent once, 16 random bytes in base64 (RFC 6455 §4.1).")
	}
	return nil
}

// echo sends msg back as one frame, or in frames of at most fragment bytes:
// coder/websocket writes a frame for each Write to a message's Writer.
func echo(ctx context.Context, c *websocket.Conn, typ websocket.MessageType, msg []byte, fragment int) error {
	ctx, cancel := context.WithTimeout(ctx, wsIdle)
	defer cancel()
	if len(msg) <= fragment {
		return c.Write(ctx, typ, msg)
	}
	mw, err := c.Writer(ctx, typ)
	if err != nil {
		return err
	}
	for len(msg) > 0 {
		n := min(fragment, len(msg))
		if _, err := mw.Write(msg[:n]); err != nil {
			return err
		}
		msg = msg[n:]
	}
	return mw.Close()
}

// clearDeadlines hands coder/websocket the connection with the server's
// HTTP read and write deadlines cleared: the echo bounds its own time.
// Its writes go through the connection Hijack returned, not the raw one
// under the ReadWriter beside it, which coder/websocket writes every frame
// to: the recorder counts what crosses the connection it returned, and
// would see none of the echo's frames.
type clearDeadlines struct{ http.ResponseWriter }

func (w clearDeadlines) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return c, rw, err
	}
	_ = c.SetDeadline(time.Time{})
	if err := rw.Writer.Flush(); err != nil { // nothing is pending: net/http flushed the head
		c.Close()
		return nil, nil, err
	}
	return c, bufio.NewReadWriter(rw.Reader, bufio.NewWriter(c)), nil
}

func (w clearDeadlines) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Trailers answers /trailers?name=value… as go-httpbin does: the request
// described as /anything describes it, then each query parameter as a
// trailer, declared in the Trailer header and sent after the body (chunked
// on HTTP/1.1, a trailing HEADERS frame on HTTP/2). A name that cannot be
// a trailer (forbiddenTrailer) gets a 400, as do more than MaxCount names.
func (b *Bin) Trailers() http.Handler {
	body := b.Body()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, prob := strictQuery(r)
		if prob != nil {
			problem.Write(w, r, prob)
			return
		}
		if len(q) > MaxCount {
			problem.Write(w, r, problem.New(http.StatusBadRequest, "%d trailers asked for; at most %d.", len(q), MaxCount))
			return
		}
		for name, values := range q {
			if prob := checkTrailer(name, values); prob != nil {
				problem.Write(w, r, prob)
				return
			}
		}
		if len(q) > 0 {
			names := make([]string, 0, len(q))
			for name := range q {
				names = append(names, http.CanonicalHeaderKey(name))
			}
			slices.Sort(names)
			w.Header().Set("Trailer", strings.Join(names, ", "))
		}
		body.ServeHTTP(w, r)
		// Chunked even with no trailer asked for, as go-httpbin sends it.
		_ = http.NewResponseController(w).Flush()
		for name, values := range q {
			w.Header()[http.CanonicalHeaderKey(name)] = values
		}
	})
}

// checkTrailer refuses a trailer that is not a field name or value, or
// one that cannot come after the content.
func checkTrailer(name string, values []string) *problem.Details {
	first := ""
	if len(values) > 0 {
		first = values[0]
	}
	if !servertiming.IsToken(name) {
		return badParam(name, first, "a trailer's name is a token (RFC 9110 §5.1)")
	}
	if forbiddenTrailer(name) {
		return badParam(name, first, "this field cannot be a trailer (RFC 9110 §6.5.1): it frames, routes, authenticates, modifies or describes the content, or controls the response, all of which is needed before the content")
	}
	for _, v := range values {
		if !validFieldValue(v) {
			return badParam(name, v, "a trailer's value has no control characters, and no space at either end (RFC 9110 §5.5)")
		}
	}
	return nil
}

// forbiddenTrailer reports whether a field cannot be sent as a trailer
// (RFC 9110 §6.5.1): what frames the message or is hop-by-hop, routes it,
// modifies the request (every If-*), authenticates or sets state,
// describes the content (every Content-*) or controls the response.
// go-httpbin's list is within it, and so is net/http's, which drops the
// others' values unsent.
func forbiddenTrailer(name string) bool {
	k := http.CanonicalHeaderKey(name)
	if framing(k) || strings.HasPrefix(k, "Content-") || strings.HasPrefix(k, "If-") {
		return true
	}
	switch k {
	case "Host", // routing
		"Cache-Control", "Expect", "Max-Forwards", "Pragma", "Range", // request modifiers
		"Authorization", "Proxy-Authenticate", "Proxy-Authorization", "Www-Authenticate", "Realm", "Cookie", "Set-Cookie", // authentication and state
		"Age", "Expires", "Location", "Retry-After", "Vary": // response controls
		return true
	}
	return false
}

// hasToken reports whether a comma-separated header's values list token,
// in any case.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
