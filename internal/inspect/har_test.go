package inspect

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/har"
	"github.com/roundtrip/roundtrip/internal/observe"
)

// harExchanges are a GET, a JSON POST with a cookie and a binary response.
func harExchanges(in *Inspector) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 123456000, time.UTC)
	times := func(at time.Time) observe.Times {
		return observe.Times{Read: at, Start: at.Add(10 * time.Microsecond), Routed: 3 * time.Microsecond, Wrote: 203 * time.Microsecond, End: 240 * time.Microsecond}
	}
	get := &observe.Exchange{
		Summary: observe.Summary{Method: "GET", URL: "/api/greeting?name=Alice", Path: "/api/greeting", Host: "127.0.0.1:3000",
			Proto: "HTTP/1.1", Status: 200, BytesOut: 27, RequestID: "r-1", ContentType: "application/json"},
		Request:  observe.Message{Headers: http.Header{"Accept": {"*/*"}}},
		Response: observe.Message{Headers: http.Header{"Content-Type": {"application/json"}}, Body: `{"message":"Hello, Alice!"}` + "\n", BodySize: 27},
		Times:    times(t0),
	}
	post := &observe.Exchange{
		Summary: observe.Summary{Method: "POST", URL: "/echo", Path: "/echo", Host: "localhost:3000",
			Proto: "HTTP/1.1", Status: 302, BytesIn: 7, ContentType: "text/plain"},
		Request:  observe.Message{Headers: http.Header{"Content-Type": {"application/json"}, "Cookie": {"a=1; b=2"}}, Body: `{"a":1}`, BodySize: 7},
		Response: observe.Message{Headers: http.Header{"Location": {"/elsewhere"}, "Set-Cookie": {observe.Redacted}}},
		Times:    times(t0.Add(time.Second)),
	}
	bin := &observe.Exchange{
		Summary:  observe.Summary{Method: "GET", URL: "/blob", Path: "/blob", Proto: "HTTP/1.1", Status: 200, TLS: "TLS 1.3"},
		Response: observe.Message{BodyBase64: "//4AAQ==", BodySize: 4},
		Times:    times(t0.Add(2 * time.Second)),
	}
	in.Add(context.Background(), get)
	in.Add(context.Background(), post)
	in.Add(context.Background(), bin)
}

func TestHARIsValid(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	harExchanges(in)
	ts := newAPI(t, in)
	res, body := get(t, ts.URL+"/_roundtrip/api/har")
	if ct, cd := res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"); ct != "application/json" || !strings.Contains(cd, `filename="roundtrip.har"`) {
		t.Errorf("GET har: Content-Type %q, Content-Disposition %q; want application/json, an attachment roundtrip.har", ct, cd)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("the HAR does not parse back: %v", err)
	}
	log := obj(t, doc, "log")
	if v := log["version"]; v != "1.2" {
		t.Errorf("log.version = %v; want 1.2", v)
	}
	creator := obj(t, log, "creator")
	if creator["name"] != "roundtrip" || creator["version"] == nil {
		t.Errorf("log.creator = %v; want name roundtrip and a version", creator)
	}
	entries, _ := log["entries"].([]any)
	if len(entries) != 3 {
		t.Fatalf("len(log.entries) = %d; want 3", len(entries))
	}
	required := map[string][]string{
		"entry":    {"startedDateTime", "time", "request", "response", "cache", "timings"},
		"request":  {"method", "url", "httpVersion", "headers", "queryString", "cookies", "headersSize", "bodySize"},
		"response": {"status", "statusText", "httpVersion", "headers", "cookies", "content", "redirectURL", "headersSize", "bodySize"},
		"content":  {"size", "mimeType"},
		"timings":  {"send", "wait", "receive"},
	}
	for i, e := range entries {
		entry := e.(map[string]any)
		parts := map[string]map[string]any{"entry": entry, "request": obj(t, entry, "request"), "response": obj(t, entry, "response"), "timings": obj(t, entry, "timings")}
		parts["content"] = obj(t, parts["response"], "content")
		for part, fields := range required {
			for _, f := range fields {
				if _, ok := parts[part][f]; !ok {
					t.Errorf("entries[%d] %s has no %s", i, part, f)
				}
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, entry["startedDateTime"].(string)); err != nil {
			t.Errorf("entries[%d].startedDateTime: %v", i, err)
		}
		for _, k := range []string{"send", "wait", "receive"} {
			if v, _ := parts["timings"][k].(float64); v < 0 {
				t.Errorf("entries[%d].timings.%s = %v; want 0 or more", i, k, v)
			}
		}
	}
	first := entries[0].(map[string]any)
	req := obj(t, first, "request")
	if req["url"] != "http://127.0.0.1:3000/api/greeting?name=Alice" {
		t.Errorf("entries[0].request.url = %v; want the absolute URL", req["url"])
	}
	if q := jsonString(t, req["queryString"]); q != `[{"name":"name","value":"Alice"}]` {
		t.Errorf("entries[0].request.queryString = %s; want name=Alice", q)
	}
	if ti := jsonString(t, first["timings"]); !strings.Contains(ti, `"send":0.01,"ssl"`) || !strings.Contains(ti, `"wait":0.203}`) || !strings.Contains(ti, `"receive":0.037,`) {
		t.Errorf("entries[0].timings = %s; want send 0.01, wait 0.203, receive 0.037", ti)
	}
	second := entries[1].(map[string]any)
	req, resp := obj(t, second, "request"), obj(t, second, "response")
	if pd := jsonString(t, req["postData"]); !strings.Contains(pd, `"mimeType":"application/json"`) || !strings.Contains(pd, `"text":"{\"a\":1}"`) {
		t.Errorf("entries[1].request.postData = %s; want the JSON body", pd)
	}
	if c := jsonString(t, req["cookies"]); c != `[{"name":"a","value":"1"},{"name":"b","value":"2"}]` {
		t.Errorf("entries[1].request.cookies = %s; want a=1 and b=2", c)
	}
	if c := jsonString(t, resp["cookies"]); c != `[]` {
		t.Errorf("entries[1].response.cookies = %s; want none, the Set-Cookie was redacted", c)
	}
	if resp["redirectURL"] != "/elsewhere" || resp["statusText"] != "Found" {
		t.Errorf("entries[1].response redirectURL %v, statusText %v; want /elsewhere, Found", resp["redirectURL"], resp["statusText"])
	}
	third := entries[2].(map[string]any)
	content := obj(t, obj(t, third, "response"), "content")
	if content["encoding"] != "base64" || content["text"] != "//4AAQ==" {
		t.Errorf("entries[2] content = %v; want the base64 body", content)
	}
	if u := obj(t, third, "request")["url"]; u != "https://localhost/blob" {
		t.Errorf("entries[2].request.url = %v; want https://localhost/blob", u)
	}
}

func obj(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%s is %T; want an object", key, m[key])
	}
	return v
}

func TestHAREmpty(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(HAR(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `"entries":[]`; !strings.Contains(got, want) {
		t.Errorf("HAR(nil) = %s; want it to contain %s", got, want)
	}
}

// TestHARStreamed checks that the streamed export is the document HAR
// builds, for exchanges with bodies, cookies, query strings and each form
// of request target.
func TestHARStreamed(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	harExchanges(in)
	in.Add(context.Background(), &observe.Exchange{
		Summary: observe.Summary{Method: "GET", URL: "http://evil.example/x?a=1&a=2&b=%20", Path: "/x", Host: "evil.example", Proto: "HTTP/1.1", Status: 404},
		Request: observe.Message{Headers: http.Header{"Cookie": {"c=3"}}, Body: "<b>&</b>", BodySize: 8},
	})
	in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: "CONNECT", URL: "evil.example:443", Host: "evil.example:443", Proto: "HTTP/1.1", Status: 405}})
	ts := newAPI(t, in)
	res, body := get(t, ts.URL+"/_roundtrip/api/har")
	if res.StatusCode != 200 {
		t.Fatalf("GET har = %d %s; want 200", res.StatusCode, body)
	}
	var got, want any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("the streamed HAR does not parse: %v", err)
	}
	if err := json.Unmarshal([]byte(jsonString(t, HAR(in.All()))), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("streamed HAR =\n%s\nwant HAR()'s\n%s", body, jsonString(t, want))
	}
	if n := len(obj(t, got.(map[string]any), "log")["entries"].([]any)); n != 5 {
		t.Errorf("streamed HAR has %d entries; want 5", n)
	}
}

// blockWriter is a ResponseWriter whose first Write blocks until release
// is closed: an export stuck on a slow client.
type blockWriter struct {
	*httptest.ResponseRecorder
	once    sync.Once
	blocked chan struct{} // closed when a write is blocked
	release chan struct{}
}

func (w *blockWriter) Write(p []byte) (int, error) {
	w.once.Do(func() {
		close(w.blocked)
		<-w.release
	})
	return w.ResponseRecorder.Write(p)
}

func TestHARExportsLimited(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	harExchanges(in)
	h := in.HandleHAR()
	req := httptest.NewRequest(http.MethodGet, "/_roundtrip/api/har", nil)
	release := make(chan struct{})
	held := make([]*blockWriter, maxExports)
	var wg sync.WaitGroup
	for i := range held {
		held[i] = &blockWriter{ResponseRecorder: httptest.NewRecorder(), blocked: make(chan struct{}), release: release}
		wg.Go(func() { h.ServeHTTP(held[i], req) })
		<-held[i].blocked
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if ct, ra := w.Header().Get("Content-Type"), w.Header().Get("Retry-After"); w.Code != 503 || ct != "application/problem+json" || ra != "1" {
		t.Errorf("export %d while %d run = %d %s, Retry-After %q; want 503 application/problem+json, Retry-After 1", maxExports+1, maxExports, w.Code, ct, ra)
	}
	close(release)
	wg.Wait()
	for i, bw := range held {
		if bw.Code != 200 || !json.Valid(bw.Body.Bytes()) {
			t.Errorf("held export %d = %d, valid JSON %v; want 200 and a HAR", i, bw.Code, json.Valid(bw.Body.Bytes()))
		}
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Errorf("an export after the others ended = %d; want 200", w.Code)
	}
}

// TestHARURLOffTheWire sends requests in each form over a raw socket
// through the observing middleware, as serve captures them.
func TestHARURLOffTheWire(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, request, want string }{
		{"origin-form", "GET /x?a=1 HTTP/1.1\r\nHost: roundtrip.test\r\n", "http://roundtrip.test/x?a=1"},
		{"absolute-form", "GET http://evil.example/x?a=1 HTTP/1.1\r\nHost: other.example\r\n", "http://evil.example/x?a=1"},
		{"CONNECT", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n", "http://evil.example:443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := New(Config{})
			mw := observe.Middleware(observe.Config{Observers: []observe.Observer{in.Add}})
			ts := httptest.NewServer(mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
			t.Cleanup(ts.Close)
			c := dial(t, ts.Listener.Addr().String())
			if _, err := io.WriteString(c, tt.request+"Connection: close\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			// The observer has run by the time the server closes.
			if _, err := io.Copy(io.Discard, c); err != nil {
				t.Fatal(err)
			}
			all := in.All()
			if len(all) != 1 {
				t.Fatalf("%d exchanges captured; want 1", len(all))
			}
			if got := har.FromExchange(all[0]).Request.URL; got != tt.want {
				t.Errorf("HAR url of %q = %q; want %q", tt.request, got, tt.want)
			}
		})
	}
}

// discard is a ResponseWriter that keeps nothing: a client reading as fast
// as the export writes.
type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

// heapObjects is the bytes of heap objects, live or not yet swept.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkHAR exports a full history of 1000 exchanges with 64 KiB bodies,
// reporting the heap's peak above what the history holds.
func BenchmarkHAR(b *testing.B) {
	in := New(Config{History: 1000, MaxBytes: 1 << 30})
	line := `{"message":"Hello, Alice!"}` + "\n"
	body := strings.Repeat(line, 64<<10/len(line))
	for range 1000 {
		in.Add(context.Background(), &observe.Exchange{
			Summary:  observe.Summary{Method: "GET", URL: "/api/greeting?name=Alice", Path: "/api/greeting", Host: "127.0.0.1:3000", Proto: "HTTP/1.1", Status: 200},
			Request:  observe.Message{Headers: http.Header{"Accept": {"*/*"}, "Cookie": {"a=1"}}},
			Response: observe.Message{Headers: http.Header{"Content-Type": {"application/json"}}, Body: body, BodySize: int64(len(body))},
		})
	}
	h := in.HandleHAR()
	req := httptest.NewRequest(http.MethodGet, "/_roundtrip/api/har", nil)
	runtime.GC()
	base := heapObjects()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if n := heapObjects(); n > peak.Load() {
					peak.Store(n)
				}
			}
		}
	})
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(discard{http.Header{}}, req)
	}
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(max(peak.Load(), base)-base)/(1<<20), "peak-heap-MiB")
}
