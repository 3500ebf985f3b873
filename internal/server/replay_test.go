package server

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/observe"
)

// replay posts a replay of exchange id with edit (JSON, or "") to base's
// inspector, and returns the answer's status and body.
func replay(t *testing.T, base string, id uint64, query, edit string) (int, string) {
	t.Helper()
	res, body := do(t, "POST", base+"/_roundtrip/api/exchanges/"+strconv.FormatUint(id, 10)+"/replay"+query, http.Header{"Content-Type": {"application/json"}}, edit)
	return res.StatusCode, body
}

// byRequestID waits for the exchange with request id rid.
func byRequestID(t *testing.T, srv *Server, rid string) *observe.Exchange {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		page, _ := srv.Inspector().List(inspect.Filter{}, 0, 100)
		for _, ex := range page {
			if ex.RequestID == rid {
				return ex
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no exchange with request id %s", rid)
	return nil
}

// TestReplay sends a captured POST again: to serve itself, captured as a
// new exchange that names the original; edited; to another server; and
// refused where a secret was redacted or the body cut.
func TestReplay(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{ShutdownTimeout: 5 * time.Second, MaxBodyCapture: 64})
	serveOn(t, srv, ln)
	base := "http://" + ln.Addr().String()
	do(t, "POST", base+"/echo?x=1", http.Header{"Content-Type": {"application/json"}, "X-Custom": {"a", "b"}}, `{"name":"Ada"}`)
	do(t, "GET", base+"/hello", http.Header{"Authorization": {"Bearer s3cret"}}, "")
	do(t, "POST", base+"/echo", http.Header{"Content-Type": {"text/plain"}}, strings.Repeat("x", 100))

	var got struct {
		Of        uint64 `json:"replay_of"`
		RequestID string `json:"request_id"`
		Status    int
		URL       string
	}
	code, body := replay(t, base, 1, "", "")
	if json.Unmarshal([]byte(body), &got); code != 201 || got.Of != 1 || got.Status != 200 || got.RequestID == "" {
		t.Fatalf("replay of 1 = %d %s; want 201 naming 1, the answer 200 and its request id", code, body)
	}
	ex := byRequestID(t, srv, got.RequestID)
	orig, _ := srv.Inspector().Get(1)
	if ex.Method != "POST" || ex.URL != "/echo?x=1" || ex.Request.Body != `{"name":"Ada"}` || ex.Request.Headers.Get(inspect.ReplayOf) != "1" ||
		strings.Join(ex.Request.Headers["X-Custom"], ",") != "a,b" || ex.Host != orig.Host {
		t.Errorf("the replay's exchange = %s %s %q, headers %v, Host %s; want the original's, with %s: 1", ex.Method, ex.URL, ex.Request.Body, ex.Request.Headers, ex.Host, inspect.ReplayOf)
	}

	code, body = replay(t, base, 1, "", `{"method":"PUT","url":"/echo?edited","headers":{"X-Custom":[""],"X-New":["yes"]},"body":"{}"}`)
	if json.Unmarshal([]byte(body), &got); code != 201 || got.Status != 405 {
		t.Fatalf("edited replay = %d %s; want 201 and the answer 405 (PUT /echo)", code, body)
	}
	if ex := byRequestID(t, srv, got.RequestID); ex.Method != "PUT" || ex.URL != "/echo?edited" || ex.Request.Headers.Get("X-New") != "yes" || ex.Request.Headers["X-Custom"] != nil {
		t.Errorf("the edited replay = %s %s, headers %v; want PUT /echo?edited, X-New, no X-Custom", ex.Method, ex.URL, ex.Request.Headers)
	}

	var other http.Header
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		other = r.Header.Clone()
		w.Write(b)
	}))
	t.Cleanup(elsewhere.Close)
	if code, body := replay(t, base, 1, "?to="+elsewhere.URL, ""); code != 201 || !strings.Contains(body, elsewhere.URL+"/echo?x=1") || other.Get(inspect.ReplayOf) != "1" {
		t.Errorf("replay to another server = %d %s, it got %v; want 201 there", code, body, other)
	}

	tests := []struct {
		name, edit string
		id         uint64
		query      string
		want       int
		detail     string
	}{
		{"a redacted secret", "", 2, "", 409, "Exchange 2's Authorization was a secret"},
		{"the secret given", `{"headers":{"Authorization":["Bearer new"]}}`, 2, "", 201, ""},
		{"a body kept in part", "", 3, "", 409, "kept only in part (64 of 100 bytes)"},
		{"the body given", `{"body":"short"}`, 3, "", 201, ""},
		{"no such exchange", "", 99, "", 404, "not in the history"},
		{"a bad edit", `{"verb":"GET"}`, 1, "", 400, "must be JSON"},
		{"a bad to", "", 1, "?to=ftp://x", 400, "http:// or https://"},
	}
	for _, tt := range tests {
		code, body := replay(t, base, tt.id, tt.query, tt.edit)
		if code != tt.want || !strings.Contains(body, tt.detail) {
			t.Errorf("replay (%s) = %d %s; want %d with %q", tt.name, code, body, tt.want, tt.detail)
		}
	}
}
