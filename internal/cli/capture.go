package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/store"
)

// captureFlags are the flags serve and proxy share: the logs, the
// shutdown, and what the inspector keeps, where, and who may read it.
type captureFlags struct {
	cmd          string
	logFormat    *string
	accessLog    *string
	shutdown     *time.Duration
	history      *int
	historyBytes *sizeFlag
	maxBody      *sizeFlag
	secrets      *bool
	token        *string
	requireToken *bool
	hosts        *hostsFlag
	storePath    *string
	storeBytes   *sizeFlag
	storeAge     *time.Duration
}

func addCaptureFlags(fs *flag.FlagSet, cmd string) *captureFlags {
	c := &captureFlags{cmd: cmd}
	c.logFormat = fs.String("log-format", "text", "`format` of the log on stderr, the server's own lines and by default the access log's: text or json")
	c.accessLog = fs.String("access-log", "", "the access log, a line per request on stderr: off, text or json (default: as --log-format)")
	c.shutdown = fs.Duration("shutdown-timeout", 15*time.Second, "how long in-flight requests may finish after SIGINT or SIGTERM")
	c.history = fs.Int("history", inspect.DefaultHistory, "how many exchanges the inspector keeps at most (`N`, 1 to 100000)")
	c.historyBytes = &sizeFlag{inspect.DefaultMaxBytes}
	fs.Var(c.historyBytes, "history-max-bytes", "how much memory (`size`, such as 64MiB) the inspector's exchanges may hold; the oldest go first")
	c.maxBody = &sizeFlag{server.DefaultMaxBodyCapture}
	fs.Var(c.maxBody, "max-body-capture", "`size` of each request and response body the inspector keeps, such as 1MiB; 0 keeps none")
	c.secrets = fs.Bool("capture-secrets", false, "keep credentials in captures and in /echo's answer instead of redacting them: Authorization, Cookie, Set-Cookie and headers whose name has token, secret, password, api-key or credential in it; query parameters such as token, access_token, api_key, key, password, secret and signature; a URL's password")
	c.token = fs.String("inspector-token", "", "bearer `token` for the inspector and /metrics on a non-loopback listen (default random, printed at start)")
	c.requireToken = fs.Bool("require-token", false, "require the inspector token on a loopback listen too")
	c.hosts = &hostsFlag{}
	fs.Var(c.hosts, "allowed-host", "a host `name` the lab page, the inspector and /metrics answer to, beside localhost, IP addresses and the listen address's name (repeatable; .example.com allows its subdomains)")
	c.storePath = fs.String("store", "default", "`file` that keeps captures across restarts (SQLite): default is history.db in the user's state directory ($XDG_STATE_HOME/roundtrip, else ~/.local/state/roundtrip); memory keeps none")
	c.storeBytes = &sizeFlag{store.DefaultMaxBytes}
	fs.Var(c.storeBytes, "store-max-bytes", "`size` the stored captures may take on disk; the oldest go first")
	c.storeAge = fs.Duration("store-max-age", store.DefaultMaxAge, "how long stored captures are kept")
	return c
}

// check refuses values out of bounds, as usage errors.
func (c *captureFlags) check() error {
	if *c.shutdown <= 0 {
		return usageError("%s: --shutdown-timeout must be positive", c.cmd)
	}
	if *c.history < 1 || *c.history > inspect.MaxHistory {
		return usageError("%s: --history must be from 1 to %d, not %d", c.cmd, inspect.MaxHistory, *c.history)
	}
	if c.historyBytes.n < minHistoryBytes {
		return usageError("%s: --history-max-bytes must be at least %s", c.cmd, formatSize(minHistoryBytes))
	}
	if c.maxBody.n > maxBodyCapture {
		return usageError("%s: --max-body-capture must be at most %s", c.cmd, formatSize(maxBodyCapture))
	}
	if *c.token != "" && !validToken(*c.token) {
		return usageError("%s: --inspector-token must be 16 to 256 visible ASCII characters without spaces", c.cmd)
	}
	if c.storeBytes.n < minHistoryBytes || *c.storeAge <= 0 {
		return usageError("%s: --store-max-bytes must be at least %s and --store-max-age positive", c.cmd, formatSize(minHistoryBytes))
	}
	return nil
}

// logs makes the access log and the logger's handler, which share one
// batching writer so that their lines reach stderr in order. With
// --access-log off the writer carries the server's own lines alone.
func (c *captureFlags) logs(e *env) (*accesslog.Log, slog.Handler, error) {
	formats := map[string]accesslog.Format{"text": accesslog.Text, "json": accesslog.JSON}
	own, ok := formats[*c.logFormat]
	if !ok {
		return nil, nil, usageError("%s: --log-format must be text or json, not %q", c.cmd, *c.logFormat)
	}
	access := own
	if *c.accessLog != "" {
		formats["off"] = accesslog.Off
		if access, ok = formats[*c.accessLog]; !ok {
			return nil, nil, usageError("%s: --access-log must be off, text or json, not %q", c.cmd, *c.accessLog)
		}
	}
	logs := accesslog.NewSplit(e.stderr, own, access, logFlushEvery)
	if own == accesslog.JSON {
		return logs, slog.NewJSONHandler(logs, nil), nil
	}
	return logs, slog.NewTextHandler(logs, nil), nil
}

// capture is --max-body-capture as server.Config takes it: its zero is
// the default, and keeping none is negative.
func (c *captureFlags) capture() int {
	if c.maxBody.n == 0 {
		return -1
	}
	return int(c.maxBody.n)
}

// openStore opens the store --store names, nil for memory, recording
// listener with each capture.
func (c *captureFlags) openStore(ctx context.Context, e *env, listener string) (*store.Store, error) {
	if *c.storePath == "memory" {
		return nil, nil
	}
	path := *c.storePath
	if path == "default" {
		var err error
		if path, err = store.DefaultPath(e.getenv); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, store.Config{Path: path, MaxBytes: c.storeBytes.n, MaxAge: *c.storeAge, Listener: listener})
}

// closeStore closes s once serving is over, making a failure the exit's
// error: the last captures may not be on disk.
func (c *captureFlags) closeStore(s *store.Store, err *error) {
	if s == nil {
		return
	}
	if cerr := s.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("%s: the last captures may not be stored: %v", c.cmd, cerr)
	}
}

// historyLine is what serve and proxy print about the store at start.
func (c *captureFlags) historyLine(e *env, s *store.Store) {
	if s != nil {
		fmt.Fprintf(e.stdout, "history: kept in %s (up to %s and %s; --store memory keeps none)\n", s.Path(), formatSize(c.storeBytes.n), formatAge(*c.storeAge))
	}
}
