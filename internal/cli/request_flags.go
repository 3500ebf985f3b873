package cli

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
)

// clientFlags are the flags greet and request share.
type clientFlags struct {
	timeout  *time.Duration
	maxTime  *time.Duration // nil where the command has no --max-time
	insecure *bool
	cacert   *string
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{
		timeout:  fs.Duration("timeout", 10*time.Second, "give up when the answer's head has not come after this `duration`; its body may take longer (see --max-time)"),
		maxTime:  fs.Duration("max-time", 0, "give up on the whole exchange, the body included, after this `duration`, keeping what came; 0 for no limit"),
		insecure: fs.Bool("insecure", false, "skip TLS certificate verification, such as for serve --tls's self-signed one"),
		cacert:   fs.String("cacert", "", "trust the CA certificates in this PEM `file` for https:// (as well as the system's)"),
	}
}

// config turns the flags into a client.Config; name prefixes usage errors.
func (f clientFlags) config(name string) (client.Config, error) {
	if *f.timeout <= 0 {
		return client.Config{}, usageError("%s: --timeout must be positive", name)
	}
	cfg := client.Config{Timeout: *f.timeout, Insecure: *f.insecure, UserAgent: "roundtrip/" + version()}
	if f.maxTime != nil {
		if *f.maxTime < 0 {
			return client.Config{}, usageError("%s: --max-time must not be negative", name)
		}
		cfg.MaxTime = *f.maxTime
	}
	if *f.cacert != "" {
		pem, err := os.ReadFile(*f.cacert)
		if err != nil {
			return client.Config{}, usageError("%s: cannot read --cacert file %s", name, *f.cacert)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return client.Config{}, usageError("%s: --cacert file %s holds no PEM certificate", name, *f.cacert)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// defaultServer is where greet and request go without a host.
const defaultServer = "http://localhost:3000"

// targetURL completes a URL as HTTPie does: "/hello" and ":3000/hello" go
// to localhost, and a URL without a scheme is http://.
func targetURL(name, raw string) (*url.URL, error) {
	switch {
	case strings.HasPrefix(raw, "/"):
		raw = defaultServer + raw
	case strings.HasPrefix(raw, ":"):
		raw = "http://localhost" + raw
	case !strings.Contains(raw, "://"):
		raw = "http://" + raw
	}
	u, err := client.ParseURL(raw)
	if err != nil {
		return nil, usageError("%s: %v", name, err)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawQuery = escapeQuery(u.RawQuery)
	return u, nil
}

// escapeQuery percent-encodes the bytes of a query that cannot go on the
// wire as typed, such as spaces and UTF-8, as browsers do. It leaves the
// rest, & = + % included, to mean what the user wrote.
func escapeQuery(q string) string {
	const unsafe = "\"<>\\^`{|}"
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(unsafe, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// answerError gives a 4xx or 5xx answer's error its exit code, 4 or 5.
func answerError(err error) error {
	var pe *client.ProblemError
	var se *client.StatusError
	status := 0
	switch {
	case errors.As(err, &pe):
		status = pe.Status
	case errors.As(err, &se):
		status = se.Status
	}
	switch {
	case status >= 500:
		return &exitError{code: exitServerError, err: err}
	case status >= 400:
		return &exitError{code: exitClientError, err: err}
	}
	return err
}
