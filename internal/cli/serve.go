package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "[flags]", "Run the lesson's greeting server with the challenge's routes and the experiments' endpoints.\nIt listens on localhost:3000, or on :$PORT when PORT is set, until SIGINT or SIGTERM.")
	addr := fs.String("addr", "", "`host:port` to listen on; port 0 picks a free port (default localhost:3000, or :$PORT)")
	logFormat := fs.String("log-format", "text", "access log `format` on stderr: text or json")
	shutdown := fs.Duration("shutdown-timeout", 15*time.Second, "how long in-flight requests may finish after SIGINT or SIGTERM")
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
	var handler slog.Handler
	switch *logFormat {
	case "text":
		handler = slog.NewTextHandler(e.stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(e.stderr, nil)
	default:
		return usageError("serve: --log-format must be text or json, not %q", *logFormat)
	}
	if *shutdown <= 0 {
		return usageError("serve: --shutdown-timeout must be positive")
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, unwrapOpError(err))
	}
	srv := server.New(server.Config{Logger: slog.New(handler), ShutdownTimeout: *shutdown})
	fmt.Fprintf(e.stdout, "roundtrip listening on %s\n", listenURL(*addr, ln.Addr()))
	return srv.Serve(ctx, ln)
}

// listenURL is the URL to print for a bound listener: the host as asked
// (localhost when it was empty or unspecified) and the real port.
func listenURL(asked string, bound net.Addr) string {
	host, _, _ := net.SplitHostPort(asked)
	_, port, _ := net.SplitHostPort(bound.String())
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// unwrapOpError drops net.OpError's "listen tcp ..." prefix, which repeats the address.
func unwrapOpError(err error) error {
	if op, ok := err.(*net.OpError); ok && op.Err != nil {
		return op.Err
	}
	return err
}
