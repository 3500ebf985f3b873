// Package client is roundtrip's HTTP client: it sends one request, reads a
// bounded answer and times each phase of the round trip (Trace), reads the
// server's own account of its time (Response.ServerTiming), and turns
// failures into errors a person can act on (NetError, ProblemError,
// StatusError).
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/servertiming"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// DefaultMaxBody is how much of a response body Do keeps when Config.MaxBody is 0.
const DefaultMaxBody = 10 << 20

// Config is how a Client talks to servers.
type Config struct {
	Timeout         time.Duration  // for the answer's head to come (with redirects followed, the last one's); 0 means no limit
	MaxTime         time.Duration  // for the whole exchange, the body read included; 0 means no limit
	Insecure        bool           // skip TLS certificate verification
	RootCAs         *x509.CertPool // the CAs to trust; nil means the system's
	FollowRedirects bool           // follow up to 10 redirects, as fetch does; otherwise a 3xx is the answer
	MaxBody         int64          // bytes of body to keep; 0 means DefaultMaxBody
	UserAgent       string         // sent when a request sets none
	Protocol        Protocol       // the HTTP versions to speak
	// Resolve maps "host:port" (the host lowercase, or * for any) to the
	// IP addresses to connect to instead of looking the host up, tried in
	// order, as curl's --resolve: the Host header and TLS keep the URL's.
	Resolve map[string][]string
	// Decompress asks for gzip and deflate, unless the request sets
	// Accept-Encoding, and decodes a body coded with them, as curl's
	// --compressed; Response.Header keeps the Content-Encoding received.
	Decompress bool
	Jar        http.CookieJar // cookies to send and to keep from answers, redirects included; nil for none

	// Every request carries a traceparent: a child of Parent when it is
	// valid (--traceparent, TRACEPARENT), else a new trace's root. With
	// Trace set, each exchange is exported as a client span.
	Parent trace.Context
	Trace  *trace.Exporter
}

// Protocol is the HTTP versions a Client speaks.
type Protocol int

const (
	// ProtocolAuto negotiates HTTP/2 over TLS by ALPN, HTTP/1.1 as the
	// fallback; http:// is HTTP/1.1.
	ProtocolAuto  Protocol = iota
	ProtocolHTTP1          // HTTP/1.1 only, as curl's --http1.1
	// ProtocolH2C is HTTP/2 only: cleartext with prior knowledge for
	// http:// (h2c), by ALPN for https://, as curl's
	// --http2-prior-knowledge.
	ProtocolH2C
)

// Client sends requests and times them. It keeps connections alive between
// requests; Close releases them.
type Client struct {
	cfg Config
	tr  *http.Transport
	hc  *http.Client
}

// New returns a Client for cfg. It ignores proxy settings in the
// environment: roundtrip shows the path to the server itself.
func New(cfg Config) *Client {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	var protocols http.Protocols
	switch cfg.Protocol {
	case ProtocolHTTP1:
		protocols.SetHTTP1(true)
	case ProtocolH2C:
		protocols.SetHTTP2(true)
		protocols.SetUnencryptedHTTP2(true)
	default:
		protocols.SetHTTP1(true)
		protocols.SetHTTP2(true)
	}
	tr := &http.Transport{
		Proxy:       nil,
		DialContext: dialer(cfg.Resolve),
		TLSClientConfig: &tls.Config{
			InsecureSkipVerify: cfg.Insecure, //nolint:gosec // the user asked, with --insecure
			RootCAs:            cfg.RootCAs,
		},
		Protocols: &protocols,
		// Send what we show: no Accept-Encoding added behind our back
		// (Decompress adds its own, to the request as written).
		DisableCompression: true,
		IdleConnTimeout:    90 * time.Second,
	}
	return &Client{cfg: cfg, tr: tr, hc: &http.Client{Transport: tr, Jar: cfg.Jar}}
}

// dialer dials as net.Dialer does, to resolve's addresses for the
// host:port it maps.
func dialer(resolve map[string][]string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{KeepAlive: 30 * time.Second}
	if len(resolve) == 0 {
		return d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return d.DialContext(ctx, network, addr)
		}
		ips, ok := resolve[net.JoinHostPort(strings.ToLower(host), port)]
		if !ok {
			ips, ok = resolve[net.JoinHostPort("*", port)]
		}
		if !ok {
			return d.DialContext(ctx, network, addr)
		}
		for _, ip := range ips {
			var c net.Conn
			if c, err = d.DialContext(ctx, network, net.JoinHostPort(ip, port)); err == nil {
				return c, nil
			}
		}
		return nil, err
	}
}

// Close closes the idle connections.
func (c *Client) Close() { c.tr.CloseIdleConnections() }

// Response is an answer: from Do, with its body read (up to
// Config.MaxBody) and the round trip's timeline; from Open, its head,
// the body still to come.
type Response struct {
	Request      *http.Request // as sent, headers included
	Proto        string        // such as "HTTP/1.1"
	Status       int
	Sent         []Field     // the request's header fields as written, in order
	Redirects    []*Response // with FollowRedirects, the answers that sent the request on, oldest first: their heads only
	Header       http.Header
	Body         []byte // Do's; nil from Open
	Truncated    bool   // Do's body was longer than Config.MaxBody
	TLS          *tls.ConnectionState
	Timeline     Timeline // complete once the body is read (Do) or the Stream closed
	ServerTiming []servertiming.Metric
	// Span is the client's span of the exchange, as its traceparent said,
	// and Parent its parent's id (zero for a trace's root).
	Span   trace.Context
	Parent trace.SpanID
	// Undecoded is, with Config.Decompress, the Content-Encoding of a
	// body left as it came because it names a coding other than gzip and
	// deflate, such as br; "" otherwise.
	Undecoded string
}

// Do sends req and reads the answer, keeping up to Config.MaxBody of its
// body. Any answer, 404 and 500 included, is a Response; see
// Response.Err. The error is a *NetError when no complete answer came.
func (c *Client) Do(ctx context.Context, req *http.Request) (*Response, error) {
	s, err := c.Open(ctx, req)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	body, err := io.ReadAll(io.LimitReader(s, c.cfg.MaxBody+1))
	if err != nil {
		return nil, err
	}
	s.Close()
	resp := s.Response
	if resp.Truncated = int64(len(body)) > c.cfg.MaxBody; resp.Truncated {
		body = body[:c.cfg.MaxBody]
	}
	resp.Body = body
	return resp, nil
}

// Open sends req and returns once the answer's head has come, its body
// unread: the caller reads it from the Stream, as it arrives and however
// long it is, and closes it. The error is a *NetError when no answer came.
func (c *Client) Open(ctx context.Context, req *http.Request) (*Stream, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	s := &Stream{ctx: ctx, cancel: cancel, addr: hostPort(req), timeout: c.cfg.Timeout}
	if d := c.cfg.MaxTime; d > 0 {
		s.maxTimer = time.AfterFunc(d, func() { cancel(&limitError{d: d, flag: "--max-time"}) })
	}
	var head *time.Timer
	if d := c.cfg.Timeout; d > 0 {
		head = time.AfterFunc(d, func() { cancel(&limitError{d: d}) })
	}
	trace := NewTrace()
	trace.KeepSent()
	s.trace = trace
	req = req.Clone(trace.Context(ctx))
	if _, ok := req.Header["User-Agent"]; !ok && c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	if _, ok := req.Header["Accept-Encoding"]; !ok && c.cfg.Decompress {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	s.span, s.parent = c.traceparent(req)
	s.exporter, s.req = c.cfg.Trace, req
	hc := *c.hc
	var redirects []*Response
	hc.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if !c.cfg.FollowRedirects {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		hop := next.Response // the redirect's, whose request is the last of via
		redirects = append(redirects, &Response{
			Request: hop.Request, Proto: hop.Proto, Status: hop.StatusCode, Sent: trace.Sent(), Header: hop.Header,
			TLS: hop.TLS, ServerTiming: servertiming.Parse(hop.Header.Values("Server-Timing")),
		})
		trace.Reset() // the answer's timeline is the last hop's
		return nil
	}

	trace.Reset()
	resp, err := hc.Do(req)
	if head != nil && !head.Stop() && err == nil {
		// The head came as --timeout ran out, and the body with it is cut.
		resp.Body.Close()
		err = context.Cause(ctx)
	}
	if err != nil {
		err = s.explain(err)
		s.stop()
		s.record(err)
		return nil, err
	}
	s.Response = &Response{
		Request:      resp.Request,
		Proto:        resp.Proto,
		Status:       resp.StatusCode,
		Sent:         trace.Sent(),
		Redirects:    redirects,
		Header:       resp.Header,
		TLS:          resp.TLS,
		Timeline:     trace.Timeline(),
		ServerTiming: servertiming.Parse(resp.Header.Values("Server-Timing")),
		Span:         s.span,
		Parent:       s.parent,
	}
	s.body = resp.Body
	if c.cfg.Decompress {
		s.body, s.Response.Undecoded = decoded(resp.Body, resp.Header.Values("Content-Encoding"))
	}
	return s, nil
}

// limitError is why Open's context ended: one of Config's time limits ran out.
type limitError struct {
	d    time.Duration
	flag string // the command line's flag for it, when it is not --timeout
}

func (e *limitError) Error() string {
	if e.flag != "" {
		return "timed out after " + e.d.String() + " (" + e.flag + ")"
	}
	return "timed out after " + e.d.String()
}

// Stream is an answer whose body is still to come. Read reads it, with a
// *NetError when it breaks off; Close ends the exchange, and the
// Response's Timeline is then complete: it ends when the body did, or at
// Close when it was not read to its end.
type Stream struct {
	*Response

	ctx      context.Context
	cancel   context.CancelCauseFunc
	maxTimer *time.Timer // Config.MaxTime's; nil without one
	body     io.ReadCloser
	trace    *Trace
	addr     string
	timeout  time.Duration
	ended    bool // the body was read to its end
	closed   bool

	req      *http.Request
	span     trace.Context
	parent   trace.SpanID
	exporter *trace.Exporter
	failed   error // why the body broke off, for the span
}

// Read reads the body.
func (s *Stream) Read(p []byte) (int, error) {
	n, err := s.body.Read(p)
	switch {
	case err == io.EOF:
		if !s.ended {
			s.ended = true
			s.trace.Finish()
		}
	case err != nil:
		var de *DecodeError
		if errors.As(err, &de) {
			return n, &NetError{Kind: KindOther, msg: de.Error(), err: de}
		}
		ne := s.explain(err)
		if ne.Kind == KindInterrupted {
			ne.msg = "interrupted" // the answer had come; its body had not
		}
		err = ne
		s.failed = ne
	}
	return n, err
}

// Close closes the body and completes the timeline; it may be called again.
func (s *Stream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if !s.ended {
		s.trace.Finish()
	}
	s.body.Close()
	s.stop()
	s.Response.Timeline = s.trace.Timeline()
	s.record(s.failed)
	return nil
}

func (s *Stream) stop() {
	if s.maxTimer != nil {
		s.maxTimer.Stop()
	}
	s.cancel(nil)
}

// explain makes err a *NetError, a time limit's own when one ran out:
// the transport sees only a cancelled context.
func (s *Stream) explain(err error) *NetError {
	var limit *limitError
	if errors.As(context.Cause(s.ctx), &limit) {
		return &NetError{Kind: KindTimeout, msg: limit.Error(), err: err}
	}
	return netError(err, s.addr, s.timeout)
}

// hostPort is the HOST:PORT a request goes to.
func hostPort(req *http.Request) string {
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = "80"
		if req.URL.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(host, port)
}

// IsToken reports whether s is an RFC 9110 token, as methods and header
// names must be. The grammar lives in servertiming, whose parser needs it
// and which client imports, so there is one copy.
func IsToken(s string) bool { return servertiming.IsToken(s) }
