package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/server"
)

// TestLabPageLesson: the seed's sections come in its order; the Code
// example runs the lesson's own fetch code and shows its encoding bug
// beside the fix; a DNS lookup goes through the server; a term shows its
// definition on focus.
func TestLabPageLesson(t *testing.T) {
	t.Parallel()
	base, _ := startServe(t, server.Config{}, "127.0.0.1:0")
	ctx := newBrowser(t, 60*time.Second)
	run(t, ctx, "loading the page", chromedp.Navigate(base+"/"), waitJS(`document.body.dataset.ready === "true"`))

	got := eval[[]string](t, ctx, `[...document.querySelectorAll("main > section")].map((s) => s.id)`)
	want := []string{"why", "glossary", "model", "code", "experiments"}
	if strings.Join(got[:len(want)], " ") != strings.Join(want, " ") || !contains(got, "usage") {
		t.Errorf("sections = %q; want the seed's order, %q first, and usage", got, want)
	}

	t.Run("code example", func(t *testing.T) {
		fetchSrc := text(t, ctx, "#code-fetch")
		for _, line := range []string{"async function getGreeting(name) {", "const response = await fetch(`/api/greeting?name=${name}`);",
			"console.log(data.message); // \"Hello, Alice!\"", "getGreeting(\"Alice\");"} {
			if !contains(trimmedLines(fetchSrc), line) {
				t.Errorf("the lesson's client lacks the line %q:\n%s", line, fetchSrc)
			}
		}
		if !strings.Contains(text(t, ctx, "#code-fixed"), "encodeURIComponent(name)") {
			t.Error("the fixed client does not encode the name")
		}
		for _, tt := range []struct{ kind, name, want string }{
			{"seed", "Alice", "Hello, Alice!"},
			{"seed", "Tom & Jerry", "Hello, Tom !"},
			{"fixed", "Tom & Jerry", "Hello, Tom & Jerry!"},
		} {
			sel := fmt.Sprintf(`#code button[data-run=%q][data-name=%q]`, tt.kind, tt.name)
			out := fmt.Sprintf(`document.getElementById("console-%s")`, tt.kind)
			run(t, ctx, "running "+tt.kind+" "+tt.name,
				chromedp.Evaluate[chromedp.Void](out+`.textContent = ""`),
				click(sel),
				waitJS(out+`.querySelector(".log") !== null`),
			)
			if got := eval[string](t, ctx, out+`.textContent`); got != fmt.Sprintf("> getGreeting(%q)\n%s\n", tt.name, tt.want) {
				t.Errorf("console of %s after getGreeting(%q) = %q; want it to log %q", tt.kind, tt.name, got, tt.want)
			}
		}
	})

	t.Run("dns", func(t *testing.T) {
		run(t, ctx, "looking up localhost",
			chromedp.Evaluate[chromedp.Void](`document.getElementById("dns-name").value = "localhost"`),
			click(`#dns-form button[type="submit"]`),
			waitJS(`/^localhost (is|:)/.test(document.getElementById("dns-result").textContent)`),
		)
		if got := text(t, ctx, "#dns-result"); !strings.Contains(got, "127.0.0.1") && !strings.Contains(got, "::1") {
			t.Errorf("#dns-result = %q; want localhost's loopback address", got)
		}
		run(t, ctx, "looking up a name that is not one",
			chromedp.Evaluate[chromedp.Void](`document.getElementById("dns-name").value = "not a name"`),
			click(`#dns-form button[type="submit"]`),
			waitJS(`document.getElementById("dns-result").textContent.startsWith("Could not look it up: A name to look up is")`),
		)
	})

	t.Run("terms", func(t *testing.T) {
		run(t, ctx, "focusing a term",
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#why a[href="#term-client"]').focus()`),
			waitJS(`!document.getElementById("term-tip").hidden`),
		)
		if got := text(t, ctx, "#term-tip"); !strings.HasPrefix(got, "Client: The program that starts the conversation") {
			t.Errorf("the tooltip = %q; want the glossary's definition of client", got)
		}
		if got := eval[string](t, ctx, `document.activeElement.getAttribute("aria-describedby")`); got != "term-tip" {
			t.Errorf("the focused term is described by %q; want the tooltip", got)
		}
		run(t, ctx, "leaving it", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), waitJS(`document.getElementById("term-tip").hidden`))
	})
	shot(t, ctx, "lesson-code", "#code")
}

// trimmedLines are s's lines without their indentation.
func trimmedLines(s string) []string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return lines
}
