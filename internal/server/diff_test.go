package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/roundtrip/roundtrip/internal/diff"
	"github.com/roundtrip/roundtrip/internal/observe"
)

// TestDiffRoute: the diff API is routed, guarded as the rest of the
// inspector is, and not captured itself.
func TestDiffRoute(t *testing.T) {
	t.Parallel()
	base, srv := newInspected(t, Config{})
	do(t, "GET", base+"/api/greeting?name=Alice", nil, "")
	do(t, "GET", base+"/api/greeting?name=Bob", nil, "")
	_, body := do(t, "GET", base+"/_roundtrip/api/exchanges", nil, "")
	var list struct{ Exchanges []observe.Summary }
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Exchanges) != 2 {
		t.Fatalf("GET exchanges = %s (%v); want the two greetings", body, err)
	}
	b, a := list.Exchanges[0].ID, list.Exchanges[1].ID
	target := base + "/_roundtrip/api/diff?a=" + strconv.FormatUint(a, 10) + "&b=" + strconv.FormatUint(b, 10)

	res, body := do(t, "GET", target, nil, "")
	var r diff.Result
	if res.StatusCode != 200 || json.Unmarshal([]byte(body), &r) != nil {
		t.Fatalf("GET %s = %d %s; want 200 and a diff", target, res.StatusCode, body)
	}
	if r.URL == nil || r.URL.B != "/api/greeting?name=Bob" {
		t.Errorf("URL = %+v; want the two greetings' URLs", r.URL)
	}
	want := diff.JSONDiff{Path: "$.message", Kind: diff.Changed, A: `"Hello, Alice!"`, B: `"Hello, Bob!"`}
	if got := r.Response.Body.JSON; len(got) != 1 || got[0] != want {
		t.Errorf("response body differences = %+v; want %+v", got, want)
	}
	// Server-Timing, X-Request-Id and Date are ignored: nothing else differs.
	if len(r.Response.Headers) != 0 {
		t.Errorf("response headers differ: %+v; want none but those ignored", r.Response.Headers)
	}

	if res, _ := do(t, "POST", target, nil, ""); res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("POST diff = %d, Allow %q; want 405, GET, HEAD, OPTIONS", res.StatusCode, res.Header.Get("Allow"))
	}
	if res, _ := do(t, "GET", target, http.Header{"Host": {"attacker.example"}}, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("GET diff with Host attacker.example = %d; want 403", res.StatusCode)
	}
	if got := srv.Inspector().Len(); got != 2 {
		t.Errorf("captured %d exchanges; want 2, the diff API's own not among them", got)
	}
}
