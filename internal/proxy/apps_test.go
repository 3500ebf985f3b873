package proxy_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// need finds a program, or skips outside CI saying how to get it.
func need(t *testing.T, path, how string) string {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if p, err := exec.LookPath(path); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found: %s", path, how)
	}
	t.Skipf("%s not found: %s", path, how)
	return ""
}

// TestLessonAppBehindProxy puts the lesson's own Express server behind
// the proxy and runs the lesson's own fetch client, getGreeting("Alice"),
// with node, through it: the client logs the greeting, and the inspector
// has the exchange with both legs.
func TestLessonAppBehindProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	t.Parallel()
	node := need(t, "node", "apt-get install nodejs")
	dir, err := filepath.Abs("../../bench/express")
	if err != nil {
		t.Fatal(err)
	}
	need(t, filepath.Join(dir, "node_modules", "express"), "npm ci --prefix bench/express")
	addr := servetest.FreeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	app := exec.CommandContext(ctx, node, filepath.Join(dir, "server.js"))
	app.Env = append(os.Environ(), "PORT="+port)
	out, _ := app.StdoutPipe()
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Process.Kill(); app.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || !strings.Contains(line, "listening") {
		t.Fatalf("the Express server said %q, %v; want it listening", line, err)
	}
	to, _ := url.Parse("http://" + addr)
	base, _, srv := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to})})

	// The lesson's client, verbatim but for where fetch goes: a page's
	// relative URL, resolved here against the proxy.
	script := `const BASE = process.argv[1];
async function getGreeting(name) {
  const response = await fetch(new URL(` + "`/api/greeting?name=${name}`" + `, BASE));
  const data = await response.json();
  console.log(data.message); // "Hello, Alice!"
  return data;
}
getGreeting("Alice");`
	got, err := exec.CommandContext(ctx, node, "-e", script, base).CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != "Hello, Alice!" {
		t.Fatalf("getGreeting(\"Alice\") through the proxy printed %q, %v; want Hello, Alice!", got, err)
	}
	ex := newest(t, srv)
	if ex.URL != "/api/greeting?name=Alice" || ex.Status != 200 || ex.Upstream == nil || ex.Upstream.Status != 200 || !strings.Contains(ex.Response.Body, "Hello, Alice!") {
		t.Errorf("captured %s %d, upstream %+v, body %q; want the greeting with its leg", ex.URL, ex.Status, ex.Upstream, ex.Response.Body)
	}
	if !strings.Contains(ex.Request.Headers.Get("User-Agent"), "node") {
		t.Errorf("captured User-Agent %q; want node's fetch", ex.Request.Headers.Get("User-Agent"))
	}
}

// TestServeBehindProxy puts roundtrip serve itself behind the proxy: its
// Server-Timing comes first, the proxy's after, and its request id is the
// proxy's.
func TestServeBehindProxy(t *testing.T) {
	t.Parallel()
	app := servetest.Roundtrip(t, server.Config{})
	to, _ := url.Parse(app)
	base, _, srv := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to})})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	res, err := http.Get(base + "/api/greeting?name=Ada")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.TrimSpace(string(b)) != `{"message":"Hello, Ada!"}` {
		t.Errorf("GET /api/greeting through the proxy = %s; want serve's greeting", b)
	}
	st := res.Header.Values("Server-Timing")
	if len(st) != 2 || !strings.Contains(st[0], "handler;dur=") || !strings.Contains(st[1], "handler;dur=") {
		t.Errorf("Server-Timing = %q; want serve's, then the proxy's", st)
	}
	ex := newest(t, srv)
	if ids := res.Header.Values("X-Request-Id"); len(ids) != 1 || ids[0] != ex.RequestID || ex.Upstream == nil || ex.Upstream.ServerTiming != st[0] {
		t.Errorf("X-Request-Id %q, captured %s with upstream %+v; want one id, the proxy's, and serve's Server-Timing on the leg", ids, ex.RequestID, ex.Upstream)
	}
}
