package proxy_test

import (
	"bufio"
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

