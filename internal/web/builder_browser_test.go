package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// TestBuilderExamples: each Try button fills the builder with its
// httpbin or /respond request, and the one sent answers as it says.
func TestBuilderExamples(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	ctx := newBrowser(t, 60*time.Second)
	run(t, ctx, "loading the page", chromedp.Navigate(base+"/"), waitJS(`document.querySelectorAll("#req-try button").length > 0`))
	paths := eval[[]string](t, ctx, `[...document.querySelectorAll("#req-try button")].map(b => b.dataset.path)`)
	if len(paths) < 5 || !strings.HasPrefix(strings.Join(paths, " "), "/status/418 /respond?") {
		t.Fatalf("the examples are %q; want the teapot, then /respond's", paths)
	}
	run(t, ctx, "trying the slow 503",
		click(`#req-try button[data-path^="/respond?status=503"]`),
		waitJS(`document.getElementById("req-path").value.startsWith("/respond?status=503")`),
	)
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "req-path" {
		t.Errorf("after a Try button the focus is on %q; want the path, to change it", got)
	}
	run(t, ctx, "sending it",
		click("#req-send"),
		waitJS(`document.getElementById("result").getAttribute("aria-busy") === "false" && document.getElementById("res-status").textContent.startsWith("503")`),
	)
	if got := text(t, ctx, "#res-headers"); !strings.Contains(strings.ToLower(got), "retry-after: 1") {
		t.Errorf("the slow 503's headers = %q; want Retry-After: 1", got)
	}
}
