package httpbin_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// goHTTPBin is the version CI installs (.ci/run), the reference.
const goHTTPBin = "go install github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin@v2.26.0"

// compatCase is one request sent to both servers. Status always agrees;
// for a success, so do the media type and the JSON's shape (every field
// go-httpbin sends, with its kind; we may send more); headers lists the
// response headers whose values must agree too (a Location with each
// server's own base URL taken out).
//
// differs names the one aspect that is known to differ ("status", "type",
// "json" or a header's name): the test checks that it still differs, and
// that README's compatibility table lists row as different, with why.
type compatCase struct {
	row     string // the README row: the endpoint as go-httpbin names it
	method  string
	path    string
	header  http.Header
	body    string
	headers []string
	differs string
}

func compatCases() []compatCase {
	json := http.Header{"Content-Type": {"application/json"}}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	basic := func(u, p string) http.Header {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(u, p)
		return r.Header
	}
	return []compatCase{
		// The methods, and the request described back.
		{row: "/get", method: "GET", path: "/get?a=1&b=2&a=3"},
		{row: "/get", method: "HEAD", path: "/get"},
		{row: "/get", method: "POST", path: "/get"},
		{row: "/head", method: "HEAD", path: "/head"},
		{row: "/post", method: "POST", path: "/post?x=1", header: json, body: `{"a":[1,2],"b":{"c":null}}`},
		{row: "/post", method: "POST", path: "/post", header: form, body: "a=1&b=2&a=3"},
		{row: "/post", method: "POST", path: "/post", body: "plain text"},
		{row: "/post", method: "GET", path: "/post"},
		{row: "/put", method: "PUT", path: "/put", header: json, body: `[1,2,3]`},
		{row: "/patch", method: "PATCH", path: "/patch", header: json, body: `{"a":1}`},
		{row: "/delete", method: "DELETE", path: "/delete"},
		{row: "/anything", method: "GET", path: "/anything?q=1"},
		{row: "/anything", method: "POST", path: "/anything", header: json, body: `{"a":1}`},
		{row: "/anything", method: "DELETE", path: "/anything/deep/path"},
		// Request inspection.
		{row: "/headers", method: "GET", path: "/headers", header: http.Header{"X-Custom": {"one", "two"}}},
		{row: "/ip", method: "GET", path: "/ip"},
		{row: "/user-agent", method: "GET", path: "/user-agent", header: http.Header{"User-Agent": {"compat/1"}}},
		{row: "/dump/request", method: "GET", path: "/dump/request?x=1"},
		{row: "/hostname", method: "GET", path: "/hostname"},
		{row: "/env", method: "GET", path: "/env"},
		{row: "/version", method: "GET", path: "/version"},
		{row: "/upload", method: "POST", path: "/upload", body: strings.Repeat("u", 1000)},
		// Authentication.
		{row: "/basic-auth/{user}/{password}", method: "GET", path: "/basic-auth/u/p", header: basic("u", "p")},
		{row: "/basic-auth/{user}/{password}", method: "GET", path: "/basic-auth/u/p", header: basic("u", "wrong"), differs: "WWW-Authenticate"},
		{row: "/basic-auth/{user}/{password}", method: "GET", path: "/basic-auth/u/p", differs: "WWW-Authenticate"},
		{row: "/hidden-basic-auth/{user}/{password}", method: "GET", path: "/hidden-basic-auth/u/p", header: basic("u", "p")},
		{row: "/hidden-basic-auth/{user}/{password}", method: "GET", path: "/hidden-basic-auth/u/p"},
		{row: "/bearer", method: "GET", path: "/bearer", header: http.Header{"Authorization": {"Bearer abc"}}},
		{row: "/bearer", method: "GET", path: "/bearer", headers: []string{"WWW-Authenticate"}},
		{row: "/digest-auth/{qop}/{user}/{password}", method: "GET", path: "/digest-auth/auth/u/p"},
		{row: "/digest-auth/{qop}/{user}/{password}", method: "GET", path: "/digest-auth/auth/u/p/SHA-256"},
		{row: "/digest-auth/{qop}/{user}/{password}", method: "GET", path: "/digest-auth/bogus/u/p"},
		// Status codes and failure.
		{row: "/status/{codes}", method: "GET", path: "/status/200"},
		{row: "/status/{codes}", method: "GET", path: "/status/204"},
		{row: "/status/{codes}", method: "POST", path: "/status/201"},
		{row: "/status/{codes}", method: "GET", path: "/status/304"},
		{row: "/status/{codes}", method: "GET", path: "/status/418"},
		{row: "/status/{codes}", method: "GET", path: "/status/500"},
		{row: "/status/{codes}", method: "GET", path: "/status/401", headers: []string{"WWW-Authenticate"}, differs: "WWW-Authenticate"},
		{row: "/status/{codes}", method: "GET", path: "/status/302", differs: "Location"},
		{row: "/status/{codes}", method: "GET", path: "/status/abc"},
		{row: "/status/{codes}", method: "GET", path: "/status/600"},
		{row: "/status/{codes}", method: "GET", path: "/status/200,200,200"},
		{row: "/status/{codes}", method: "GET", path: "/status/418:1", differs: "status"},
		{row: "/status/{codes}", method: "GET", path: "/status/200:x"},
		{row: "/unstable", method: "GET", path: "/unstable?failure_rate=0"},
		{row: "/unstable", method: "GET", path: "/unstable?failure_rate=1"},
		{row: "/unstable", method: "GET", path: "/unstable?failure_rate=2"},
		{row: "/unstable", method: "GET", path: "/unstable?failure_rate=x"},
		// Redirects.
		{row: "/redirect/{n}", method: "GET", path: "/redirect/3", headers: []string{"Location"}},
		{row: "/redirect/{n}", method: "GET", path: "/redirect/1", headers: []string{"Location"}},
		{row: "/redirect/{n}", method: "GET", path: "/redirect/0"},
		{row: "/redirect/{n}", method: "GET", path: "/redirect/x"},
		{row: "/relative-redirect/{n}", method: "GET", path: "/relative-redirect/2", headers: []string{"Location"}},
		{row: "/absolute-redirect/{n}", method: "GET", path: "/absolute-redirect/2", headers: []string{"Location"}},
		{row: "/redirect-to", method: "GET", path: "/redirect-to?url=/get", headers: []string{"Location"}},
		{row: "/redirect-to", method: "GET", path: "/redirect-to?url=/get&status_code=307", headers: []string{"Location"}},
		{row: "/redirect-to", method: "GET", path: "/redirect-to?url=http://example.com/", differs: "status"},
		{row: "/redirect-to", method: "GET", path: "/redirect-to"},
		// Caching.
		{row: "/cache", method: "GET", path: "/cache"},
		{row: "/cache", method: "GET", path: "/cache", header: http.Header{"If-None-Match": {`"x"`}}},
		{row: "/cache", method: "GET", path: "/cache", header: http.Header{"If-Modified-Since": {"Tue, 01 Dec 2026 00:00:00 GMT"}}},
		{row: "/cache/{seconds}", method: "GET", path: "/cache/60", headers: []string{"Cache-Control"}},
		{row: "/cache/{seconds}", method: "GET", path: "/cache/x"},
		{row: "/etag/{etag}", method: "GET", path: "/etag/abc", differs: "type"},
		{row: "/etag/{etag}", method: "GET", path: "/etag/abc", header: http.Header{"If-None-Match": {`"abc"`}}},
		{row: "/etag/{etag}", method: "GET", path: "/etag/abc", header: http.Header{"If-None-Match": {`W/"abc"`}}},
		{row: "/etag/{etag}", method: "GET", path: "/etag/abc", header: http.Header{"If-None-Match": {`*`}}},
		{row: "/etag/{etag}", method: "GET", path: "/etag/abc", header: http.Header{"If-Match": {`"other"`}}},
		{row: "/etag/{etag}", method: "GET", path: "/etag/abc", header: http.Header{"If-Match": {`"abc"`}}, differs: "type"},
		{row: "/response-headers", method: "GET", path: "/response-headers?X-Test=1&X-Test=2&Cache-Control=no-cache", headers: []string{"X-Test", "Cache-Control"}},
		// Cookies.
		{row: "/cookies", method: "GET", path: "/cookies", header: http.Header{"Cookie": {"k=v"}}},
		{row: "/cookies", method: "GET", path: "/cookies"},
		{row: "/cookies/set", method: "GET", path: "/cookies/set?k1=v1&k2=v2", headers: []string{"Location"}},
		{row: "/cookies/delete", method: "GET", path: "/cookies/delete?k1", headers: []string{"Location"}},
		// Formats.
		{row: "/json", method: "GET", path: "/json"},
		{row: "/jsonl", method: "GET", path: "/jsonl"},
		{row: "/xml", method: "GET", path: "/xml"},
		{row: "/html", method: "GET", path: "/html"},
		{row: "/robots.txt", method: "GET", path: "/robots.txt"},
		{row: "/deny", method: "GET", path: "/deny"},
		{row: "/encoding/utf8", method: "GET", path: "/encoding/utf8"},
		{row: "/gzip", method: "GET", path: "/gzip", headers: []string{"Content-Encoding"}},
		{row: "/deflate", method: "GET", path: "/deflate", headers: []string{"Content-Encoding"}},
		{row: "/image", method: "GET", path: "/image", header: http.Header{"Accept": {"image/png"}}},
		{row: "/image", method: "GET", path: "/image", header: http.Header{"Accept": {"image/webp"}}},
		{row: "/image", method: "GET", path: "/image", header: http.Header{"Accept": {"image/svg+xml"}}},
		{row: "/image", method: "GET", path: "/image", header: http.Header{"Accept": {"image/jpeg"}}},
		{row: "/image", method: "GET", path: "/image", header: http.Header{"Accept": {"text/plain"}}, differs: "status"},
		{row: "/image/{kind}", method: "GET", path: "/image/png"},
		{row: "/image/{kind}", method: "GET", path: "/image/jpeg"},
		{row: "/image/{kind}", method: "GET", path: "/image/webp"},
		{row: "/image/{kind}", method: "GET", path: "/image/svg"},
		{row: "/image/{kind}", method: "GET", path: "/image/gif"},
		{row: "/forms/post", method: "GET", path: "/forms/post"},
		// Dynamic data.
		{row: "/bytes/{n}", method: "GET", path: "/bytes/16"},
		{row: "/bytes/{n}", method: "GET", path: "/bytes/0"},
		{row: "/bytes/{n}", method: "GET", path: "/bytes/x"},
		{row: "/bytes/{n}", method: "GET", path: "/bytes/-1"},
		{row: "/bytes/{n}", method: "GET", path: "/bytes/99999999999"},
		{row: "/stream-bytes/{n}", method: "GET", path: "/stream-bytes/100?chunk_size=10"},
		{row: "/stream-bytes/{n}", method: "GET", path: "/stream-bytes/x"},
		{row: "/stream/{n}", method: "GET", path: "/stream/3", differs: "type"},
		{row: "/stream/{n}", method: "GET", path: "/stream/x"},
		{row: "/range/{n}", method: "GET", path: "/range/100", headers: []string{"Accept-Ranges", "Content-Length"}},
		{row: "/range/{n}", method: "GET", path: "/range/100", header: http.Header{"Range": {"bytes=0-9"}}, headers: []string{"Content-Range", "Content-Length"}},
		{row: "/range/{n}", method: "GET", path: "/range/100", header: http.Header{"Range": {"bytes=90-"}}, headers: []string{"Content-Range"}},
		{row: "/range/{n}", method: "GET", path: "/range/100", header: http.Header{"Range": {"bytes=-5"}}, headers: []string{"Content-Range"}},
		{row: "/range/{n}", method: "GET", path: "/range/100", header: http.Header{"Range": {"bytes=200-300"}}, headers: []string{"Content-Range"}},
		{row: "/range/{n}", method: "GET", path: "/range/100", header: http.Header{"Range": {"bytes=x"}}},
		{row: "/range/{n}", method: "GET", path: "/range/x"},
		{row: "/drip", method: "GET", path: "/drip?numbytes=5&duration=0&delay=0", headers: []string{"Content-Length"}},
		{row: "/drip", method: "GET", path: "/drip?numbytes=5&duration=0&code=418"},
		{row: "/drip", method: "GET", path: "/drip?duration=NaN", differs: "status"},
		{row: "/drip", method: "GET", path: "/drip?duration=-1"},
		{row: "/drip", method: "GET", path: "/drip?numbytes=x"},
		{row: "/delay/{d}", method: "GET", path: "/delay/0"},
		{row: "/delay/{d}", method: "GET", path: "/delay/10ms"},
		{row: "/delay/{d}", method: "GET", path: "/delay/-1"},
		{row: "/delay/{d}", method: "GET", path: "/delay/NaN", differs: "status"},
		{row: "/delay/{d}", method: "GET", path: "/delay/11"},
		{row: "/links/{n}", method: "GET", path: "/links/5/1"},
		{row: "/links/{n}", method: "GET", path: "/links/5", headers: []string{"Location"}},
		{row: "/links/{n}", method: "GET", path: "/links/x/1"},
		{row: "/base64/{data}", method: "GET", path: "/base64/aGVsbG8gd29ybGQ="},
		{row: "/base64/{data}", method: "GET", path: "/base64/encode/hello"},
		{row: "/base64/{data}", method: "GET", path: "/base64/decode/aGVsbG8="},
		{row: "/base64/{data}", method: "GET", path: "/base64/decode/%25%25%25"},
		{row: "/base64/{data}", method: "GET", path: "/base64/frobnicate/aGVsbG8="},
		{row: "/uuid", method: "GET", path: "/uuid"},
		// Streaming protocols.
		{row: "/sse", method: "GET", path: "/sse?count=2&duration=10ms&delay=0"},
		{row: "/sse", method: "GET", path: "/sse?count=x"},
		{row: "/trailers", method: "GET", path: "/trailers?X-Foo=bar"},
		// HEAD and OPTIONS anywhere.
		{row: "HEAD and OPTIONS", method: "HEAD", path: "/json"},
		{row: "HEAD and OPTIONS", method: "OPTIONS", path: "/get", differs: "status"},
	}
}

// TestCompatGoHTTPBin sends every case to go-httpbin and to roundtrip serve
// and compares the answers (issue 19 §5).
func TestCompatGoHTTPBin(t *testing.T) {
	t.Parallel()
	ref := startGoHTTPBin(t)
	ours := servetest.Roundtrip(t, server.Config{})
	rows := compatRows(t)
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{DisableCompression: true},
	}
	for _, c := range compatCases() {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			t.Parallel()
			want := send(t, client, ref, c)
			got := send(t, client, ours, c)
			diffs := compare(c, got, want)
			if c.differs == "" {
				for _, d := range diffs {
					t.Errorf("%s %s: %s", c.method, c.path, d)
				}
				return
			}
			if row, ok := rows[c.row]; !ok || row != "different" {
				t.Errorf("%s %s differs in %s, but README's compatibility table has no row %q saying so", c.method, c.path, c.differs, c.row)
			}
			found := false
			for _, d := range diffs {
				if strings.HasPrefix(d, c.differs+":") {
					found = true
				} else {
					t.Errorf("%s %s: %s (only %s is a documented difference)", c.method, c.path, d, c.differs)
				}
			}
			if !found {
				t.Errorf("%s %s: %s no longer differs from go-httpbin; update README's compatibility table and this case", c.method, c.path, c.differs)
			}
		})
	}
}

// answer is one server's response, its base URL taken out of Location.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, client *http.Client, base string, c compatCase) answer {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v", c.method, base, c.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		t.Fatalf("%s %s%s: reading the body: %v", c.method, base, c.path, err)
	}
	switch res.Header.Get("Content-Encoding") {
	case "gzip":
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			b, _ = io.ReadAll(zr)
		}
	case "deflate":
		if zr, err := zlib.NewReader(bytes.NewReader(b)); err == nil {
			b, _ = io.ReadAll(zr)
		}
	}
	if loc := res.Header.Get("Location"); loc != "" {
		res.Header.Set("Location", strings.Replace(loc, base, "BASE", 1))
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

// compare lists how got differs from want, each as "aspect: what".
func compare(c compatCase, got, want answer) []string {
	var diffs []string
	if got.status != want.status {
		diffs = append(diffs, fmt.Sprintf("status: %d; go-httpbin %d", got.status, want.status))
	}
	for _, k := range c.headers {
		if g, w := strings.Join(got.header.Values(k), ", "), strings.Join(want.header.Values(k), ", "); g != w {
			diffs = append(diffs, fmt.Sprintf("%s: %q; go-httpbin %q", k, g, w))
		}
	}
	if c.differs != "" && c.differs != "status" && c.differs != "type" && c.differs != "json" && !contains(c.headers, c.differs) {
		if g, w := got.header.Get(c.differs), want.header.Get(c.differs); g != w {
			diffs = append(diffs, fmt.Sprintf("%s: %q; go-httpbin %q", c.differs, g, w))
		}
	}
	// Errors are problem+json here, by design (README): past the status,
	// only successes are compared.
	if want.status >= 400 || got.status != want.status || c.method == http.MethodHead {
		return diffs
	}
	gt, wt := mediaType(got.header), mediaType(want.header)
	if len(want.body) == 0 && len(got.body) == 0 {
		return diffs // nothing to type: either may name a type or not
	}
	if gt != wt {
		diffs = append(diffs, fmt.Sprintf("type: %q; go-httpbin %q", gt, wt))
		return diffs
	}
	if wt == "application/json" {
		var g, w any
		if err := json.Unmarshal(want.body, &w); err != nil {
			return append(diffs, fmt.Sprintf("json: go-httpbin's body is not JSON: %v", err))
		}
		if err := json.Unmarshal(got.body, &g); err != nil {
			return append(diffs, fmt.Sprintf("json: the body is not JSON: %v", err))
		}
		for _, d := range shape(g, w, "$") {
			diffs = append(diffs, "json: "+d)
		}
	}
	return diffs
}

// shape lists where got lacks a field of want or holds another kind of
// value there. A null in want stands for any value; extra fields in got
// are allowed.
func shape(got, want any, at string) []string {
	if want == nil {
		return nil
	}
	if kind(got) != kind(want) {
		return []string{fmt.Sprintf("%s is %s; go-httpbin's is %s", at, kind(got), kind(want))}
	}
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s is missing", at, k))
				continue
			}
			diffs = append(diffs, shape(gv, w[k], at+"."+k)...)
		}
	case []any:
		if g := got.([]any); len(g) > 0 && len(w) > 0 {
			diffs = append(diffs, shape(g[0], w[0], at+"[0]")...)
		}
	}
	return diffs
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

func mediaType(h http.Header) string {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var (
	endpointName = regexp.MustCompile("`([^`]+)`")
	optionalPart = regexp.MustCompile(`\[[^\]]*\]`)
)

// compatRows reads README's compatibility table: each endpoint's row and
// whether it says same or different.
func compatRows(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "### Compatibility with go-httpbin")
	if !ok {
		t.Fatal("README has no section \"### Compatibility with go-httpbin\"")
	}
	table, _, _ = strings.Cut(table, "\n#")
	rows := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		verdict := strings.TrimSpace(cells[2])
		if verdict != "same" && verdict != "different" {
			continue
		}
		// A cell names one or more endpoints, each in backticks, with
		// optional parts in brackets and a query after ?.
		for _, m := range endpointName.FindAllStringSubmatch(cells[1], -1) {
			name, _, _ := strings.Cut(m[1], "?")
			rows[optionalPart.ReplaceAllString(name, "")] = verdict
		}
	}
	return rows
}

// startGoHTTPBin runs go-httpbin on a free loopback port until the test
// ends and returns its base URL.
func startGoHTTPBin(t *testing.T) string {
	t.Helper()
	bin := servetest.Tool(t, "go-httpbin", goHTTPBin)
	addr := servetest.FreeAddr(t)
	host, port, _ := strings.Cut(addr, ":")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-host", host, "-port", port)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(base + "/get")
		if err == nil {
			res.Body.Close()
			return base
		}
		if time.Now().After(deadline) {
			t.Fatalf("go-httpbin did not answer on %s within 10s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
