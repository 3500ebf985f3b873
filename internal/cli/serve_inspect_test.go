package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServeInspectorFlagsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--history", "0"}, "--history must be from 1 to 100000"},
		{[]string{"--history", "100001"}, "--history must be from 1 to 100000"},
		{[]string{"--max-body-capture", "-1"}, `"-1" is not a size`},
		{[]string{"--max-body-capture", "65MiB"}, "--max-body-capture must be at most 64MiB"},
		{[]string{"--history-max-bytes", "lots"}, `"lots" is not a size`},
		{[]string{"--history-max-bytes", "1KiB"}, "--history-max-bytes must be at least 1MiB"},
		{[]string{"--inspector-token", "short"}, "--inspector-token must be 16 to 256"},
		{[]string{"--inspector-token", "has a space in it, sadly"}, "--inspector-token must be 16 to 256"},
		{[]string{"--allowed-host", "http://dev.example"}, `"http://dev.example" is not a host name`},
		{[]string{"--allowed-host", "dev.example:3000"}, `"dev.example:3000" is not a host name`},
		{[]string{"--allowed-host", ""}, `"" is not a host name`},
		{[]string{"--allowed-host", "."}, `"." is not a host name`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			args := append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)
			code := Main(context.Background(), args, withState(t, func(string) string { return "" }), strings.NewReader(""), &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("serve %v = exit %d, stderr %q; want exit %d and one line with %q", tt.args, code, stderr.String(), exitUsage, tt.want)
			}
		})
	}
}

// TestServeTokenBeyondLoopback listens on every interface: serve prints the
// token, and the inspector answers only with it.
func TestServeTokenBeyondLoopback(t *testing.T) {
	const token = "cli-test-token-0123456789"
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- Main(ctx, []string{"serve", "--addr", "0.0.0.0:0", "--inspector-token", token, "--history", "5"},
			withState(t, func(string) string { return "" }), strings.NewReader(""), outW, io.Discard)
		outW.Close()
	}()
	defer func() {
		cancel()
		<-code
	}()
	lines := bufio.NewScanner(outR)
	var out []string
	for len(out) < 2 && lines.Scan() {
		out = append(out, lines.Text())
	}
	go io.Copy(io.Discard, outR)
	if len(out) < 2 || !strings.HasPrefix(out[1], "inspector token: "+token+" ") || !strings.Contains(out[1], "/?token="+token) {
		t.Fatalf("serve on 0.0.0.0 printed %q; want the listen line, then the token line with the page's URL", out)
	}
	url := strings.Replace(strings.TrimPrefix(out[0], "roundtrip listening on "), "localhost", "127.0.0.1", 1)
	tests := []struct {
		name string
		auth string
		want int
	}{
		{"without the token", "", 401},
		{"with the token", "Bearer " + token, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exchangesStatus(t, url, "", tt.auth); got != tt.want {
				t.Errorf("GET exchanges with Authorization %q = %d; want %d", tt.auth, got, tt.want)
			}
		})
	}
	http.DefaultClient.CloseIdleConnections()
	cancel()
	select {
	case c := <-code:
		code <- c
		if c != 0 {
			t.Errorf("serve exit code after SIGTERM = %d; want 0", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
}

func TestServeNoTokenLineOnLoopback(t *testing.T) {
	url, stop, code := startServe(t, func(string) string { return "" }, "--addr", "127.0.0.1:0", "--no-inspector")
	res, err := http.Get(url + "/_roundtrip/api/exchanges")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("GET exchanges with --no-inspector = %d; want 404", res.StatusCode)
	}
	http.DefaultClient.CloseIdleConnections()
	stop()
	<-code
}

// TestServeAllowedHosts: the inspector answers to --addr's name and to
// --allowed-host names, never to another site's; --require-token closes it
// on loopback and prints the token.
func TestServeAllowedHosts(t *testing.T) {
	const token = "cli-test-token-0123456789"
	url, stop, code := startServe(t, func(string) string { return "" },
		"--addr", "localhost:0", "--allowed-host", "dev.example", "--allowed-host", ".apps.example",
		"--require-token", "--inspector-token", token)
	_, port, _ := strings.Cut(strings.TrimPrefix(url, "http://"), ":")
	tests := []struct {
		host, auth string
		want       int
	}{
		{"localhost:" + port, "", 401},
		{"localhost:" + port, "Bearer " + token, 200},
		{"dev.example:" + port, "Bearer " + token, 200},
		{"a.apps.example:" + port, "Bearer " + token, 200},
		{"attacker.example:" + port, "Bearer " + token, 403},
	}
	for _, tt := range tests {
		if got := exchangesStatus(t, "http://127.0.0.1:"+port, tt.host, tt.auth); got != tt.want {
			t.Errorf("GET exchanges with Host %s, Authorization %q = %d; want %d", tt.host, tt.auth, got, tt.want)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	stop()
	<-code
}

// TestServeStoreRefused: a file that is not a roundtrip store stops serve
// with one line naming it and what to do, and is left as it was.
func TestServeStoreRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "notes.txt")
	const text = "my notes, not a database\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--store", path}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), path) || !strings.Contains(stderr.String(), "--store memory") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("serve --store on a text file = exit %d, stderr %q; want exit %d and one line naming the file and --store memory", code, stderr.String(), exitFailure)
	}
	if b, _ := os.ReadFile(path); string(b) != text {
		t.Errorf("the file now holds %q; want it unchanged", b)
	}
}

// exchangesStatus is the status of GET /_roundtrip/api/exchanges on base,
// with host (when set) as its Host and auth (when set) as its Authorization.
func exchangesStatus(t *testing.T, base, host, auth string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/_roundtrip/api/exchanges", nil)
	if host != "" {
		req.Host = host
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
