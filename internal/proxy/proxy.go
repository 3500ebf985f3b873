// Package proxy is roundtrip proxy's reverse proxy: net/http/httputil's
// ReverseProxy in front of any app. The observation middleware captures
// its exchanges as it does serve's; the proxy adds the upstream leg, its
// own request to the app, timed as a client sees it (client.Trace), on
// the same clock, so that a timeline shows the app's time beside the
// network's and the proxy's.
package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// DefaultTimeout is how long the app may take to begin its answer before
// the proxy answers 504.
const DefaultTimeout = 60 * time.Second

// Config configures a proxy. To is required.
type Config struct {
	To       *url.URL       // the app: http:// or https://, and a path prefix if any
	Insecure bool           // skip verifying an https:// app's certificate
	RootCAs  *x509.CertPool // the CAs an https:// app's certificate may chain to; nil: the system's
	Timeout  time.Duration  // for the app's answer to begin; default DefaultTimeout
	Secrets  bool           // keep secret query parameters in the upstream URL recorded (--capture-secrets)
	Logger   *slog.Logger   // the transport's errors; nil discards

	// MaxUpgrades bounds the requests that ask to switch protocols (a
	// WebSocket's), and so the switched connections, open at once;
	// default DefaultMaxUpgrades. Each holds two connections and, once
	// switched, four goroutines: ReverseProxy's copying both ways, its
	// watch on the request, and the handler's.
	MaxUpgrades int
	// MaxInFlight bounds the other requests in flight to the app at once,
	// streams included, until their answer ends; default
	// DefaultMaxInFlight. A request counts against one bound only.
	MaxInFlight int
}

// The proxy's bounds unless told otherwise. Beyond either, a request is
// answered 503 with Retry-After at once: a slot is never waited for.
const (
	DefaultMaxUpgrades = 256
	DefaultMaxInFlight = 1024
)

// legKey carries a request's upstream leg, idKey its request id and
// traceKey the leg's trace context, from the handler to the ReverseProxy's
// hooks.
type (
	legKey   struct{}
	idKey    struct{}
	traceKey struct{}
)

// propagate sends the upstream leg's traceparent on, a child of the
// proxy's own span, in place of the client's, with the client's
// tracestate checked and bounded (dropped when malformed, as the spec
// says): the app's span is then the leg's child, and the trace reads
// client → proxy → leg → app.
func propagate(pr *httputil.ProxyRequest) {
	c, ok := pr.In.Context().Value(traceKey{}).(trace.Context)
	if !ok {
		return
	}
	pr.Out.Header.Set("Traceparent", c.Traceparent())
	if st := trace.ParseState(pr.In.Header["Tracestate"]...); st != "" {
		pr.Out.Header.Set("Tracestate", st)
	} else {
		pr.Out.Header.Del("Tracestate")
	}
}

// New returns the proxy's handler: every request goes on to cfg.To.
func New(cfg Config) http.Handler {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	tr := newTransport(cfg)
	p := &proxy{cfg: cfg}
	p.bound()
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(cfg.To)
			pr.SetXForwarded()
			// The app gets the exchange's id, as from a load balancer, so
			// that its logs and the inspector name the request alike.
			if id, ok := pr.In.Context().Value(idKey{}).(string); ok {
				pr.Out.Header.Set("X-Request-Id", id)
			}
			propagate(pr)
			if leg, ok := pr.In.Context().Value(legKey{}).(*observe.Upstream); ok {
				leg.URL = pr.Out.URL.String()
				if !cfg.Secrets {
					leg.URL = observe.RedactURL(leg.URL)
				}
			}
		},
		Transport:      tr,
		BufferPool:     buffers{},
		ModifyResponse: p.answered,
		ErrorHandler:   p.failed,
		ErrorLog:       slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return p
}

// copyBuffers are the 32 KiB buffers ReverseProxy copies bodies with,
// kept for the next request rather than made for each.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// buffers is httputil.BufferPool over copyBuffers.
type buffers struct{}

func (buffers) Get() []byte  { return *copyBuffers.Get().(*[]byte) }
func (buffers) Put(b []byte) { copyBuffers.Put(&b) }

// newTransport is the transport to the app, with cfg's TLS and timeout.
func newTransport(cfg Config) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // the app is where --to says, whatever the environment
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: cfg.Insecure, RootCAs: cfg.RootCAs}, //nolint:gosec // --insecure asks for it
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256, // one app: as many idle as clients keep open
		IdleConnTimeout:     90 * time.Second,
		// A 504 when the app takes this long to begin: the body may then
		// stream for as long as it likes.
		ResponseHeaderTimeout: cfg.Timeout,
		ExpectContinueTimeout: time.Second,
		// What the app sends is what the client gets.
		DisableCompression: true,
	}
}

type proxy struct {
	cfg Config
	rp  *httputil.ReverseProxy
	// A token per request admitted: buffered channels, taken without
	// waiting.
	upgrades, inFlight chan struct{}
}

// bound fills in the bounds' defaults and makes their slots.
func (p *proxy) bound() {
	if p.cfg.MaxUpgrades <= 0 {
		p.cfg.MaxUpgrades = DefaultMaxUpgrades
	}
	if p.cfg.MaxInFlight <= 0 {
		p.cfg.MaxInFlight = DefaultMaxInFlight
	}
	p.upgrades = make(chan struct{}, p.cfg.MaxUpgrades)
	p.inFlight = make(chan struct{}, p.cfg.MaxInFlight)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	observe.Routed(w) // no routing: the proxy's work begins at once
	slots, held := p.inFlight, "requests in flight to the app"
	if upgrading(r.Header) {
		slots, held = p.upgrades, "protocol switches (WebSockets) open"
	}
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	default:
		w.Header().Set("Retry-After", "1")
		problem.Write(w, r, problem.New(http.StatusServiceUnavailable, "This proxy has %d %s, as many as it keeps; try again once one ends.", cap(slots), held))
		return
	}
	p.serve(w, r)
}

// upgrading reports whether a request with headers h asks to switch
// protocols, as ReverseProxy reads it: an Upgrade header, and Upgrade
// among Connection's tokens.
func upgrading(h http.Header) bool {
	if up := h["Upgrade"]; len(up) == 0 || up[0] == "" {
		return false // most requests: one map lookup
	}
	for _, v := range h["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.Trim(tok, " \t"), "upgrade") {
				return true
			}
		}
	}
	return false
}

// serve sends r on to the app, recording the upstream leg.
func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	timing := client.NewTrace()
	leg := new(observe.Upstream)
	ctx := context.WithValue(timing.Context(r.Context()), legKey{}, leg)
	if id := observe.RequestID(w); id != "" {
		ctx = context.WithValue(ctx, idKey{}, id)
	}
	if tc := observe.Trace(w); tc.Valid() {
		up := tc.Child()
		leg.SpanID = up.SpanID
		ctx = context.WithValue(ctx, traceKey{}, up)
	}
	r = r.WithContext(ctx)
	timing.Reset()
	defer func() {
		// Also when ReverseProxy aborts a response cut short by the app
		// (panic(http.ErrAbortHandler)): the leg is recorded either way.
		timing.Finish()
		tl := timing.Timeline()
		leg.Times = observe.UpstreamTimes{
			Start: tl.Start, DNSStart: tl.DNSStart, DNSDone: tl.DNSDone,
			ConnectStart: tl.ConnectStart, ConnectDone: tl.ConnectDone,
			TLSStart: tl.TLSStart, TLSDone: tl.TLSDone,
			GotConn: tl.GotConn, WroteRequest: tl.WroteRequest, FirstByte: tl.FirstByte, End: tl.End,
		}
		if tl.RemoteAddr != nil {
			leg.Remote = tl.RemoteAddr.String()
		}
		leg.Reused = tl.Reused
		observe.SetUpstream(w, leg)
	}()
	p.rp.ServeHTTP(w, r)
}

// answered notes the app's answer on the leg.
func (p *proxy) answered(res *http.Response) error {
	ctx := res.Request.Context()
	if leg, ok := ctx.Value(legKey{}).(*observe.Upstream); ok {
		leg.Proto, leg.Status = res.Proto, res.StatusCode
		leg.ServerTiming = strings.Join(res.Header.Values("Server-Timing"), ", ")
	}
	// The app echoing the id it was given: the client gets it once.
	if id, ok := ctx.Value(idKey{}).(string); ok && res.Header.Get("X-Request-Id") == id {
		res.Header.Del("X-Request-Id")
	}
	return nil
}

// failed answers a request the app did not answer: 504 when it took too
// long, 502 otherwise, naming the cause; nothing when the client left.
func (p *proxy) failed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(r.Context().Err(), context.Canceled) {
		return // the client went away: recorded as 499, nothing to answer
	}
	ne := client.Explain(err, hostPort(p.cfg.To), p.cfg.Timeout)
	if leg, ok := r.Context().Value(legKey{}).(*observe.Upstream); ok {
		leg.Error = ne.Error()
	}
	code := http.StatusBadGateway
	if ne.Kind == client.KindTimeout {
		code = http.StatusGatewayTimeout
	}
	problem.Write(w, r, problem.New(code, "The app at %s did not answer: %s.", p.cfg.To.Host, ne))
}

// hostPort is u's HOST:PORT, the port from its scheme when it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
