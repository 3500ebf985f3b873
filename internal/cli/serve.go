package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/store"
)

func runServe(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "serve", "[flags]", "Run the lesson's greeting server with the challenge's routes and the experiments' endpoints.\nIt listens on localhost:3000, or on :$PORT when PORT is set, until SIGINT or SIGTERM.")
	addr := fs.String("addr", "", "`host:port` to listen on; port 0 picks a free port (default localhost:3000, or :$PORT)")
	c := addCaptureFlags(fs, "serve")
	noInspector := fs.Bool("no-inspector", false, "turn off capture and the inspector API under /_roundtrip/")
	useTLS := fs.Bool("tls", false, "serve HTTPS, HTTP/2 by ALPN with HTTP/1.1 fallback, with a self-signed certificate generated at start unless --cert and --key are given")
	certFile := fs.String("cert", "", "TLS certificate `file` (PEM); implies --tls")
	keyFile := fs.String("key", "", "TLS private key `file` (PEM) for --cert")
	writeCert := fs.String("write-cert", "", "save the generated certificate to `file` (PEM), for clients to trust with --cacert")
	h2c := fs.Bool("h2c", false, "also serve cleartext HTTP/2 (prior knowledge) beside HTTP/1.1")
	tf := addTraceFlags(fs, "serve", false)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("serve takes no arguments, got %q", rest[0])
	}
	addrFlag := "--addr"
	if *addr == "" {
		*addr = "localhost:3000"
		if port := e.getenv("PORT"); port != "" {
			*addr = ":" + port // hosting platforms expect every interface
			addrFlag = "$PORT's address"
		}
	}
	if err := checkListenAddr("serve", addrFlag, *addr); err != nil {
		return err
	}
	if err := c.check(); err != nil {
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

	if (*certFile == "") != (*keyFile == "") {
		return usageError("serve: --cert and --key go together")
	}
	*useTLS = *useTLS || *certFile != ""
	if *writeCert != "" && (!*useTLS || *certFile != "") {
		return usageError("serve: --write-cert saves the certificate --tls generates; it needs --tls and no --cert")
	}
	if *h2c && *useTLS {
		return usageError("serve: --h2c is cleartext HTTP/2; with --tls, HTTP/2 is negotiated by ALPN")
	}
	var tlsConfig *tls.Config
	var certNote string
	if *useTLS {
		if tlsConfig, certNote, err = serveCert(*certFile, *keyFile, *writeCert); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, unwrapOpError(err))
	}
	var durable *store.Store
	if !*noInspector {
		if durable, err = c.openStore(ctx, e, ln.Addr().String()); err != nil {
			ln.Close()
			return err // one line naming the file and what to do
		}
		defer c.closeStore(durable, &err) // after Serve: every capture is on disk
	}
	logger := slog.New(handler)
	srv := server.New(server.Config{
		Version:         version(),
		Logger:          logger,
		AccessLog:       logs,
		ShutdownTimeout: *c.shutdown,
		NoInspector:     *noInspector,
		History:         *c.history,
		HistoryMaxBytes: c.historyBytes.n,
		MaxBodyCapture:  c.capture(),
		CaptureSecrets:  *c.secrets,
		Store:           durable,
		Listener:        ln.Addr().String(),
		InspectorToken:  *c.token,
		RequireToken:    *c.requireToken,
		AllowedHosts:    append(c.hosts.names, addrName(*addr)...),
		TLS:             tlsConfig,
		H2C:             *h2c,
		Trace:           spans,
	})
	url := listenURL(*addr, ln.Addr(), tlsConfig != nil)
	fmt.Fprintf(e.stdout, "roundtrip listening on %s\n", url)
	if certNote != "" {
		fmt.Fprintln(e.stdout, certNote)
	}
	if *c.requireToken || !server.Loopback(ln.Addr()) {
		// Beyond loopback the inspector and /metrics are closed without it.
		fmt.Fprintf(e.stdout, "inspector token: %s (the lab page: %s/?token=%s; the API and /metrics: send Authorization: Bearer TOKEN)\n", srv.InspectorToken(), url, srv.InspectorToken())
	}
	c.historyLine(e, durable)
	// A closed stderr must not kill the server: Go dies of SIGPIPE on a
	// write to a broken fd 2 unless the signal is ignored, and then the
	// write just fails, which the access log counts.
	signal.Ignore(syscall.SIGPIPE)
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
	return srv.Serve(ctx, ln)
}

// serveGOGC is serve's garbage collection target unless GOGC is set. The
// inspector's history keeps a few MiB live for good, so Go's default of
// 100 collects dozens of times a second under load and costs a tenth of
// the throughput; 400 lets the heap grow to five times its live size.
const serveGOGC = 400

// memoryLimit is serve's soft memory limit unless GOMEMLIMIT is set. With
// GOGC=400 alone, a history full to its bound would let the heap reach
// five times it; the limit makes the collector run once the heap is twice
// the history, plus room for the rest of the server. The store's share
// (store.MaxHeap) is not added: the collector works harder while the
// store holds it, and the process stays as large.
func memoryLimit(historyBytes int64) int64 { return 2*historyBytes + 64<<20 }

// Bounds of the capture flags.
const (
	minHistoryBytes = 1 << 20
	maxBodyCapture  = 64 << 20
)

// logFlushEvery bounds how late an access log line may reach stderr.
const logFlushEvery = 100 * time.Millisecond

// serveCert loads --cert and --key, or generates a self-signed certificate
// (saved to writeTo when set). It returns the line that describes it.
func serveCert(certFile, keyFile, writeTo string) (*tls.Config, string, error) {
	if certFile != "" {
		c, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, "", fmt.Errorf("cannot load --cert and --key: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{c}}, "certificate: " + certFile + " (SHA-256 " + cert.Fingerprint(c.Certificate[0]) + ")", nil
	}
	c, pemBytes, err := cert.SelfSigned(time.Now())
	if err != nil {
		return nil, "", err
	}
	note := "certificate: self-signed for localhost, 127.0.0.1 and ::1 (SHA-256 " + cert.Fingerprint(c.Certificate[0]) + ")"
	if writeTo != "" {
		if err := os.WriteFile(writeTo, pemBytes, 0o644); err != nil {
			return nil, "", fmt.Errorf("cannot write the certificate: %w", err)
		}
		note += "; saved to " + writeTo + " for --cacert"
	}
	return &tls.Config{Certificates: []tls.Certificate{c}}, note, nil
}

// validToken accepts tokens that fit an Authorization header unchanged and
// are long enough not to be guessed.
func validToken(t string) bool {
	if len(t) < 16 || len(t) > 256 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] > '~' {
			return false
		}
	}
	return true
}

// addrName is the host name in a listen address, when it is a name: the
// inspector answers to it as to localhost.
func addrName(addr string) []string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" || net.ParseIP(host) != nil {
		return nil
	}
	return []string{host}
}

// listenURL is the URL to print for a bound listener: the host as asked
// (localhost when it was empty or unspecified) and the real port.
func listenURL(asked string, bound net.Addr, https bool) string {
	host, _, _ := net.SplitHostPort(asked)
	_, port, _ := net.SplitHostPort(bound.String())
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	scheme := "http://"
	if https {
		scheme = "https://"
	}
	return scheme + net.JoinHostPort(host, port)
}

// unwrapOpError drops net.OpError's "listen tcp ..." prefix, which repeats the address.
func unwrapOpError(err error) error {
	if op, ok := err.(*net.OpError); ok && op.Err != nil {
		return op.Err
	}
	return err
}

// formatAge is d in days when it is whole days, as --store-max-age's
// default is.
func formatAge(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d == day:
		return "1 day"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + " days"
	}
	return d.String()
}
