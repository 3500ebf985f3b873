package web

import (
	"bytes"
	"encoding/json"
	"html"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func serve(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, accept, wantType, wantBody string
	}{
		{"browser", "text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8", "<title>roundtrip lab"},
		{"curl", "*/*", "text/plain; charset=utf-8", "Open this URL in a browser"},
		{"no accept", "", "text/plain; charset=utf-8", "roundtrip lab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := serve(t, Page(), http.MethodGet, "/", map[string]string{"Accept": tt.accept})
			if w.Code != http.StatusOK {
				t.Errorf("GET / (Accept %q) status = %d; want 200", tt.accept, w.Code)
			}
			if got := w.Header().Get("Content-Type"); got != tt.wantType {
				t.Errorf("GET / (Accept %q) Content-Type = %q; want %q", tt.accept, got, tt.wantType)
			}
			if !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("GET / (Accept %q) body lacks %q", tt.accept, tt.wantBody)
			}
			if got := w.Header().Get("Vary"); got != "Accept" {
				t.Errorf("GET / Vary = %q; want Accept", got)
			}
		})
	}
	// The text names the host the request came to, not a placeholder.
	for _, target := range []string{"http://127.0.0.1:3000/", "https://localhost:8443/"} {
		w := serve(t, Page(), http.MethodGet, target, map[string]string{"Accept": "*/*"})
		if body := w.Body.String(); strings.Contains(body, "HOST") || !strings.Contains(body, "curl '"+strings.TrimSuffix(target, "/")+"/api/greeting?name=Alice'") {
			t.Errorf("GET %s as curl: the guide does not name that server:\n%s", target, body)
		}
	}
	w := serve(t, Page(), http.MethodGet, "/", map[string]string{"Accept": "text/html"})
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("page Content-Security-Policy = %q; want default-src 'self'", csp)
	}
}

func TestAssets(t *testing.T) {
	t.Parallel()
	notFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "fallback", http.StatusTeapot) })
	h := Assets(notFound)
	tests := []struct {
		path     string
		wantCode int
		wantType string
	}{
		{StaticPrefix + "app.js", 200, "text/javascript; charset=utf-8"},
		{StaticPrefix + "style.css", 200, "text/css; charset=utf-8"},
		{StaticPrefix + "index.html", 200, "text/html; charset=utf-8"},
		{StaticPrefix + "nope.js", http.StatusTeapot, ""},
		{StaticPrefix, http.StatusTeapot, ""},
		{StaticPrefix + "../web.go", http.StatusTeapot, ""},
		{"/elsewhere/app.js", http.StatusTeapot, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			w := serve(t, h, http.MethodGet, tt.path, nil)
			if w.Code != tt.wantCode {
				t.Errorf("GET %s status = %d; want %d", tt.path, w.Code, tt.wantCode)
			}
			if tt.wantType != "" && w.Header().Get("Content-Type") != tt.wantType {
				t.Errorf("GET %s Content-Type = %q; want %q", tt.path, w.Header().Get("Content-Type"), tt.wantType)
			}
		})
	}

	// A revalidation with the ETag is answered 304, without the body.
	first := serve(t, h, http.MethodGet, StaticPrefix+"app.js", nil)
	etag := first.Header().Get("ETag")
	again := serve(t, h, http.MethodGet, StaticPrefix+"app.js", map[string]string{"If-None-Match": etag})
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("GET app.js with If-None-Match %s = %d with %d bytes; want 304 and none", etag, again.Code, again.Body.Len())
	}
}

func TestExperiments(t *testing.T) {
	t.Parallel()
	w := serve(t, Experiments(), http.MethodGet, "/_roundtrip/api/experiments", nil)
	var got struct {
		Experiments []struct {
			Name  string `json:"name"`
			Steps []struct {
				Want struct {
					Status int `json:"status"`
				} `json:"want"`
			} `json:"steps"`
		} `json:"experiments"`
		Statuses map[string]string `json:"statuses"`
		Reasons  map[string]string `json:"reasons"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("experiments JSON does not decode: %v", err)
	}
	var names []string
	for _, x := range got.Experiments {
		names = append(names, x.Name)
	}
	if want := "greeting method not-found invalid-json"; strings.Join(names, " ") != want {
		t.Errorf("experiment names = %q; want %q", strings.Join(names, " "), want)
	}
	for code, want := range map[string]string{"404": "Not Found", "413": "Content Too Large", "499": "Client Closed Request"} {
		if got.Reasons[code] != want {
			t.Errorf("reasons[%s] = %q; want %q", code, got.Reasons[code], want)
		}
	}
	if got.Statuses["405"] == "" || got.Statuses["5xx"] == "" {
		t.Errorf("statuses lack 405 or 5xx: %v", got.Statuses)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
}

// TestStaticIsSafeAndOffline checks the page's source: no HTML built from
// strings, and nothing loaded from another origin.
func TestStaticIsSafeAndOffline(t *testing.T) {
	t.Parallel()
	unsafe := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`)
	remote := regexp.MustCompile(`(src|href)\s*=\s*["']?(https?:)?//|@import|url\(\s*["']?(https?:)?//`)
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		// The challenge's worker alone builds a function from the learner's
		// code: its own policy (workerCSP) confines it, and it has no DOM
		// and no network. TestWorkerPolicy checks that policy.
		if m := unsafe.Find(b); m != nil && p != "static/"+workerAsset {
			t.Errorf("%s uses %s; build elements with createElement and textContent", p, m)
		}
		if m := remote.Find(b); m != nil {
			t.Errorf("%s loads %s from elsewhere; the page must work offline", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "style.css", "app.js", "api.js", "dom.js", "quiz.js", "challenge.js", workerAsset, "challenge-solution.js", "tour.js", "diagram.js", "network.js", "format.js", "state.js", "send.js", "builder.js", "experiments.js", "detail.js", "compare.js", "list.js", "store.js"} {
		if _, ok := assets[name]; !ok {
			t.Errorf("assets lack %s", name)
		}
	}
}

// TestModulesAreServed walks the page's scripts from index.html's
// <script> tags through every import (and the URLs a module loads, such
// as the challenge's worker): each is embedded and served as JavaScript,
// as a browser requires of a module, and no embedded script is left
// that nothing runs. app.js is start-up only, and stays short.
func TestModulesAreServed(t *testing.T) {
	t.Parallel()
	tag := regexp.MustCompile(`<script type="module" src="` + regexp.QuoteMeta(StaticPrefix) + `([\w.-]+)"`)
	ref := regexp.MustCompile(`(?m)^import\s[^;]*?'\./([\w.-]+)';|'` + regexp.QuoteMeta(StaticPrefix) + `([\w.-]+\.js)'`)
	from := map[string]string{} // script -> the file that first names it
	var queue []string
	add := func(name, by string) {
		if _, ok := from[name]; !ok {
			from[name] = by
			queue = append(queue, name)
		}
	}
	for _, m := range tag.FindAllStringSubmatch(string(assets["index.html"].body), -1) {
		add(m[1], "index.html")
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for _, m := range ref.FindAllStringSubmatch(string(assets[name].body), -1) {
			add(m[1]+m[2], name)
		}
	}

	// The page's parts, one module per concern: the walk must reach each.
	for _, want := range []string{"app.js", "api.js", "dom.js", "format.js", "state.js", "send.js", "list.js", "store.js",
		"detail.js", "compare.js", "network.js", "builder.js", "experiments.js", "tour.js", "diagram.js",
		"terms.js", "code.js", "quiz.js", "challenge.js", workerAsset, "usage.js"} {
		if _, ok := from[want]; !ok {
			t.Errorf("no script tag or import reaches %s", want)
		}
	}
	for name := range assets {
		if _, ok := from[name]; strings.HasSuffix(name, ".js") && !ok {
			t.Errorf("%s is embedded, but no script tag, import or URL of the page names it", name)
		}
	}

	h := Assets(http.NotFoundHandler())
	for _, name := range slices.Sorted(maps.Keys(from)) {
		by := from[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, ok := assets[name]; !ok {
				t.Fatalf("%s names %s, which is not embedded", by, name)
			}
			w := serve(t, h, http.MethodGet, StaticPrefix+name, nil)
			if w.Code != http.StatusOK {
				t.Errorf("GET %s (named by %s) = %d; want 200", name, by, w.Code)
			}
			if got := w.Header().Get("Content-Type"); got != "text/javascript; charset=utf-8" {
				t.Errorf("GET %s (named by %s) Content-Type = %q; want text/javascript; charset=utf-8", name, by, got)
			}
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("GET %s X-Content-Type-Options = %q; want nosniff", name, got)
			}
		})
	}

	if n := bytes.Count(assets["app.js"].body, []byte("\n")); n >= 300 {
		t.Errorf("app.js has %d lines; want it under 300: it is start-up only, each part of the page a module of its own", n)
	}
}

// TestCodeExampleIsTheServersOwn: the Go code the page shows is the
// server's greeting handler as it is, not a copy drifting from it.
func TestCodeExampleIsTheServersOwn(t *testing.T) {
	t.Parallel()
	page := string(assets["index.html"].body)
	m := regexp.MustCompile(`(?s)<pre id="code-go"[^>]*>(.*?)</pre>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the page has no #code-go")
	}
	src, err := os.ReadFile("../server/greeting.go")
	if err != nil {
		t.Fatal(err)
	}
	if excerpt := html.UnescapeString(m[1]); !strings.Contains(string(src), excerpt) {
		t.Errorf("the page's Go excerpt is not in internal/server/greeting.go:\n%s", excerpt)
	}
}

// TestWorkerPolicy: the challenge's worker is served with its own policy,
// which allows building a function and forbids any fetch; every other
// asset has the page's, which allows neither.
func TestWorkerPolicy(t *testing.T) {
	t.Parallel()
	h := Assets(http.NotFoundHandler())
	tests := []struct {
		name, wantCSP string
	}{
		{workerAsset, "default-src 'none'; script-src 'self' 'unsafe-eval'"},
		{"challenge.js", csp},
		{"challenge-solution.js", csp},
		{"app.js", csp},
		{"index.html", csp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := serve(t, h, http.MethodGet, StaticPrefix+tt.name, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s = %d; want 200", tt.name, w.Code)
			}
			if got := w.Header().Get("Content-Security-Policy"); got != tt.wantCSP {
				t.Errorf("GET %s Content-Security-Policy = %q; want %q", tt.name, got, tt.wantCSP)
			}
		})
	}
	if strings.Contains(csp, "unsafe-eval") {
		t.Errorf("the page's policy %q allows unsafe-eval; only the worker's may", csp)
	}
	if w := serve(t, h, http.MethodGet, StaticPrefix+workerAsset, nil); w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("GET %s Content-Type = %q; want JavaScript, as a worker needs", workerAsset, w.Header().Get("Content-Type"))
	}
}
