package proxy_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/roundtrip/roundtrip/internal/observe"
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

// TestWebSocketEchoBehindProxy puts a WebSocket echo app (coder/websocket)
// behind the proxy: a client through it sends three text messages and a
// binary one, reads each echo, and closes normally. The exchange is the
// 101 with what crossed after it, to the byte and the frame, in the
// inspector's JSON too.
func TestWebSocketEchoBehindProxy(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		for {
			typ, b, err := c.Read(ctx)
			if err != nil {
				return // the client's close, answered by the library
			}
			if err := c.Write(ctx, typ, b); err != nil {
				return
			}
		}
	}))
	t.Cleanup(app.Close)
	to, _ := url.Parse(app.URL)
	base, insp, srv := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to})})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)

	c, res, err := websocket.Dial(ctx, base+"/echo", nil)
	if err != nil {
		t.Fatalf("Dial through the proxy = %v; want a WebSocket", err)
	}
	defer c.CloseNow()
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("the handshake through the proxy = %d; want 101", res.StatusCode)
	}
	c.SetReadLimit(1 << 20)
	messages := []struct {
		typ     websocket.MessageType
		payload []byte
	}{
		{websocket.MessageText, []byte("hello")},                              // a 7-bit length
		{websocket.MessageText, []byte(strings.Repeat("é", 100))},             // 16-bit
		{websocket.MessageText, nil},                                          // empty
		{websocket.MessageBinary, bytes.Repeat([]byte{0, 0xff, 0x81}, 23334)}, // 64-bit
	}
	// A frame's head: two bytes, the length's extension, and the mask
	// that a client's frames carry (RFC 6455 §5.2).
	head := func(n int, masked bool) int64 {
		h := int64(2)
		switch {
		case n > 0xffff:
			h += 8
		case n > 125:
			h += 2
		}
		if masked {
			h += 4
		}
		return h
	}
	const closeCode = 2 // a close frame's payload: the status code, no reason
	wantSent, wantReceived := head(closeCode, true)+closeCode, head(closeCode, false)+closeCode
	for _, m := range messages {
		if err := c.Write(ctx, m.typ, m.payload); err != nil {
			t.Fatalf("Write(%v, %d bytes) = %v", m.typ, len(m.payload), err)
		}
		typ, b, err := c.Read(ctx)
		if err != nil || typ != m.typ || !bytes.Equal(b, m.payload) {
			t.Fatalf("the echo of %d bytes of %v = %d bytes of %v, %v; want the same", len(m.payload), m.typ, len(b), typ, err)
		}
		wantSent += head(len(m.payload), true) + int64(len(m.payload))
		wantReceived += head(len(m.payload), false) + int64(len(m.payload))
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("Close = %v; want the close handshake done", err)
	}

	ex := newest(t, srv)
	want := observe.Stream{Protocol: "websocket", BytesSent: wantSent, BytesReceived: wantReceived,
		MessagesSent: 4, MessagesReceived: 4, ControlSent: 1, ControlReceived: 1}
	// The messages kept are TestStreamsThroughProxy's.
	var counts observe.Stream
	if ex.Upgrade != nil {
		counts = *ex.Upgrade
		counts.Messages = nil
	}
	if ex.Status != http.StatusSwitchingProtocols || ex.Upstream == nil || ex.Upstream.Status != 101 || ex.Upgrade == nil || !reflect.DeepEqual(counts, want) {
		t.Fatalf("captured %d, upstream %+v, upgrade %+v; want the 101 with its leg and %+v", ex.Status, ex.Upstream, ex.Upgrade, want)
	}
	got, err := http.Get(fmt.Sprintf("%s/_roundtrip/api/exchanges/%d", insp, ex.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	var doc struct{ Upgrade map[string]any }
	if err := json.NewDecoder(got.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	wantJSON := map[string]any{"protocol": "websocket", "bytes_sent": float64(wantSent), "bytes_received": float64(wantReceived),
		"messages_sent": 4.0, "messages_received": 4.0, "control_sent": 1.0, "control_received": 1.0}
	delete(doc.Upgrade, "messages")
	if fmt.Sprint(doc.Upgrade) != fmt.Sprint(wantJSON) {
		t.Errorf("the inspector's upgrade = %v; want %v", doc.Upgrade, wantJSON)
	}
}
