package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// minimalEntry is an entry with the fields the spec requires and no others.
const minimalEntry = `{"startedDateTime":"2026-11-25T09:00:00.000Z","time":1,` +
	`"request":{"method":"GET","url":"http://x/","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"queryString":[],"headersSize":-1,"bodySize":0},` +
	`"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"content":{"size":0,"mimeType":"text/plain"},"redirectURL":"","headersSize":-1,"bodySize":0},` +
	`"cache":{},"timings":{"send":0,"wait":0,"receive":0}}`

// doc is a document whose entries are entries, joined.
func doc(entries ...string) string {
	return `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[` + strings.Join(entries, ",") + `]}}`
}

// entry is minimalEntry with old replaced by new, which must be there.
func entry(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(minimalEntry, old) {
		t.Fatalf("minimalEntry has no %s", old)
	}
	return strings.Replace(minimalEntry, old, new, 1)
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	e := func(old, new string) string { return doc(entry(t, old, new)) }
	tests := []struct {
		name, doc string
		want      string // the error's text; "" for none
	}{
		{"minimal", doc(minimalEntry), ""},
		{"no entries", doc(), ""},
		{"byte order mark", "\xef\xbb\xbf" + doc(minimalEntry), ""},
		{"empty", "", "har: malformed JSON at offset 0: unexpected end of JSON input"},
		{"cut short", `{"log":`, "har: malformed JSON at offset 7: unexpected end of JSON input"},
		{"malformed after a byte order mark", "\xef\xbb\xbf{]", "har: malformed JSON at offset 5: invalid character ']' looking for beginning of object key string"},
		{"trailing garbage", doc() + "x", "har: malformed JSON at offset 76: invalid character 'x' after top-level value"},
		{"an array", `[]`, "har: the document is not an object: […]"},
		{"no log", `{"Log":{}}`, "har: log: missing"},
		{"log a string", `{"log":"x"}`, `har: log: "x" is not an object`},
		{"no version", `{"log":{"creator":{"name":"t","version":"1"},"entries":[]}}`, "har: log.version: missing"},
		{"version a number", `{"log":{"version":1.2,"creator":{"name":"t","version":"1"},"entries":[]}}`, "har: log.version: 1.2 is not a string"},
		{"no creator name", `{"log":{"version":"1.2","creator":{"version":"1"},"entries":[]}}`, "har: log.creator.name: missing"},
		{"browser null", `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"browser":null,"entries":[]}}`, ""},
		{"browser without a version", `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"browser":{"name":"b"},"entries":[]}}`, "har: log.browser.version: missing"},
		{"no entries member", `{"log":{"version":"1.2","creator":{"name":"t","version":"1"}}}`, "har: log.entries: missing"},
		{"entries an object", `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":{}}}`, "har: log.entries: {…} is not an array"},
		{"page without an id", `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"pages":[{"startedDateTime":"2026-11-25T09:00:00Z","title":"","pageTimings":{}}],"entries":[]}}`, "har: log.pages[0].id: missing"},
		{"page started yesterday", `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"pages":[{"startedDateTime":"yesterday","id":"p","title":"","pageTimings":{}}],"entries":[]}}`, `har: log.pages[0].startedDateTime: "yesterday" is not an ISO 8601 date`},
		{"entry a number", doc(minimalEntry, "1"), "har: entries[1]: 1 is not an object"},
		{"second entry without a url", doc(minimalEntry, entry(t, `"url":"http://x/",`, "")), "har: entries[1].request.url: missing"},
		{"started yesterday", e(`"2026-11-25T09:00:00.000Z"`, `"yesterday"`), `har: entries[0].startedDateTime: "yesterday" is not an ISO 8601 date`},
		{"started without a zone", e(`"2026-11-25T09:00:00.000Z"`, `"2026-11-25T09:00:00"`), `har: entries[0].startedDateTime: "2026-11-25T09:00:00" is not an ISO 8601 date`},
		{"started with a zone without a colon", e(`"2026-11-25T09:00:00.000Z"`, `"2026-11-25T09:00:00.000+0100"`), ""},
		{"no time", e(`"time":1,`, ""), "har: entries[0].time: missing"},
		{"time out of range", e(`"time":1`, `"time":1e999`), "har: entries[0].time: 1e999 is out of range"},
		{"names are case-sensitive", e(`"method":"GET"`, `"Method":"GET"`), "har: entries[0].request.method: missing"},
		{"empty method", e(`"method":"GET"`, `"method":""`), "har: entries[0].request.method: empty"},
		{"relative url", e(`"url":"http://x/"`, `"url":"/x"`), `har: entries[0].request.url: "/x" is not an absolute URL`},
		{"url net/url refuses", e(`"url":"http://x/"`, `"url":"http://x/%zz"`), ""},
		{"data url", e(`"url":"http://x/"`, `"url":"data:text/plain,hi"`), ""},
		{"httpVersion empty", e(`"httpVersion":"HTTP/1.1","cookies"`, `"httpVersion":"","cookies"`), ""},
		{"header without a name", e(`"headers":[],"queryString"`, `"headers":[{"name":"a","value":""},{"value":"x"}],"queryString"`), "har: entries[0].request.headers[1].name: missing"},
		{"header value a number", e(`"headers":[],"queryString"`, `"headers":[{"name":"a","value":1}],"queryString"`), "har: entries[0].request.headers[0].value: 1 is not a string"},
		{"cookie httpOnly yes", e(`"cookies":[],"headers":[],"queryString"`, `"cookies":[{"name":"a","value":"1","httpOnly":"yes"}],"headers":[],"queryString"`), `har: entries[0].request.cookies[0].httpOnly: "yes" is not true or false`},
		{"cookies null", e(`"cookies":[],"headers":[],"queryString"`, `"cookies":null,"headers":[],"queryString"`), "har: entries[0].request.cookies: null is not an array"},
		{"postData without a mimeType", e(`"queryString":[],`, `"queryString":[],"postData":{"text":"x"},`), "har: entries[0].request.postData.mimeType: missing"},
		{"param without a name", e(`"queryString":[],`, `"queryString":[],"postData":{"mimeType":"","params":[{"value":"x"}]},`), "har: entries[0].request.postData.params[0].name: missing"},
		{"bodySize fractional", e(`"bodySize":0},"response"`, `"bodySize":0.5},"response"`), "har: entries[0].request.bodySize: 0.5 is not a whole number"},
		{"bodySize as 1e3", e(`"bodySize":0},"response"`, `"bodySize":1e3},"response"`), ""},
		{"status a string", e(`"status":200`, `"status":"200"`), `har: entries[0].response.status: "200" is not a number`},
		{"status 1000", e(`"status":200`, `"status":1000`), "har: entries[0].response.status: 1000 is not a status code"},
		{"status 0", e(`"status":200`, `"status":0`), ""},
		{"no statusText", e(`"statusText":"OK",`, ""), "har: entries[0].response.statusText: missing"},
		{"no mimeType", e(`,"mimeType":"text/plain"`, ""), "har: entries[0].response.content.mimeType: missing"},
		{"content not base64", e(`"mimeType":"text/plain"`, `"mimeType":"text/plain","text":"a!","encoding":"base64"`), "har: entries[0].response.content.text: not base64, as its encoding says: illegal base64 data at input byte 1"},
		{"content base64 unpadded", e(`"mimeType":"text/plain"`, `"mimeType":"text/plain","text":"//4AAQ","encoding":"base64"`), ""},
		{"no redirectURL", e(`"redirectURL":"",`, ""), "har: entries[0].response.redirectURL: missing"},
		{"no cache", e(`"cache":{},`, ""), "har: entries[0].cache: missing"},
		{"cache entry without a hitCount", e(`"cache":{}`, `"cache":{"afterRequest":{"lastAccess":"","eTag":""}}`), "har: entries[0].cache.afterRequest.hitCount: missing"},
		{"no wait", e(`"wait":0,`, ""), "har: entries[0].timings.wait: missing"},
		{"send null", e(`"send":0`, `"send":null`), "har: entries[0].timings.send: null is not a number"},
		{"ssl a string", e(`"send":0`, `"ssl":"-1","send":0`), `har: entries[0].timings.ssl: "-1" is not a number`},
		{"a long value cut short", e(`"method":"GET"`, `"method":"`+strings.Repeat("é", 30)+`"`), ""},
		{"a long bad value cut short", e(`"status":200`, `"status":"`+strings.Repeat("é", 30)+`"`), `har: entries[0].response.status: "` + strings.Repeat("é", 19) + `… is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode(strings.NewReader(tt.doc), 1<<20)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Decode(%s) error = %v; want %v", tt.doc, got, tt.want)
			}
		})
	}
}

// TestDecodeFieldError checks that callers can read where the problem is.
func TestDecodeFieldError(t *testing.T) {
	t.Parallel()
	bad := entry(t, `"url":"http://x/",`, "")
	_, err := Decode(strings.NewReader(doc(minimalEntry, minimalEntry, minimalEntry, bad)), 1<<20)
	fe, ok := errors.AsType[*FieldError](err)
	if want := (FieldError{Entry: 3, Field: "request.url", Problem: "missing"}); !ok || *fe != want {
		t.Errorf("Decode(entries[3] without a url) error = %#v; want %#v", err, &want)
	}
}

func TestDecodeSyntaxError(t *testing.T) {
	t.Parallel()
	_, err := Decode(strings.NewReader(`{"log":{"version":"1.2",}}`), 1<<20)
	se, ok := errors.AsType[*json.SyntaxError](err)
	if !ok || se.Offset != 25 {
		t.Errorf("Decode(a trailing comma) error = %#v; want a *json.SyntaxError at offset 25", err)
	}
}

func TestDecodeLimit(t *testing.T) {
	t.Parallel()
	d := doc(minimalEntry)
	tests := []struct {
		name     string
		maxBytes int64
		want     error
	}{
		{"exactly", int64(len(d)), nil},
		{"one byte short", int64(len(d)) - 1, ErrTooLarge},
		{"zero", 0, ErrTooLarge},
		{"negative", -1, ErrTooLarge},
		{"no limit to speak of", 1<<63 - 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode(strings.NewReader(d), tt.maxBytes)
			if !errors.Is(err, tt.want) {
				t.Errorf("Decode(%d bytes, maxBytes %d) error = %v; want %v", len(d), tt.maxBytes, err, tt.want)
			}
		})
	}
}

// TestDecodeKeepsDocumentFree checks that nothing decoded shares the
// document's bytes: a decoded log must not keep a 256 MiB file alive.
func TestDecodeKeepsDocumentFree(t *testing.T) {
	t.Parallel()
	in := []byte(doc(entry(t, `"cache":{}`, `"cache":{},"_custom":{"a": [1, 2]}`)))
	l, err := Decode(strings.NewReader(string(in)), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(l.Entries[0].Extra["_custom"]), `{"a":[1,2]}`; got != want {
		t.Errorf("Extra[_custom] = %s; want %s, compacted", got, want)
	}
}

func TestEntryUnmarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"minimal", minimalEntry, ""},
		{"without a url", entry(t, `"url":"http://x/",`, ""), "har: request.url: missing"},
		{"not an object", `"x"`, `har: "x" is not an object`},
		{"malformed", `{`, "har: malformed JSON at offset 1: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e Entry
			err := json.Unmarshal([]byte(tt.in), &e)
			if tt.name == "malformed" {
				err = e.UnmarshalJSON([]byte(tt.in)) // json.Unmarshal would not call it
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Unmarshal(%s) error = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestDevTools reads testdata/devtools.har, a HAR as Chrome DevTools
// saves one ("Save all as HAR with content"). It is modelled on DevTools'
// format, not exported by it: written by hand after DevTools' exporter
// (front_end/models/har/Log.ts and Writer.ts in devtools-frontend), with
// its members in the order that code sets them and JSON.stringify's
// two-space indent: custom fields (_initiator with a call stack,
// _priority, _resourceType, _connectionId, _fromCache, _transferSize,
// _error, _blocked_queueing, _workerStart, ...), two pages, HTTP/2's
// lowercase headers and pseudo-headers, timings of -1, a JSON POST and a
// form POST with params, a base64 image, cookies with sameSite and a null
// expires, a response from the memory cache and a request the browser
// blocked (status 0).
func TestDevTools(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/devtools.har")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := Decode(f, 1<<20)
	if err != nil {
		t.Fatalf("Decode(testdata/devtools.har) error = %v; want none", err)
	}
	if got := fmt.Sprintln(len(l.Pages), len(l.Entries), l.Creator.Name); got != "2 6 WebInspector\n" {
		t.Fatalf("pages, entries, creator = %q; want 2 6 WebInspector", got)
	}
	e := &l.Entries[0]
	custom := []struct{ name, got, want string }{
		{"entries[0]._initiator", string(e.Extra["_initiator"]), `{"type":"other"}`},
		{"entries[0]._priority", string(e.Extra["_priority"]), `"VeryHigh"`},
		{"entries[0]._resourceType", string(e.Extra["_resourceType"]), `"document"`},
		{"entries[0].response._transferSize", string(e.Response.Extra["_transferSize"]), "345"},
		{"entries[0].response._error", string(e.Response.Extra["_error"]), "null"},
		{"entries[0].timings._blocked_queueing", string(e.Timings.Extra["_blocked_queueing"]), "1.8010000000000002"},
		{"entries[0].request.cookies[0].sameSite", string(e.Request.Cookies[0].Extra["sameSite"]), `"Lax"`},
		{"entries[0].request.cookies[1].expires", string(e.Request.Cookies[1].Extra["expires"]), "null"},
		{"entries[1].timings.dns", fmt.Sprint(*l.Entries[1].Timings.DNS), "-1"},
	}
	for _, c := range custom {
		if c.got != c.want {
			t.Errorf("%s = %s; want %s", c.name, c.got, c.want)
		}
	}
	exchanges := []struct {
		method, url, host, proto string
		status                   int
		check                    string // a body, or a phase
	}{
		{"GET", "/?utm_source=news&utm_medium=email", "shop.example", "HTTP/2.0", 200, "tls"},
		{"GET", "/track.js?id=42", "ads.example", "", 0, "blocked"},
		{"GET", "/logo.png", "cdn.shop.example", "HTTP/2.0", 200, "base64"},
		{"GET", "/app.js", "shop.example", "", 200, "document.querySelector('img').alt = 'logo';\n"},
		{"POST", "/api/cart", "shop.example", "HTTP/2.0", 201, `{"sku":"CAF-001","qty":2}`},
		{"POST", "/echo?x=1", "localhost:3000", "HTTP/1.1", 200, "name=Bob&password=hunter2&note=caf%C3%A9"},
	}
	for i, want := range exchanges {
		ex, err := ToExchange(&l.Entries[i])
		if err != nil {
			t.Errorf("ToExchange(entries[%d]) error = %v; want none", i, err)
			continue
		}
		if ex.Method != want.method || ex.URL != want.url || ex.Host != want.host || ex.Proto != want.proto || ex.Status != want.status {
			t.Errorf("ToExchange(entries[%d]) = %s %s Host %s %s %d; want %s %s Host %s %s %d", i, ex.Method, ex.URL, ex.Host, ex.Proto, ex.Status,
				want.method, want.url, want.host, want.proto, want.status)
		}
		var ok bool
		switch want.check {
		case "tls", "blocked":
			ok = slices.ContainsFunc(ex.Phases, func(p observe.Phase) bool { return p.Name == want.check && p.DurationMS > 0 })
		case "base64":
			ok = strings.HasPrefix(ex.Response.BodyBase64, "iVBORw0KGgo") && ex.Response.Body == "" && !ex.Response.BodyTruncated
		default:
			ok = ex.Response.Body == want.check || ex.Request.Body == want.check
		}
		if !ok {
			t.Errorf("ToExchange(entries[%d]) = %+v; want %s", i, ex, want.check)
		}
	}
	cart, form := &l.Entries[4], &l.Entries[5]
	Redact(cart)
	Redact(form)
	r := observe.Redacted
	redacted := []struct{ name, got, want string }{
		{"entries[4].request.headers[5]", cart.Request.Headers[5].Name + ": " + cart.Request.Headers[5].Value, "authorization: " + r},
		{"entries[4].request.cookies[0].value", cart.Request.Cookies[0].Value, r},
		{"entries[5].request.postData.text", *form.Request.PostData.Text, "name=Bob&password=" + r + "&note=caf%C3%A9"},
		{"entries[5].request.postData.params[1].value", *form.Request.PostData.Params[1].Value, r},
		{"entries[5].request.postData.params[2].value", *form.Request.PostData.Params[2].Value, "caf%C3%A9"},
	}
	for _, c := range redacted {
		if c.got != c.want {
			t.Errorf("Redact: %s = %s; want %s", c.name, c.got, c.want)
		}
	}
}

// FuzzDecode checks that Decode never panics, and that what it decodes
// encodes again to the same JSON value (under "log": Decode keeps nothing
// else), decodes again, encodes to the same bytes, and converts.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"every-field.har", "devtools.har", "exchanges.har"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		doc(minimalEntry),
		doc(),
		`{"log":{"version":"","creator":{"name":"","version":""},"entries":[],"pages":null,"browser":null,"comment":null,"_x":[{"a":null}]}}`,
		`{"log":1,"log":{}}`,
		`{"log":{"entries":[` + minimalEntry + `,{}]}}`,
		`[{"log":{}}]`,
		`{"log":{"version":"1.2","creator":{"name":"\ud800\u0000\"","version":"1"},"entries":[]},"_top":1}`,
		"\xef\xbb\xbf" + doc(minimalEntry),
		`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[` + strings.Replace(minimalEntry, `"cache":{}`, `"cache":{"beforeRequest":null,"afterRequest":{"lastAccess":"","eTag":"","hitCount":1e2}},"_a":"\xff"`, 1) + `]}}`,
		"",
		"{",
		`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[1e999]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Decode(bytes.NewReader(data), 1<<20)
		if err != nil {
			_, field := errors.AsType[*FieldError](err)
			_, syntax := errors.AsType[*json.SyntaxError](err)
			if !field && !syntax && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Decode error = %#v; want a *FieldError, a *json.SyntaxError or ErrTooLarge", err)
			}
			return
		}
		var out bytes.Buffer
		if err := Encode(&out, l); err != nil {
			t.Fatalf("Encode of a decoded log error = %v; want none", err)
		}
		if !utf8.Valid(out.Bytes()) {
			t.Fatalf("Encode wrote bytes that are not UTF-8:\n%q", out.Bytes())
		}
		var in, got map[string]any
		if err := json.Unmarshal(data[len(data)-len(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))):], &in); err != nil {
			t.Fatalf("Decode took what encoding/json refuses: %v", err)
		}
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("Encode wrote what is not JSON: %v\n%s", err, out.Bytes())
		}
		if d := diff("log", got["log"], in["log"]); len(d) > 0 {
			t.Fatalf("Decode then Encode changed the log:\n%s", strings.Join(d, "\n"))
		}
		l2, err := Decode(bytes.NewReader(out.Bytes()), 1<<21)
		if err != nil {
			t.Fatalf("Decode of Encode's output error = %v; want none\n%s", err, out.Bytes())
		}
		var again bytes.Buffer
		if err := Encode(&again, l2); err != nil || !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("Encode of it again = %v\n%s\nwant the same bytes\n%s", err, again.Bytes(), out.Bytes())
		}
		for i := range l.Entries {
			e := &l.Entries[i]
			ex, err := ToExchange(e)
			if fe, ok := errors.AsType[*FieldError](err); err != nil && (!ok || fe.Field != "request.postData.text") {
				t.Fatalf("ToExchange(entries[%d]) error = %v; want none, as Decode checked it", i, err)
			}
			if ex != nil {
				if _, err := FromExchange(ex).MarshalJSON(); err != nil {
					t.Fatalf("FromExchange(ToExchange(entries[%d])) does not encode: %v", i, err)
				}
			}
			Redact(e)
			if _, err := e.MarshalJSON(); err != nil {
				t.Fatalf("Redact(entries[%d]) does not encode: %v", i, err)
			}
		}
	})
}
