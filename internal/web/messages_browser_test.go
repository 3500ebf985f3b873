package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// TestLabPageMessages: an event stream's and a WebSocket's exchange open
// with a Messages tab, as DevTools has, listing the first messages each
// way; a plain exchange has no such tab.
func TestLabPageMessages(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	ctx := newBrowser(t, 60*time.Second)

	hit(t, "GET", base+"/sse?count=3&duration=30ms&delay=0", "")
	sse := apiList(t, base, "limit=1")[0].ID

	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(wctx, "ws"+strings.TrimPrefix(base, "http")+"/websocket/echo", nil)
	if err != nil {
		t.Fatalf("dialling /websocket/echo: %v", err)
	}
	for _, m := range []string{"hello", "<b>not markup</b>"} {
		if err := c.Write(wctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.Read(wctx); err != nil || string(got) != m {
			t.Fatalf("echo of %q = %q, %v", m, got, err)
		}
	}
	c.Close(websocket.StatusNormalClosure, "bye")
	var ws uint64
	deadline := time.Now().Add(5 * time.Second)
	for ws == 0 && time.Now().Before(deadline) {
		for _, s := range apiList(t, base, "limit=5") {
			if strings.Contains(s.URL, "/websocket/echo") {
				ws = s.ID
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ws == 0 {
		t.Fatal("the WebSocket's exchange never reached the history")
	}
	hit(t, "GET", base+"/get", "")
	plain := apiList(t, base, "limit=1")[0].ID

	open := func(id uint64) chromedp.Action[chromedp.Void] {
		s := strconv.FormatUint(id, 10)
		return chromedp.Steps(
			chromedp.Navigate(base+"/_roundtrip/x/"+s),
			waitJS(`document.getElementById("detail-title").textContent.startsWith("#`+s+` ")`),
		)
	}
	rows := `document.querySelectorAll("#messages-rows tr").length`

	run(t, ctx, "opening the event stream's Messages tab", open(sse), click("#tab-messages"), waitJS(rows+` === 3`))
	if got := text(t, ctx, "#messages-sum"); !strings.HasPrefix(got, "3 events from the server") {
		t.Errorf("the stream's summary = %q; want it to count 3 events", got)
	}
	if got := text(t, ctx, "#messages-rows"); !strings.Contains(got, "↓") {
		t.Errorf("the stream's rows = %q; want each marked as from the server", got)
	}

	run(t, ctx, "opening the WebSocket's Messages tab", open(ws), click("#tab-messages"), waitJS(rows+` >= 4`))
	got := text(t, ctx, "#messages-rows")
	for _, want := range []string{"↑", "↓", "hello", "<b>not markup</b>", "close 1000 bye"} {
		if !strings.Contains(got, want) {
			t.Errorf("the WebSocket's rows lack %q:\n%s", want, got)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#messages-rows b").length`); n != 0 {
		t.Errorf("a message's text became %d elements; want it shown as text", n)
	}
	shot(t, ctx, "messages", "#live-detail")

	run(t, ctx, "opening a plain exchange", open(plain), waitJS(`document.getElementById("tab-messages").hidden`))
	if sel := eval[string](t, ctx, `document.querySelector("#detail-tabs [aria-selected=true]").id`); sel != "tab-headers" {
		t.Errorf("a plain exchange opened on %s; want the Headers tab, since it has no messages", sel)
	}
}
