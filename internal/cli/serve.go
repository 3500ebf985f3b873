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

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/store"
)

func runServe(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "serve", "[flags]", "Run the lesson's greeting server with the challenge's routes and the experiments' endpoints.\nIt listens on localhost:3000, or on :$PORT when PORT is set, until SIGINT or SIGTERM.")
	addr := fs.String("addr", "", "`host:port` to listen on; port 0 picks a free port (default localhost:3000, or :$PORT)")
	logFormat := fs.String("log-format", "text", "access log `format` on stderr: text or json")
	shutdown := fs.Duration("shutdown-timeout", 15*time.Second, "how long in-flight requests may finish after SIGINT or SIGTERM")
	history := fs.Int("history", inspect.DefaultHistory, "how many exchanges the inspector keeps at most (`N`, 1 to 100000)")
	historyBytes := &sizeFlag{inspect.DefaultMaxBytes}
	fs.Var(historyBytes, "history-max-bytes", "how much memory (`size`, such as 64MiB) the inspector's exchanges may hold; the oldest go first")
	maxBody := &sizeFlag{server.DefaultMaxBodyCapture}
	fs.Var(maxBody, "max-body-capture", "`size` of each request and response body the inspector keeps, such as 1MiB; 0 keeps none")
	secrets := fs.Bool("capture-secrets", false, "keep credentials in captures and in /echo's answer instead of redacting them: Authorization, Cookie, Set-Cookie and headers whose name has token, secret, password, api-key or credential in it; query parameters such as token, access_token, api_key, key, password, secret and signature; a URL's password")
	token := fs.String("inspector-token", "", "bearer `token` for the inspector and /metrics on a non-loopback listen (default random, printed at start)")
	requireToken := fs.Bool("require-token", false, "require the inspector token on a loopback listen too")
	hosts := &hostsFlag{}
	fs.Var(hosts, "allowed-host", "a host `name` the lab page, the inspector and /metrics answer to, beside localhost, IP addresses and --addr's name (repeatable; .example.com allows its subdomains)")
	storePath := fs.String("store", "default", "`file` that keeps captures across restarts (SQLite): default is history.db in the user's state directory ($XDG_STATE_HOME/roundtrip, else ~/.local/state/roundtrip); memory keeps none")
	storeBytes := &sizeFlag{store.DefaultMaxBytes}
	fs.Var(storeBytes, "store-max-bytes", "`size` the stored captures may take on disk; the oldest go first")
	storeAge := fs.Duration("store-max-age", store.DefaultMaxAge, "how long stored captures are kept")
	noInspector := fs.Bool("no-inspector", false, "turn off capture and the inspector API under /_roundtrip/")
	useTLS := fs.Bool("tls", false, "serve HTTPS, HTTP/2 by ALPN with HTTP/1.1 fallback, with a self-signed certificate generated at start unless --cert and --key are given")
	certFile := fs.String("cert", "", "TLS certificate `file` (PEM); implies --tls")
	keyFile := fs.String("key", "", "TLS private key `file` (PEM) for --cert")
	writeCert := fs.String("write-cert", "", "save the generated certificate to `file` (PEM), for clients to trust with --cacert")
	h2c := fs.Bool("h2c", false, "also serve cleartext HTTP/2 (prior knowledge) beside HTTP/1.1")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("serve takes no arguments, got %q", rest[0])
	}
	if *addr == "" {
		*addr = "localhost:3000"
		if port := e.getenv("PORT"); port != "" {
			*addr = ":" + port // hosting platforms expect every interface
		}
	}
	// The access log and the other lines share one batching writer, so they
	// reach stderr in order.
	var logs *accesslog.Log
	var handler slog.Handler
	switch *logFormat {
	case "text":
		logs = accesslog.New(e.stderr, accesslog.Text, logFlushEvery)
		handler = slog.NewTextHandler(logs, nil)
	case "json":
		logs = accesslog.New(e.stderr, accesslog.JSON, logFlushEvery)
		handler = slog.NewJSONHandler(logs, nil)
	default:
		return usageError("serve: --log-format must be text or json, not %q", *logFormat)
	}
	defer logs.Close()
	if *shutdown <= 0 {
		return usageError("serve: --shutdown-timeout must be positive")
	}
	if *history < 1 || *history > inspect.MaxHistory {
		return usageError("serve: --history must be from 1 to %d, not %d", inspect.MaxHistory, *history)
	}
	if historyBytes.n < minHistoryBytes {
		return usageError("serve: --history-max-bytes must be at least %s", formatSize(minHistoryBytes))
	}
	if maxBody.n > maxBodyCapture {
		return usageError("serve: --max-body-capture must be at most %s", formatSize(maxBodyCapture))
	}
	capture := int(maxBody.n)
	if capture == 0 {
		capture = -1 // the server's "keep none"; its zero means the default
	}
	if *token != "" && !validToken(*token) {
		return usageError("serve: --inspector-token must be 16 to 256 visible ASCII characters without spaces")
	}

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

	if storeBytes.n < minHistoryBytes || *storeAge <= 0 {
		return usageError("serve: --store-max-bytes must be at least %s and --store-max-age positive", formatSize(minHistoryBytes))
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, unwrapOpError(err))
	}
	var durable *store.Store
	if *storePath != "memory" && !*noInspector {
		path := *storePath
		if path == "default" {
			if path, err = store.DefaultPath(e.getenv); err != nil {
				ln.Close()
				return err
			}
		}
		durable, err = store.Open(ctx, store.Config{Path: path, MaxBytes: storeBytes.n, MaxAge: *storeAge, Listener: ln.Addr().String()})
		if err != nil {
			ln.Close()
			return err // one line naming the file and what to do
		}
		defer func() { // after Serve: every capture is on disk
			if cerr := durable.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("serve: the last captures may not be stored: %v", cerr)
			}
		}()
	}
	logger := slog.New(handler)
	srv := server.New(server.Config{
		Logger:          logger,
		AccessLog:       logs,
		ShutdownTimeout: *shutdown,
		NoInspector:     *noInspector,
		History:         *history,
		HistoryMaxBytes: historyBytes.n,
		MaxBodyCapture:  capture,
		CaptureSecrets:  *secrets,
		Store:           durable,
		Listener:        ln.Addr().String(),
		InspectorToken:  *token,
		RequireToken:    *requireToken,
		AllowedHosts:    append(hosts.names, addrName(*addr)...),
		TLS:             tlsConfig,
		H2C:             *h2c,
	})
	url := listenURL(*addr, ln.Addr(), tlsConfig != nil)
	fmt.Fprintf(e.stdout, "roundtrip listening on %s\n", url)
	if certNote != "" {
		fmt.Fprintln(e.stdout, certNote)
	}
	if *requireToken || !server.Loopback(ln.Addr()) {
		// Beyond loopback the inspector and /metrics are closed without it.
		fmt.Fprintf(e.stdout, "inspector token: %s (the lab page: %s/?token=%s; the API and /metrics: send Authorization: Bearer TOKEN)\n", srv.InspectorToken(), url, srv.InspectorToken())
	}
	if durable != nil {
		fmt.Fprintf(e.stdout, "history: kept in %s (up to %s and %s; --store memory keeps none)\n", durable.Path(), formatSize(storeBytes.n), formatAge(*storeAge))
	}
	// A closed stderr must not kill the server: Go dies of SIGPIPE on a
	// write to a broken fd 2 unless the signal is ignored, and then the
	// write just fails, which the access log counts.
	signal.Ignore(syscall.SIGPIPE)
	stopHint := context.AfterFunc(ctx, func() {
		logger.Info("stopping: in-flight requests may finish; a second SIGINT or SIGTERM stops at once", "timeout", *shutdown)
	})
	defer stopHint()
	if e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(serveGOGC))
	}
	if e.getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(memoryLimit(historyBytes.n)))
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
