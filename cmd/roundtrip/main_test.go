package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeEndToEnd builds the real binary, runs `serve` on port 0, sends
// SIGTERM while a /delay request is in flight, and checks that the request
// completes with 200 and the process exits 0.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "roundtrip")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	lines := bufio.NewReader(stdout)
	first, err := lines.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the listening line: %v", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(first), "roundtrip listening on ")
	if !ok {
		t.Fatalf("first line = %q; want roundtrip listening on http://HOST:PORT", first)
	}
	go io.Copy(io.Discard, lines)

	res, err := http.Get(url + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /hello = %d; want 200", res.StatusCode)
	}

	type result struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		res, err := http.Get(url + "/delay/1")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		inflight <- result{res.StatusCode, string(b), err}
	}()
	time.Sleep(300 * time.Millisecond) // the request is on its way; /delay/1 holds it in flight for a second
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	r := <-inflight
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, `"seconds":1`) {
		t.Errorf("in-flight /delay/1 across SIGTERM = %d %q, %v; want 200 with its body", r.status, r.body, r.err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("roundtrip serve after SIGTERM: %v; want exit status 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("roundtrip serve did not exit within 15s of SIGTERM")
	}
	if _, err := http.Get(url + "/hello"); err == nil {
		t.Errorf("GET after shutdown succeeded; want connection refused")
	}
}
