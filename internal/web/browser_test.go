package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// newBrowser starts a headless chromium (servetest.Browser).
func newBrowser(t *testing.T, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	return servetest.Browser(t, timeout, extra...)
}

func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ROUNDTRIP_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		fail(t, what, err)
	}
}

func fail(t *testing.T, what string, err error) {
	t.Helper()
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%s: the browser test ran out of time: %v", what, err)
	}
	t.Fatalf("%s: %v", what, err)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		fail(t, "evaluating "+expr, err)
	}
	return v
}

// waitJS polls a JavaScript expression until it is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond))
}

// text is the text of the first element that matches a CSS selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).textContent`, sel))
}

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

// filterList puts q in the live list's filter box, as a paste does (one
// input event), and waits until the list shows what the server matched.
func filterList(q string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.getElementById("live-filter"); f.value = %q;
			f.dispatchEvent(new Event("input")); })()`, q)),
		waitJS(fmt.Sprintf(`(() => { const l = document.getElementById("live-list");
			return l.dataset.q === %q && l.getAttribute("aria-busy") === "false"; })()`, q)),
	)
}

// TestLabPage drives the page in chromium. Its subtests share one page, so
// they run in turn; the test runs beside TestLabPageWithoutInspector, each
// with its own server and browser.
func TestLabPage(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	ctx := newBrowser(t, 90*time.Second)
	shots := screenshotDir(t)

	t.Run("load", func(t *testing.T) {
		run(t, ctx, "loading the page",
			chromedp.Navigate(base+"/"),
			waitJS(`document.body.dataset.ready === "true" && document.querySelectorAll("#cards .card").length === 4`),
			waitJS(`document.getElementById("live-state").textContent.startsWith("Live")`),
		)
		if got := text(t, ctx, "h1"); got != "roundtrip lab" {
			t.Errorf("h1 = %q; want %q", got, "roundtrip lab")
		}
		// Every form control has a label.
		unlabelled := eval[[]string](t, ctx, `[...document.querySelectorAll("input, select, textarea")]
			.filter(e => e.labels.length === 0).map(e => e.id)`)
		if len(unlabelled) > 0 {
			t.Errorf("controls without a label: %q", unlabelled)
		}
	})

	t.Run("builder", func(t *testing.T) {
		run(t, ctx, "sending from the builder",
			chromedp.SetValue(chromedp.CSS("#req-method"), "POST"),
			chromedp.SetValue(chromedp.CSS("#req-path"), "/api/greeting"),
			chromedp.SetValue(chromedp.CSS("#req-body"), `{"name": "Builder"}`),
			click("#req-json"),
			click("#req-send"),
			waitJS(`document.getElementById("res-status").textContent === "200 OK"`),
		)
		if got := text(t, ctx, "#res-body"); !strings.Contains(got, `"message": "Hello, Builder!"`) {
			t.Errorf("response body = %q; want the greeting for Builder", got)
		}
		if got := text(t, ctx, "#res-explain"); !strings.HasPrefix(got, "OK: the request worked") {
			t.Errorf("explanation = %q; want the 200 explanation", got)
		}
		// The server's phases come from the inspector, once the live stream
		// has matched the exchange to the request.
		run(t, ctx, "waiting for the server's phases",
			waitJS(`document.getElementById("res-timings").textContent.includes("handler ran")`),
		)
		timings := text(t, ctx, "#res-timings")
		for _, want := range []string{"DNS", "TCP connect", "TLS", "waiting", "download", "from the inspector", "headers read", "routed", "handler ran", "response written"} {
			if !strings.Contains(timings, want) {
				t.Errorf("timings lack %q: %q", want, timings)
			}
		}
		// The exchange reaches the live list, and the raw request becomes the server's view.
		run(t, ctx, "waiting for the live list",
			waitJS(`[...document.querySelectorAll("#live-list .p")].some(e => e.textContent === "/api/greeting")`),
			waitJS(`document.getElementById("res-raw").textContent.includes("User-Agent:")`),
		)
		raw := text(t, ctx, "#res-raw")
		for _, want := range []string{"POST /api/greeting HTTP/1.1", "Content-Type: application/json", `{"name": "Builder"}`} {
			if !strings.Contains(raw, want) {
				t.Errorf("raw request lacks %q: %q", want, raw)
			}
		}
	})

	t.Run("experiments", func(t *testing.T) {
		tests := []struct {
			name  string
			wants []string // text the card must show once run
		}{
			{"greeting", []string{"200 OK", `"message": "Hello, Alice!"`, "Network tab"}},
			{"method", []string{"405 Method Not Allowed", "Allow: GET, HEAD, OPTIONS", "Allow: POST, OPTIONS", "address bar", "always sends GET"}},
			{"not-found", []string{"404 Not Found", "text/html", "response.ok false"}},
			{"invalid-json", []string{"400 Bad Request", `"line": 2`, `"column": 11`}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				card := "#exp-" + tt.name
				run(t, ctx, "running "+tt.name,
					click(card+" button.run"),
					waitJS(fmt.Sprintf(`document.querySelector(%q).dataset.outcome !== undefined`, card)),
				)
				outcome := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).dataset.outcome`, card))
				got := text(t, ctx, card)
				if outcome != "pass" {
					t.Errorf("card %s outcome = %q; want pass. It says:\n%s", tt.name, outcome, got)
				}
				for _, want := range tt.wants {
					if !strings.Contains(got, want) {
						t.Errorf("card %s lacks %q", tt.name, want)
					}
				}
			})
		}
	})

	t.Run("tour", func(t *testing.T) {
		// The tour sends its own request, on a new connection.
		run(t, ctx, "starting the tour",
			click("#tour-start"),
			waitJS(`!document.getElementById("tour").hidden`),
		)
		if got := text(t, ctx, "#tour-exchange"); !strings.Contains(got, ".localhost:") || !strings.Contains(got, "new connection") {
			t.Errorf("#tour-exchange = %q; want the request sent to a second name, on a new connection", got)
		}
		wantTitles := []string{
			"1. The client builds the request", "2. DNS", "3. TCP connect", "4. TLS", "5. The request is sent",
			"6. The server parses it", "7. The router matches", "8. The handler runs", "9. The response returns", "10. The client renders it",
		}
		wantSteps := []string{"client", "dns", "connect", "tls", "send", "read", "route", "handler", "response", "render"}
		for i, want := range wantTitles {
			if i > 0 {
				run(t, ctx, "pressing →", chromedp.KeyEvent(kb.ArrowRight))
			}
			if got := text(t, ctx, "#tour-title"); !strings.HasPrefix(got, want) {
				t.Errorf("tour step %d title = %q; want %q", i+1, got, want)
			}
			lit := eval[[]string](t, ctx, `[...new Set([...document.querySelectorAll("#diagram .on")].map((n) => n.dataset.step))]`)
			if len(lit) != 1 || lit[0] != wantSteps[i] {
				t.Errorf("tour step %d lights %q in the diagram; want %q", i+1, lit, wantSteps[i])
			}
			data := text(t, ctx, "#tour-data")
			if strings.Contains(data, "not measured") || strings.Contains(data, "not reported") {
				t.Errorf("tour step %d lacks a measurement for an exchange this page sent: %q", i+1, data)
			}
			switch i {
			case 0:
				if !strings.Contains(data, "GET /api/greeting?name=Alice") {
					t.Errorf("tour step 1 data = %q; want the request line", data)
				}
				if terms := text(t, ctx, "#tour-terms"); !strings.Contains(terms, "client") || !strings.Contains(terms, "method") {
					t.Errorf("tour step 1 terms = %q; want links to client and method", terms)
				}
			case 2:
				// A new connection: its handshake took time, and the diagram draws it.
				if !strings.Contains(data, "Connectionnew") || strings.Contains(data, "TCP handshake0.00 ms") {
					t.Errorf("tour step 3 data = %q; want a new connection with a measured handshake", data)
				}
				if got := eval[[]string](t, ctx, `[...document.querySelectorAll('#diagram [data-step="connect"] text')].map((n) => n.textContent)`); strings.Join(got, " ") != "SYN SYN-ACK ACK" {
					t.Errorf("the diagram's connect arrows = %q; want SYN, SYN-ACK, ACK", got)
				}
			case 6:
				if !strings.Contains(data, "/api/greeting") {
					t.Errorf("tour step 7 data = %q; want the matched route", data)
				}
			case 8:
				if !strings.Contains(data, "200 OK") {
					t.Errorf("tour step 9 data = %q; want the 200 status line", data)
				}
				if back := eval[bool](t, ctx, `document.querySelector('#diagram .on.arrow.back') !== null`); !back {
					t.Error("tour step 9 does not light the response's arrow back to the client")
				}
			}
		}
		run(t, ctx, "pressing ← then Esc",
			chromedp.KeyEvent(kb.ArrowLeft),
			waitJS(`document.getElementById("tour-title").textContent.startsWith("9.")`),
			chromedp.KeyEvent(kb.Escape),
			waitJS(`document.getElementById("tour").hidden && !document.querySelector("#diagram .on")`),
		)
		// Glossary links from the tour land on real terms.
		missing := eval[[]string](t, ctx, `["client","server","request","response","method","status-code","header","body","port","dns","tcp","tls"]
			.filter(id => !document.getElementById("term-" + id))`)
		if len(missing) > 0 {
			t.Errorf("glossary lacks terms %q", missing)
		}
	})

	t.Run("go client appears live", func(t *testing.T) {
		resp, err := http.Get(base + "/api/greeting?name=GoClient")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		run(t, ctx, "waiting for the Go client's exchange",
			waitJS(`[...document.querySelectorAll("#live-list .p")].some(e => e.textContent === "/api/greeting?name=GoClient")`),
			click(`#live-list li:first-child a`),
			waitJS(`!document.getElementById("live-detail").hidden && document.getElementById("detail-title").textContent.includes("GoClient")`),
		)
		if got := text(t, ctx, "#detail-req"); !strings.Contains(got, "User-Agent: Go-http-client") {
			t.Errorf("detail request = %q; want the Go client's User-Agent", got)
		}
		// The server filters: a word found in the URL and the body, typed.
		run(t, ctx, "filtering",
			chromedp.SendKeys(chromedp.CSS("#live-filter"), "GoClient"),
			waitJS(`document.getElementById("live-list").dataset.q === "GoClient" && document.getElementById("live-list").getAttribute("aria-busy") === "false"`),
		)
		shown := eval[[]string](t, ctx, `[...document.querySelectorAll("#live-list .p")].map(e => e.textContent)`)
		if len(shown) != 1 || shown[0] != "/api/greeting?name=GoClient" {
			t.Errorf("rows shown for filter GoClient = %q; want just /api/greeting?name=GoClient", shown)
		}
	})

	t.Run("tour of another client's 404", func(t *testing.T) {
		// Its own query tells it from the browser's request to the same path
		// (experiment c), which may still be the newest row.
		resp, err := http.Get(base + "/no/such/route?client=go")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		run(t, ctx, "touring the 404",
			filterList("status:404"),
			waitJS(`[...document.querySelectorAll("#live-list li:not([hidden]) .p")].some(e => e.textContent === "/no/such/route?client=go")`),
			chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#live-list li:not([hidden])")]
				.find(li => li.querySelector(".p").textContent === "/no/such/route?client=go").querySelector("a").click()`),
			waitJS(`document.getElementById("detail-title").textContent.includes("/no/such/route?client=go")`),
			click("#detail-tour"),
			waitJS(`!document.getElementById("tour").hidden && document.getElementById("tour-exchange").textContent.includes("/no/such/route")`),
			chromedp.KeyEvent(kb.ArrowRight),
		)
		if got := text(t, ctx, "#tour-data"); !strings.Contains(got, "not measured") {
			t.Errorf("tour step 2 of another client's exchange = %q; want it to say the browser side was not measured", got)
		}
		run(t, ctx, "going to step 7", chromedp.KeyEvent(strings.Repeat(kb.ArrowRight, 5)))
		if got := text(t, ctx, "#tour-data"); !strings.Contains(got, "404: no route matched /no/such/route") {
			t.Errorf("tour step 7 of a 404 = %q; want it to say no route matched", got)
		}
		run(t, ctx, "closing the tour", chromedp.KeyEvent(kb.Escape))
	})

	t.Run("hostile text stays text", func(t *testing.T) {
		req, err := http.NewRequest("GET", base+"/x%3Cimg%20src=x%20onerror=window.__pwned=1%3E?name=%3Cscript%3Ewindow.__pwned=2%3C/script%3E", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Evil", "<script>window.__pwned=3</script>")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		run(t, ctx, "opening the hostile exchange",
			filterList("onerror"),
			waitJS(`[...document.querySelectorAll("#live-list li:not([hidden]) .p")].some(e => e.textContent.includes("onerror"))`),
			click(`#live-list li:not([hidden]) a`),
			waitJS(`document.getElementById("detail-title").textContent.includes("onerror")`),
			click("#detail-tour"),
			waitJS(`!document.getElementById("tour").hidden`),
			chromedp.KeyEvent(kb.Escape),
		)
		if got := text(t, ctx, "#detail-req"); !strings.Contains(got, "X-Evil: <script>window.__pwned=3</script>") {
			t.Errorf("detail request = %q; want the hostile header shown as text", got)
		}
		if pwned := eval[bool](t, ctx, `window.__pwned !== undefined || document.querySelector("main img, #live-detail img, #live-list img, script:not([src])") !== null`); pwned {
			t.Errorf("captured <img onerror>/<script> text became markup or ran; want it shown as text only")
		}
		run(t, ctx, "clearing the filter", filterList(""))
	})

	t.Run("screenshots", func(t *testing.T) {
		// The tour stays open at step 7 for the pictures.
		run(t, ctx, "opening the tour",
			click("#tour-start"),
			waitJS(`!document.getElementById("tour").hidden`),
			chromedp.KeyEvent(strings.Repeat(kb.ArrowRight, 6)),
			waitJS(`document.getElementById("tour-title").textContent.startsWith("7.")`),
		)
		for _, width := range []int64{1280, 360} {
			run(t, ctx, fmt.Sprintf("resizing to %d px", width), chromedp.EmulateViewport(width, 900))
			if eval[bool](t, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
				t.Errorf("at %d px the page scrolls sideways", width)
			}
			save := func(name string, shot chromedp.Action[[]byte]) {
				t.Helper()
				png, err := chromedp.Run(ctx, shot)
				if err != nil {
					fail(t, "screenshot "+name, err)
				}
				path := filepath.Join(shots, fmt.Sprintf("lab-%d-%s.png", width, name))
				if err := os.WriteFile(path, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", path)
			}
			save("page", chromedp.FullScreenshot(100))
			for _, id := range []string{"model", "exp-method", "builder", "live"} {
				save(id, chromedp.Screenshot(chromedp.CSS("#"+id)))
			}
		}
		run(t, ctx, "closing the tour", chromedp.KeyEvent(kb.Escape), chromedp.EmulateViewport(1280, 900))
	})

	t.Run("clear", func(t *testing.T) {
		run(t, ctx, "clearing, and confirming",
			click("#live-clear"),
			waitJS(`!document.getElementById("live-clear-ask").hidden`),
			click("#live-clear-yes"),
			waitJS(`document.querySelectorAll("#live-list li").length === 0`),
		)
		resp, err := http.Get(base + "/_roundtrip/api/exchanges")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct {
			Exchanges []json.RawMessage `json:"exchanges"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
			t.Fatalf("GET exchanges after clear: %v", err)
		}
		if len(page.Exchanges) != 0 {
			t.Errorf("GET exchanges after clear = %d exchanges; want 0", len(page.Exchanges))
		}
	})
}

// TestLabPageWithoutInspector sends from the builder to a server started
// with --no-inspector: the live section says the inspector is off and how
// to turn it on, rather than an error; the browser's timings still show,
// and the server's say why they are missing.
func TestLabPageWithoutInspector(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{NoInspector: true})
	ctx := newBrowser(t, 30*time.Second)
	run(t, ctx, "loading the page",
		chromedp.Navigate(base+"/"),
		waitJS(`document.body.dataset.ready === "true"`),
		waitJS(`!document.getElementById("live-off").hidden`),
	)
	if got := text(t, ctx, "#live-off"); !strings.HasPrefix(got, "The inspector is off.") || !strings.Contains(got, "--no-inspector") || !strings.Contains(got, "restart it without that flag: roundtrip serve") {
		t.Errorf("#live-off = %q; want it to say the inspector is off, why, and how to turn it on", got)
	}
	for _, sel := range []string{"#live-state", "#live-list", "#live-filter", "#live-clear"} {
		if shown := eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).offsetParent !== null`, sel)); shown {
			t.Errorf("%s is shown with the inspector off; want only the note", sel)
		}
	}
	shot(t, ctx, "no-inspector", "#live")
	run(t, ctx, "sending from the builder",
		chromedp.SetValue(chromedp.CSS("#req-path"), "/hello"),
		click("#req-send"),
		waitJS(`document.getElementById("res-status").textContent === "200 OK"`),
		waitJS(`document.getElementById("res-timings").textContent.includes("did not report")`),
	)
	timings := text(t, ctx, "#res-timings")
	for _, want := range []string{"DNS", "waiting", "The inspector did not report this request (it may be off)."} {
		if !strings.Contains(timings, want) {
			t.Errorf("timings lack %q: %q", want, timings)
		}
	}
	if strings.Contains(timings, "handler ran") {
		t.Errorf("timings = %q; want no server phases without the inspector", timings)
	}
}

// TestRebindingInBrowser repeats a DNS rebinding attack: a page on
// attacker.example, whose name has come to resolve to 127.0.0.1 (chromium's
// resolver rule stands for the attacker's DNS), runs its script against
// the server as its own origin. Before the Host check it read the history
// and the HAR and cleared them; now every one of its requests is refused,
// while the lesson's endpoints still answer it.
func TestRebindingInBrowser(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	_, port, _ := strings.Cut(strings.TrimPrefix(base, "http://"), ":")
	ctx := newBrowser(t, 60*time.Second, chromedp.Flag("host-resolver-rules", "MAP attacker.example 127.0.0.1"))
	res, err := http.Get(base + "/hello?q=marker-in-history")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	// Any answer of the lesson's open endpoints serves as the attacker's document.
	run(t, ctx, "loading the attacker's page", chromedp.Navigate("http://attacker.example:"+port+"/hello"))
	const attack = `(async () => {
		const out = {};
		for (const [name, path, method] of [
			['list', '/_roundtrip/api/exchanges', 'GET'],
			['har', '/_roundtrip/api/har', 'GET'],
			['metrics', '/metrics', 'GET'],
			['page', '/', 'GET'],
			['clear', '/_roundtrip/api/exchanges', 'DELETE'],
			['hello', '/hello', 'GET'],
		]) {
			const r = await fetch(path, {method});
			out[name] = {status: r.status, body: await r.text()};
		}
		return out;
	})()`
	type answer struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]answer](attack, chromedp.EvalAwaitPromise))
	if err != nil {
		fail(t, "running the attacker's script", err)
	}
	for _, name := range []string{"list", "har", "metrics", "page", "clear"} {
		if a := got[name]; a.Status != http.StatusForbidden || strings.Contains(a.Body, "marker-in-history") {
			t.Errorf("the attacker's %s = %d %.200s; want 403 and nothing of the history", name, a.Status, a.Body)
		}
	}
	if a := got["hello"]; a.Status != http.StatusOK {
		t.Errorf("the attacker's GET /hello = %d; want 200: the lesson's endpoints are open", a.Status)
	}
	// The history is still there for its owner.
	res, err = http.Get(base + "/_roundtrip/api/exchanges")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "marker-in-history") {
		t.Errorf("after the attack, the history = %.300s; want it to still hold /hello?q=marker-in-history", body)
	}
}

// TestPageDropsToken: opened with ?token=, the page keeps the token for its
// requests and takes it out of the address bar; the load is not captured.
func TestPageDropsToken(t *testing.T) {
	t.Parallel()
	const token = "browser-test-token-0123456789"
	base := servetest.Roundtrip(t, server.Config{InspectorToken: token, RequireToken: true})
	ctx := newBrowser(t, 60*time.Second)
	run(t, ctx, "loading the page with its token",
		chromedp.Navigate(base+"/?token="+token),
		waitJS(`document.querySelector('#live-state') && /Live/.test(document.querySelector('#live-state').textContent)`),
	)
	if href := eval[string](t, ctx, `location.href`); strings.Contains(href, token) {
		t.Errorf("the address bar = %q; want the token gone from it", href)
	}
	req, _ := http.NewRequest("GET", base+"/_roundtrip/api/exchanges", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(body), token) {
		t.Errorf("the history holds the page's token: %.300s", body)
	}

	// A permalink opened with the token: the exchange opens, fetched with
	// the token, and the token leaves the address, the permalink stays.
	res, err = http.Get(base + "/hello?with=token")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	req, _ = http.NewRequest("GET", base+"/_roundtrip/api/exchanges?q=with", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Exchanges []struct {
			ID uint64 `json:"id"`
		} `json:"exchanges"`
	}
	err = json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if err != nil || len(page.Exchanges) != 1 {
		t.Fatalf("GET exchanges?q=with = %+v, %v; want one exchange", page, err)
	}
	id := fmt.Sprint(page.Exchanges[0].ID)
	run(t, ctx, "opening a permalink with the token",
		chromedp.Navigate(base+"/_roundtrip/x/"+id+"?token="+token),
		waitJS(`document.getElementById("detail-title").textContent.includes("/hello?with=token")`),
	)
	if got := eval[string](t, ctx, `location.pathname + location.search`); got != "/_roundtrip/x/"+id {
		t.Errorf("the address bar = %q; want /_roundtrip/x/%s, without the token", got, id)
	}
}

// TestLabPageRevealsHiddenCharacters sends, over a raw socket so the bytes
// arrive as written, a request whose path and header hold a right-to-left
// override and a zero-width joiner. Shown as they are, /files/\u202Eexe.txt
// reads /files/txt.exe; the page marks each as ⟨U+202E⟩ in the list, the detail
// and the tour, and no text or attribute on it holds one raw.
func TestLabPageRevealsHiddenCharacters(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	ctx := newBrowser(t, 60*time.Second)
	run(t, ctx, "loading the page",
		chromedp.Navigate(base+"/"),
		waitJS(`document.getElementById("live-state").textContent.startsWith("Live")`),
	)

	const (
		path  = "/files/\u202eexe.txt\u200d?by=bidi"
		value = "safe\u202egnp.exe\u200dend"
	)
	host := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nX-Note: %s\r\nConnection: close\r\n\r\n", path, host, value)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to GET %q: %v", path, err)
	}
	resp.Body.Close()
	conn.Close()

	const (
		wantPath   = "/files/⟨U+202E⟩exe.txt⟨U+200D⟩?by=bidi"
		wantHeader = "X-Note: safe⟨U+202E⟩gnp.exe⟨U+200D⟩end"
	)
	run(t, ctx, "opening the exchange and its tour",
		waitJS(`[...document.querySelectorAll("#live-list .p")].some(e => e.textContent.includes("by=bidi"))`),
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#live-list .p")]
			.find(e => e.textContent.includes("by=bidi")).closest("a").click()`),
		waitJS(`document.getElementById("detail-title").textContent.includes("by=bidi")`),
		click("#detail-tour"),
		waitJS(`!document.getElementById("tour").hidden && document.getElementById("tour-exchange").textContent.includes("by=bidi")`),
	)
	row := eval[string](t, ctx, `[...document.querySelectorAll("#live-list .p")].find(e => e.textContent.includes("by=bidi")).textContent`)
	tests := []struct {
		where, got, want string
	}{
		{"list row", row, wantPath},
		{"list row's title", eval[string](t, ctx, `[...document.querySelectorAll("#live-list .p")].find(e => e.textContent.includes("by=bidi")).title`), wantPath},
		{"detail title", text(t, ctx, "#detail-title"), "GET " + wantPath},
		{"detail request", text(t, ctx, "#detail-req"), "GET " + wantPath + " HTTP/1.1"},
		{"detail header", text(t, ctx, "#detail-req"), wantHeader},
		{"tour", text(t, ctx, "#tour-exchange"), wantPath},
		{"tour's request line", text(t, ctx, "#tour-data"), "GET " + wantPath},
	}
	for _, tt := range tests {
		t.Run(tt.where, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(tt.got, tt.want) || strings.ContainsAny(tt.got, "\u202e\u200d") {
				t.Errorf("%s = %q; want it to contain %q and no raw U+202E or U+200D", tt.where, tt.got, tt.want)
			}
		})
	}
	// Each marker says what it stands for.
	if got := eval[string](t, ctx, `document.querySelector("#detail-req .revealed").title`); !strings.Contains(got, "U+202E RIGHT-TO-LEFT OVERRIDE") {
		t.Errorf("the first marker's title = %q; want it to name U+202E RIGHT-TO-LEFT OVERRIDE", got)
	}
	// A form control cannot hold a marker: the builder says what its path holds.
	run(t, ctx, "loading the exchange into the builder",
		click("#detail-load"),
		waitJS(`document.getElementById("req-note").textContent.includes("⟨U+202E⟩")`),
	)
	raw := eval[[]string](t, ctx, `(() => {
		const bad = /[\u202e\u200d]/;
		const out = [];
		if (bad.test(document.body.textContent)) out.push("the body's text");
		for (const e of document.querySelectorAll("*")) {
			for (const a of e.attributes) if (bad.test(a.value)) out.push(e.tagName + "[" + a.name + "]");
		}
		return out;
	})()`)
	if len(raw) > 0 {
		t.Errorf("raw U+202E or U+200D in %q; want every one marked", raw)
	}
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#live")))
	if err != nil {
		fail(t, "screenshot", err)
	}
	shot := filepath.Join(screenshotDir(t), "lab-hidden-characters.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}
