package servetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Tool finds a peer tool the tests use as an oracle (go-httpbin, promtool)
// on PATH or in go env GOPATH's bin. Without it a test fails under CI=true,
// which installs it, and is skipped elsewhere with the command that
// installs it.
func Tool(t testing.TB, name, install string) string {
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
