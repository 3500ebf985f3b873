package web_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// TestBrowserThroughInterceptingProxy: chromium told to use roundtrip
// proxy --forward --mitm loads a page from a local TLS server through it,
// taking the proxy's certificate for the site, and the inspector has the
// page's exchange, decrypted.
func TestBrowserThroughInterceptingProxy(t *testing.T) {
	t.Parallel()
	site := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>through the proxy</title><p>hello")
	}))
	t.Cleanup(site.Close)
	now := time.Now()
	ca, _, err := cert.LoadCA(t.TempDir(), now)
	if err != nil {
		t.Fatal(err)
	}
	// The browser is told to trust exactly the certificate the proxy will
	// show for the site: the CA's leaf for 127.0.0.1, made now and cached.
	leaf, err := ca.Leaf("127.0.0.1", now)
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(leaf.Leaf.RawSubjectPublicKeyInfo)
	roots := x509.NewCertPool()
	roots.AddCert(site.Certificate())
	fwd := proxy.NewForward(proxy.ForwardConfig{CA: ca, RootCAs: roots})
	base, _, srv := servetest.Proxy(t, server.Config{Proxy: fwd})
	fwd.SetHandler(srv.Handler())

	ctx := newBrowser(t, 60*time.Second,
		chromedp.ProxyServer(base),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"), // loopback goes through the proxy too
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])),
	)
	run(t, ctx, "loading the site through the proxy", chromedp.Navigate(site.URL+"/page"), waitJS(`document.title === "through the proxy"`))

	deadline := time.Now().Add(10 * time.Second)
	for {
		page, _ := srv.Inspector().List(inspect.Filter{}, 0, 100)
		for _, ex := range page {
			if ex.Method == "GET" && ex.URL == "/page" {
				if !strings.Contains(ex.Response.Body, "through the proxy") || ex.Upstream == nil || ex.Upstream.URL != site.URL+"/page" || !strings.Contains(ex.Request.Headers.Get("User-Agent"), "Chrome") {
					t.Errorf("captured %s %s → %q, upstream %+v, UA %q; want chromium's page load, decrypted, with its leg", ex.Method, ex.URL, ex.Response.Body, ex.Upstream, ex.Request.Headers.Get("User-Agent"))
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the inspector has %d exchanges, none chromium's GET /page", len(page))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
