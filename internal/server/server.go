// Package server is roundtrip's HTTP server: the lesson's greeting API with
// correct HTTP semantics, the challenge's routes and the experiments'
// building blocks.
package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/httpbin"
	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/store"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// Limits that protect the server from slow or oversized clients. net/http
// enforces them, as its documentation says, on every protocol.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 30 * time.Second // above httpbin.MaxDuration, so /delay/10 completes
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 32 << 10 // the whole head, as nginx's 4 × 8k buffers; net/http reads up to 4 KiB past it
	MaxHeaderLine     = 8 << 10  // the request line and each header field, as nginx's 8k buffer

	// MaxConcurrentStreams bounds an HTTP/2 connection's requests in
	// flight, nginx's default: each pins a handler and its buffers.
	MaxConcurrentStreams = 128
)

// Config configures a Server. The zero value is usable.
type Config struct {
	Logger          *slog.Logger     // errors and warnings; nil discards
	AccessLog       *accesslog.Log   // one line per request; nil writes none
	ShutdownTimeout time.Duration    // how long in-flight requests may finish; default 15s
	Now             func() time.Time // the clock /time reads; default time.Now
	Version         string           // roundtrip's version, for /version

	// The inspector (internal/inspect): capture, its API under /_roundtrip/
	// and the token that guards it and /metrics beyond loopback.
	NoInspector     bool         // no capture and no inspector API
	History         int          // exchanges kept; default 1,000
	HistoryMaxBytes int64        // bytes they may hold; default 256 MiB
	MaxBodyCapture  int          // bytes kept of each body; default 64 KiB, negative keeps none
	CaptureSecrets  bool         // keep Authorization, Cookie and Set-Cookie values unredacted
	InspectorToken  string       // the bearer token beyond loopback; random when empty
	RequireToken    bool         // require the token on loopback too
	Store           *store.Store // keeps captures beyond the history and across restarts; nil keeps them in memory only
	Listener        string       // the listener's address, recorded with each exchange (a store may be shared)
	AllowedHosts    []string     // Host names roundtrip's own pages answer to beyond localhost and IP addresses; ".example.com" allows subdomains

	// Proxy, when set, makes this roundtrip proxy: every request on the
	// listener goes to it, captured, with no route of roundtrip's own, and
	// the inspector is served on a listener of its own (ServeInspector).
	// The listener has no read or write timeout then: the app's streams
	// and long uploads pass through.
	Proxy http.Handler
	// Forward marks Proxy as a forward proxy: its listener is no origin to
	// replay exchanges to, so a replay needs ?to=.
	Forward bool
	// Target is a reverse proxy's app, and Intercept a forward proxy's
	// --mitm: what the inspector says it watches (GET /_roundtrip/api/info).
	Target    string
	Intercept bool

	// TLS, when set, serves HTTPS with HTTP/2 negotiated by ALPN and
	// HTTP/1.1 as the fallback. H2C serves cleartext HTTP/2 (prior
	// knowledge) beside HTTP/1.1.
	TLS *tls.Config
	H2C bool

	// Trace, when set, exports every captured exchange as OpenTelemetry
	// spans (observe.Export); its drops are counted on /metrics.
	Trace *trace.Exporter
}

// DefaultMaxBodyCapture is how many bytes of each body a capture keeps
// unless Config says otherwise.
const DefaultMaxBodyCapture = 64 << 10

// Server is the roundtrip HTTP server.
type Server struct {
	cfg       Config
	origin    atomic.Pointer[string] // where captured requests were sent: Serve's listener
	handler   http.Handler
	own       http.Handler       // with Config.Proxy: the inspector's listener's
	inspector *inspect.Inspector // nil when off
	access    *access
}

// deps is what handlers share.
type deps struct {
	info      http.Handler // GET /_roundtrip/api/info
	bin       *httpbin.Bin // go-httpbin's endpoints
	proxy     bool         // roundtrip proxy: the routes are the inspector's alone
	now       func() time.Time
	secrets   bool               // Config.CaptureSecrets: /echo reflects credentials as sent
	inspector *inspect.Inspector // nil when the inspector is off
	metrics   *metrics
	local     func(http.Handler) http.Handler // roundtrip's own pages: the Host check
	guard     func(http.Handler) http.Handler // the inspector and metrics: Host, Origin and token
}

// New returns a Server built from cfg.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.InspectorToken == "" {
		cfg.InspectorToken = rand.Text()
	}
	s := &Server{cfg: cfg, access: newAccess(cfg.InspectorToken, cfg.AllowedHosts, cfg.RequireToken)}
	m := newMetrics(cfg.AccessLog, cfg.Store, cfg.Trace)
	// Every finished exchange goes to these, in order.
	observers := []observe.Observer{m.observe}
	if cfg.Trace != nil {
		observers = append(observers, observe.Export(cfg.Trace))
	}
	if cfg.AccessLog != nil {
		observers = append(observers, cfg.AccessLog.Observe)
	}
	maxBody := 0
	if !cfg.NoInspector {
		icfg := inspect.Config{History: cfg.History, MaxBytes: cfg.HistoryMaxBytes, Listener: cfg.Listener, CaptureSecrets: cfg.CaptureSecrets, Origin: s.originURL}
		if cfg.Forward {
			icfg.Origin = nil
		}
		if cfg.Store != nil { // not a nil *store.Store in the interface
			icfg.Store = cfg.Store
		}
		s.inspector = inspect.New(icfg)
		observers = append(observers, s.inspector.Add)
		maxBody = cfg.MaxBodyCapture
		if maxBody == 0 {
			maxBody = DefaultMaxBodyCapture
		}
		maxBody = max(maxBody, 0)
	}
	mux := http.NewServeMux()
	d := deps{info: handleInfo(&s.cfg, s.originURL), bin: httpbin.New(httpbin.Config{Secrets: cfg.CaptureSecrets, Now: cfg.Now, Version: cfg.Version}), proxy: cfg.Proxy != nil, now: cfg.Now, secrets: cfg.CaptureSecrets, inspector: s.inspector, metrics: m, local: s.access.local, guard: s.access.guard}
	observed := observe.Middleware(observe.Config{
		Observers: observers,
		MaxBody:   maxBody,
		Secrets:   cfg.CaptureSecrets,
		Recover:   recoverPanic(cfg.Logger),
	})
	if cfg.Proxy != nil {
		addOwnRoutes(mux, d)
		mux.Handle("/", handleNotFound())
		// The inspector's listener has serve's checks too: the head's
		// limits, a panic's 500, the in-flight count; its routes are
		// roundtrip's own, so nothing on it is captured.
		s.own = m.countInFlight(observed(checkHead(mux)))
		s.handler = m.countInFlight(observed(checkHead(cfg.Proxy)))
		return s
	}
	addRoutes(mux, d)
	s.handler = m.countInFlight(observed(checkHead(cors(!cfg.CaptureSecrets)(mux))))
	return s
}

// checkHead does for the request head what net/http leaves undone, in one
// pass before any handler:
//   - it refuses a request line or a header field longer than
//     MaxHeaderLine (MaxHeaderBytes bounds only the whole head): 414 for the
//     target, 431 for a field;
//   - it closes an HTTP/1 connection once a chunked request is answered.
//     RFC 9112 §6.1 requires that after a request with both
//     Transfer-Encoding and Content-Length (a smuggling attempt, or a broken
//     proxy), but net/http deletes the Content-Length before any handler
//     runs and keeps the connection (golang/go#80942, fixed after Go 1.26).
//     So every chunked request is taken as one that may have had both:
//     browsers never send one, and an upload tool pays one new connection.
func checkHead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.RequestURI) > MaxHeaderLine {
			problem.Write(w, r, problem.New(http.StatusRequestURITooLong,
				"The request target is %d bytes; this server accepts at most %d (8 KiB).", len(r.RequestURI), MaxHeaderLine))
			return
		}
		for k, vs := range r.Header {
			for _, v := range vs {
				if n := len(k) + 2 + len(v); n > MaxHeaderLine {
					problem.Write(w, r, problem.New(http.StatusRequestHeaderFieldsTooLarge,
						"The header field %.64q is %d bytes; this server accepts at most %d (8 KiB) a field.", k, n, MaxHeaderLine))
					return
				}
			}
		}
		if r.ProtoMajor == 1 && len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanic answers a handler's panic with a 500 problem and keeps the
// server serving. The stack goes to the log, never to the client.
func recoverPanic(log *slog.Logger) func(w http.ResponseWriter, r *http.Request, v any) {
	return func(w http.ResponseWriter, r *http.Request, v any) {
		log.LogAttrs(r.Context(), slog.LevelError, "handler panic",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Any("panic", v),
			slog.String("stack", string(debug.Stack())),
		)
		problem.Write(w, r, problem.New(http.StatusInternalServerError, "The server hit an unexpected error while handling this request."))
	}
}

// InspectorToken is the bearer token the inspector and /metrics require
// when the server listens beyond loopback.
func (s *Server) InspectorToken() string { return s.cfg.InspectorToken }

// Inspector is the server's inspector, or nil when it is off.
func (s *Server) Inspector() *inspect.Inspector { return s.inspector }

// Handler returns the server's whole handler stack, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish within
// the shutdown timeout, and returns nil once they have. Event streams end
// at once. When ln reaches beyond loopback (or Config.RequireToken is
// set), the inspector and /metrics require the token.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.setOrigin(ln.Addr())
	if s.cfg.Proxy != nil {
		return s.serve(ctx, ln, s.handler, 0, 0) // streams and long uploads pass through
	}
	s.access.listening(ln.Addr())
	return s.serve(ctx, ln, s.handler, ReadTimeout, WriteTimeout)
}

// setOrigin notes where Serve listens, for replays: an unspecified
// address (0.0.0.0, ::) is dialled on loopback.
func (s *Server) setOrigin(addr net.Addr) {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	scheme := "http://"
	if s.cfg.TLS != nil {
		scheme = "https://"
	}
	o := scheme + net.JoinHostPort(host, port)
	s.origin.Store(&o)
}

// originURL is where Serve listens, "" before it does.
func (s *Server) originURL() string {
	if o := s.origin.Load(); o != nil {
		return *o
	}
	return ""
}

// ServeInspector serves roundtrip proxy's inspector (the page, the API and
// /metrics) on ln until ctx is done, as Serve does; the token is required
// when ln reaches beyond loopback. Without Config.Proxy it is an error:
// serve's inspector is on its own listener.
func (s *Server) ServeInspector(ctx context.Context, ln net.Listener) error {
	if s.own == nil {
		return errors.New("server: the inspector has a listener of its own only with Config.Proxy")
	}
	s.access.listening(ln.Addr())
	return s.serve(ctx, ln, s.own, ReadTimeout, WriteTimeout)
}

// serve serves h on ln, with net/http's timeouts.
func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler, readTimeout, writeTimeout time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
		// The observation middleware's view of each connection.
		ConnContext: observe.ConnContext,
		ConnState:   observe.ConnState,
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(s.cfg.TLS != nil)
	protocols.SetUnencryptedHTTP2(s.cfg.H2C)
	srv.Protocols = &protocols
	// HTTP/2's default frame size: peers (and h2spec) expect frames past
	// it refused, and no client needs more.
	srv.HTTP2 = &http.HTTP2Config{MaxReadFrameSize: 16 << 10, MaxConcurrentStreams: MaxConcurrentStreams}
	if s.cfg.TLS != nil {
		cfg := s.cfg.TLS.Clone()
		// What ALPN offers, set here because each connection's config is
		// copied from this one before net/http would add it.
		cfg.NextProtos = []string{"h2", "http/1.1"}
		srv.TLSConfig = observe.TimeHandshakes(cfg)
	}
	if s.inspector != nil {
		srv.RegisterOnShutdown(s.inspector.Shutdown)
	}
	ln = observe.Listener(ln)
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "") // certificates come from TLSConfig
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: requests still running after %s were cut off", s.cfg.ShutdownTimeout)
	}
	return nil
}
