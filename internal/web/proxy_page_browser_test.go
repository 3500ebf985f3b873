package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// TestInspectorPageForProxy: the inspector's page in front of an app says
// what it inspects and leaves the lesson out; the keys move in the list
// and open, replay and filter; a proxied exchange shows both legs on one
// clock; a replay of an exchange whose secret the capture redacted asks
// for it, and sends what the user typed.
func TestInspectorPageForProxy(t *testing.T) {
	t.Parallel()
	auths := make(chan string, 8)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/orders" && r.Method == "POST" {
			auths <- r.Header.Get("Authorization")
		}
		time.Sleep(20 * time.Millisecond) // the app's own time, for the waterfall
		w.Header().Set("Server-Timing", "db;dur=15")
		fmt.Fprint(w, "app:", r.Method, " ", r.URL.Path)
	}))
	t.Cleanup(app.Close)
	to, _ := url.Parse(app.URL)
	base, insp, _ := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to}), Target: app.URL})
	ctx := newBrowser(t, 60*time.Second)
	hit(t, "GET", base+"/orders/1", "")
	req, _ := http.NewRequest("POST", base+"/orders", strings.NewReader(`{"item":"tea"}`))
	req.Header.Set("Authorization", "Bearer s3cret")
	res, err := oneShot.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := <-auths; got != "Bearer s3cret" {
		t.Fatalf("the app got Authorization %q; want it as sent", got)
	}
	hit(t, "GET", base+"/orders/2", "")

	run(t, ctx, "opening the inspector",
		chromedp.Navigate(insp+"/"),
		// The list settled: its first page read and the stream open, so
		// that no refresh replaces a row the keys have focused.
		waitJS(`document.body.dataset.mode === "reverse" && document.querySelectorAll("#live-list a.row").length === 3 &&
			document.getElementById("live-list").getAttribute("aria-busy") === "false" && document.getElementById("live-state").textContent.startsWith("Live")`),
	)
	if got := text(t, ctx, "#mode"); !strings.Contains(got, "Inspecting your app at "+app.URL) || !strings.Contains(got, base) {
		t.Errorf("#mode = %q; want it to name the app %s and the proxy %s", got, app.URL, base)
	}
	for _, sel := range []string{"#model", "#experiments", "#builder", "#detail-tour"} {
		if shown := eval[bool](t, ctx, fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).display !== "none"`, sel)); shown {
			t.Errorf("%s is shown for a proxy; want the lesson left out", sel)
		}
	}
	focused := `document.activeElement.dataset.id || document.activeElement.id`
	ids := eval[[]string](t, ctx, `[...document.querySelectorAll("#live-list a.row")].map((a) => a.dataset.id)`)

	run(t, ctx, "pressing / then leaving the box", press('/'))
	if got := eval[string](t, ctx, focused); got != "live-filter" {
		t.Errorf("after /, the focus is on %q; want the filter box", got)
	}
	run(t, ctx, "blurring the box", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	for _, tt := range []struct {
		key  string
		want string
	}{{"j", ids[0]}, {"j", ids[1]}, {"j", ids[2]}, {"j", ids[2]}, {"k", ids[1]}, {kb.ArrowUp, ids[0]}, {kb.ArrowDown, ids[1]}} {
		run(t, ctx, "pressing "+tt.key, chromedp.KeyEvent(tt.key))
		if got := focusSettles(t, ctx, focused, tt.want); got != tt.want {
			t.Errorf("after %q, row %q has the focus; want %q", tt.key, got, tt.want)
		}
	}
	// The second row is the POST, with its Authorization redacted.
	run(t, ctx, "opening it with Enter",
		chromedp.KeyEvent(kb.Enter),
		waitJS(`!document.getElementById("live-detail").hidden && document.getElementById("detail-title").textContent.includes("POST /orders")`),
	)
	if got := text(t, ctx, "#detail-facts"); !strings.Contains(got, "Sent on to"+app.URL+"/orders") || !strings.Contains(got, "db;dur=15") {
		t.Errorf("the facts = %q; want the upstream leg's URL and the app's Server-Timing", got)
	}
	if got := text(t, ctx, "#detail-facts"); !strings.Contains(got, "Status200: OK") || strings.Contains(got, "Route") {
		t.Errorf("the facts = %q; want the status explained and no route: the proxy has none", got)
	}
	if shown := eval[bool](t, ctx, `getComputedStyle(document.getElementById("detail-phases")).display !== "none"`); shown {
		t.Error("the server phases are shown beside the waterfall; want them once, in it")
	}
	if shown := eval[bool](t, ctx, `!document.getElementById("waterfall").hidden`); !shown {
		t.Fatal("the waterfall is hidden for a proxied exchange")
	}
	// The app's wait starts after the proxy's read began and lasts the app's 20 ms.
	wait := eval[[]float64](t, ctx, `(() => { const b = document.querySelector('[data-phase="up:wait"] .wf-bar');
		return [parseFloat(b.style.left), parseFloat(b.style.width)]; })()`)
	if wait[0] <= 0 || wait[1] < 30 {
		t.Errorf("the app's wait bar is at %.1f%%, %.1f%% wide; want it after the start and most of the exchange", wait[0], wait[1])
	}
	if got := text(t, ctx, "#waterfall-sum"); !strings.Contains(got, "the app took") || !strings.Contains(got, "the proxy itself") {
		t.Errorf("the waterfall's sum = %q; want the app's, the network's and the proxy's shares", got)
	}
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#waterfall-rows .wf-row")].map((r) => r.dataset.phase)`); !contains(got, "down:handler") || !contains(got, "up:send") {
		t.Errorf("the waterfall's rows = %q; want the proxy's and the app leg's phases", got)
	}

	run(t, ctx, "pressing r on the POST",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("live-detail").focus()`),
		press('r'),
		waitJS(`!document.getElementById("replay-form").hidden`),
	)
	if got := text(t, ctx, "#replay-secret"); !strings.Contains(got, "redacted Authorization") {
		t.Errorf("#replay-secret = %q; want it to say Authorization was redacted", got)
	}
	if got := eval[string](t, ctx, `(() => { const h = document.getElementById("replay-headers"); return h.value.slice(h.selectionStart, h.selectionEnd); })()`); got != "[redacted]" {
		t.Errorf("the selection in the headers = %q; want the placeholder, to type over", got)
	}
	run(t, ctx, "typing the secret and sending",
		chromedp.Evaluate[chromedp.Void](`(() => { const h = document.getElementById("replay-headers"); h.value = h.value.replace("[redacted]", "Bearer typed-in"); })()`),
		click(`#replay-form button[type="submit"]`),
		waitJS(`/^Replayed #\d+ to .*: 200 OK\. Open #\d+$/.test(document.getElementById("replay-status").textContent)`),
	)
	select {
	case got := <-auths:
		if got != "Bearer typed-in" {
			t.Errorf("the replay sent Authorization %q; want what was typed", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the app never got the replay")
	}
	run(t, ctx, "opening the replay",
		click("#replay-status a"),
		waitJS(`document.getElementById("detail-req").textContent.includes("X-Roundtrip-Replay-Of: `+ids[1]+`")`),
	)

	// A GET has no secret: r replays it at once.
	run(t, ctx, "replaying a GET with r",
		chromedp.Navigate(insp+"/_roundtrip/x/"+ids[2]),
		waitJS(`!document.getElementById("live-detail").hidden && document.getElementById("detail-title").textContent.includes("/orders/1")`),
		press('r'),
		waitJS(`document.getElementById("replay-status").textContent.startsWith("Replayed #`+ids[2]+` to ")`),
	)
	if !eval[bool](t, ctx, `document.getElementById("replay-form").hidden`) {
		t.Error("replaying a GET opened the form; want it sent at once")
	}
	shot(t, ctx, "proxy-inspector", "#live")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// press types key r as a keyboard does: one keyDown carrying its text,
// whose preventDefault keeps the text out of wherever the focus moves,
// where chromedp.KeyEvent sends the text as a separate char event.
func press(r rune) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, k := range kb.Encode(r) {
			switch k.Type {
			case kb.KeyChar:
				continue
			case kb.KeyDown:
				k.Text, k.UnmodifiedText = string(r), string(r)
			}
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, *k); err != nil {
				return err
			}
		}
		return nil
	})
}

// focusSettles is what expr says has the focus once it is want, or after
// 2 s: a key's handler runs after the key event returns.
func focusSettles(t *testing.T, ctx context.Context, expr, want string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		got := eval[string](t, ctx, expr)
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}
