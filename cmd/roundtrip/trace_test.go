package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/servetest"
)

// silentCollector accepts connections and reads them, and never answers.
func silentCollector(t *testing.T) string {
	t.Helper()
	return "http://" + servetest.Conns(t, func(c net.Conn) { io.Copy(io.Discard, c) })
}

// TestExitWithSilentCollector: with a collector that accepts and never
// answers, request still exits at once after its answer, and serve exits
// promptly on SIGTERM, each saying on stderr what it dropped.
func TestExitWithSilentCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	collector := silentCollector(t)
	var serveErr lockedBuffer
	cmd, url := startServe(t, &serveErr, "--store", "memory", "--otlp", collector)
	exe, _ := os.Executable()

	req := exec.Command(exe, "request", "--otlp", collector, url+"/hello")
	req.Env = append(os.Environ(), asRoundtrip+"=1")
	var stderr bytes.Buffer
	req.Stderr = &stderr
	began := time.Now()
	out, err := req.Output()
	if err != nil || !strings.Contains(string(out), "Hello") {
		t.Fatalf("request: %v, %s %s", err, out, stderr.String())
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("request took %v to exit with a silent collector; want about its 1s export deadline", took)
	}
	if !strings.Contains(stderr.String(), "spans dropped") {
		t.Errorf("request's stderr = %q; want the dropped spans said", stderr.String())
	}

	res, err := http.Get(url + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	began = time.Now()
	stopServe(t, cmd)
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("serve took %v to exit; want about its 1s export deadline", took)
	}
	if !strings.Contains(serveErr.String(), "spans dropped") {
		t.Errorf("serve's stderr = %q; want the dropped spans said", serveErr.String())
	}
}
