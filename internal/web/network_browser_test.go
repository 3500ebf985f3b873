package web_test

// Browser tests of the Network view: the live list's columns and
// waterfall, the detail view's tabs and previews, and Clear asking first.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// getAccept makes one GET with an Accept header, as a browser's address
// bar sends text/html.
func getAccept(t *testing.T, target, accept string) {
	t.Helper()
	req, err := http.NewRequest("GET", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := oneShot.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
}

// humanSize is the size the page shows for n bytes (decimal units, as browsers).
func humanSize(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	v, units := float64(n)/1000, []string{"kB", "MB", "GB"}
	i := 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if v < 100 {
		return fmt.Sprintf("%.1f %s", v, units[i])
	}
	return fmt.Sprintf("%.0f %s", v, units[i])
}

// rowSel is the live list's link for the exchange whose URL is u.
func rowJS(u string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#live-list a.row")].find(a => a.querySelector(".p").textContent === %q)`, u)
}

// openTab opens the exchange whose URL is u and selects tab.
func openTab(u, tab string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		waitJS(rowJS(u)+` !== undefined`),
		chromedp.Evaluate[chromedp.Void](rowJS(u)+`.click()`),
		waitJS(fmt.Sprintf(`!document.getElementById("live-detail").hidden && document.getElementById("detail-title").textContent.includes(%q)`, u)),
		click("#tab-"+tab),
		waitJS(fmt.Sprintf(`!document.getElementById("tabp-%s").hidden`, tab)),
	)
}

// frameText is the text of the document in the page's iframe at
// about:srcdoc, read through the browser: the page's own script cannot, as
// the empty sandbox gives that document an origin of its own, and chromium
// runs such a frame in a process of its own, as a target to attach to.
func frameText(t *testing.T, ctx context.Context) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			fail(t, "listing the browser's targets", err)
		}
		for _, info := range infos {
			if info.Type != "iframe" || info.URL != "about:srcdoc" {
				continue
			}
			fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel()) // closing the frame would close the page
			defer cancel()
			got, err := chromedp.Run(fctx, chromedp.Evaluate[string](`document.body ? document.body.textContent : ""`))
			if err != nil {
				fail(t, "reading the preview's document", err)
			}
			return got
		}
	}
	t.Fatal("no sandboxed iframe at about:srcdoc among the browser's targets")
	return ""
}

// TestNetworkHelpers checks network.js's column formatting in the page,
// where it runs.
func TestNetworkHelpers(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	ctx := newBrowser(t, 30*time.Second)
	run(t, ctx, "loading the page", chromedp.Navigate(base+"/"), waitJS(`document.body.dataset.ready === "true"`))
	call := func(fn string, arg any) string {
		t.Helper()
		b, _ := json.Marshal(arg)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			fmt.Sprintf(`import("/_roundtrip/static/network.js").then(m => String(m.%s(%s)))`, fn, b), chromedp.EvalAwaitPromise))
		if err != nil {
			fail(t, fn, err)
		}
		return v
	}
	tests := []struct {
		fn   string
		arg  any
		want string
	}{
		{"shortType", "application/json", "json"},
		{"shortType", "application/problem+json", "problem+json"},
		{"shortType", "application/ld+json; charset=utf-8", "json"},
		{"shortType", "text/html; charset=utf-8", "html"},
		{"shortType", "text/plain; charset=utf-8", "text"},
		{"shortType", "text/javascript", "js"},
		{"shortType", "text/css", "css"},
		{"shortType", "image/png", "image"},
		{"shortType", "text/event-stream", "eventsource"},
		{"shortType", "application/octet-stream", "binary"},
		{"shortType", "application/wasm", "wasm"},
		{"shortType", "", ""},
		{"humanSize", 0, "0 B"},
		{"humanSize", 999, "999 B"},
		{"humanSize", 1234, "1.2 kB"},
		{"humanSize", 123456, "123 kB"},
		{"humanSize", 1500000, "1.5 MB"},
		{"rowName", "/api/greeting?name=Alice", "greeting?name=Alice"},
		{"rowName", "/hello", "hello"},
		{"rowName", "/", "/"},
		{"rowName", "/api/", "api/"},
		{"rowName", "http://example.com/a/b.png?x=1", "b.png?x=1"},
		{"rowName", "http://example.com", "example.com/"},
		{"rowName", "example.com:443", "example.com:443"},
		{"rowName", "*", "*"},
		{"startedMs", "2026-12-01T21:07:32.123456789Z", "1796159252123.4568"},
		{"startedMs", "2026-12-01T21:07:32Z", "1796159252000"},
	}
	for _, tt := range tests {
		if got := call(tt.fn, tt.arg); got != tt.want {
			t.Errorf("%s(%v) = %q; want %q", tt.fn, tt.arg, got, tt.want)
		}
	}
}

// TestNetworkView drives the Network view: the columns of a JSON, an
// HTML, a text and a problem exchange; the waterfall in the order they
// started; the tabs by click and by arrow keys; the HTML preview in an
// empty sandbox; Clear asking first; and, behind roundtrip proxy in front
// of an app that answers nested JSON and a PNG, the JSON tree and the image.
func TestNetworkView(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	ctx := newBrowser(t, 120*time.Second)
	run(t, ctx, "loading the page",
		chromedp.Navigate(base+"/"),
		waitJS(`document.body.dataset.ready === "true" && document.getElementById("live-state").textContent.startsWith("Live")`),
	)
	exchanges := []struct {
		url, accept          string
		name, status, method string
		typ                  string
	}{
		{"/api/greeting?name=Net", "", "greeting?name=Net", "200", "GET", "json"},
		{"/no/such/page", "text/html", "page", "404", "GET", "html"},
		{"/hello", "", "hello", "200", "GET", "text"},
		{"/status/418", "", "418", "418", "GET", "problem+json"},
	}
	for _, x := range exchanges {
		getAccept(t, base+x.url, x.accept)
		time.Sleep(5 * time.Millisecond) // apart, for the waterfall
	}
	urls := []string{}
	for _, x := range exchanges {
		urls = append(urls, x.url)
	}
	run(t, ctx, "waiting for the rows", waitJS(listed(urls...)))
	sums := apiList(t, base, "limit=50")
	byURL := map[string]int64{}
	for _, s := range sums {
		byURL[s.URL] = s.BytesOut
	}

	t.Run("columns", func(t *testing.T) {
		for _, x := range exchanges {
			cells := eval[map[string]string](t, ctx, fmt.Sprintf(`(() => { const a = %s;
				return Object.fromEntries(["n", "s", "m", "t", "z", "d"].map(c => [c, a.querySelector("." + c).textContent]).concat([["title", a.querySelector(".name").title], ["label", a.getAttribute("aria-label")]])); })()`, rowJS(x.url)))
			want := map[string]string{"n": x.name, "s": x.status, "m": x.method, "t": x.typ, "z": humanSize(byURL[x.url]), "title": x.url}
			for k, w := range want {
				if cells[k] != w {
					t.Errorf("row %s column %s = %q; want %q", x.url, k, cells[k], w)
				}
			}
			if !strings.HasSuffix(cells["d"], " ms") {
				t.Errorf("row %s time = %q; want it in ms", x.url, cells["d"])
			}
			if !strings.Contains(cells["label"], x.method+" "+x.url+", status "+x.status+", "+x.typ) {
				t.Errorf("row %s aria-label = %q; want it to say the method, the URL, the status and the type", x.url, cells["label"])
			}
		}
		head := eval[[]string](t, ctx, `[...document.querySelectorAll(".net-head span")].map(s => s.textContent)`)
		if want := []string{"Name", "Status", "Method", "Type", "Size", "Time"}; len(head) < 7 || !slices.Equal(head[:6], want) || !strings.HasPrefix(head[6], "Waterfall") {
			t.Errorf("the header row = %q; want %q and the waterfall", head, want)
		}
	})

	t.Run("waterfall", func(t *testing.T) {
		type bar struct {
			ID          float64
			Left, Width float64
		}
		bars := eval[[]bar](t, ctx, `[...document.querySelectorAll("#live-list li")].map(li => {
			const b = li.querySelector(".wb");
			return {ID: Number(li.dataset.id), Left: parseFloat(b.style.left), Width: parseFloat(b.style.width)};
		})`)
		started := map[uint64]time.Time{}
		for _, s := range sums {
			started[s.ID] = s.Started
		}
		sort.Slice(bars, func(i, j int) bool { return started[uint64(bars[i].ID)].Before(started[uint64(bars[j].ID)]) })
		if len(bars) < len(exchanges) {
			t.Fatalf("%d bars; want one for each of the %d rows", len(bars), len(exchanges))
		}
		if bars[0].Left != 0 {
			t.Errorf("the first to start is at %.2f%%; want 0", bars[0].Left)
		}
		end := 0.0
		for i, b := range bars {
			if i > 0 && b.Left <= bars[i-1].Left {
				t.Errorf("bar of #%v at %.3f%% is not after #%v's at %.3f%%, which started before", b.ID, b.Left, bars[i-1].ID, bars[i-1].Left)
			}
			end = max(end, b.Left+b.Width)
		}
		if end < 99.9 || end > 100.1 {
			t.Errorf("the bars end at %.2f%%; want the scale to end with the last of them, at 100%%", end)
		}
	})

	t.Run("tabs", func(t *testing.T) {
		run(t, ctx, "opening the HTML 404's preview", openTab("/no/such/page", "preview"))
		selected := `[...document.querySelectorAll('#detail-tabs [role="tab"]')].filter(t => t.getAttribute("aria-selected") === "true").map(t => t.dataset.tab + (document.getElementById(t.getAttribute("aria-controls")).hidden ? ":hidden" : ""))`
		shown := `[...document.querySelectorAll('#live-detail [role="tabpanel"]')].filter(p => !p.hidden).map(p => p.id)`
		if got := eval[[]string](t, ctx, selected); !slices.Equal(got, []string{"preview"}) {
			t.Errorf("after a click on Preview the selected tabs = %q; want [preview]", got)
		}
		if got := eval[[]string](t, ctx, shown); !slices.Equal(got, []string{"tabp-preview"}) {
			t.Errorf("after a click on Preview the panels shown = %q; want [tabp-preview]", got)
		}
		for _, tt := range []struct{ key, want string }{
			{kb.ArrowRight, "response"}, {kb.ArrowRight, "timing"}, {kb.ArrowRight, "headers"},
			{kb.ArrowLeft, "timing"}, {kb.Home, "headers"}, {kb.End, "timing"}, {kb.ArrowLeft, "response"},
		} {
			run(t, ctx, "pressing "+tt.key, chromedp.KeyEvent(tt.key))
			focus := eval[string](t, ctx, `document.activeElement.dataset.tab || document.activeElement.id`)
			if got := eval[[]string](t, ctx, selected); !slices.Equal(got, []string{tt.want}) || focus != tt.want {
				t.Errorf("after %q the selected tab = %q, the focus on %q; want %q for both", tt.key, got, focus, tt.want)
			}
		}
		if got := text(t, ctx, "#detail-body"); !strings.Contains(got, "No route matches /no/such/page.") {
			t.Errorf("the Response tab = %q; want the HTML as sent", got)
		}
		if got := text(t, ctx, "#detail-req"); !strings.HasPrefix(got, "GET /no/such/page HTTP/1.1") {
			t.Errorf("#detail-req = %q; want the raw request, in the Headers tab", got)
		}
	})

	t.Run("html preview", func(t *testing.T) {
		run(t, ctx, "selecting Preview", click("#tab-preview"), waitJS(`document.querySelector("#detail-preview iframe") !== null`))
		attrs := eval[map[string]any](t, ctx, `(() => { const f = document.querySelector("#detail-preview iframe");
			return {has: f.hasAttribute("sandbox"), sandbox: f.getAttribute("sandbox"), src: f.hasAttribute("src"), reach: (() => { try { return f.contentDocument !== null; } catch (e) { return false; } })()}; })()`)
		if attrs["has"] != true || attrs["sandbox"] != "" || attrs["src"] != false {
			t.Errorf("the preview iframe's attributes = %v; want sandbox present and empty, and no src", attrs)
		}
		if attrs["reach"] != false {
			t.Error("the page can reach the preview's document; want the sandbox to give it an origin of its own")
		}
		if got := frameText(t, ctx); !strings.Contains(got, "404 Not Found") || !strings.Contains(got, "No route matches /no/such/page.") {
			t.Errorf("the preview's document says %q; want the 404 page's text", got)
		}
		// A problem+json previews as its title and detail.
		run(t, ctx, "opening the 418", openTab("/status/418", "preview"))
		if got := text(t, ctx, "#detail-preview .problem"); !strings.Contains(got, "418 I'm a teapot") || !strings.Contains(got, "This 418 was asked for at /status/418.") {
			t.Errorf("the problem's preview = %q; want its status, title and detail", got)
		}
		// Text has no preview of its own type but shows as text; Payload parses the query.
		run(t, ctx, "opening the greeting's payload", openTab("/api/greeting?name=Net", "payload"))
		if got := text(t, ctx, "#detail-payload table"); !strings.Contains(got, "nameNet") {
			t.Errorf("the payload's parameters = %q; want name = Net", got)
		}
	})

	t.Run("timing of an exchange the page sent", func(t *testing.T) {
		run(t, ctx, "sending from the builder",
			chromedp.SetValue(chromedp.CSS("#req-path"), "/hello?from=page"),
			click("#req-send"),
			waitJS(`document.getElementById("res-status").textContent === "200 OK"`),
			waitJS(`document.getElementById("res-timings").textContent.includes("handler ran")`),
			openTab("/hello?from=page", "timing"),
		)
		got := text(t, ctx, "#detail-phases")
		for _, want := range []string{"In this browser (Resource Timing), total", "waiting", "download", "On the server, from the request's arrival", "handler ran"} {
			if !strings.Contains(got, want) {
				t.Errorf("the Timing tab of an exchange this page sent = %q; want %q in it", got, want)
			}
		}
		run(t, ctx, "opening another client's", openTab("/hello", "timing"))
		if got := text(t, ctx, "#detail-phases"); strings.Contains(got, "In this browser") {
			t.Errorf("the Timing tab of another client's exchange = %q; want no browser timings", got)
		}
		if got := text(t, ctx, "#detail-timing-note"); !strings.Contains(got, "Only the client that sent a request can time") {
			t.Errorf("the timing note = %q; want it to say why only the server's side is there", got)
		}
		run(t, ctx, "opening the page's own again", openTab("/hello?from=page", "timing"))
		shot(t, ctx, "network-timing", "#live-detail")
	})

	t.Run("screenshots", func(t *testing.T) {
		run(t, ctx, "opening the 404's preview", openTab("/no/such/page", "preview"))
		for _, width := range []int64{1280, 360} {
			run(t, ctx, fmt.Sprintf("resizing to %d px", width), chromedp.EmulateViewport(width, 900), chromedp.Sleep(100*time.Millisecond))
			if eval[bool](t, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
				t.Errorf("at %d px the page scrolls sideways", width)
			}
			hidden := eval[[]bool](t, ctx, `[".t", ".w"].map(c => getComputedStyle(document.querySelector("#live-list " + c)).display === "none")`)
			if want := width < 640; hidden[0] != want || hidden[1] != want {
				t.Errorf("at %d px the type and waterfall columns hidden = %v; want %v", width, hidden, want)
			}
			shot(t, ctx, fmt.Sprintf("network-%d", width), "#live")
		}
		run(t, ctx, "back to 1280 px", chromedp.EmulateViewport(1280, 900))
	})

	t.Run("clear asks first", func(t *testing.T) {
		rows := `document.querySelectorAll("#live-list li").length`
		run(t, ctx, "asking to clear",
			click("#live-clear"),
			waitJS(`!document.getElementById("live-clear-ask").hidden`),
		)
		if got := text(t, ctx, "#live-clear-q"); got != "Clear every exchange for everyone viewing this server?" {
			t.Errorf("the question = %q; want it to say what Clear deletes, for whom", got)
		}
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "live-clear-no" {
			t.Errorf("the focus is on %q; want Cancel", got)
		}
		if n := eval[int](t, ctx, rows); n == 0 || len(apiList(t, base, "limit=1")) == 0 {
			t.Fatal("asking cleared the list already; want nothing deleted until confirmed")
		}
		run(t, ctx, "pressing Esc", chromedp.KeyEvent(kb.Escape), waitJS(`document.getElementById("live-clear-ask").hidden`))
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "live-clear" {
			t.Errorf("after Esc the focus is on %q; want Clear", got)
		}
		run(t, ctx, "confirming",
			click("#live-clear"),
			waitJS(`!document.getElementById("live-clear-ask").hidden`),
			click("#live-clear-yes"),
			waitJS(rows+` === 0`),
		)
		if got := apiList(t, base, "limit=50"); len(got) != 0 {
			t.Errorf("after Clear the server holds %d exchanges; want 0", len(got))
		}
	})

	t.Run("json tree and image, through a proxy", func(t *testing.T) {
		var pic bytes.Buffer
		img := image.NewRGBA(image.Rect(0, 0, 6, 4))
		for i := range img.Pix {
			img.Pix[i] = 0xff
		}
		img.Set(1, 1, color.RGBA{R: 0xc0, A: 0xff})
		if err := png.Encode(&pic, img); err != nil {
			t.Fatal(err)
		}
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/logo.png":
				w.Header().Set("Content-Type", "image/png")
				w.Write(pic.Bytes())
			default:
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"order": {"id": 7, "items": [{"name": "tea", "qty": 2}]}, "paid": true}`)
			}
		}))
		t.Cleanup(app.Close)
		to, _ := url.Parse(app.URL)
		pbase, insp, _ := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to}), Target: app.URL})
		getAccept(t, pbase+"/orders/7", "")
		getAccept(t, pbase+"/logo.png", "")
		run(t, ctx, "opening the inspector", chromedp.Navigate(insp+"/"), waitJS(listed("/orders/7", "/logo.png")))
		if got := eval[[]string](t, ctx, `[...document.querySelectorAll("#live-list .t")].map(e => e.textContent)`); !slices.Equal(got, []string{"image", "json"}) {
			t.Errorf("the type column = %q; want [image json]", got)
		}

		run(t, ctx, "opening the JSON's preview", openTab("/orders/7", "preview"))
		tree := `document.querySelector("#detail-preview .json-tree")`
		if got := eval[bool](t, ctx, tree+`.querySelector("details").open`); !got {
			t.Error("the tree's root is closed; want it open")
		}
		order := tree + `.querySelector("details details")`
		if got := eval[string](t, ctx, order+`.querySelector("summary").textContent`); got != "order: { object, 2 keys }" {
			t.Errorf("the order's summary = %q; want %q", got, "order: { object, 2 keys }")
		}
		if eval[bool](t, ctx, order+`.open || `+order+`.querySelector(".jl").checkVisibility()`) {
			t.Error("the order is open before a click; want the levels below the first closed")
		}
		run(t, ctx, "expanding the order", click("#detail-preview .json-tree details details > summary"))
		if got := eval[string](t, ctx, order+`.querySelector(".jl").checkVisibility() ? `+order+`.querySelector(".jl").textContent : ""`); got != "id: 7" {
			t.Errorf("after a click the order's first line = %q; want %q shown", got, "id: 7")
		}
		shot(t, ctx, "network-json", "#live-detail")

		run(t, ctx, "opening the image's preview", openTab("/logo.png", "preview"),
			waitJS(`(() => { const c = document.querySelector("#detail-preview figcaption"); return c && c.textContent.includes("pixels"); })()`))
		got := eval[map[string]any](t, ctx, `(() => { const i = document.querySelector("#detail-preview img");
			return {w: i.naturalWidth, h: i.naturalHeight, data: i.src.startsWith("data:image/png;base64,"), alt: i.alt,
				caption: document.querySelector("#detail-preview figcaption").textContent}; })()`)
		if got["w"] != 6.0 || got["h"] != 4.0 || got["data"] != true || got["alt"] == "" {
			t.Errorf("the image preview = %v; want the 6×4 PNG from a data: URL, with alt text", got)
		}
		if want := "6 × 4 pixels, image/png, " + humanSize(int64(pic.Len())); got["caption"] != want {
			t.Errorf("the image's caption = %q; want %q", got["caption"], want)
		}
		shot(t, ctx, "network-image", "#live-detail")
	})
}
