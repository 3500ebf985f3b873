package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProxyUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "proxy: --to URL is required"},
		{[]string{"--to", "ftp://x"}, "proxy: --to must be an http:// or https:// URL"},
		{[]string{"--to", "http://x/?q=1"}, "not a query"},
		{[]string{"--to", "http://x", "extra"}, `proxy takes no arguments, got "extra"`},
		{[]string{"--to", "http://x", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"--to", "http://x", "--history", "0"}, "proxy: --history must be from 1"},
		{[]string{"--to", "http://x", "--cacert", "/nonexistent.pem"}, "cannot read --cacert file"},
		{[]string{"--to", "http://x", "--mitm"}, "--mitm intercepts the tunnels of a forward proxy; it needs --forward"},
		{[]string{"--forward", "--to", "http://x"}, "it takes no --to"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			code := Main(context.Background(), append([]string{"proxy"}, tt.args...), withState(t, func(string) string { return "" }), strings.NewReader(""), io.Discard, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("proxy %v = exit %d, stderr %q; want exit %d and one line with %q", tt.args, code, stderr.String(), exitUsage, tt.want)
			}
		})
	}
}

// TestProxy runs `roundtrip proxy --to` an app: it prints both listeners,
// forwards to the app (HTTP/2 too, with --h2c), and its inspector says
// what it inspects and lists the exchange with its leg.
func TestProxy(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "from the app") }))
	t.Cleanup(app.Close)
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- Main(ctx, []string{"proxy", "--to", app.URL, "--h2c", "--addr", "127.0.0.1:0", "--inspector-addr", "127.0.0.1:0"},
			withState(t, func(string) string { return "" }), strings.NewReader(""), outW, io.Discard)
		outW.Close()
	}()
	defer func() {
		cancel()
		if c := <-code; c != 0 {
			t.Errorf("proxy exit %d after SIGTERM; want 0", c)
		}
	}()
	lines := bufio.NewScanner(outR)
	var out []string
	for len(out) < 3 && lines.Scan() {
		out = append(out, lines.Text())
	}
	go io.Copy(io.Discard, outR)
	var proxyURL, inspectorURL, to string
	if len(out) < 3 {
		t.Fatalf("proxy printed %q; want its listeners and the history line", out)
	}
	fmt.Sscanf(out[0], "roundtrip proxy listening on %s forwarding to %s", &proxyURL, &to)
	proxyURL = strings.TrimSuffix(proxyURL, ",")
	fmt.Sscanf(out[1], "inspector: %s", &inspectorURL)
	if to != app.URL || !strings.HasPrefix(out[2], "history: kept in ") {
		t.Fatalf("proxy printed %q; want the listener, forwarding to %s, the inspector and the history", out, app.URL)
	}
	res, err := http.Get(proxyURL + "/hi")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "from the app" {
		t.Errorf("GET through the proxy = %q; want the app's answer", b)
	}
	res, err = http.Get(inspectorURL + "/_roundtrip/api/exchanges/1")
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		URL      string
		Upstream struct{ URL string }
	}
	json.NewDecoder(res.Body).Decode(&ex)
	res.Body.Close()
	if ex.URL != "/hi" || ex.Upstream.URL != app.URL+"/hi" {
		t.Errorf("the inspector's exchange 1 = %+v; want /hi, sent on to %s/hi", ex, app.URL)
	}
	res, err = http.Get(inspectorURL + "/_roundtrip/api/info")
	if err != nil {
		t.Fatal(err)
	}
	var info struct{ Mode, Target, Listener string }
	json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if info.Mode != "reverse" || info.Target != app.URL || info.Listener != proxyURL {
		t.Errorf("the inspector's info = %+v; want reverse, to %s, on %s", info, app.URL, proxyURL)
	}
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	h2c := &http.Transport{Protocols: &protocols}
	defer h2c.CloseIdleConnections()
	if res, err := (&http.Client{Transport: h2c}).Get(proxyURL + "/h2c"); err != nil || res.Proto != "HTTP/2.0" {
		t.Errorf("GET with h2c through the proxy = %v, %v; want an HTTP/2.0 answer", res, err)
	} else {
		res.Body.Close()
	}
	http.DefaultClient.CloseIdleConnections()
}

// TestProxyWriteCA: --write-ca alone writes the --mitm CA, made in the
// state directory on first use, and the same one again after.
func TestProxyWriteCA(t *testing.T) {
	t.Parallel()
	getenv := withState(t, func(string) string { return "" })
	dir := t.TempDir()
	var pems []string
	for i := range 2 {
		out := filepath.Join(dir, fmt.Sprintf("ca%d.pem", i))
		var stderr bytes.Buffer
		if code := Main(context.Background(), []string{"proxy", "--write-ca", out}, getenv, strings.NewReader(""), io.Discard, &stderr); code != 0 {
			t.Fatalf("proxy --write-ca = exit %d, %s; want 0", code, stderr.String())
		}
		if made := strings.Contains(stderr.String(), "made a CA"); made != (i == 0) {
			t.Errorf("run %d said %q; want the CA made on the first only", i, stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil || !strings.HasPrefix(string(b), "-----BEGIN CERTIFICATE-----") {
			t.Fatalf("--write-ca wrote %q, %v; want a PEM certificate", b, err)
		}
		pems = append(pems, string(b))
	}
	if pems[0] != pems[1] {
		t.Error("--write-ca twice wrote two CAs; want the one kept in the state directory")
	}
	if _, err := os.Stat(filepath.Join(getenv("XDG_STATE_HOME"), "roundtrip", "ca-key.pem")); err != nil {
		t.Errorf("the CA's key is not in the state directory: %v", err)
	}
}
