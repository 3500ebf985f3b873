package proxy

import (
	"bufio"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/server"
)

// ForwardConfig configures a forward proxy.
type ForwardConfig struct {
	// Token, when set, lets clients beyond loopback in: they send it as
	// Proxy-Authorization, Bearer TOKEN or Basic with TOKEN as the password
	// (what curl --proxy-user x:TOKEN sends). Without it only loopback
	// clients are served: never an open proxy.
	Token   string
	Timeout time.Duration // for an answer to begin, and to connect a tunnel; default DefaultTimeout
	Secrets bool          // keep secret query parameters in the upstream URL recorded
	Logger  *slog.Logger
	// MaxTunnels bounds the CONNECT tunnels open at once; default
	// DefaultMaxTunnels. Each holds two connections and two goroutines.
	MaxTunnels int

	// CA, when set, intercepts TLS in tunnels (--mitm): the client gets a
	// certificate for the host it asked for, signed by CA, and each
	// exchange inside is captured and sent on as the client sent it. The
	// client must trust CA. Insecure and RootCAs are for the hosts' own
	// certificates then.
	CA       *cert.CA
	Insecure bool
	RootCAs  *x509.CertPool
}

// DefaultMaxTunnels is how many CONNECT tunnels a forward proxy keeps open
// at once unless told otherwise.
const DefaultMaxTunnels = 256

// NewForward returns a forward proxy's handler, for clients told to use
// it (curl --proxy, HTTPS_PROXY, a browser's setting): absolute-form
// requests for http:// go on to their host; CONNECT opens a tunnel for
// https://, recorded with its host, duration and bytes each way.
func NewForward(cfg ForwardConfig) *Forward {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxTunnels <= 0 {
		cfg.MaxTunnels = DefaultMaxTunnels
	}
	f := &Forward{cfg: cfg, tunnels: make(chan struct{}, cfg.MaxTunnels)}
	f.proxy = proxy{cfg: Config{Timeout: cfg.Timeout, Secrets: cfg.Secrets, Logger: cfg.Logger, Insecure: cfg.Insecure, RootCAs: cfg.RootCAs}}
	f.proxy.bound() // the reverse proxy's defaults, for absolute-form requests and intercepted ones
	f.proxy.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL = pr.In.URL // absolute-form: where the client asked
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Del("Proxy-Authorization")
			propagate(pr)
			if leg, ok := pr.In.Context().Value(legKey{}).(*observe.Upstream); ok {
				leg.URL = pr.Out.URL.String()
				if !cfg.Secrets {
					leg.URL = observe.RedactURL(leg.URL)
				}
			}
		},
		Transport:      newTransport(f.proxy.cfg),
		ModifyResponse: f.proxy.answered,
		ErrorHandler:   f.failed,
		ErrorLog:       slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return f
}

// Forward is a forward proxy's handler.
type Forward struct {
	cfg     ForwardConfig
	proxy   proxy
	tunnels chan struct{} // a token per open tunnel
	handler atomic.Pointer[http.Handler]

	mu   sync.Mutex
	open map[net.Conn]struct{} // the tunnels' client connections, for Shutdown
	shut bool
}

// track adds a tunnel's connection to those Shutdown closes, or reports
// false when the proxy is shutting down.
func (f *Forward) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.shut {
		return false
	}
	if f.open == nil {
		f.open = map[net.Conn]struct{}{}
	}
	f.open[c] = struct{}{}
	return true
}

func (f *Forward) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.open, c)
	f.mu.Unlock()
}

// Shutdown closes every open tunnel, which an http.Server's Shutdown does
// not: their connections were hijacked. New ones are refused after it.
func (f *Forward) Shutdown() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shut = true
	for c := range f.open {
		c.Close()
	}
}

// SetHandler gives the handler intercepted exchanges are served by: the
// whole chain the proxy's own requests go through (the server's, with
// its observation middleware), so that they are captured alike. Without
// it, tunnels are not intercepted.
func (f *Forward) SetHandler(h http.Handler) { f.handler.Store(&h) }

// interceptKey marks the requests of an intercepted tunnel, with the host
// the client tunnelled to.
type interceptKey struct{}

func (f *Forward) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if host, ok := r.Context().Value(interceptKey{}).(string); ok {
		// From inside an intercepted tunnel, which its CONNECT was allowed
		// to open (a client sends no Proxy-Authorization inside): to the
		// host, over TLS.
		r2 := r.Clone(r.Context())
		r2.URL.Scheme, r2.URL.Host = "https", host
		f.proxy.ServeHTTP(w, r2)
		return
	}
	if !f.allowed(r) {
		w.Header().Set("Proxy-Authenticate", `Basic realm="roundtrip proxy"`)
		problem.Write(w, r, problem.New(http.StatusProxyAuthRequired,
			"This proxy serves loopback clients only, unless they send its token as Proxy-Authorization (curl --proxy-user x:TOKEN)."))
		return
	}
	switch {
	case r.Method == http.MethodConnect:
		f.tunnel(w, r)
	case r.URL.IsAbs() && (r.URL.Scheme == "http" || r.URL.Scheme == "https"):
		f.proxy.ServeHTTP(w, r)
	default:
		problem.Write(w, r, problem.New(http.StatusBadRequest,
			"This is a forward proxy: tell your client to use it (curl --proxy http://%s URL, or HTTPS_PROXY), rather than asking it for %q.", r.Host, r.URL.Path))
	}
}

// allowed reports whether r may use the proxy: from loopback, or with the
// token.
func (f *Forward) allowed(r *http.Request) bool {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return true
		}
	}
	if f.cfg.Token == "" {
		return false
	}
	auth := r.Header.Get("Proxy-Authorization")
	var given string
	switch scheme, rest, _ := strings.Cut(auth, " "); strings.ToLower(scheme) {
	case "bearer":
		given = rest
	case "basic":
		b, err := base64.StdEncoding.DecodeString(rest)
		if err == nil {
			_, given, _ = strings.Cut(string(b), ":")
		}
	}
	return subtle.ConstantTimeCompare([]byte(given), []byte(f.cfg.Token)) == 1
}

// failed is the reverse proxy's failed, naming the host the client asked
// for.
func (f *Forward) failed(w http.ResponseWriter, r *http.Request, err error) {
	p := f.proxy
	p.cfg.To = r.URL
	p.failed(w, r, err)
}

// tunnel answers CONNECT: it dials the host, answers 200, and copies
// bytes both ways until either side closes, recording the tunnel as the
// exchange's upstream leg.
func (f *Forward) tunnel(w http.ResponseWriter, r *http.Request) {
	observe.Routed(w)
	leg := &observe.Upstream{URL: "tcp://" + r.Host}
	start := time.Now()
	leg.Times.Start = start
	defer observe.SetUpstream(w, leg)
	select {
	case f.tunnels <- struct{}{}:
		defer func() { <-f.tunnels }()
	default:
		w.Header().Set("Retry-After", "1")
		leg.Error = "too many tunnels open"
		problem.Write(w, r, problem.New(http.StatusServiceUnavailable, "This proxy has %d tunnels open, as many as it keeps; try again once one closes.", f.cfg.MaxTunnels))
		return
	}
	if _, port, err := net.SplitHostPort(r.Host); err != nil || port == "" {
		leg.Error = "no port"
		problem.Write(w, r, problem.New(http.StatusBadRequest, "CONNECT needs HOST:PORT, such as example.com:443, not %q.", r.Host))
		return
	}
	if h := f.handler.Load(); f.cfg.CA != nil && h != nil {
		f.interceptTunnel(w, r, leg, *h)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), f.cfg.Timeout)
	leg.Times.ConnectStart = time.Now()
	app, err := (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		ne := client.Explain(err, r.Host, f.cfg.Timeout)
		leg.Error = ne.Error()
		code := http.StatusBadGateway
		if ne.Kind == client.KindTimeout {
			code = http.StatusGatewayTimeout
		}
		problem.Write(w, r, problem.New(code, "The tunnel to %s could not open: %s.", r.Host, ne))
		return
	}
	defer app.Close()
	leg.Times.ConnectDone = time.Now()
	leg.Remote = app.RemoteAddr().String()
	leg.Proto, leg.Status = "HTTP/1.1", http.StatusOK
	conn, rw, done := f.openTunnel(w, r, leg)
	if conn == nil {
		return
	}
	defer done()

	var sent int64
	var wg sync.WaitGroup
	// Bytes the client sent after its CONNECT head, already buffered.
	var in io.Reader = conn
	if n := rw.Reader.Buffered(); n > 0 {
		in = io.MultiReader(io.LimitReader(rw.Reader, int64(n)), conn)
	}
	wg.Go(func() {
		sent, _ = io.Copy(app, in)
		closeWrite(app) // pass the half-close on
	})
	received, _ := io.Copy(conn, app)
	closeWrite(conn)
	wg.Wait() // sent is written before Wait returns
	leg.Times.End = time.Now()
	leg.BytesSent, leg.BytesReceived = sent, received
}

// closeWrite half-closes c when it can, so that the other side sees EOF
// while its answer may still come back.
func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

// openTunnel takes the client's connection over and answers 200, for a
// tunnel kept among those Shutdown closes; done closes it. On failure it
// notes why on the leg, answers if it still can, and returns a nil conn.
func (f *Forward) openTunnel(w http.ResponseWriter, r *http.Request, leg *observe.Upstream) (conn net.Conn, rw *bufio.ReadWriter, done func()) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		leg.Error = "the connection could not be taken over"
		problem.Write(w, r, problem.New(http.StatusInternalServerError, "This connection cannot carry a tunnel (HTTP/2's CONNECT is not served)."))
		return nil, nil, nil
	}
	if !f.track(conn) {
		conn.Close()
		return nil, nil, nil
	}
	done = func() { f.untrack(conn); conn.Close() }
	_ = conn.SetDeadline(time.Time{}) // the server's deadlines are for HTTP, not a tunnel
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		leg.Error = "the client left"
		done()
		return nil, nil, nil
	}
	return conn, rw, done
}

// interceptTunnel answers CONNECT with a tunnel the proxy ends itself:
// each exchange inside makes its own way to the host.
func (f *Forward) interceptTunnel(w http.ResponseWriter, r *http.Request, leg *observe.Upstream, h http.Handler) {
	leg.URL = "tls://" + r.Host + " (intercepted)"
	leg.Proto, leg.Status = "HTTP/1.1", http.StatusOK
	conn, rw, done := f.openTunnel(w, r, leg)
	if conn == nil {
		return
	}
	defer done()
	f.intercept(conn, rw.Reader, r.Host, h)
	leg.Times.End = time.Now()
}

// intercept serves the HTTP inside a tunnel to host: it answers the
// client's TLS handshake with a certificate for the host signed by the
// CA, then serves the connection with h, HTTP/2 or HTTP/1.1 as ALPN
// agrees, until it closes.
func (f *Forward) intercept(conn net.Conn, buffered *bufio.Reader, host string, h http.Handler) {
	name, _, err := net.SplitHostPort(host)
	if err != nil {
		name = host
	}
	tc := tls.Server(&prefixConn{Conn: conn, r: io.MultiReader(io.LimitReader(buffered, int64(buffered.Buffered())), conn)}, &tls.Config{
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			sni := hello.ServerName
			if sni == "" {
				sni = name // an IP address: no SNI
			}
			return f.cfg.CA.Leaf(sni, time.Now())
		},
		NextProtos: []string{"h2", "http/1.1"},
		MinVersion: tls.VersionTLS12,
	})
	_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		f.cfg.Logger.Debug("proxy: intercepted handshake failed", "host", host, "err", err)
		return
	}
	_ = tc.SetDeadline(time.Time{})
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: server.ReadHeaderTimeout,
		IdleTimeout:       server.IdleTimeout,
		MaxHeaderBytes:    server.MaxHeaderBytes,
		HTTP2:             &http.HTTP2Config{MaxReadFrameSize: 16 << 10, MaxConcurrentStreams: server.MaxConcurrentStreams},
		Protocols:         &protocols,
		ConnContext: func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, interceptKey{}, host)
		},
		ErrorLog: slog.NewLogLogger(f.cfg.Logger.Handler(), slog.LevelDebug),
	}
	l := newOneConn(tc)
	srv.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateClosed || st == http.StateHijacked {
			l.Close()
		}
	}
	_ = srv.Serve(l)
}

// prefixConn reads r, the bytes read ahead of it and then the connection.
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (c *prefixConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// CloseWrite passes a half-close on, as net/http looks for it.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// oneConn is a listener of one connection, for an http.Server to serve
// it: Accept gives it once, then waits until Close, which the server's
// ConnState calls as the connection ends, so that Serve returns. The
// connection stays a *tls.Conn, as net/http looks for it to speak HTTP/2.
type oneConn struct {
	conn   net.Conn
	once   sync.Once
	closed chan struct{}
}

func newOneConn(c net.Conn) *oneConn { return &oneConn{conn: c, closed: make(chan struct{})} }

func (l *oneConn) Accept() (net.Conn, error) {
	if c := l.conn; c != nil {
		l.conn = nil
		return c, nil
	}
	<-l.closed
	return nil, net.ErrClosed
}

func (l *oneConn) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *oneConn) Addr() net.Addr { return tunnelAddr{} }

type tunnelAddr struct{}

func (tunnelAddr) Network() string { return "tunnel" }
func (tunnelAddr) String() string  { return "tunnel" }
