package web_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/server"
)

// TestLabPageCopyAs: the open exchange's Copy as buttons put the API's
// rendering on the clipboard and say so; c copies it as curl, except in a
// text box; a browser that will not write the clipboard gets the text
// selected instead.
func TestLabPageCopyAs(t *testing.T) {
	t.Parallel()
	base, _ := startServe(t, server.Config{}, "127.0.0.1:0")
	ctx := newBrowser(t, 60*time.Second)
	hit(t, "POST", base+"/echo?copy=as", "it's $HOME")
	list := apiList(t, base, "q="+url.QueryEscape("copy"))
	if len(list) != 1 {
		t.Fatalf("the API finds %d exchanges for copy; want 1", len(list))
	}
	id := strconv.FormatUint(list[0].ID, 10)
	rendering := func(format string) string {
		t.Helper()
		res, err := oneShot.Get(base + "/_roundtrip/api/exchanges/" + id + "/as/" + format)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		grant := func(ctx context.Context, _ *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, browser.SetPermission, browser.SetPermissionParams{
				Permission: &browser.PermissionDescriptor{Name: name}, Setting: "granted", Origin: base,
			})
			return chromedp.Void{}, err
		}
		run(t, ctx, "granting "+name, grant)
	}
	run(t, ctx, "opening the exchange",
		chromedp.Navigate(base+"/_roundtrip/x/"+id),
		waitJS(`!document.getElementById("live-detail").hidden && document.getElementById("detail-title").textContent.includes("copy=as")`),
	)
	clipboard := func() string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
		if err != nil {
			fail(t, "reading the clipboard", err)
		}
		return v
	}
	copied := func(label string) chromedp.Action[chromedp.Void] {
		return waitJS(fmt.Sprintf(`document.getElementById("copyas-status").textContent === %q`, "Copied as "+label+"."))
	}
	for _, tt := range []struct{ format, label string }{
		{"httpie", "HTTPie"}, {"fetch", "fetch"}, {"go", "Go"}, {"http", "raw HTTP"}, {"curl", "curl"},
	} {
		run(t, ctx, "copying as "+tt.label,
			chromedp.Evaluate[chromedp.Void](`document.getElementById("copyas-status").textContent = ""`),
			click(`#copyas button[data-format="`+tt.format+`"]`),
			copied(tt.label),
		)
		if got, want := clipboard(), rendering(tt.format); got != want {
			t.Errorf("copied as %s:\n%s\nwant\n%s", tt.label, got, want)
		}
	}
	if got := eval[string](t, ctx, `document.querySelector('#copyas button[data-format="curl"]').getAttribute("aria-label")`); got != "Copy as curl" {
		t.Errorf("the curl button's label = %q; want Copy as curl", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("copyas-status").getAttribute("aria-live")`); got != "polite" {
		t.Errorf("the confirmation's aria-live = %q; want polite", got)
	}

	// c, not in a text box: as curl.
	run(t, ctx, "pressing c",
		chromedp.Evaluate[chromedp.Void](`navigator.clipboard.writeText("before"); document.getElementById("copyas-status").textContent = ""; document.activeElement.blur()`),
		chromedp.KeyEvent("c"),
		copied("curl"),
	)
	if got, want := clipboard(), rendering("curl"); got != want {
		t.Errorf("c copied:\n%s\nwant\n%s", got, want)
	}
	// c typed into the filter box is a letter, not a copy.
	run(t, ctx, "typing c in the filter",
		chromedp.Evaluate[chromedp.Void](`navigator.clipboard.writeText("before"); document.getElementById("copyas-status").textContent = ""`, chromedp.EvalAwaitPromise),
		chromedp.SendKeys(chromedp.CSS("#live-filter"), "c"),
	)
	time.Sleep(300 * time.Millisecond) // a copy would have happened by now
	if got := clipboard(); got != "before" {
		t.Errorf("typing c in the filter box copied %q", got)
	}
	if got := text(t, ctx, "#copyas-status"); got != "" {
		t.Errorf("typing c in the filter box says %q", got)
	}

	if shown := eval[bool](t, ctx, `document.getElementById("copyas-text").offsetParent !== null`); shown {
		t.Error("the text box shows while the clipboard works")
	}
	// No clipboard: the text is shown, selected, for Ctrl+C.
	run(t, ctx, "copying without a clipboard",
		chromedp.Evaluate[chromedp.Void](`navigator.clipboard.writeText = () => Promise.reject(new Error("denied")); document.execCommand = () => false;`),
		click(`#copyas button[data-format="curl"]`),
		waitJS(`document.getElementById("copyas-text").offsetParent !== null`),
	)
	box := eval[string](t, ctx, `(() => { const b = document.getElementById("copyas-text"); return b.value.substring(b.selectionStart, b.selectionEnd); })()`)
	if want := rendering("curl"); box != want {
		t.Errorf("the selected text is\n%s\nwant\n%s", box, want)
	}
	if got := text(t, ctx, "#copyas-status"); !strings.Contains(got, "selected below") {
		t.Errorf("without a clipboard the page says %q; want it to say the text is selected", got)
	}
	shot(t, ctx, "copyas", "#live-detail")
}
