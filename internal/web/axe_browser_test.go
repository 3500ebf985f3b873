package web_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/server"
)

// axeSource is axe-core, from npm (testdata/axe), or a skip saying how to
// get it; under CI=true its absence fails the test.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/axe/node_modules/axe-core/axe.min.js")
	if err != nil {
		msg := "axe-core not installed: npm ci --prefix internal/web/testdata/axe"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return string(b)
}

// violation is one of axe's findings, as much as a failure needs.
type violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// axe runs axe-core on the page as it is and fails on every serious or
// critical violation (WCAG 2.1 A and AA rules, contrast included).
func axe(t *testing.T, ctx context.Context, src, what string) {
	t.Helper()
	run(t, ctx, "loading axe-core", chromedp.Evaluate[chromedp.Void](src))
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
		.then((r) => JSON.stringify(r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")))`, chromedp.EvalAwaitPromise))
	if err != nil {
		fail(t, "running axe-core on "+what, err)
	}
	var vs []violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe-core's answer %q: %v", out, err)
	}
	for _, v := range vs {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, strings.Join(n.Target, " "))
		}
		t.Errorf("%s: axe %s (%s): %s, at %s", what, v.ID, v.Impact, v.Help, strings.Join(where, "; "))
	}
}

// TestLabPageAccessible: axe-core finds no serious or critical violation on
// the page as loaded, with the tour open, and with an exchange's details
// open, at 1280 px and 360 px, in light and dark schemes.
func TestLabPageAccessible(t *testing.T) {
	t.Parallel()
	src := axeSource(t)
	base, _ := startServe(t, server.Config{}, "127.0.0.1:0")
	ctx := newBrowser(t, 90*time.Second)
	hit(t, "POST", base+"/echo?a11y=1", "hello")
	for _, c := range []struct {
		width  int64
		scheme string
	}{{1280, "light"}, {360, "light"}, {1280, "dark"}} {
		run(t, ctx, "sizing the window and choosing the "+c.scheme+" scheme", chromedp.EmulateViewport(c.width, 900), colorScheme(c.scheme))
		run(t, ctx, "loading the page", chromedp.Navigate(base+"/"), waitJS(`document.body.dataset.ready === "true" && document.querySelectorAll("#live-list a.row").length > 0`))
		axe(t, ctx, src, "the page as loaded")
		run(t, ctx, "starting the tour", click("#tour-start"), waitJS(`!document.getElementById("tour").hidden`))
		axe(t, ctx, src, "the page with the tour open")
		run(t, ctx, "opening an exchange",
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#live-list a.row").click()`),
			waitJS(`!document.getElementById("live-detail").hidden && document.getElementById("detail-title").textContent !== ""`))
		axe(t, ctx, src, "the page with an exchange open")
	}
}

// colorScheme emulates prefers-color-scheme, for the dark palette's contrast.
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}
