package bench

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
)

// dialer opens the run's connections, timing DNS, connect and TLS into the
// phases when they are kept. TLS is set for https.
type dialer struct {
	addr    string
	tls     *tls.Config
	timeout time.Duration
	phases  *phaseRecorder
}

func newDialer(t *target, cfg *Config, phases *phaseRecorder) *dialer {
	d := &dialer{addr: t.addr, timeout: cfg.Timeout, phases: phases}
	if t.tls {
		protos := []string{"http/1.1"}
		if cfg.HTTP2 {
			protos = []string{"h2"}
		}
		d.tls = &tls.Config{ServerName: t.url.Hostname(), NextProtos: protos, InsecureSkipVerify: cfg.Insecure} //nolint:gosec // asked for by --insecure
	}
	return d
}

// dial opens one connection, past its TLS handshake for https. A dial
// counts its own phases, so it runs on a context without the request's
// trace, cancelled with ctx.
func (d *dialer) dial(ctx context.Context) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()

	var ph client.Phases
	host, port, _ := net.SplitHostPort(d.addr)
	ips := []string{host}
	if net.ParseIP(host) == nil {
		start := time.Now()
		addrs, err := net.DefaultResolver.LookupHost(dctx, host)
		if err != nil {
			return nil, err
		}
		ph[client.DNS], ips = time.Since(start), addrs
	}
	start := time.Now()
	var nd net.Dialer
	var conn net.Conn
	var err error
	for _, ip := range ips { // each address in turn, as net.Dial does
		if conn, err = nd.DialContext(dctx, "tcp", net.JoinHostPort(ip, port)); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	ph[client.Connect] = time.Since(start)
	if d.tls != nil {
		start := time.Now()
		tc := tls.Client(conn, d.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			_ = conn.Close()
			return nil, err
		}
		ph[client.TLS], conn = time.Since(start), tc
	}
	d.phases.dialed(ph)
	return conn, nil
}

// pool hands net/http's transport the connections opened before timing,
// then dials on demand.
type pool struct {
	d     *dialer
	mu    sync.Mutex
	conns []net.Conn
}

func (p *pool) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	p.mu.Lock()
	if n := len(p.conns); n > 0 {
		c := p.conns[n-1]
		p.conns = p.conns[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	return p.d.dial(ctx)
}

func (p *pool) put(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

// close closes the connections the transport never took.
func (p *pool) close() {
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
}

// h2conn is HTTP/2's one connection, shared by every stream of the run and
// opened before timing, with its SETTINGS exchanged: net/http's transport
// would open one per stream of the first wave, racing, and time their
// handshakes as latency. A lost connection is replaced on the next
// request.
type h2conn struct {
	tr     *http.Transport
	scheme string
	addr   string
	mu     sync.Mutex
	cc     *http.ClientConn
}

// settingsWait bounds the wait for the server's SETTINGS at warm-up.
const settingsWait = 100 * time.Millisecond

func (h *h2conn) conn(ctx context.Context) (*http.ClientConn, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cc != nil && h.cc.Err() == nil {
		return h.cc, nil
	}
	if h.cc != nil {
		_ = h.cc.Close()
	}
	cc, err := h.tr.NewClientConn(ctx, h.scheme, h.addr)
	if err != nil {
		return nil, err
	}
	h.cc = cc
	return cc, nil
}

// warm opens the connection and waits for the server's SETTINGS: the state
// hook runs when they change the connection's concurrency (from the 100
// streams a client assumes before them). A server whose SETTINGS change
// nothing costs the whole settingsWait, before timing.
func (h *h2conn) warm(ctx context.Context) error {
	cc, err := h.conn(ctx)
	if err != nil {
		return err
	}
	before := cc.Available()
	changed := make(chan struct{}, 1)
	cc.SetStateHook(func(*http.ClientConn) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	defer cc.SetStateHook(nil)
	if cc.Available() != before {
		return nil // they came before the hook was set
	}
	timer := time.NewTimer(settingsWait)
	defer timer.Stop()
	select {
	case <-changed:
	case <-timer.C:
	case <-ctx.Done():
	}
	return nil
}

func (h *h2conn) RoundTrip(req *http.Request) (*http.Response, error) {
	cc, err := h.conn(req.Context())
	if err != nil {
		return nil, err
	}
	return cc.RoundTrip(req)
}

func (h *h2conn) close() {
	h.mu.Lock()
	if h.cc != nil {
		_ = h.cc.Close()
		h.cc = nil
	}
	h.mu.Unlock()
}

// Setup is the connections opened before timing began, which is not
// latency.
type Setup struct {
	Conns   int           // connections opened
	Failed  int           // connections that could not be opened; the run opens them again
	Elapsed time.Duration // all of them, in parallel
}
