package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
	"github.com/roundtrip/roundtrip/internal/store"
)

// TestReplay records exchanges with serve, then replays them from the
// store: to serve again, every answer the same and exit 0; to another
// server that answers otherwise, the differences and exit 1.
func TestReplay(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.db")
	st, err := store.Open(context.Background(), store.Config{Path: path, FlushEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	serve := servetest.Roundtrip(t, server.Config{Store: st})
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/hello", ""}, {"GET", "/api/greeting?name=Ada", ""}, {"POST", "/api/greeting", `{"name":"Bo"}`},
	} {
		req, _ := http.NewRequest(r.method, serve+r.path, strings.NewReader(r.body))
		if r.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	deadline := time.Now().Add(5 * time.Second)
	for st.Stats().Count < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}

	replay := func(args ...string) (int, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), append([]string{"replay", "--store", path}, args...), func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	code, out := replay("--to", serve)
	if code != 0 || !strings.Contains(out, "= GET /hello 200") || !strings.Contains(out, "= POST /api/greeting 200") || !strings.Contains(out, "3 replayed to "+serve+": 3 the same, 0 different, 0 not replayed") {
		t.Errorf("replay to serve = exit %d:\n%s\nwant every answer the same, exit 0", code, out)
	}

	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("Hello, World!")) // /hello's answer, for every path
	}))
	t.Cleanup(other.Close)
	code, out = replay("--to", other.URL, "--diff")
	if code != exitFailure || !strings.Contains(out, "= GET /hello 200") || !strings.Contains(out, "≠ GET /api/greeting?name=Ada 200 → 200") || !strings.Contains(out, "1 the same, 2 different") {
		t.Errorf("replay to another server = exit %d:\n%s\nwant /hello the same, the others different, exit 1", code, out)
	}
	if code, out := replay("--to", other.URL, "path:/hello"); code != 0 || !strings.Contains(out, "1 replayed") {
		t.Errorf("replay path:/hello = exit %d:\n%s\nwant the one, the same", code, out)
	}
	if code, out := replay(); code != exitUsage || !strings.Contains(out, "--to URL is required") {
		t.Errorf("replay without --to = exit %d: %s; want a usage error", code, out)
	}
}
