package server

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/roundtrip/roundtrip/internal/challenge"
	"github.com/roundtrip/roundtrip/route"
)

func TestChallengeTable(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res, body := do(t, "GET", ts.URL+"/_roundtrip/api/challenge", nil, "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /_roundtrip/api/challenge = %d %s; want 200 JSON", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var got struct {
		Routes []route.Route     `json:"routes"`
		Cases  []route.Case      `json:"cases"`
		Hints  map[string]string `json:"hints"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("GET /_roundtrip/api/challenge: %v in %s", err, body)
	}
	if !reflect.DeepEqual(got.Routes, route.Routes()) {
		t.Errorf("routes = %+v; want route.Routes() %+v", got.Routes, route.Routes())
	}
	if !reflect.DeepEqual(got.Cases, route.Cases()) {
		t.Errorf("cases = %+v; want route.Cases()", got.Cases)
	}
	if !reflect.DeepEqual(got.Hints, route.Hints()) {
		t.Errorf("hints = %+v; want route.Hints()", got.Hints)
	}
	// The names the page reads.
	for _, want := range []string{`"method":"GET"`, `"path":"/hello"`, `"want":{"status":200,"body":"Hello, World!"}`, `"rule":"a known path answers its body"`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /_roundtrip/api/challenge lacks %s", want)
		}
	}
}

// checkServer posts {"server": target} to the check, with this server's
// own Origin as the page's fetch sends it.
func checkServer(t *testing.T, base, body string, header http.Header) (*http.Response, string) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}, "Origin": {base}}
	for k, v := range header {
		h[k] = v
	}
	return do(t, "POST", base+"/_roundtrip/api/challenge/check", h, body)
}

func TestChallengeCheck(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	tests := []struct {
		name, body string
		header     http.Header
		wantStatus int
		wantIn     string
	}{
		{"this server", `{"server": "` + ts.URL + `"}`, nil, 200, `"passed":`},
		{"another site", `{"server": "http://example.com"}`, nil, 400, "only to this machine"},
		{"a private address", `{"server": "http://10.0.0.1:8080"}`, nil, 400, "only to this machine"},
		{"a name that resolves here", `{"server": "http://127.0.0.1.nip.io:8080"}`, nil, 400, "only to this machine"},
		{"a path", `{"server": "` + ts.URL + `/app"}`, nil, 400, "scheme, host and port only"},
		{"not a URL", `{"server": "localhost:8080"}`, nil, 400, "http:// or https://"},
		{"no server", `{}`, nil, 400, "http:// or https://"},
		{"invalid JSON", `{"server": }`, nil, 400, "line 1"},
		{"too large", `{"server": "` + strings.Repeat("x", 5000) + `"}`, nil, 413, "4096 bytes"},
		{"refused", `{"server": "` + refused + `"}`, nil, 502, "connection refused"},
		{"from another site's page", `{"server": "` + ts.URL + `"}`, http.Header{"Origin": {"http://attacker.example"}}, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := checkServer(t, ts.URL, tt.body, tt.header)
			if res.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantIn) {
				t.Errorf("POST check %s = %d %s; want %d with %q", tt.body[:min(len(tt.body), 60)], res.StatusCode, body, tt.wantStatus, tt.wantIn)
			}
			if tt.wantStatus != 200 && tt.wantStatus != 403 && res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("POST check %s Content-Type = %q; want a problem", tt.name, res.Header.Get("Content-Type"))
			}
		})
	}

	// roundtrip's own server passes every case it is sent.
	_, body := checkServer(t, ts.URL, `{"server": "`+ts.URL+`"}`, nil)
	var rep challenge.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Results) != len(route.Cases()) || len(rep.Hints) != 0 {
		t.Errorf("check of this server: %d of %d sent passed, %d results, hints %v; want all passed", rep.Passed, rep.Sent, len(rep.Results), rep.Hints)
	}
}

// TestChallengeCheckOneAtATime: while one check waits on a slow server, a
// second is turned away with 503 and Retry-After.
func TestChallengeCheckOneAtATime(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-release
		_, _ = io.WriteString(w, "Hello, World!")
	}))
	t.Cleanup(slow.Close)
	var wg sync.WaitGroup
	wg.Add(1)
	var firstStatus int
	go func() {
		defer wg.Done()
		req, _ := http.NewRequest("POST", ts.URL+"/_roundtrip/api/challenge/check", strings.NewReader(`{"server": "`+slow.URL+`"}`))
		req.Header.Set("Origin", ts.URL)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		firstStatus = res.StatusCode
		res.Body.Close()
	}()
	<-arrived
	res, body := checkServer(t, ts.URL, `{"server": "`+slow.URL+`"}`, nil)
	close(release)
	wg.Wait()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" || !strings.Contains(body, "already running") {
		t.Errorf("a second check = %d (Retry-After %q) %s; want 503 with Retry-After: 1", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if firstStatus != http.StatusOK {
		t.Errorf("the first check = %d; want 200 once the server answered", firstStatus)
	}
}
