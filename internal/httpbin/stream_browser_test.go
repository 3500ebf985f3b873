package httpbin_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

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
	base := streamServer(t, server.Config{})
	ctx := servetest.Browser(t, 30*time.Second)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, echoPage)
	}))
	t.Cleanup(page.Close)

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
