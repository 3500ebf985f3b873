package proxy_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// forwardProxy runs a forward proxy, capture on, and returns its URL and
// the server.
func forwardProxy(t *testing.T, cfg proxy.ForwardConfig) (*url.URL, *server.Server) {
	t.Helper()
	base, _, srv := servetest.Proxy(t, server.Config{Proxy: proxy.NewForward(cfg)})
	u, _ := url.Parse(base)
	return u, srv
}

// TestForward: a client told to use the proxy gets http:// through it as
// absolute-form requests and https:// as a CONNECT tunnel, each captured.
func TestForward(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "plain %s %s", r.Host, r.Header.Get("Proxy-Authorization"))
	}))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secure") }))
	t.Cleanup(secure.Close)
	pu, srv := forwardProxy(t, proxy.ForwardConfig{})
	tr := secure.Client().Transport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(pu)
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)

	res, err := c.Get(plain.URL + "/a?b=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := "plain " + strings.TrimPrefix(plain.URL, "http://") + " "; string(b) != want {
		t.Errorf("http:// through the forward proxy = %q; want %q", b, want)
	}
	ex := newest(t, srv)
	if ex.URL != plain.URL+"/a?b=1" || ex.Upstream == nil || ex.Upstream.URL != plain.URL+"/a?b=1" || ex.Upstream.Status != 200 {
		t.Errorf("captured %s, upstream %+v; want the absolute-form request and its leg", ex.URL, ex.Upstream)
	}

	res, err = c.Get(secure.URL + "/s")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "secure" {
		t.Errorf("https:// through the tunnel = %q; want the server's answer", b)
	}
	tr.CloseIdleConnections() // the tunnel ends: its exchange is recorded
	deadline := time.Now().Add(5 * time.Second)
	for ex = newest(t, srv); ex.Method != "CONNECT" && time.Now().Before(deadline); ex = newest(t, srv) {
		time.Sleep(5 * time.Millisecond)
	}
	host := strings.TrimPrefix(secure.URL, "https://")
	if ex.Method != "CONNECT" || ex.Status != 200 || ex.Upstream == nil || ex.Upstream.URL != "tcp://"+host || ex.Upstream.BytesSent == 0 || ex.Upstream.BytesReceived == 0 {
		t.Errorf("captured %s %d, upstream %+v; want the tunnel to %s, 200, with its bytes each way", ex.Method, ex.Status, ex.Upstream, host)
	}
}

// TestForwardCurl: curl --proxy, for http:// and for https:// with
// --cacert, as a user would.
func TestForwardCurl(t *testing.T) {
	t.Parallel()
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl not found: apt-get install curl")
		}
		t.Skip("curl not found: apt-get install curl")
	}
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "secure via curl") }))
	t.Cleanup(secure.Close)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "plain via curl") }))
	t.Cleanup(plain.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	pu, _ := forwardProxy(t, proxy.ForwardConfig{})
	for _, tt := range []struct{ url, want string }{{plain.URL + "/", "plain via curl"}, {secure.URL + "/", "secure via curl"}} {
		out, err := exec.Command(curl, "-sS", "--max-time", "10", "--proxy", pu.String(), "--cacert", ca, tt.url).CombinedOutput()
		if err != nil || string(out) != tt.want {
			t.Errorf("curl --proxy %s %s = %q, %v; want %q", pu, tt.url, out, err, tt.want)
		}
	}
}

// TestForwardRefuses: not an open proxy, and not a web server.
func TestForwardRefuses(t *testing.T) {
	t.Parallel()
	h := proxy.NewForward(proxy.ForwardConfig{Token: "proxy-token-0123456789"})
	tests := []struct {
		name, remote, auth string
		req                *http.Request
		want               int
	}{
		{"beyond loopback", "10.0.0.7:5000", "", httptest.NewRequest("GET", "http://example.com/", nil), 407},
		{"beyond loopback, a wrong token", "10.0.0.7:5000", "Bearer nope", httptest.NewRequest("GET", "http://example.com/", nil), 407},
		{"origin-form, as to a web server", "127.0.0.1:5000", "", httptest.NewRequest("GET", "/hello", nil), 400},
		{"CONNECT without a port", "127.0.0.1:5000", "", &http.Request{Method: "CONNECT", Host: "example.com", URL: &url.URL{Host: "example.com"}, Header: http.Header{}, RemoteAddr: ""}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.req
			r.RemoteAddr = tt.remote
			if tt.auth != "" {
				r.Header.Set("Proxy-Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want || w.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s = %d %s; want a %d problem", tt.name, w.Code, w.Body, tt.want)
			}
		})
	}
}

// TestForwardTunnelBound: tunnels beyond MaxTunnels are refused with 503,
// and one that closes makes room.
func TestForwardTunnelBound(t *testing.T) {
	t.Parallel()
	echo := servetest.Conns(t, func(c net.Conn) { io.Copy(c, c) })
	pu, _ := forwardProxy(t, proxy.ForwardConfig{MaxTunnels: 1})
	open := func() (net.Conn, int) {
		t.Helper()
		c, err := net.Dial("tcp", pu.Host)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", echo, echo)
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c, res.StatusCode
	}
	first, code := open()
	if code != 200 {
		t.Fatalf("the first tunnel = %d; want 200", code)
	}
	second, code := open()
	second.Close()
	if code != 503 {
		t.Errorf("a second tunnel with MaxTunnels 1 = %d; want 503", code)
	}
	first.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		third, code := open()
		third.Close()
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the first tunnel closed, a new one = %d; want 200", code)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mitmProxy runs a forward proxy that intercepts TLS with a new CA, the
// hosts' certificates checked against upstream's, and returns its URL,
// the server, and the CA's PEM for clients to trust.
func mitmProxy(t *testing.T, upstream *httptest.Server) (*url.URL, *server.Server, []byte) {
	t.Helper()
	ca, created, err := cert.LoadCA(t.TempDir(), time.Now())
	if err != nil || !created {
		t.Fatalf("LoadCA = %v, %v; want a new CA", created, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(upstream.Certificate())
	fwd := proxy.NewForward(proxy.ForwardConfig{CA: ca, RootCAs: roots})
	base, _, srv := servetest.Proxy(t, server.Config{Proxy: fwd})
	fwd.SetHandler(srv.Handler())
	u, _ := url.Parse(base)
	return u, srv, ca.PEM()
}

// TestMITM: with interception, a client that trusts the CA gets the
// host's answer through the tunnel, over HTTP/2 and HTTP/1.1, and each
// exchange inside is captured, decrypted, with its leg to the host.
func TestMITM(t *testing.T) {
	t.Parallel()
	secure := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "secret answer to %s %s", r.Method, b)
	}))
	secure.EnableHTTP2 = true
	secure.StartTLS()
	t.Cleanup(secure.Close)
	pu, srv, caPEM := mitmProxy(t, secure)
	trust := x509.NewCertPool()
	trust.AppendCertsFromPEM(caPEM)
	for _, h2 := range []bool{true, false} {
		t.Run(fmt.Sprintf("h2 %v", h2), func(t *testing.T) {
			tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: trust}, ForceAttemptHTTP2: h2}
			if !h2 {
				tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
			}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			res, err := c.Post(secure.URL+"/pay?card=1", "text/plain", strings.NewReader("tea"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if string(b) != "secret answer to POST tea" || (res.ProtoMajor == 2) != h2 {
				t.Fatalf("through the intercepting proxy = %s %q; want the host's answer over HTTP/2 %v", res.Proto, b, h2)
			}
			if issuer := res.TLS.PeerCertificates[0].Issuer.CommonName; issuer != "roundtrip proxy CA" {
				t.Errorf("the client saw a certificate from %q; want the proxy's CA", issuer)
			}
			ex := captured(t, srv, func(ex *observe.Exchange) bool { return ex.Method == "POST" && ex.Proto == res.Proto })
			if ex.Method != "POST" || ex.URL != "/pay?card=1" || ex.Request.Body != "tea" || ex.Response.Body != "secret answer to POST tea" || ex.TLS == "" {
				t.Errorf("captured %s %s %q → %q, TLS %q; want the decrypted exchange", ex.Method, ex.URL, ex.Request.Body, ex.Response.Body, ex.TLS)
			}
			if ex.Upstream == nil || ex.Upstream.URL != secure.URL+"/pay?card=1" || ex.Upstream.Status != 200 {
				t.Errorf("upstream %+v; want the leg to %s", ex.Upstream, secure.URL)
			}
		})
	}
}

// TestMITMCurl: curl --proxy with --cacert the proxy's CA.
func TestMITMCurl(t *testing.T) {
	t.Parallel()
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl not found: apt-get install curl")
		}
		t.Skip("curl not found: apt-get install curl")
	}
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "intercepted via curl") }))
	t.Cleanup(secure.Close)
	pu, srv, caPEM := mitmProxy(t, secure)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, caPEM, 0o600)
	out, err := exec.Command(curl, "-sS", "--max-time", "10", "--proxy", pu.String(), "--cacert", ca, secure.URL+"/c").CombinedOutput()
	if err != nil || string(out) != "intercepted via curl" {
		t.Fatalf("curl through the intercepting proxy = %q, %v; want the host's answer", out, err)
	}
	if ex := captured(t, srv, func(ex *observe.Exchange) bool { return ex.URL == "/c" }); ex.Response.Body != "intercepted via curl" {
		t.Errorf("captured GET /c answered %q; want the host's answer", ex.Response.Body)
	}
}

// captured waits for an exchange that match says is the one.
func captured(t *testing.T, srv *server.Server, match func(*observe.Exchange) bool) *observe.Exchange {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		page, _ := srv.Inspector().List(inspect.Filter{}, 0, 100)
		for _, ex := range page {
			if match(ex) {
				return ex
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no such exchange reached the inspector")
	return nil
}
