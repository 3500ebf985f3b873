package cert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSelfSigned(t *testing.T) {
	t.Parallel()
	now := time.Now()
	c, pemBytes, err := SelfSigned(now)
	if err != nil {
		t.Fatal(err)
	}
	key, ok := c.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Errorf("key = %T; want ECDSA P-256", c.PrivateKey)
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("PEM = %q; want one CERTIFICATE block", pemBytes)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool, CurrentTime: now}); err != nil {
				t.Errorf("certificate does not verify for %s: %v", name, err)
			}
		})
	}
	if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: pool, CurrentTime: now}); err == nil {
		t.Errorf("certificate verifies for example.com; want only loopback names")
	}
}

// TestSelfSignedServes checks a real TLS handshake with the certificate,
// trusting only its PEM, over HTTP/2.
func TestSelfSignedServes(t *testing.T) {
	t.Parallel()
	c, pemBytes, err := SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(r.Proto)) }))
	ts.EnableHTTP2 = true
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{c}}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	_, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	res, err := client.Get("https://localhost:" + port + "/")
	if err != nil {
		t.Fatalf("GET over TLS trusting the generated PEM: %v", err)
	}
	res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Errorf("negotiated %s; want HTTP/2", res.Proto)
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	der := []byte("not really a certificate")
	got := Fingerprint(der)
	sum := sha256.Sum256(der)
	if len(got) != len(sum)*3-1 || strings.ToUpper(got) != got || strings.Count(got, ":") != 31 {
		t.Errorf("Fingerprint = %q; want 32 upper-case hex pairs joined by colons", got)
	}
	if !strings.HasPrefix(got, strings.ToUpper(strings.Join([]string{hex2(sum[0]), hex2(sum[1])}, ":"))) {
		t.Errorf("Fingerprint = %q; want it to start with the SHA-256's first bytes", got)
	}
}

func hex2(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&15]})
}
