package httpbin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/server"
)

// streamChromium finds the browser as internal/web's tests do:
// $ROUNDTRIP_CHROMIUM, else Debian's chromium (apt-get install chromium).
// Outside CI a missing browser skips; under CI=true it fails.
func streamChromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("ROUNDTRIP_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	found, err := exec.LookPath(path)
	if err == nil {
		return found
	}
	msg := fmt.Sprintf("chromium not found at %s: install it with `apt-get install chromium`, or set ROUNDTRIP_CHROMIUM to its path", path)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// echoPage is a page of another origin that opens the echo, sends a text
// and a binary message, closes with 4000 "bye" and puts what it saw in
// window.result.
const echoPage = `<!doctype html><meta charset="utf-8"><title>echo</title><script>
const seen = [];
const ws = new WebSocket(new URLSearchParams(location.search).get("ws"));
ws.binaryType = "arraybuffer";
ws.onopen = () => { ws.send("hello from chromium"); ws.send(new Uint8Array([1, 2, 255])); };
ws.onmessage = (e) => {
	seen.push(typeof e.data === "string" ? "text:" + e.data : "binary:" + Array.from(new Uint8Array(e.data)).join(","));
	if (seen.length === 2) ws.close(4000, "bye");
};
ws.onerror = () => seen.push("error");
ws.onclose = (e) => { window.result = seen.concat("close:" + e.code + ":" + e.reason + ":" + e.wasClean).join("|"); };
</script>`

// TestStreamWebSocketBrowser has chromium's WebSocket talk to the echo
// from a page of another origin, which the echo accepts.
func TestStreamWebSocketBrowser(t *testing.T) {
	t.Parallel()
	path := streamChromium(t)
	base := streamServer(t, server.Config{})
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, echoPage)
	}))
	t.Cleanup(page.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(bctx); err != nil { // starts the browser, without the timeout
		t.Fatalf("starting chromium at %s: %v", path, err)
	}
	ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	t.Cleanup(cancel)

	ws := "ws" + strings.TrimPrefix(base, "http") + "/websocket/echo"
	if err := chromedp.Do(ctx,
		chromedp.Navigate(page.URL+"/?ws="+ws),
		chromedp.Poll[chromedp.Void](`window.result !== undefined`, chromedp.WithPollingInterval(50*time.Millisecond)),
	); err != nil {
		t.Fatalf("running the page: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.result`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "text:hello from chromium|binary:1,2,255|close:4000:bye:true"; got != want {
		t.Errorf("chromium saw %q; want %q", got, want)
	}
}
