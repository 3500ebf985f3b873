package inspect

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/diff"
	"github.com/roundtrip/roundtrip/internal/observe"
)

// greeting is a captured GET /api/greeting answered status with the JSON
// message, the headers a server gives every answer (Date, X-Request-Id)
// set from date and id.
func greeting(status int, message, date, id string) *observe.Exchange {
	ex := &observe.Exchange{
		Summary: observe.Summary{Method: "GET", URL: "/api/greeting?name=Alice", Path: "/api/greeting", Status: status},
		Request: observe.Message{Headers: http.Header{"Accept": {"application/json"}}},
		Response: observe.Message{Headers: http.Header{
			"Content-Type": {"application/json"},
			"Date":         {date},
			"X-Request-Id": {id},
		}},
		Times: observe.Times{Start: time.Now(), Routed: time.Millisecond, Wrote: 3 * time.Millisecond, End: 4 * time.Millisecond},
	}
	body := `{"message":"` + message + `"}` + "\n"
	ex.Response.SetBody(body, int64(len(body)), false)
	return ex
}

func newDiffAPI(t *testing.T, in *Inspector) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /_roundtrip/api/diff", in.HandleDiff())
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func TestDiffHandler(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	ctx := context.Background()
	in.Add(ctx, greeting(200, "Hello, Alice!", "Mon, 02 Jan 2006 15:04:05 GMT", "a1")) // 1
	in.Add(ctx, greeting(404, "Hello, Bob!", "Mon, 02 Jan 2006 15:04:05 GMT", "a1"))   // 2
	in.Add(ctx, greeting(200, "Hello, Alice!", "Tue, 03 Jan 2006 15:04:05 GMT", "b2")) // 3: only Date and X-Request-Id differ
	ts := newDiffAPI(t, in)

	headerNames := func(hs []diff.Header) string {
		var names []string
		for _, h := range hs {
			names = append(names, h.Name+" "+h.Kind)
		}
		return strings.Join(names, ", ")
	}
	tests := []struct {
		query      string
		wantStatus int
		wantDetail string // of a problem
		check      func(t *testing.T, r diff.Result)
	}{
		{"?a=1&b=2", 200, "", func(t *testing.T, r diff.Result) {
			if r.A.ID != 1 || r.B.ID != 2 || r.Status != (diff.Status{A: 200, B: 404}) {
				t.Errorf("a, b, status = %d, %d, %+v; want 1, 2, 200 → 404", r.A.ID, r.B.ID, r.Status)
			}
			want := []diff.JSONDiff{{Path: "$.message", Kind: diff.Changed, A: `"Hello, Alice!"`, B: `"Hello, Bob!"`}}
			if b := r.Response.Body; b.Kind != diff.JSON || len(b.JSON) != 1 || b.JSON[0] != want[0] {
				t.Errorf("response body = %+v; want %+v", b, want)
			}
			if r.Equal() {
				t.Error("Equal() = true; want false")
			}
			if len(r.Timing.Phases) == 0 {
				t.Error("no phases compared; want the server's")
			}
		}},
		{"?a=1&b=1", 200, "", func(t *testing.T, r diff.Result) {
			if !r.Equal() {
				t.Errorf("an exchange against itself: Equal() = false: %+v", r)
			}
		}},
		{"?a=1&b=3", 200, "", func(t *testing.T, r diff.Result) {
			if !r.Equal() || len(r.Response.Headers) != 0 {
				t.Errorf("Date and X-Request-Id are ignored by default, yet headers %s differ", headerNames(r.Response.Headers))
			}
		}},
		{"?a=1&b=3&ignore=", 200, "", func(t *testing.T, r diff.Result) {
			if got := headerNames(r.Response.Headers); got != "Date changed, X-Request-Id changed" {
				t.Errorf("with ignore= the headers that differ = %q; want Date and X-Request-Id", got)
			}
		}},
		{"?a=1&b=3&ignore=DATE", 200, "", func(t *testing.T, r diff.Result) {
			if got := headerNames(r.Response.Headers); got != "X-Request-Id changed" {
				t.Errorf("with ignore=DATE the headers that differ = %q; want X-Request-Id", got)
			}
			if got := strings.Join(r.Ignored.Headers, ","); got != "Date" {
				t.Errorf("Ignored.Headers = %q; want Date", got)
			}
		}},
		{"?a=1&b=3&ignore=date,+x-request-id&ignore=etag", 200, "", func(t *testing.T, r diff.Result) {
			if !r.Equal() || strings.Join(r.Ignored.Headers, ",") != "Date,X-Request-Id,Etag" {
				t.Errorf("Equal() = %v, ignored %v; want true and Date, X-Request-Id, Etag", r.Equal(), r.Ignored.Headers)
			}
		}},
		{"?a=1&b=2&ignore_path=$.message", 200, "", func(t *testing.T, r diff.Result) {
			if !r.Response.Body.Equal || r.Ignored.Paths[0] != "$.message" {
				t.Errorf("with $.message ignored the body = %+v, ignored %v; want equal", r.Response.Body, r.Ignored.Paths)
			}
		}},
		{"", 400, "a and b name the two exchanges to compare, by id: ?a=1&b=2.", nil},
		{"?a=1", 400, "a and b name the two exchanges to compare, by id: ?a=1&b=2.", nil},
		{"?a=x&b=1", 400, `a must be an exchange id, a positive number; it is "x".`, nil},
		{"?a=1&b=-2", 400, `b must be an exchange id, a positive number; it is "-2".`, nil},
		{"?a=0&b=1", 400, `a must be an exchange id, a positive number; it is "0".`, nil},
		{"?a=1&b=2&ignore=da+te", 400, `ignore is a comma-separated list of header names, and "da te" is not one.`, nil},
		{"?a=1&b=2&ignore_path=message", 400, `The ignore_path "message" cannot be read: a path begins with $, as in $.items[0].id.`, nil},
		{"?a=1&b=2&ignore_path=$.items[x]", 400, `The ignore_path "$.items[x]" cannot be read: [ ] hold an index, *, or a name in quotes, at byte 8.`, nil},
		{"?a=1&b=99", 404, "Exchange 99 (b) is not in the history: it never happened, or it was cleared or pushed out by newer ones.", nil},
		{"?a=98&b=1", 404, "Exchange 98 (a) is not in the history: it never happened, or it was cleared or pushed out by newer ones.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, ts.URL+"/_roundtrip/api/diff"+tt.query)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("GET diff%s = %d %s; want %d", tt.query, res.StatusCode, body, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				var p struct {
					Status int    `json:"status"`
					Detail string `json:"detail"`
				}
				if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal([]byte(body), &p) != nil || p.Status != tt.wantStatus || p.Detail != tt.wantDetail {
					t.Errorf("GET diff%s = %s %s; want a problem saying %q", tt.query, ct, body, tt.wantDetail)
				}
				return
			}
			if ct, cc := res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
				t.Errorf("GET diff%s Content-Type, Cache-Control = %q, %q; want application/json, no-store", tt.query, ct, cc)
			}
			var r diff.Result
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				t.Fatalf("GET diff%s: %v in %s", tt.query, err, body)
			}
			if want := `{"equal":` + strconv.FormatBool(r.Equal()) + `,`; !strings.HasPrefix(body, want) {
				t.Errorf("GET diff%s begins %.30s; want %s, the verdict", tt.query, body, want)
			}
			tt.check(t, r)
		})
	}
}

// TestDiffFromStore: an exchange the history let go is compared from the
// store.
func TestDiffFromStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "history.db"))
	t.Cleanup(func() { s.Close() })
	in := New(Config{History: 1, Store: s})
	in.Add(ctx, greeting(200, "Hello, Alice!", "Mon", "a1"))
	in.Add(ctx, greeting(200, "Hello, Alice?", "Mon", "a1"))
	for deadline := time.Now().Add(10 * time.Second); s.Stats().Count < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("waited 10s for the store to write two exchanges")
		}
	}
	ts := newDiffAPI(t, in)
	res, body := get(t, ts.URL+"/_roundtrip/api/diff?a=1&b=2")
	var r diff.Result
	if res.StatusCode != 200 || json.Unmarshal([]byte(body), &r) != nil {
		t.Fatalf("GET diff?a=1&b=2 = %d %s; want 200 and a diff", res.StatusCode, body)
	}
	if b := r.Response.Body; len(b.JSON) != 1 || b.JSON[0].B != `"Hello, Alice?"` {
		t.Errorf("response body = %+v; want $.message changed", b)
	}
}
