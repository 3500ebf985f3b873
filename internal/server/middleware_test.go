package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
)

// syncBuffer is a log sink that is safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRecoverPanics(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom at /secret/path.go:42") })
	mux.HandleFunc("/late-panic", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("partial"))
		panic("late")
	})
	mux.Handle("/", New(Config{}).Handler())
	var lines syncBuffer
	access := accesslog.New(&lines, accesslog.Text, time.Hour)
	ts := httptest.NewServer(logRequests(access)(recoverPanics(log)(mux)))
	t.Cleanup(ts.Close)

	res, body := do(t, "GET", ts.URL+"/panic", nil, "")
	p := decodeProblem(t, res, body)
	if p.Status != 500 || strings.Contains(body, "boom") || strings.Contains(body, ".go") {
		t.Errorf("GET /panic = %d %s; want a 500 problem without the panic's text", p.Status, body)
	}
	if !strings.Contains(logs.String(), "boom at /secret/path.go:42") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("log lacks the panic and its stack:\n%s", logs.String())
	}
	if err := access.Flush(); err != nil || !strings.Contains(lines.String(), "path=/panic status=500 ") {
		t.Errorf("access log = %q, %v; want the recovered panic's 500", lines.String(), err)
	}

	// A panic after the response began cuts the connection instead of
	// appending an error to half a response.
	if res, err := http.Get(ts.URL + "/late-panic"); err == nil {
		_, err = new(bytes.Buffer).ReadFrom(res.Body)
		res.Body.Close()
		if err == nil {
			t.Errorf("GET /late-panic read cleanly; want the connection cut")
		}
	}

	// The server keeps serving.
	for range 3 {
		if res, body := do(t, "GET", ts.URL+"/hello", nil, ""); res.StatusCode != 200 || body != "Hello, World!" {
			t.Errorf("GET /hello after panics = %d %q; want 200", res.StatusCode, body)
		}
	}
}

func TestLogRequests(t *testing.T) {
	var logs syncBuffer
	access := accesslog.New(&logs, accesslog.JSON, time.Hour)
	ts := httptest.NewServer(New(Config{AccessLog: access}).Handler())
	t.Cleanup(ts.Close)
	do(t, "GET", ts.URL+"/hello", nil, "")
	do(t, "POST", ts.URL+"/hello", nil, "")
	do(t, "GET", ts.URL+"/status/204", nil, "")
	if err := access.Flush(); err != nil {
		t.Fatal(err)
	}

	var lines []map[string]any
	for line := range strings.Lines(logs.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		lines = append(lines, m)
	}
	want := []struct {
		method, path string
		status       float64
		bytes        float64
	}{{"GET", "/hello", 200, 13}, {"POST", "/hello", 405, -1}, {"GET", "/status/204", 204, 0}}
	if len(lines) != len(want) {
		t.Fatalf("got %d access log lines; want %d:\n%s", len(lines), len(want), logs.String())
	}
	for i, w := range want {
		l := lines[i]
		if l["msg"] != "request" || l["method"] != w.method || l["path"] != w.path || l["status"] != w.status || (w.bytes >= 0 && l["bytes"] != w.bytes) {
			t.Errorf("log line %d = %v; want %s %s %v", i, l, w.method, w.path, w.status)
		}
		if _, ok := l["duration"]; !ok {
			t.Errorf("log line %d lacks a duration: %v", i, l)
		}
	}
}

func TestHTTPDate(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 11, 25, 12, 33, 8, 0, time.UTC), "Wed, 25 Nov 2026 12:33:08 GMT"},
		{time.Date(2026, 11, 25, 12, 33, 8, 999_999_999, time.UTC), "Wed, 25 Nov 2026 12:33:08 GMT"}, // the same second
		{time.Date(2026, 11, 25, 13, 33, 9, 0, time.FixedZone("CET", 3600)), "Wed, 25 Nov 2026 12:33:09 GMT"},
		{time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), "Fri, 31 Dec 1999 23:59:59 GMT"}, // a step back
	}
	for _, tt := range tests {
		if got := httpDate(tt.t); got != tt.want {
			t.Errorf("httpDate(%v) = %q; want %q", tt.t, got, tt.want)
		}
	}
}

// TestRecorderKeepsBody checks the capture of a response body however the
// handler writes it: one string is kept as it is, and anything more goes
// to the buffer, up to the limit.
func TestRecorderKeepsBody(t *testing.T) {
	const limit = 8
	tests := []struct {
		name    string
		writes  []any // string for WriteString, []byte for Write
		want    string
		wantCut bool
	}{
		{"one string", []any{"Hello"}, "Hello", false},
		{"one string at the limit", []any{"12345678"}, "12345678", false},
		{"one string over the limit", []any{"123456789"}, "12345678", true},
		{"two strings", []any{"Hel", "lo"}, "Hello", false},
		{"a string, then bytes", []any{"Hel", []byte("lo")}, "Hello", false},
		{"bytes, then a string", []any{[]byte("Hel"), "lo"}, "Hello", false},
		{"strings past the limit", []any{"12345", "6789"}, "12345678", true},
	}
	for _, tt := range tests {
		obs := &observer{maxBody: limit}
		obs.buffers.New = func() any { return new(bytes.Buffer) }
		rec := &recorder{ResponseWriter: httptest.NewRecorder(), obs: obs, vals: new([3]string), capture: true}
		for _, w := range tt.writes {
			switch w := w.(type) {
			case string:
				rec.WriteString(w)
			case []byte:
				rec.Write(w)
			}
		}
		if got := rec.captured(); got != tt.want || rec.cut != tt.wantCut {
			t.Errorf("%s: captured %q, cut %v; want %q, cut %v", tt.name, got, rec.cut, tt.want, tt.wantCut)
		}
	}
}
