package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
)

func noEnv(string) string { return "" }

// trustingClient trusts only the PEM certificate in file and speaks the
// given protocols.
func trustingClient(t *testing.T, file string, protocols ...string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s holds no PEM certificate", file)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, Protocols: new(http.Protocols)}
	for _, p := range protocols {
		switch p {
		case "h1":
			tr.Protocols.SetHTTP1(true)
		case "h2":
			tr.Protocols.SetHTTP2(true)
		}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestServeTLS(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	base, stop, code := startServe(t, noEnv, "--tls", "--addr", "127.0.0.1:0", "--write-cert", certFile)
	// A cleanup, not a defer: it runs after the clients' cleanups close their
	// idle connections, which HTTP/2's graceful shutdown would wait 1s for.
	t.Cleanup(func() { stop(); <-code })
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("serve --tls printed %q; want an https URL", base)
	}
	u, _ := url.Parse(base)
	localhost := "https://localhost:" + u.Port()

	tests := []struct {
		name, base string
		protocols  []string
		wantProto  string
	}{
		{"h2 by ALPN", localhost, []string{"h1", "h2"}, "HTTP/2.0"},
		{"h1 fallback", localhost, []string{"h1"}, "HTTP/1.1"},
		{"by IP", base, []string{"h2"}, "HTTP/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := trustingClient(t, certFile, tt.protocols...).Get(tt.base + "/hello")
			if err != nil {
				t.Fatalf("GET trusting only --write-cert's file: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.Proto != tt.wantProto || string(body) != "Hello, World!" || res.TLS == nil {
				t.Errorf("GET /hello = %s %q; want %s Hello, World! over TLS", res.Proto, body, tt.wantProto)
			}
		})
	}

	// roundtrip request trusts the written certificate with --cacert and
	// shows the TLS facts in its timeline.
	var out, errOut bytes.Buffer
	rc := Main(context.Background(), []string{"request", "--cacert", certFile, "--timeline", localhost + "/hello"}, noEnv, strings.NewReader(""), &out, &errOut)
	for _, want := range []string{"Hello, World!", "TLS handshake", "TLS 1.3, TLS_", "ALPN h2", "certificate localhost, signed by itself (self-signed), valid until ", "for localhost, 127.0.0.1, ::1", "route ", "handler "} {
		if rc != 0 || !strings.Contains(out.String(), want) {
			t.Errorf("request --cacert --timeline = %d, stderr %q; stdout lacks %q:\n%s", rc, errOut.String(), want, out.String())
		}
	}
	if strings.Contains(out.String(), "    read ") {
		t.Errorf("request over HTTP/2 shows a read phase; the server cannot time it per stream:\n%s", out.String())
	}
	rc = Main(context.Background(), []string{"request", localhost + "/hello"}, noEnv, strings.NewReader(""), io.Discard, &errOut)
	if rc != 1 || !strings.Contains(errOut.String(), "TLS") {
		t.Errorf("request without --cacert = %d %q; want 1 and a TLS error", rc, errOut.String())
	}

	// The inspector records protocol and TLS version.
	res, err := trustingClient(t, certFile, "h2").Get(localhost + "/_roundtrip/api/exchanges?path=/hello")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list struct {
		Exchanges []struct {
			Proto string `json:"proto"`
			TLS   string `json:"tls"`
		} `json:"exchanges"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	var protos []string
	for _, ex := range list.Exchanges {
		protos = append(protos, ex.Proto+" "+ex.TLS)
	}
	if got, want := strings.Join(protos, ", "), "HTTP/2.0 TLS 1.3, HTTP/2.0 TLS 1.3, HTTP/1.1 TLS 1.3, HTTP/2.0 TLS 1.3"; got != want {
		t.Errorf("inspector recorded %q; want %q (newest first)", got, want)
	}
}

func TestServeCertAndKeyFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeKeyPair(t, certFile, keyFile)
	base, stop, code := startServe(t, noEnv, "--cert", certFile, "--key", keyFile, "--addr", "127.0.0.1:0")
	// A cleanup, not a defer: it runs after the clients' cleanups close their
	// idle connections, which HTTP/2's graceful shutdown would wait 1s for.
	t.Cleanup(func() { stop(); <-code })
	u, _ := url.Parse(base)
	res, err := trustingClient(t, certFile, "h2").Get("https://localhost:" + u.Port() + "/healthz")
	if err != nil {
		t.Fatalf("GET with the --cert file trusted: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.ProtoMajor != 2 {
		t.Errorf("GET /healthz = %d %s; want 200 over HTTP/2", res.StatusCode, res.Proto)
	}
}

func TestServeH2C(t *testing.T) {
	base, stop, code := startServe(t, noEnv, "--h2c", "--addr", "127.0.0.1:0")
	defer func() { stop(); <-code }()
	tests := []struct {
		name      string
		set       func(*http.Protocols)
		wantProto string
	}{
		{"prior knowledge", func(p *http.Protocols) { p.SetUnencryptedHTTP2(true) }, "HTTP/2.0"},
		{"plain HTTP/1.1 still served", func(p *http.Protocols) { p.SetHTTP1(true) }, "HTTP/1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &http.Transport{Protocols: new(http.Protocols)}
			tt.set(tr.Protocols)
			res, err := (&http.Client{Transport: tr}).Get(base + "/api/greeting?name=h2c")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			tr.CloseIdleConnections()
			if res.Proto != tt.wantProto || !strings.Contains(string(body), "Hello, h2c!") {
				t.Errorf("GET = %s %q; want %s with the greeting", res.Proto, body, tt.wantProto)
			}
		})
	}
}

func TestServeTLSUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		wantCode   int
		wantStderr string
	}{
		{[]string{"serve", "--cert", "c.pem"}, 2, "--cert and --key go together"},
		{[]string{"serve", "--write-cert", "x.pem"}, 2, "needs --tls"},
		{[]string{"serve", "--tls", "--h2c"}, 2, "--h2c is cleartext"},
		{[]string{"serve", "--cert", "/nonexistent/c.pem", "--key", "/nonexistent/k.pem", "--addr", "127.0.0.1:0"}, 1, "cannot load --cert and --key"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runMain(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("Main(%q) = %d %q; want %d and one line containing %q", tt.args, code, stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}

// writeKeyPair writes a self-signed certificate and its key as PEM files.
func writeKeyPair(t *testing.T, certFile, keyFile string) {
	t.Helper()
	c, pemBytes, err := cert.SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}
