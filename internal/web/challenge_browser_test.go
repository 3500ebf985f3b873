package web_test

// Browser tests of the coding challenge: the learner's code run on the
// cases from the server in a worker, with a time limit; hints for the
// rules it breaks; a solution to use; and the check of one's own server.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/route"
)

// setCode puts code in the challenge's editor as a paste does (one input event).
func setCode(code string) chromedp.Action[chromedp.Void] {
	b, _ := json.Marshal(code)
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const c = document.getElementById("ch-code"); c.value = %s;
		c.dispatchEvent(new Event("input")); })()`, b))
}

// runCases clicks Run tests and waits until the summary is no longer "Running".
func runCases() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		click("#ch-run"),
		waitJS(`!document.getElementById("ch-run").disabled && !document.getElementById("ch-summary").textContent.startsWith("Running")`),
	)
}

// caseLine is the text of the result line for method and path.
func caseLine(t *testing.T, ctx context.Context, list, method, path string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(() => { const li = [...document.querySelectorAll("#%s li")]
		.find(li => li.querySelector(".ch-req").textContent === %q); return li ? li.textContent : ""; })()`, list, method+" "+path))
}

func TestLabPageChallenge(t *testing.T) {
	t.Parallel()
	base, _ := startServe(t, server.Config{}, "127.0.0.1:0")
	ctx := newBrowser(t, 90*time.Second)
	n := len(route.Cases())
	all := fmt.Sprintf("%d of %d cases pass", n, n)

	run(t, ctx, "loading the page",
		chromedp.Navigate(base+"/#challenge"),
		waitJS(`document.getElementById("challenge").dataset.ready === "true"`),
	)
	if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#ch-routes-body tr")].map(tr => tr.textContent)`); strings.Join(got, "|") != "GET/helloHello, World!|GET/timeCurrent time|POST/echoEcho received" {
		t.Errorf("routes table = %q; want route.Routes()", got)
	}
	if got := eval[string](t, ctx, `document.getElementById("ch-code").value`); !strings.Contains(got, "function handleRequest(req) {") {
		t.Errorf("editor starts with %q; want the starter template", got)
	}

	t.Run("a correct solution passes", func(t *testing.T) {
		run(t, ctx, "running a correct solution",
			setCode(`function handleRequest({ method, path }) {
  const routes = { "/hello": ["GET", "Hello, World!"], "/time": ["GET", "Current time"], "/echo": ["POST", "Echo received"] };
  const r = Object.hasOwn(routes, path.split("?")[0]) && routes[path.split("?")[0]];
  if (!r) return { status: 404, body: "Not Found" };
  return method === r[0] ? { status: 200, body: r[1] } : { status: 405, body: "Method Not Allowed" };
}`),
			runCases(),
		)
		if got := text(t, ctx, "#ch-summary"); !strings.HasPrefix(got, all) {
			t.Errorf("summary = %q; want %q", got, all)
		}
		if got := eval[int](t, ctx, `document.querySelectorAll("#ch-list li.pass").length`); got != n {
			t.Errorf("passing cases shown = %d; want %d", got, n)
		}
		if got := text(t, ctx, "#ch-hints"); got != "" {
			t.Errorf("hints = %q; want none", got)
		}
	})

	t.Run("a wrong method as 404 fails with the 405 hint", func(t *testing.T) {
		run(t, ctx, "running a solution without 405",
			setCode(`function handleRequest(req) {
  const path = req.path.split("?")[0];
  if (req.method === "GET" && path === "/hello") return { status: 200, body: "Hello, World!" };
  if (req.method === "GET" && path === "/time") return { status: 200, body: "Current time" };
  if (req.method === "POST" && path === "/echo") return { status: 200, body: "Echo received" };
  return { status: 404, body: "Not Found" };
}`),
			runCases(),
		)
		summary := text(t, ctx, "#ch-summary")
		if !strings.Contains(summary, fmt.Sprintf(" of %d cases pass", n)) || strings.HasPrefix(summary, all) {
			t.Errorf("summary = %q; want some of %d failing", summary, n)
		}
		line := caseLine(t, ctx, "ch-list", "POST", "/hello")
		for _, want := range []string{"fails", `got 404 "Not Found"`, `want 405 "Method Not Allowed"`} {
			if !strings.Contains(line, want) {
				t.Errorf("POST /hello's line = %q; want it to contain %q", line, want)
			}
		}
		hints := text(t, ctx, "#ch-hints")
		if !strings.Contains(hints, route.Hint(route.RuleMethod)) || strings.Count(hints, route.RuleMethod) != 1 {
			t.Errorf("hints = %q; want the 405 rule's hint once", hints)
		}
		if strings.Contains(hints, route.Hint(route.RuleKnown)) {
			t.Errorf("hints = %q; want none for a rule every case of which passed", hints)
		}
	})

	t.Run("errors are shown as such", func(t *testing.T) {
		run(t, ctx, "running code with a syntax error", setCode("function handleRequest(req) {\n  return {"), runCases())
		if got := text(t, ctx, "#ch-summary"); !strings.HasPrefix(got, "Your code has a syntax error, so no case ran: SyntaxError") {
			t.Errorf("summary = %q; want the syntax error", got)
		}
		run(t, ctx, "running code that throws on /time",
			setCode(`function handleRequest(req) { if (req.path.startsWith("/time")) throw new TypeError("no clock"); return { status: 404, body: "Not Found" }; }`),
			runCases(),
		)
		if got := caseLine(t, ctx, "ch-list", "GET", "/time"); !strings.Contains(got, "threw TypeError: no clock") {
			t.Errorf("GET /time's line = %q; want the exception", got)
		}
		// The worker's own policy leaves the learner's code no network.
		run(t, ctx, "running code that asks the server",
			setCode(`function handleRequest(req) { const x = new XMLHttpRequest(); x.open("GET", "/hello", false); x.send(); return { status: x.status, body: x.responseText }; }`),
			runCases(),
		)
		if got := caseLine(t, ctx, "ch-list", "GET", "/hello"); !strings.Contains(got, "threw NetworkError") {
			t.Errorf("GET /hello's line = %q; want the request refused by the worker's policy", got)
		}
		run(t, ctx, "running code with no handleRequest", setCode("const x = 1;"), runCases())
		if got := text(t, ctx, "#ch-summary"); got != "Your code defines no function named handleRequest." {
			t.Errorf("summary = %q; want no handleRequest", got)
		}
	})

	t.Run("an infinite loop is stopped", func(t *testing.T) {
		start := time.Now()
		run(t, ctx, "running while(true){}", setCode("function handleRequest(req) { while (true) {} }"), click("#ch-run"))
		// The page answers while the worker spins.
		if got := eval[string](t, ctx, `document.getElementById("ch-summary").textContent`); !strings.HasPrefix(got, "Running") {
			t.Errorf("summary during the loop = %q; want Running", got)
		}
		run(t, ctx, "typing while the loop runs", chromedp.SendKeys(chromedp.CSS("#ch-server"), "x"))
		if got := eval[string](t, ctx, `document.getElementById("ch-server").value`); len(got) != len("http://localhost:8080x") || !strings.Contains(got, "x") {
			t.Errorf("server box = %q; want the typed x, the page responsive", got)
		}
		run(t, ctx, "waiting for the time limit",
			waitJS(`document.getElementById("ch-summary").textContent.startsWith("Your code did not finish in 2 s: an infinite loop?")`))
		if took := time.Since(start); took < 2*time.Second {
			t.Errorf("the loop was stopped after %s; want the 2 s limit", took)
		}
		if eval[bool](t, ctx, `document.getElementById("ch-run").disabled`) {
			t.Errorf("Run tests is still disabled after the time limit")
		}
	})

	t.Run("the editor", func(t *testing.T) {
		run(t, ctx, "typing a Tab",
			setCode("a"),
			chromedp.Focus(chromedp.CSS("#ch-code")),
			chromedp.Evaluate[chromedp.Void](`(() => { const c = document.getElementById("ch-code"); c.setSelectionRange(1, 1); })()`),
			chromedp.KeyEvent(kb.Tab),
		)
		if got := eval[string](t, ctx, `document.getElementById("ch-code").value`); got != "a  " {
			t.Errorf("after Tab the code = %q; want two spaces inserted", got)
		}
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "ch-code" {
			t.Errorf("after Tab the focus is on %q; want the editor", got)
		}
		run(t, ctx, "leaving with Esc, Tab", chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Tab))
		if got := eval[string](t, ctx, `document.activeElement.id`); got == "ch-code" {
			t.Errorf("after Esc, Tab the focus is still on the editor")
		}
		// The gutter numbers every line and scrolls with the code.
		run(t, ctx, "scrolling forty lines", setCode(strings.Repeat("// line\n", 39)+"// last"),
			chromedp.Evaluate[chromedp.Void](`(() => { const c = document.getElementById("ch-code"); c.scrollTop = 200;
				c.dispatchEvent(new Event("scroll")); })()`))
		if got := eval[string](t, ctx, `document.getElementById("ch-gutter").textContent.split("\n").slice(-1)[0]`); got != "40" {
			t.Errorf("gutter's last number = %q; want 40", got)
		}
		if got := eval[[]int](t, ctx, `[document.getElementById("ch-gutter").scrollTop, document.getElementById("ch-code").scrollTop]`); got[0] != got[1] || got[0] == 0 {
			t.Errorf("gutter and code scrollTop = %v; want equal and scrolled", got)
		}
		// The code survives a reload.
		run(t, ctx, "reloading", chromedp.Reload(), waitJS(`document.getElementById("challenge").dataset.ready === "true"`))
		if got := eval[string](t, ctx, `document.getElementById("ch-code").value`); !strings.HasSuffix(got, "// last") {
			t.Errorf("after a reload the code = %q; want the code kept", got)
		}
		if got := eval[string](t, ctx, `localStorage.getItem("roundtrip.challenge.v1")`); !strings.HasSuffix(got, "// last") {
			t.Errorf("localStorage roundtrip.challenge.v1 = %q; want the code", got)
		}
	})

	t.Run("show a solution and use it", func(t *testing.T) {
		run(t, ctx, "showing the solution",
			click("#ch-solution"),
			waitJS(`!document.getElementById("ch-solution-box").hidden && document.getElementById("ch-solution-code").textContent.includes("function handleRequest")`),
			click("#ch-use"),
			runCases(),
		)
		if got, want := eval[string](t, ctx, `document.getElementById("ch-code").value`), text(t, ctx, "#ch-solution-code"); got != want {
			t.Errorf("editor after Use it = %q; want the solution %q", got, want)
		}
		if got := text(t, ctx, "#ch-summary"); !strings.HasPrefix(got, all) {
			t.Errorf("the solution's summary = %q; want %q", got, all)
		}
	})

	t.Run("check your own server", func(t *testing.T) {
		run(t, ctx, "checking the test's server",
			chromedp.SetValue(chromedp.CSS("#ch-server"), base),
			click("#ch-check"),
			waitJS(`!document.getElementById("ch-check").disabled && document.getElementById("ch-check-list").children.length > 0`),
		)
		var sent int
		for _, c := range route.Cases() {
			if c.Method != "" && strings.HasPrefix(c.Path, "/") && c.Path != "/" && c.Method != "HEAD" && strings.ToUpper(c.Method) == c.Method {
				sent++
			}
		}
		want := fmt.Sprintf("%d of %d cases pass on %s; %d not sent over HTTP", sent, sent, base, n-sent)
		if got := text(t, ctx, "#ch-check-summary"); !strings.HasPrefix(got, want) {
			t.Errorf("check summary = %q; want %q", got, want)
		}
		if got := caseLine(t, ctx, "ch-check-list", "get", "/hello"); !strings.Contains(got, "not sent") {
			t.Errorf("get /hello's line = %q; want not sent, with why", got)
		}
		run(t, ctx, "checking another site", chromedp.SetValue(chromedp.CSS("#ch-server"), "http://example.com"), click("#ch-check"),
			waitJS(`document.getElementById("ch-check-summary").className.includes("bad")`))
		if got := text(t, ctx, "#ch-check-summary"); !strings.Contains(got, "only to this machine") {
			t.Errorf("check of example.com = %q; want refused: only this machine", got)
		}
		run(t, ctx, "checking the test's server again", chromedp.SetValue(chromedp.CSS("#ch-server"), base), click("#ch-check"),
			waitJS(`document.getElementById("ch-check-summary").className.includes("ok")`))
	})

	t.Run("screenshots", func(t *testing.T) {
		unlabelled := eval[[]string](t, ctx, `[...document.querySelectorAll("#challenge input, #challenge textarea")].filter(e => e.labels.length === 0).map(e => e.id)`)
		if len(unlabelled) > 0 {
			t.Errorf("challenge controls without a label: %q", unlabelled)
		}
		shot(t, ctx, "challenge-1280", "#challenge")
		run(t, ctx, "resizing to 360 px", chromedp.EmulateViewport(360, 900))
		if got := eval[int](t, ctx, `document.documentElement.scrollWidth`); got > 360 {
			t.Errorf("at 360 px the page is %d px wide; want no sideways scroll", got)
		}
		shot(t, ctx, "challenge-360", "#challenge")
		run(t, ctx, "resizing back", chromedp.EmulateViewport(1280, 900))
	})
}
