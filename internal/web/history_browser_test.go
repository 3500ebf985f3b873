package web_test

// Browser tests of the live list as a view of the server's whole history:
// read from the API (so a reload and a restart keep it), paged back with
// Load older, filtered by the server, opened by permalink, and the banner
// that says where the history is kept.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/store"
)

// startServe runs server.New(cfg) on addr (127.0.0.1:0 for a free port),
// with cfg.Listener the address it took, and returns its base URL and a
// stop that shuts it down, as cleanup also does. Given the address of a
// server that stopped, it restarts on the same port.
func startServe(t *testing.T, cfg server.Config, addr string) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on %s: %v", addr, err)
	}
	cfg.Listener = ln.Addr().String()
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 5 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.New(cfg).Serve(ctx, ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve = %v; want nil after shutdown", err)
			}
		})
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

// openStore opens the store at path, closed when the test ends (after the
// servers that use it, whose cleanups are registered later).
func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	})
	return st
}

// oneShot opens a connection for every request, so none is left to a
// server that has stopped.
var oneShot = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

// hit makes one request and reads its answer.
func hit(t *testing.T, method, target, body string) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	}
	res, err := oneShot.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// apiList is GET /_roundtrip/api/exchanges with query, newest first.
func apiList(t *testing.T, base, query string) []observe.Summary {
	t.Helper()
	res, err := oneShot.Get(base + "/_roundtrip/api/exchanges?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var page struct {
		Exchanges []observe.Summary `json:"exchanges"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		t.Fatalf("GET exchanges?%s: %v", query, err)
	}
	return page.Exchanges
}

// shot saves a screenshot of the element sel matches, as lab-NAME.png in
// $ROUNDTRIP_SCREENSHOTS (else a temporary directory).
func shot(t *testing.T, ctx context.Context, name, sel string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		fail(t, "screenshot "+name, err)
	}
	path := filepath.Join(screenshotDir(t), "lab-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// The page's list, as the rows' URLs and ids, newest first.
const (
	rowURLs = `[...document.querySelectorAll("#live-list .p")].map(e => e.textContent)`
	rowIDs  = `[...document.querySelectorAll("#live-list li")].map(li => Number(li.dataset.id))`
	idle    = `document.getElementById("live-list").getAttribute("aria-busy") === "false"`
)

// listed is a JavaScript expression true once the list shows every URL.
func listed(urls ...string) string {
	b, _ := json.Marshal(urls)
	return fmt.Sprintf(`(() => { const shown = new Set(%s); return %s.every(u => shown.has(u)); })()`, rowURLs, b)
}

// TestLabPageHistorySurvivesRestart: with a store, the list is read from
// it, so a server restarted on the same file still lists the exchanges it
// had, to the page that reconnects and to the page reloaded; an imported
// exchange is marked so; the banner names the file.
func TestLabPageHistorySurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.db")
	st := openStore(t, path)
	base, stop := startServe(t, server.Config{Store: st}, "127.0.0.1:0")
	ctx := newBrowser(t, 60*time.Second)

	before := []string{"/hello?before=restart", "/status/404?before=restart", "/api/greeting?name=BeforeRestart"}
	for _, u := range before {
		hit(t, "GET", base+u, "")
	}
	waitUntil(t, "the store to write the first three", func() bool { return st.Stats().Count >= 3 })
	run(t, ctx, "loading the page",
		chromedp.Navigate(base+"/"),
		waitJS(idle+` && `+listed(before...)),
		waitJS(`document.getElementById("live-state").textContent.startsWith("Live")`),
		waitJS(`!document.getElementById("live-store").hidden`),
	)
	banner := text(t, ctx, "#live-store")
	if want := regexp.MustCompile(`^Kept in ` + regexp.QuoteMeta(path) + `: \d+ exchanges, [0-9.]+ (bytes|KiB)\. They survive a restart\.$`); !want.MatchString(banner) {
		t.Errorf("banner = %q; want it to match %s", banner, want)
	}
	if got := eval[string](t, ctx, `document.querySelector("#live-store").dataset.durable`); got != "true" {
		t.Errorf("banner data-durable = %q; want true", got)
	}

	// Restart: the first server and its store close; the file is opened
	// again, an exchange is imported into it, and a new server takes the
	// same port.
	stop()
	if err := st.Close(); err != nil {
		t.Fatalf("closing the store: %v", err)
	}
	st = openStore(t, path)
	ids, err := st.Import(context.Background(), []*observe.Exchange{{
		Summary: observe.Summary{
			Started: time.Now().Add(-time.Minute), Method: "GET", URL: "/imported/from-a-har", Path: "/imported/from-a-har",
			Host: "example.com", Proto: "HTTP/1.1", Status: 200, BytesOut: 2,
		},
		Request:  observe.Message{Headers: http.Header{"Accept": {"*/*"}}},
		Response: observe.Message{Headers: http.Header{"Content-Type": {"text/plain"}}, Body: "ok", BodySize: 2},
	}}, [][]byte{nil})
	if err != nil {
		t.Fatalf("importing: %v", err)
	}
	waitUntil(t, "the store to count the import", func() bool { return st.LastID() >= ids[0] })
	if again, _ := startServe(t, server.Config{Store: st}, strings.TrimPrefix(base, "http://")); again != base {
		t.Fatalf("restarted at %s; want %s", again, base)
	}
	hit(t, "GET", base+"/hello?after=restart", "")

	after := append(slices.Clone(before), "/imported/from-a-har", "/hello?after=restart")
	run(t, ctx, "waiting for the page to reconnect and read what it missed",
		waitJS(listed(after...)),
		waitJS(`document.getElementById("live-state").textContent.startsWith("Live")`),
	)
	run(t, ctx, "reloading the page", chromedp.Reload(), waitJS(idle+` && `+listed(after...)))
	if got := eval[[]string](t, ctx, rowURLs); !slices.Contains(got, "/hello?before=restart") {
		t.Errorf("after the restart and a reload the list is %q; want it to hold what came before", got)
	}
	tags := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll("#live-list li")]
		.map(li => [li.querySelector(".p").textContent, (li.querySelector(".tag") || {}).textContent || ""]))`)
	for u, tag := range tags {
		want := ""
		if u == "/imported/from-a-har" {
			want = "imported"
		}
		if tag != want {
			t.Errorf("row %s is tagged %q; want %q", u, tag, want)
		}
	}
	label := eval[string](t, ctx, `[...document.querySelectorAll("#live-list .row")].find(a => a.querySelector(".p").textContent === "/imported/from-a-har").getAttribute("aria-label")`)
	if !strings.Contains(label, "imported from a HAR file") {
		t.Errorf("imported row's aria-label = %q; want it to say it was imported", label)
	}
	shot(t, ctx, "after-restart", "#live")
	if got := text(t, ctx, "#live-store"); !strings.HasPrefix(got, "Kept in "+path+": ") {
		t.Errorf("banner after the restart = %q; want it to name %s", got, path)
	}
}

// TestLabPageLoadsOlder pages back past the first page, through the store
// (the server's memory holds 20), to the oldest exchange; the page holds
// 500 rows at most, letting the newest go, and Back to the newest reads
// them again.
func TestLabPageLoadsOlder(t *testing.T) {
	t.Parallel()
	const n = 560
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"))
	base, _ := startServe(t, server.Config{Store: st, History: 20}, "127.0.0.1:0")
	ctx := newBrowser(t, 90*time.Second)
	for i := range n {
		hit(t, "GET", fmt.Sprintf("%s/hello?n=%03d", base, i), "")
	}
	waitUntil(t, "the store to write them all", func() bool { return st.Stats().Count >= n })

	run(t, ctx, "loading the page",
		chromedp.Navigate(base+"/"),
		waitJS(idle+` && document.querySelectorAll("#live-list li").length >= 50`),
		waitJS(`!document.getElementById("live-older").hidden`),
	)
	// Every exchange the server holds, newest first: the n and the page's own load.
	var want []int
	for _, s := range apiList(t, base, "limit=1000") {
		want = append(want, int(s.ID))
	}
	if len(want) < n {
		t.Fatalf("the API lists %d exchanges; want at least %d", len(want), n)
	}
	// check: the list is a run of want, the newest ones unless the page let them go.
	check := func(step string) []int {
		t.Helper()
		got := eval[[]int](t, ctx, rowIDs)
		i := slices.Index(want, got[0])
		if i < 0 || i+len(got) > len(want) || !slices.Equal(got, want[i:i+len(got)]) {
			t.Fatalf("%s: rows %v…%v (%d) are not a run of the history, newest first", step, got[0], got[len(got)-1], len(got))
		}
		if len(got) > 500 {
			t.Errorf("%s: %d rows; want at most 500", step, len(got))
		}
		atHead := eval[bool](t, ctx, `document.getElementById("live-newest").hidden`)
		if atHead != (i == 0) {
			t.Errorf("%s: Back to the newest hidden = %v with the newest %d rows let go", step, atHead, i)
		}
		return got
	}
	got := check("the first page")
	if len(got) > 51 {
		t.Errorf("the first page has %d rows; want 50 (and perhaps the page's own load, live)", len(got))
	}
	pages, dropped := 0, false
	for !eval[bool](t, ctx, `document.getElementById("live-older").hidden`) {
		pages++
		if pages > 20 {
			t.Fatal("Load older never reached the end")
		}
		last := got[len(got)-1]
		run(t, ctx, "loading older",
			click("#live-older"),
			waitJS(fmt.Sprintf(`(() => { const l = document.getElementById("live-list").lastElementChild;
				return Number(l.dataset.id) < %d && !document.getElementById("live-older").disabled; })()`, last)),
		)
		prev := len(got)
		got = check(fmt.Sprintf("after Load older %d", pages))
		if wantLen := min(prev+50, 500, len(want)); len(got) != wantLen && got[len(got)-1] != want[len(want)-1] {
			t.Errorf("after Load older %d: %d rows; want %d", pages, len(got), wantLen)
		}
		if got[0] != want[0] {
			dropped = true
		}
	}
	if !dropped {
		t.Errorf("paging back through %d exchanges never let the newest go; want the page to hold 500 at most", len(want))
	}
	if got[len(got)-1] != want[len(want)-1] {
		t.Errorf("Load older ended at id %d; want the oldest, %d", got[len(got)-1], want[len(want)-1])
	}
	if u := eval[[]string](t, ctx, rowURLs); u[len(u)-1] != "/hello?n=000" {
		t.Errorf("the last row is %s; want /hello?n=000", u[len(u)-1])
	}
	shot(t, ctx, "older", "#live")
	if c := text(t, ctx, "#live-count"); !strings.Contains(c, "the newest were let go") {
		t.Errorf("count line = %q; want it to say the newest were let go", c)
	}
	run(t, ctx, "going back to the newest",
		click("#live-newest"),
		waitJS(fmt.Sprintf(`%s && Number(document.querySelector("#live-list li").dataset.id) === %d`, idle, want[0])),
	)
	got = check("back at the newest")
	if len(got) != 50 {
		t.Errorf("back at the newest: %d rows; want 50", len(got))
	}
}

// TestLabPageFilter: the filter box is the server's syntax, searching the
// store (the server's memory holds 2): a status class, a word from a body
// and a negation show exactly their matches, live exchanges join only if
// they match, and a filter the server cannot read shows its detail with
// the column marked.
func TestLabPageFilter(t *testing.T) {
	t.Parallel()
	st := openStore(t, filepath.Join(t.TempDir(), "h.db"))
	base, _ := startServe(t, server.Config{Store: st, History: 2}, "127.0.0.1:0")
	ctx := newBrowser(t, 60*time.Second)
	hit(t, "GET", base+"/status/404?f=1", "")
	hit(t, "GET", base+"/status/418", "")
	hit(t, "GET", base+"/hello", "")
	hit(t, "POST", base+"/echo", "a zebrafish in the body")
	hit(t, "GET", base+"/status/503", "")
	hit(t, "POST", base+"/api/greeting", `{"name": Bob}`) // 415: sent as text
	hit(t, "GET", base+"/healthz", "")
	waitUntil(t, "the store to write them", func() bool { return st.Stats().Count >= 7 })
	run(t, ctx, "loading the page",
		chromedp.Navigate(base+"/"),
		waitJS(idle+` && `+listed("/status/404?f=1", "/healthz")),
		waitJS(`document.getElementById("live-state").textContent.startsWith("Live")`),
	)

	shows := func(q string, want ...string) {
		t.Helper()
		run(t, ctx, "filtering by "+q, filterList(q))
		got := eval[[]string](t, ctx, rowURLs)
		if !slices.Equal(got, want) {
			t.Errorf("filter %q shows %q; want %q", q, got, want)
		}
	}
	shows("status:4xx", "/api/greeting", "/status/418", "/status/404?f=1")
	shows("zebrafish", "/echo")
	shows("zebraf", "/echo") // the last word a prefix
	shows("status:4xx -status:404", "/api/greeting", "/status/418")
	shows("method:POST status:2xx", "/echo")

	// Live exchanges join a filtered list only if they match.
	run(t, ctx, "filtering by status:4xx", filterList("status:4xx"))
	hit(t, "GET", base+"/hello?live=1", "")
	hit(t, "GET", base+"/status/409?live=1", "")
	run(t, ctx, "waiting for the live 409", waitJS(listed("/status/409?live=1")))
	if got, want := eval[[]string](t, ctx, rowURLs), []string{"/status/409?live=1", "/api/greeting", "/status/418", "/status/404?f=1"}; !slices.Equal(got, want) {
		t.Errorf("status:4xx with live exchanges shows %q; want %q", got, want)
	}

	// A filter the server cannot read: its detail beside the box, the
	// column marked, and the list left as the last filter that could be.
	// é is two bytes: the server's column counts bytes, the mark characters.
	const bad = "café status:abc"
	run(t, ctx, "typing a bad filter",
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.getElementById("live-filter"); f.value = %q;
			f.dispatchEvent(new Event("input")); })()`, bad)),
		waitJS(`document.getElementById("live-filter").getAttribute("aria-invalid") === "true"`),
	)
	detail := text(t, ctx, "#live-filter-detail")
	if want := `The filter q cannot be read: at character 14: status wants a code such as 404 or a class such as 4xx, not "abc".`; detail != want {
		t.Errorf("filter error = %q; want %q", detail, want)
	}
	where := eval[map[string]string](t, ctx, `(() => { const w = document.querySelector("#live-filter-error .filter-where");
		return {column: w.dataset.column, mark: w.querySelector("mark").textContent, text: w.textContent}; })()`)
	if where["column"] != "14" || where["mark"] != "a" || where["text"] != bad+"\n"+strings.Repeat(" ", 12)+"^" {
		t.Errorf("the marked filter = %q; want column 14 marked on the a of abc, with a caret under it", where)
	}
	described := eval[string](t, ctx, `document.getElementById("live-filter").getAttribute("aria-describedby")`)
	if !strings.Contains(described, "live-filter-detail") {
		t.Errorf("the filter box's aria-describedby = %q; want it to name the error", described)
	}
	if got := eval[string](t, ctx, `document.getElementById("live-list").dataset.q`); got != "status:4xx" {
		t.Errorf("after a bad filter the list shows filter %q; want status:4xx still", got)
	}
	if got := text(t, ctx, "#live-filter-error"); !strings.Contains(got, "The list still shows the last filter that could be read: status:4xx") {
		t.Errorf("filter error box = %q; want it to say what the list still shows", got)
	}
	shot(t, ctx, "filter-error", "#live")
	shows("status:5xx", "/status/503")
	if invalid := eval[bool](t, ctx, `document.getElementById("live-filter").hasAttribute("aria-invalid") ||
		document.getElementById("live-filter-error").textContent !== ""`); invalid {
		t.Errorf("a filter that reads still shows as invalid")
	}
}

// TestLabPagePermalink: every row links to /_roundtrip/x/{id}; the page
// opened there shows that exchange, even one older than the first page;
// choosing a row puts its permalink in the address, which a reload keeps;
// an id the server does not hold shows the server's detail. Without a
// store, the banner says the history is in memory only.
func TestLabPagePermalink(t *testing.T) {
	t.Parallel()
	base, _ := startServe(t, server.Config{}, "127.0.0.1:0")
	ctx := newBrowser(t, 60*time.Second)
	hit(t, "GET", base+"/hello?permalink=first", "")
	for i := range 60 {
		hit(t, "GET", fmt.Sprintf("%s/hello?n=%d", base, i), "")
	}
	first := apiList(t, base, "q="+url.QueryEscape("permalink"))
	if len(first) != 1 {
		t.Fatalf("the API finds %d exchanges for permalink; want 1", len(first))
	}
	id := strconv.FormatUint(first[0].ID, 10)

	run(t, ctx, "opening the permalink",
		chromedp.Navigate(base+"/_roundtrip/x/"+id),
		waitJS(`!document.getElementById("live-detail").hidden && document.getElementById("detail-title").textContent.includes("permalink=first")`),
		waitJS(idle),
	)
	if got := text(t, ctx, "#detail-title"); got != "#"+id+" GET /hello?permalink=first → 200 OK" {
		t.Errorf("detail title = %q; want #%s GET /hello?permalink=first → 200 OK", got, id)
	}
	if got := text(t, ctx, "#detail-req"); !strings.HasPrefix(got, "GET /hello?permalink=first HTTP/1.1") {
		t.Errorf("detail request = %q; want GET /hello?permalink=first", got)
	}
	if rows := eval[[]string](t, ctx, rowURLs); slices.Contains(rows, "/hello?permalink=first") {
		t.Errorf("the first page holds /hello?permalink=first; want it older than the page, fetched by id")
	}
	if got := eval[string](t, ctx, `document.getElementById("detail-link").getAttribute("href")`); got != "/_roundtrip/x/"+id {
		t.Errorf("detail link = %q; want /_roundtrip/x/%s", got, id)
	}
	banner := text(t, ctx, "#live-store")
	if want := regexp.MustCompile(`^Kept in memory only \(--store memory\): lost at restart\. \d+ exchanges, [0-9.]+ (bytes|KiB) held\.$`); !want.MatchString(banner) {
		t.Errorf("banner = %q; want it to match %s", banner, want)
	}

	// Every row links to its permalink.
	bad := eval[[]string](t, ctx, `[...document.querySelectorAll("#live-list li")]
		.filter(li => li.querySelector("a").getAttribute("href") !== "/_roundtrip/x/" + li.dataset.id).map(li => li.dataset.id)`)
	if len(bad) > 0 {
		t.Errorf("rows %q do not link to their permalink", bad)
	}

	// Choosing a row puts its permalink in the address; a reload opens it.
	rowID := eval[string](t, ctx, `document.querySelector("#live-list li:nth-child(3)").dataset.id`)
	rowURL := eval[string](t, ctx, `document.querySelector("#live-list li:nth-child(3) .p").textContent`)
	run(t, ctx, "choosing a row",
		click(`#live-list li:nth-child(3) a`),
		waitJS(fmt.Sprintf(`document.getElementById("detail-title").textContent.includes(%q)`, rowURL)),
	)
	if got := eval[string](t, ctx, `location.pathname + location.search`); got != "/_roundtrip/x/"+rowID {
		t.Errorf("after choosing row %s the address is %q; want /_roundtrip/x/%s", rowID, got, rowID)
	}
	if got := eval[string](t, ctx, `document.querySelector("#live-list li:nth-child(3) a").getAttribute("aria-current")`); got != "true" {
		t.Errorf("the chosen row's aria-current = %q; want true", got)
	}
	run(t, ctx, "reloading",
		chromedp.Reload(),
		waitJS(fmt.Sprintf(`!document.getElementById("live-detail").hidden && document.getElementById("detail-title").textContent.includes(%q)`, rowURL)),
	)
	run(t, ctx, "closing the details",
		click("#detail-close"),
		waitJS(`document.getElementById("live-detail").hidden && location.pathname === "/"`),
	)

	// An id the server does not hold, or that is no id: the server's detail.
	for _, tt := range []struct{ id, want string }{
		{"999999", "Exchange 999999 is not in the history: it never happened, or it was cleared or pushed out by newer ones."},
		{"abc", `There is no exchange "abc"; ids are positive numbers.`},
	} {
		run(t, ctx, "opening the permalink of "+tt.id,
			chromedp.Navigate(base+"/_roundtrip/x/"+tt.id),
			waitJS(`!document.getElementById("live-detail").hidden && !document.getElementById("detail-error").hidden`),
		)
		if got := text(t, ctx, "#detail-error"); got != tt.want {
			t.Errorf("/_roundtrip/x/%s says %q; want %q", tt.id, got, tt.want)
		}
		if got := text(t, ctx, "#detail-title"); got != "Exchange "+tt.id {
			t.Errorf("/_roundtrip/x/%s title = %q; want Exchange %s", tt.id, got, tt.id)
		}
		if shown := eval[bool](t, ctx, `document.getElementById("detail-facts").offsetParent !== null || document.getElementById("detail-tour").offsetParent !== null`); shown {
			t.Errorf("/_roundtrip/x/%s shows facts or a tour of no exchange", tt.id)
		}
	}
}

// TestLabPageStoreCannotWrite: another connection holds the store's write
// lock, so a batch fails after SQLite's busy timeout (5 s): the banner warns
// that the store cannot write and counts the capture it lost, which the
// list still shows; once the lock is gone and a write succeeds, the warning
// goes and the count stays.
func TestLabPageStoreCannotWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.db")
	st := openStore(t, path)
	base, _ := startServe(t, server.Config{Store: st}, "127.0.0.1:0")
	ctx := newBrowser(t, 60*time.Second)
	hit(t, "GET", base+"/hello?before=lock", "")
	run(t, ctx, "loading the page",
		chromedp.Navigate(base+"/"),
		waitJS(idle+` && `+listed("/hello?before=lock")),
		waitJS(`document.getElementById("live-state").textContent.startsWith("Live")`),
		waitJS(`document.getElementById("live-store").textContent.startsWith("Kept in")`),
	)
	held := len(apiList(t, base, "limit=1000"))
	waitUntil(t, "the store to write what came before", func() bool { return st.Stats().Count >= int64(held) })

	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("taking the write lock: %v", err)
	}
	hit(t, "GET", base+"/hello?while=locked", "")
	run(t, ctx, "waiting for the warning",
		waitJS(listed("/hello?while=locked")),
		waitJS(`document.querySelector("#live-store-warn .degraded") !== null && document.querySelector("#live-store-warn .dropped") !== null`),
	)
	warn := text(t, ctx, "#live-store-warn")
	if !regexp.MustCompile(`^The store cannot write: .*database is locked.*; captures are shown but not kept\.`).MatchString(warn) {
		t.Errorf("warning = %q; want it to say the store cannot write, and why", warn)
	}
	dropped := st.Dropped()
	if want := fmt.Sprintf("%d capture", dropped); dropped == 0 || !strings.Contains(warn, want) || !strings.Contains(warn, "not stored") {
		t.Errorf("warning = %q; want it to say %d captures were not stored", warn, dropped)
	}
	shot(t, ctx, "store-cannot-write", "#live")
	if role := eval[string](t, ctx, `document.getElementById("live-store-warn").getAttribute("role")`); role != "status" {
		t.Errorf("the warning's role = %q; want status, so that it is announced", role)
	}

	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatalf("letting the lock go: %v", err)
	}
	hit(t, "GET", base+"/hello?after=unlock", "")
	run(t, ctx, "waiting for the warning to go",
		waitJS(listed("/hello?after=unlock")),
		waitJS(`document.querySelector("#live-store-warn .degraded") === null`),
	)
	if got := text(t, ctx, "#live-store-warn"); !strings.Contains(got, "not stored") {
		t.Errorf("after the store writes again the warning = %q; want the lost captures still counted", got)
	}
}
