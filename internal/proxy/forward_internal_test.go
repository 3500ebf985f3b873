package proxy

import (
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestInterceptedNeedsNoToken: a request inside an intercepted tunnel
// carries no Proxy-Authorization (the client sent it with its CONNECT,
// which opened the tunnel), and is served from beyond loopback too.
func TestInterceptedNeedsNoToken(t *testing.T) {
	t.Parallel()
	site := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "inside") }))
	t.Cleanup(site.Close)
	roots := x509.NewCertPool()
	roots.AddCert(site.Certificate())
	f := NewForward(ForwardConfig{Token: "proxy-token-0123456789", RootCAs: roots})
	host := strings.TrimPrefix(site.URL, "https://")
	r := httptest.NewRequest("GET", "/x", nil)
	r.RemoteAddr = "10.0.0.7:5000"
	r.Host = host
	r = r.WithContext(context.WithValue(r.Context(), interceptKey{}, host))
	w := httptest.NewRecorder()
	f.ServeHTTP(w, r)
	if w.Code != 200 || w.Body.String() != "inside" {
		t.Errorf("an intercepted request from beyond loopback = %d %q; want the site's answer, no 407", w.Code, w.Body)
	}
}
