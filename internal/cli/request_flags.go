package cli

import (
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
)

// clientFlags are the flags greet and request share: the transport's.
// Those after cacert are nil where a command has none (proxy's).
type clientFlags struct {
	timeout  *time.Duration
	maxTime  *time.Duration // nil where the command has no --max-time
	insecure *bool
	cacert   *string

	http11, http2, h2c *bool
	resolve            *resolveFlag
	compressed         *bool
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	f := clientFlags{
		timeout:  fs.Duration("timeout", 10*time.Second, "give up when the answer's head has not come after this `duration`; its body may take longer (see --max-time)"),
		maxTime:  fs.Duration("max-time", 0, "give up on the whole exchange, the body included, after this `duration`, keeping what came; 0 for no limit"),
		insecure: fs.Bool("insecure", false, "skip TLS certificate verification, such as for serve --tls's self-signed one"),
		cacert:   fs.String("cacert", "", "trust the CA certificates in this PEM `file` for https:// (as well as the system's)"),

		http11:     fs.Bool("http1.1", false, "speak HTTP/1.1 only, offering no HTTP/2 in the TLS handshake"),
		http2:      fs.Bool("http2", false, "HTTP/2 over TLS by ALPN, HTTP/1.1 if the server has no HTTP/2, as curl and as the default; over http:// it is HTTP/1.1 (no h2c upgrade)"),
		h2c:        fs.Bool("http2-prior-knowledge", false, "speak HTTP/2 from the first byte, cleartext (h2c) for http://, as curl does: for a server that has it, such as serve --h2c"),
		resolve:    &resolveFlag{},
		compressed: fs.Bool("compressed", false, "ask for a gzip- or deflate-coded body (Accept-Encoding: gzip, deflate, unless a header sets one) and decode it, as curl does"),
	}
	fs.BoolVar(f.insecure, "k", false, "the same as --insecure")
	fs.Var(f.resolve, "resolve", "for `HOST:PORT:ADDRESS[,ADDRESS...]`, connect to ADDRESS instead of looking HOST up, as curl does; HOST * is any; the Host header and TLS keep the URL's; repeatable")
	return f
}

// resolveFlag collects curl's --resolve HOST:PORT:ADDRESS[,ADDRESS...],
// by HOST:PORT (the host lowercase), as client.Config.Resolve takes it.
type resolveFlag struct{ m map[string][]string }

func (f *resolveFlag) String() string { return "" }

func (f *resolveFlag) Set(v string) error {
	bad := fmt.Errorf("%q is not HOST:PORT:ADDRESS, such as example.com:443:127.0.0.1", v)
	s := strings.TrimPrefix(v, "+") // curl's mark for an entry that times out
	var host string
	if rest, ok := strings.CutPrefix(s, "["); ok {
		h, after, ok := strings.Cut(rest, "]")
		if !ok || !strings.HasPrefix(after, ":") {
			return bad
		}
		host, s = h, after[1:]
	} else {
		h, after, ok := strings.Cut(s, ":")
		if !ok {
			return bad
		}
		host, s = h, after
	}
	port, addrs, ok := strings.Cut(s, ":")
	if n, err := strconv.Atoi(port); !ok || host == "" || err != nil || n < 1 || n > 65535 {
		return bad
	}
	var ips []string
	for a := range strings.SplitSeq(addrs, ",") {
		a = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(a), "["), "]")
		if net.ParseIP(a) == nil {
			return fmt.Errorf("%q: %q is not an IP address", v, a)
		}
		ips = append(ips, a)
	}
	if f.m == nil {
		f.m = map[string][]string{}
	}
	f.m[net.JoinHostPort(strings.ToLower(host), port)] = ips
	return nil
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
	if f.http11 != nil {
		switch {
		case *f.http11 && (*f.http2 || *f.h2c) || *f.http2 && *f.h2c:
			return client.Config{}, usageError("%s: --http1.1, --http2 and --http2-prior-knowledge each choose the protocol: give one", name)
		case *f.http11:
			cfg.Protocol = client.ProtocolHTTP1
		case *f.h2c:
			cfg.Protocol = client.ProtocolH2C
		}
		cfg.Resolve = f.resolve.m
		cfg.Decompress = *f.compressed
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
