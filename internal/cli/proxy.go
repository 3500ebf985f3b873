package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/store"
)

func runProxy(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "proxy", "--to URL [flags]", "Forward every request to your app at URL, capturing each exchange with both legs timed:\nthe client's to the proxy, and the proxy's to the app. The inspector (the page, its API and\n/metrics) listens on a port of its own, so none of the app's paths is taken.")
	to := fs.String("to", "", "the app's `URL`, such as http://localhost:8080 (https:// too)")
	mitm := fs.Bool("mitm", false, "with --forward, intercept TLS in tunnels: each client gets a certificate signed by a local CA (made on first use in the state directory; trust it with --write-ca), and the exchanges inside are captured")
	writeCA := fs.String("write-ca", "", "write the --mitm CA's certificate (PEM) to `file`, for clients to trust, making the CA if there is none")
	forward := fs.Bool("forward", false, "be a forward proxy instead, for clients told to use it (curl --proxy, HTTPS_PROXY): http:// requests and CONNECT tunnels to any host; loopback clients only, unless they send the inspector token as Proxy-Authorization")
	addr := fs.String("addr", "localhost:3001", "`host:port` the proxy listens on; port 0 picks a free port")
	inspectorAddr := fs.String("inspector-addr", "localhost:4040", "`host:port` the inspector listens on")
	timeout := fs.Duration("timeout", proxy.DefaultTimeout, "how long the app may take to begin its answer before a 504")
	h2c := fs.Bool("h2c", false, "also take cleartext HTTP/2 (prior knowledge) from clients, beside HTTP/1.1; to an https:// app, HTTP/2 is negotiated by ALPN either way")
	insecure := fs.Bool("insecure", false, "skip verifying an https:// app's certificate")
	cacert := fs.String("cacert", "", "trust the CA certificates in this PEM `file` for an https:// app (as well as the system's)")
	c := addCaptureFlags(fs, "proxy")
	tf := addTraceFlags(fs, "proxy", false)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("proxy takes no arguments, got %q; the app goes in --to", rest[0])
	}
	if err := checkListenAddr("proxy", "--addr", *addr); err != nil {
		return err
	}
	if err := checkListenAddr("proxy", "--inspector-addr", *inspectorAddr); err != nil {
		return err
	}
	var target *url.URL
	switch {
	case *mitm && !*forward:
		return usageError("proxy: --mitm intercepts the tunnels of a forward proxy; it needs --forward")
	case *writeCA != "" && *to == "" && !*forward:
		_, err := loadCA(e, *writeCA)
		return err // only the certificate was asked for
	case *forward && *to != "":
		return usageError("proxy: --forward goes to whatever host each client asks for; it takes no --to")
	case !*forward:
		if target, err = appURL("proxy", *to, "the app to forward to, such as --to http://localhost:8080 (or --forward, to be a forward proxy)"); err != nil {
			return err
		}
	}
	if *timeout <= 0 {
		return usageError("proxy: --timeout must be positive")
	}
	if err := c.check(); err != nil {
		return err
	}
	cf := clientFlags{timeout: timeout, insecure: insecure, cacert: cacert}
	ccfg, err := cf.config("proxy")
	if err != nil {
		return err
	}
	logs, handler, err := c.logs(e)
	if err != nil {
		return err
	}
	defer logs.Close()
	spans, stopExport, err := tf.exporter(ctx, e)
	if err != nil {
		return err
	}
	defer stopExport() // after Serve: the last exchanges' spans go too

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, unwrapOpError(err))
	}
	iln, err := net.Listen("tcp", *inspectorAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("cannot listen on %s for the inspector: %w (pick another with --inspector-addr)", *inspectorAddr, unwrapOpError(err))
	}
	durable, err := c.openStore(ctx, e, ln.Addr().String())
	if err != nil {
		ln.Close()
		iln.Close()
		return err
	}
	defer c.closeStore(durable, &err)
	logger := slog.New(handler)
	token := *c.token
	if token == "" {
		token = rand.Text()
	}
	var handle http.Handler
	var fwd *proxy.Forward
	var caNote string
	// The forward proxy's token is not the inspector's: a client let use
	// the proxy must not read the others' traffic.
	proxyToken := rand.Text()
	if *forward {
		fcfg := proxy.ForwardConfig{Token: proxyToken, Timeout: *timeout, Secrets: *c.secrets, Logger: logger, Insecure: ccfg.Insecure, RootCAs: ccfg.RootCAs}
		if *mitm || *writeCA != "" {
			ca, err := loadCA(e, *writeCA)
			if err != nil {
				ln.Close()
				iln.Close()
				return err
			}
			if *mitm {
				fcfg.CA = ca
				caNote = "intercepting TLS: clients must trust the proxy's CA (roundtrip proxy --write-ca FILE writes it; curl --cacert FILE)"
			}
		}
		fwd = proxy.NewForward(fcfg)
		handle = fwd
	} else {
		handle = proxy.New(proxy.Config{
			To: target, Insecure: ccfg.Insecure, RootCAs: ccfg.RootCAs, Timeout: *timeout,
			Secrets: *c.secrets, Logger: logger,
		})
	}
	srv := server.New(server.Config{
		Logger:          logger,
		AccessLog:       logs,
		ShutdownTimeout: *c.shutdown,
		History:         *c.history,
		HistoryMaxBytes: c.historyBytes.n,
		MaxBodyCapture:  c.capture(),
		CaptureSecrets:  *c.secrets,
		Store:           durable,
		Listener:        ln.Addr().String(),
		InspectorToken:  token,
		RequireToken:    *c.requireToken,
		AllowedHosts:    append(c.hosts.names, addrName(*inspectorAddr)...),
		Proxy:           handle,
		Forward:         *forward,
		Intercept:       *mitm,
		H2C:             *h2c,
		Target:          targetString(target),
		Trace:           spans,
	})
	if fwd != nil {
		fwd.SetHandler(srv.Handler())                // intercepted exchanges are captured as the others
		defer context.AfterFunc(ctx, fwd.Shutdown)() // tunnels are hijacked: Shutdown does not end them
	}
	proxyURL := listenURL(*addr, ln.Addr(), false)
	inspectorURL := listenURL(*inspectorAddr, iln.Addr(), false)
	if *forward {
		fmt.Fprintf(e.stdout, "roundtrip proxy listening on %s, a forward proxy (curl --proxy %s URL, or HTTPS_PROXY=%s)\n", proxyURL, proxyURL, proxyURL)
		if !server.Loopback(ln.Addr()) {
			fmt.Fprintf(e.stdout, "proxy token: %s (clients beyond loopback send it: curl --proxy-user x:TOKEN)\n", proxyToken)
		}
		if caNote != "" {
			fmt.Fprintln(e.stdout, caNote)
		}
	} else {
		fmt.Fprintf(e.stdout, "roundtrip proxy listening on %s, forwarding to %s\n", proxyURL, terminalSafe(target.String()))
	}
	fmt.Fprintf(e.stdout, "inspector: %s\n", inspectorURL)
	if *c.requireToken || !server.Loopback(iln.Addr()) {
		fmt.Fprintf(e.stdout, "inspector token: %s (the page: %s/?token=%s; the API and /metrics: send Authorization: Bearer TOKEN)\n", srv.InspectorToken(), inspectorURL, srv.InspectorToken())
	}
	c.historyLine(e, durable)
	signal.Ignore(syscall.SIGPIPE) // as serve: a closed stderr must not kill the proxy
	stopHint := context.AfterFunc(ctx, func() {
		logger.Info("stopping: in-flight requests may finish; a second SIGINT or SIGTERM stops at once", "timeout", *c.shutdown)
	})
	defer stopHint()
	if e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(serveGOGC))
	}
	if e.getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(memoryLimit(c.historyBytes.n)))
	}
	// Both listeners until ctx ends; either failing ends the other.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- srv.ServeInspector(ctx, iln) }()
	go func() { errc <- srv.Serve(ctx, ln) }()
	first := <-errc
	cancel()
	return errors.Join(first, <-errc)
}

// targetString is the app's URL as the inspector shows it, "" for none.
func targetString(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.String()
}

// appURL checks cmd's --to: an absolute http:// or https:// URL of a
// host, which may carry a path prefix but no query; what says what it is
// for when it is missing.
func appURL(cmd, raw, what string) (*url.URL, error) {
	if raw == "" {
		return nil, usageError("%s: --to URL is required: %s", cmd, what)
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw // as request does: localhost:8080 is http://localhost:8080
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, usageError("%s: --to must be an http:// or https:// URL of a server, such as http://localhost:8080, not %q", cmd, raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, usageError("%s: --to takes a scheme, a host and a path prefix, not a query, a fragment or a password", cmd)
	}
	return u, nil
}

// loadCA loads the --mitm CA from the state directory, making it if there
// is none, and writes its certificate to writeTo when set.
func loadCA(e *env, writeTo string) (*cert.CA, error) {
	path, err := store.DefaultPath(e.getenv)
	if err != nil {
		return nil, fmt.Errorf("proxy: no state directory for the CA: %v", err)
	}
	ca, created, err := cert.LoadCA(filepath.Dir(path), time.Now())
	if err != nil {
		return nil, fmt.Errorf("proxy: %v", err)
	}
	if created {
		fmt.Fprintf(e.stderr, "roundtrip: proxy: made a CA for --mitm in %s\n", filepath.Dir(path))
	}
	if writeTo != "" {
		if err := os.WriteFile(writeTo, ca.PEM(), 0o644); err != nil {
			return nil, fmt.Errorf("proxy: cannot write the CA to %s: %v", writeTo, unwrapPathError(err))
		}
	}
	return ca, nil
}
