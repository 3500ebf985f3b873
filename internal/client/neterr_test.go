package client

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/servetest"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error {
		return &url.Error{Op: "Get", URL: "http://x/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}}
	}
	tests := []struct {
		err      error
		wantKind Kind
		want     string
	}{
		{wrap(&net.DNSError{Err: "no such host", Name: "nosuch.invalid", IsNotFound: true}), KindDNS, "DNS lookup failed for nosuch.invalid: no such host"},
		{wrap(&net.DNSError{Err: "i/o timeout", Name: "slow.example", IsTimeout: true}), KindDNS, "DNS lookup failed for slow.example: timed out"},
		{wrap(&net.DNSError{Err: "server misbehaving", Name: "odd.example"}), KindDNS, "DNS lookup failed for odd.example: server misbehaving"},
		{wrap(os.NewSyscallError("connect", syscall.ECONNREFUSED)), KindConnectionRefused, "connection refused by 127.0.0.1:9 (is the server running?)"},
		{wrap(os.NewSyscallError("read", syscall.ECONNRESET)), KindConnectionReset, "connection reset by 127.0.0.1:9"},
		{wrap(os.NewSyscallError("connect", syscall.EHOSTUNREACH)), KindUnreachable, "no route to 127.0.0.1:9"},
		{&url.Error{Op: "Get", URL: "http://x/", Err: context.DeadlineExceeded}, KindTimeout, "timed out after 5s"},
		{&url.Error{Op: "Get", URL: "http://x/", Err: context.Canceled}, KindInterrupted, "interrupted before the answer came"},
		{&url.Error{Op: "Get", URL: "http://x/", Err: io.EOF}, KindClosed, "the server closed the connection before a complete answer"},
		{&url.Error{Op: "Get", URL: "http://x/", Err: errors.New("readLoopPeekFailLocked: %!w(<nil>)")}, KindClosed, "the server closed the connection before a complete answer"}, // net/http, a connection closed while it waited
		{fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), KindTLS, "TLS error: certificate signed by unknown authority (trust it with --cacert, or skip checks with --insecure)"},
		{x509.HostnameError{Certificate: &x509.Certificate{DNSNames: []string{"localhost"}}, Host: "example.com"}, KindTLS, "TLS error: certificate is valid for localhost, not example.com"},
		{x509.CertificateInvalidError{Cert: &x509.Certificate{}, Reason: x509.Expired, Detail: "current time is after"}, KindTLS, "TLS error: certificate has expired or is not yet valid"},
		{errors.New("tls: first record does not look like a TLS handshake"), KindTLS, "TLS error: first record does not look like a TLS handshake"},
		{errors.New("net/http: HTTP/1.x transport connection broken: malformed HTTP response \"SSH-2.0\""), KindNotHTTP, "the answer is not HTTP (for a TLS server, use https://)"},
		{errors.New("http2: failed reading the frame payload: http2: frame too large, note that the frame header looked like an HTTP/1.1 header"), KindNotHTTP,
			"the server answered in HTTP/1.1, not HTTP/2: it has no h2c (serve --h2c has)"},
		{&url.Error{Op: "Get", URL: "http://x/", Err: errors.New("http2: client conn could not be established")}, KindNotHTTP,
			"the server closed the connection before HTTP/2 began, as one without h2c does (serve --h2c has it)"},
		{errors.New("something\nunexpected"), KindOther, "something unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			kind, got := describe(tt.err, "127.0.0.1:9", 5*time.Second)
			if kind != tt.wantKind || got != tt.want {
				t.Errorf("describe(%v) = %s, %q; want %s, %q", tt.err, kind, got, tt.wantKind, tt.want)
			}
		})
	}
}

func TestDoNetworkFailures(t *testing.T) {
	t.Parallel()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	secure := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	secure.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	secure.StartTLS()
	t.Cleanup(secure.Close)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain") }))
	t.Cleanup(plain.Close)
	hangUp := servetest.Conns(t, func(c net.Conn) {
		c.Read(make([]byte, 4096))
	})
	notHTTP := servetest.Conns(t, func(c net.Conn) {
		c.Read(make([]byte, 4096))
		io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n")
	})
	refused := servetest.RefusedAddr(t)

	tests := []struct {
		name       string
		url        string
		timeout    time.Duration
		wantKind   Kind
		wantPrefix string
	}{
		{"refused", "http://" + refused + "/", 5 * time.Second, KindConnectionRefused, "connection refused by " + refused},
		{"timeout", hang.URL, 100 * time.Millisecond, KindTimeout, "timed out after 100ms"},
		{"untrusted", secure.URL, 5 * time.Second, KindTLS, "TLS error: certificate signed by unknown authority"},
		{"https to http", strings.Replace(plain.URL, "http:", "https:", 1), 5 * time.Second, KindTLS, "TLS error: the server answered in plain HTTP"},
		{"hang up", "http://" + hangUp + "/", 5 * time.Second, KindClosed, "the server closed the connection before a complete answer"},
		{"not http", "http://" + notHTTP + "/", 5 * time.Second, KindNotHTTP, "the answer is not HTTP"},
		{"dns", "http://nosuch.invalid/", 5 * time.Second, KindDNS, "DNS lookup failed for nosuch.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New(Config{Timeout: tt.timeout})
			t.Cleanup(c.Close)
			req, err := http.NewRequest(http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(context.Background(), req)
			var ne *NetError
			if !errors.As(err, &ne) {
				t.Fatalf("Do(%s) = %v, %v; want a *NetError", tt.url, resp, err)
			}
			if got := ne.Error(); !strings.HasPrefix(got, tt.wantPrefix) || strings.Contains(got, "\n") {
				t.Errorf("Do(%s) error = %q; want one line starting %q", tt.url, got, tt.wantPrefix)
			}
			if ne.Kind != tt.wantKind {
				t.Errorf("Do(%s) error kind = %s; want %s", tt.url, ne.Kind, tt.wantKind)
			}
			if ne.Unwrap() == nil {
				t.Errorf("Do(%s) error unwraps to nil; want the transport's error", tt.url)
			}
		})
	}
}

func TestDoTLSTrust(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tests := []struct {
		name string
		cfg  Config
	}{
		{"insecure", Config{Insecure: true}},
		{"trusted CA", Config{RootCAs: pool}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New(tt.cfg)
			t.Cleanup(c.Close)
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			resp, err := c.Do(context.Background(), req)
			if err != nil {
				t.Fatalf("%s: Do(%s) error %v; want 200", tt.name, srv.URL, err)
			}
			if resp.Status != 200 || string(resp.Body) != "secret" || resp.TLS == nil || resp.Timeline.TLSVersion == 0 {
				t.Errorf("%s: Do(%s) = %d %q, TLS %v; want 200 \"secret\" over TLS", tt.name, srv.URL, resp.Status, resp.Body, resp.TLS != nil)
			}
		})
	}
}
