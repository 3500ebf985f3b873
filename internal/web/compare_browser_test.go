package web_test

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// TestLabPageCompare: in the detail view, Compare with… takes the next
// row clicked as the other exchange and shows what differs, the text from
// the exchanges revealed; an id typed does the same; a failure is said.
func TestLabPageCompare(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	ctx := newBrowser(t, 60*time.Second)
	alice, bob := "/api/greeting?name=Alice", "/api/greeting?name="+url.QueryEscape("\u202eBob")
	hit(t, "GET", base+alice, "")
	hit(t, "GET", base+bob, "")
	list := apiList(t, base, "limit=2")
	if len(list) != 2 {
		t.Fatalf("listed %d exchanges; want the two greetings", len(list))
	}
	b, a := list[0].ID, list[1].ID
	row := func(id uint64) string { return fmt.Sprintf(`#live-list a.row[data-id="%d"]`, id) }
	result := `document.getElementById("compare-result")`
	shown := waitJS(`!` + result + `.hidden && ` + result + `.getAttribute("aria-busy") === "false"`)

	run(t, ctx, "opening exchange a and comparing it with b's row",
		chromedp.Navigate(base+"/_roundtrip/x/"+strconv.FormatUint(a, 10)),
		waitJS(idle+` && `+listed(alice, bob[:len(bob)-3]+"Bob")),
		waitJS(`!document.getElementById("live-detail").hidden && document.getElementById("detail-title").textContent.startsWith("#`+strconv.FormatUint(a, 10)+` ")`),
		click("#compare-pick"),
		waitJS(`document.getElementById("compare-pick").getAttribute("aria-pressed") === "true" && document.getElementById("live-list").classList.contains("picking")`),
		click(row(b)),
		shown,
	)
	got := text(t, ctx, "#compare-result")
	for _, want := range []string{
		fmt.Sprintf("Compared: #%d (a) with #%d (b)", a, b),
		"✗ They differ.",
		"Status200 in both",
		"URL" + alice + " → " + bob,
		`$.message: "Hello, Alice!" → "Hello, ⟨U+202E⟩Bob!"`,
		"Response headersThe same.",
		"Left out: headers Date, X-Request-Id, Server-Timing, Traceparent, Tracestate.",
		"Total, on the server",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the comparison lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\u202e") {
		t.Error("the comparison shows a raw U+202E; want it revealed")
	}
	if title := text(t, ctx, "#detail-title"); !strings.HasPrefix(title, "#"+strconv.FormatUint(a, 10)+" ") {
		t.Errorf("after picking b the detail view shows %q; want exchange a still", title)
	}
	if eq := eval[string](t, ctx, result+`.dataset.equal`); eq != "false" {
		t.Errorf("data-equal = %q; want false", eq)
	}
	if picking := eval[bool](t, ctx, `document.getElementById("live-list").classList.contains("picking")`); picking {
		t.Error("still picking after a row was picked")
	}
	shot(t, ctx, "compare", "#live-detail")

	t.Run("by id", func(t *testing.T) {
		run(t, ctx, "comparing a with itself, by id",
			chromedp.SetValue(chromedp.CSS("#compare-id"), strconv.FormatUint(a, 10)),
			click("#compare-go"),
			waitJS(result+`.dataset.b === "`+strconv.FormatUint(a, 10)+`" && `+result+`.getAttribute("aria-busy") === "false"`),
		)
		if got := text(t, ctx, "#compare-result"); !strings.Contains(got, "✓ The same, timing aside.") {
			t.Errorf("a compared with itself:\n%s\nwant the same", got)
		}
	})

	t.Run("unknown id", func(t *testing.T) {
		run(t, ctx, "comparing with an exchange that is not there",
			chromedp.SetValue(chromedp.CSS("#compare-id"), "999999"),
			click("#compare-go"),
			waitJS(`document.getElementById("compare-state").textContent.startsWith("Could not compare")`),
		)
		if got, want := text(t, ctx, "#compare-state"), "Could not compare: Exchange 999999 (b) is not in the history"; !strings.HasPrefix(got, want) {
			t.Errorf("compare-state = %q; want it to begin %q", got, want)
		}
		if hidden := eval[bool](t, ctx, result+`.hidden`); !hidden {
			t.Error("the last comparison still shows after one that failed")
		}
	})

	t.Run("text bodies", func(t *testing.T) {
		hit(t, "POST", base+"/echo", "line one\nline two\nline three\n")
		hit(t, "POST", base+"/echo", "line one\nline 2\nline three\n")
		echoes := apiList(t, base, "limit=2")
		e2, e1 := strconv.FormatUint(echoes[0].ID, 10), strconv.FormatUint(echoes[1].ID, 10)
		run(t, ctx, "comparing two echoes by id",
			chromedp.Navigate(base+"/_roundtrip/x/"+e1),
			waitJS(`document.getElementById("detail-title").textContent.startsWith("#`+e1+` ")`),
			chromedp.SetValue(chromedp.CSS("#compare-id"), e2),
			click("#compare-go"),
			shown,
		)
		if got, want := text(t, ctx, "#compare-result pre.diff-text"), "@@ -1,3 +1,3 @@\n line one\n-line two\n+line 2\n line three\n"; got != want {
			t.Errorf("the request bodies' line diff = %q; want %q", got, want)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll("#compare-result pre.diff-text .diff-del").length`); n != 1 {
			t.Errorf("%d lines marked removed; want 1", n)
		}
	})

	t.Run("Esc cancels", func(t *testing.T) {
		run(t, ctx, "picking, then Esc",
			click("#compare-pick"),
			waitJS(`document.getElementById("compare-pick").getAttribute("aria-pressed") === "true"`),
			chromedp.KeyEvent(kb.Escape),
			waitJS(`document.getElementById("compare-pick").getAttribute("aria-pressed") === "false"`),
			click(row(b)),
			waitJS(`document.getElementById("detail-title").textContent.startsWith("#`+strconv.FormatUint(b, 10)+` ")`),
		)
		if hidden := eval[bool](t, ctx, result+`.hidden`); !hidden {
			t.Error("opening another exchange left the comparison of the last one showing")
		}
	})
}
