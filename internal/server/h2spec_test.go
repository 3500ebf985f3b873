package server

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
)

// goHTTP2Deviations are the h2spec cases Go's own HTTP/2 server answers
// differently from the RFC's letter, each with its reason; the README lists
// them too. Every other case must pass.
var goHTTP2Deviations = map[string]string{
	"http2/6.5.3 Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE":                                            "Go treats a SETTINGS frame with a repeated setting as a protocol error and closes the connection (a defence against settings floods)",
	"http2/8.1.2.2 Sends a HEADERS frame that contains the connection-specific header field":                       "Go answers a request with a connection-specific header with a 400 response rather than a PROTOCOL_ERROR stream reset",
	"http2/8.1.2.2 Sends a HEADERS frame that contains the TE header field with any value other than \"trailers\"": "Go answers TE other than trailers with a 400 response rather than a PROTOCOL_ERROR stream reset",
}

// TestH2spec runs h2spec, the HTTP/2 conformance suite, against the server
// over TLS with the certificate serve --tls generates. Its path is
// /delay/0.1, which keeps each stream open while h2spec's later frames
// arrive, so the answer never depends on how fast the handler ran.
func TestH2spec(t *testing.T) {
	t.Parallel()
	bin := findTool(t, "h2spec", "go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible")
	c, _, err := cert.SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- New(Config{ShutdownTimeout: time.Second, TLS: &tls.Config{Certificates: []tls.Certificate{c}}}).Serve(ctx, ln)
	}()
	defer func() { cancel(); <-done }()

	_, port, _ := net.SplitHostPort(ln.Addr().String())
	report := filepath.Join(t.TempDir(), "h2spec.xml")
	cmd := exec.Command(bin, "-h", "127.0.0.1", "-p", port, "-t", "-k", "-P", "/delay/0.1", "-o", "5", "-j", report)
	out, _ := cmd.CombinedOutput() // it exits 1 on any failure; the report says which
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("h2spec wrote no report: %v\n%s", err, out)
	}
	var suites struct {
		Suites []struct {
			Cases []struct {
				Package string    `xml:"package,attr"`
				Name    string    `xml:"classname,attr"`
				Error   *struct{} `xml:"error"`
				Failure *struct{} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &suites); err != nil {
		t.Fatalf("h2spec report: %v", err)
	}
	cases, passed := 0, 0
	for _, s := range suites.Suites {
		for _, tc := range s.Cases {
			cases++
			id := tc.Package + " " + tc.Name
			failed := tc.Error != nil || tc.Failure != nil
			_, known := goHTTP2Deviations[id]
			switch {
			case failed && !known:
				t.Errorf("h2spec %s: failed", id)
			case !failed && known:
				t.Errorf("h2spec %s: now passes; drop it from goHTTP2Deviations and the README", id)
			case !failed:
				passed++
			}
		}
	}
	t.Logf("h2spec: %d cases, %d passed, %d known Go deviations", cases, passed, len(goHTTP2Deviations))
	if cases < 100 {
		t.Errorf("h2spec ran %d cases; want its whole suite (145)\n%s", cases, out)
	}
	if t.Failed() {
		t.Logf("h2spec output:\n%s", tail(string(out), 60))
	}
}

// findTool finds a peer tool the tests use as an oracle on PATH or in go
// env GOPATH's bin; without it a test fails under CI=true, which installs
// it, and is skipped elsewhere with the command that installs it.
func findTool(t *testing.T, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if gopath, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing; CI must install it: %s", name, install)
	}
	t.Skipf("%s is not installed; to run this test: %s", name, install)
	return ""
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
