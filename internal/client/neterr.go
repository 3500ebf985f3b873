package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// NetError is a round trip that got no answer. Its message names the cause
// in one line, such as "connection refused by 127.0.0.1:9" or "timed out
// after 5s"; Kind names it for scripts; Unwrap gives the transport's error.
type NetError struct {
	Kind Kind
	msg  string
	err  error
}

func (e *NetError) Error() string { return e.msg }
func (e *NetError) Unwrap() error { return e.err }

// Kind is the cause of a NetError, in snake_case for scripts.
type Kind string

// The causes a NetError can have.
const (
	KindDNS               Kind = "dns_failure"
	KindTimeout           Kind = "timeout"
	KindInterrupted       Kind = "interrupted"
	KindTLS               Kind = "tls_error"
	KindConnectionRefused Kind = "connection_refused"
	KindConnectionReset   Kind = "connection_reset"
	KindUnreachable       Kind = "unreachable"
	KindClosed            Kind = "connection_closed"
	KindNotHTTP           Kind = "not_http"
	KindOther             Kind = "other"
)

// Explain describes err, from a round trip to host (HOST:PORT) that was
// allowed timeout (0: none), as Do's errors do: for a proxy's 502s.
func Explain(err error, host string, timeout time.Duration) *NetError {
	return netError(err, host, timeout)
}

// netError describes err, from a request to host (HOST:PORT) that was
// allowed timeout.
func netError(err error, host string, timeout time.Duration) *NetError {
	kind, msg := describe(err, host, timeout)
	return &NetError{Kind: kind, msg: msg, err: err}
}

func describe(err error, host string, timeout time.Duration) (Kind, string) {
	var (
		dnsErr    *net.DNSError
		authErr   x509.UnknownAuthorityError
		nameErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		recordErr tls.RecordHeaderError
		alert     tls.AlertError
		netErr    net.Error
	)
	hostname := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		hostname = h
	}
	switch {
	case errors.As(err, &dnsErr):
		name := dnsErr.Name
		if name == "" {
			name = hostname
		}
		why := "no such host"
		switch {
		case dnsErr.IsTimeout:
			why = "timed out"
		case !dnsErr.IsNotFound && dnsErr.Err != "":
			why = dnsErr.Err
		}
		return KindDNS, "DNS lookup failed for " + name + ": " + why
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		if timeout > 0 {
			return KindTimeout, "timed out after " + timeout.String()
		}
		return KindTimeout, "timed out"
	case errors.Is(err, context.Canceled):
		return KindInterrupted, "interrupted before the answer came"
	case errors.As(err, &authErr):
		return KindTLS, "TLS error: certificate signed by unknown authority (trust it with --cacert, or skip checks with --insecure)"
	case errors.As(err, &nameErr):
		return KindTLS, "TLS error: " + strings.TrimPrefix(nameErr.Error(), "x509: ")
	case errors.As(err, &invalid):
		return KindTLS, "TLS error: " + firstClause(strings.TrimPrefix(invalid.Error(), "x509: "))
	case errors.As(err, &recordErr):
		return KindTLS, "TLS error: the server did not answer in TLS (try http:// instead of https://)"
	case errors.As(err, &alert):
		return KindTLS, "TLS error: the server refused the handshake (" + strings.TrimPrefix(alert.Error(), "tls: ") + ")"
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindConnectionRefused, "connection refused by " + host + " (is the server running?)"
	case errors.Is(err, syscall.ECONNRESET):
		return KindConnectionReset, "connection reset by " + host
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return KindUnreachable, "no route to " + host
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return KindClosed, "the server closed the connection before a complete answer"
	}
	msg := innermost(err).Error()
	switch {
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return KindTLS, "TLS error: the server answered in plain HTTP (try http:// instead of https://)"
	case strings.Contains(msg, "readLoopPeekFailLocked"):
		// net/http's transport, when a connection closed while it waited
		// for the answer: its message names its own function.
		return KindClosed, "the server closed the connection before a complete answer"
	case strings.Contains(msg, "malformed HTTP"):
		return KindNotHTTP, "the answer is not HTTP (for a TLS server, use https://)"
	case strings.Contains(msg, "frame header looked like an HTTP/1.1 header"):
		// Prior knowledge of HTTP/2 (h2c) sent to an HTTP/1.1 server.
		return KindNotHTTP, "the server answered in HTTP/1.1, not HTTP/2: it has no h2c (serve --h2c has)"
	case strings.Contains(msg, "http2: client conn could not be established"):
		// The same server, when the transport saw the connection close
		// before it had sent the first request: the answer is lost.
		return KindNotHTTP, "the server closed the connection before HTTP/2 began, as one without h2c does (serve --h2c has it)"
	case strings.HasPrefix(msg, "tls: "):
		return KindTLS, "TLS error: " + firstClause(strings.TrimPrefix(msg, "tls: "))
	}
	return KindOther, oneLine(strings.TrimPrefix(msg, "net/http: "))
}

// innermost drops the url.Error and net.OpError wrappers, whose "Get URL:"
// and "dial tcp ADDR:" prefixes repeat what the message says.
func innermost(err error) error {
	for {
		var ue *url.Error
		var oe *net.OpError
		switch {
		case errors.As(err, &ue) && ue.Err != nil:
			err = ue.Err
		case errors.As(err, &oe) && oe.Err != nil:
			err = oe.Err
		default:
			return err
		}
	}
}

// firstClause keeps an error to one line, without the detail after ": ".
func firstClause(s string) string {
	s = oneLine(s)
	if i := strings.Index(s, ": "); i > 0 {
		s = s[:i]
	}
	return s
}
