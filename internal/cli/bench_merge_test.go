package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBenchShardsMerge runs three shards of one open-loop run at once, as
// an Indexed Job's pods would, each to its own JSON file, and merges them.
func TestBenchShardsMerge(t *testing.T) {
	t.Parallel()
	url, served := benchTarget(t)
	dir := t.TempDir()
	startAt := time.Now().Add(500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	var wg sync.WaitGroup
	files := make([]string, 3)
	for i := range files {
		files[i] = filepath.Join(dir, fmt.Sprintf("shard-%d.json", i+1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, stdout, stderr := runMain(t, "bench", "--rate", "600", "-d", "700ms", "-c", "2", "--shard", fmt.Sprintf("%d/3", i+1), "--start-at", startAt, "--output", "json", url+"/hello")
			if code != 0 {
				t.Errorf("shard %d = %d; want 0 (stderr %q)", i+1, code, stderr)
			}
			if err := os.WriteFile(files[i], []byte(stdout), 0o600); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var sum int64
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var got benchJSON
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s is not JSON: %v", f, err)
		}
		if got.Rate != 200 || got.Histogram == nil || !strings.HasPrefix(got.Histogram.Corrected, "HISTF") {
			t.Errorf("%s: rate, histogram = %v, %v; want 200, an HdrHistogram", f, got.Rate, got.Histogram)
		}
		sum += got.Requests
	}
	code, stdout, stderr := runMain(t, append([]string{"bench", "merge", "--output", "json"}, files...)...)
	if code != 0 {
		t.Fatalf("bench merge = %d; want 0 (stderr %q)", code, stderr)
	}
	var m benchJSON
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("bench merge stdout %q is not JSON: %v", stdout, err)
	}
	// The server may have seen a request per connection that the end cut
	// off, unanswered and so uncounted.
	if m.Requests != sum || m.StatusCodes["200"] != sum || m.Rate != 600 || served.Load() < sum || served.Load() > sum+6 {
		t.Errorf("merged requests, 200s, rate = %d, %d, %v; want the shards' %d, %d, 600 (the server saw %d)", m.Requests, m.StatusCodes["200"], m.Rate, sum, sum, served.Load())
	}
	code, stdout, _ = runMain(t, append([]string{"bench", "merge"}, files...)...)
	if code != 0 || !strings.Contains(stdout, "6 connections, open loop at 600 req/s") || !strings.Contains(stdout, fmt.Sprintf("Requests    %d in", sum)) {
		t.Errorf("bench merge = %d, %q; want the union's summary", code, stdout)
	}
}

func TestBenchMergeLogs(t *testing.T) {
	t.Parallel()
	url, _ := benchTarget(t)
	dir := t.TempDir()
	var logs []string
	var sum int64
	for i := range 2 {
		log := filepath.Join(dir, fmt.Sprintf("%d.hlog", i))
		code, stdout, stderr := runMain(t, "bench", "-n", "50", "-c", "2", "--hdr-log", log, "--output", "json", url+"/hello")
		if code != 0 {
			t.Fatalf("bench --hdr-log = %d (stderr %q)", code, stderr)
		}
		var got benchJSON
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatal(err)
		}
		sum += got.Requests
		logs = append(logs, log)
	}
	code, stdout, stderr := runMain(t, append([]string{"bench", "merge", "--output", "json"}, logs...)...)
	var m benchJSON
	if code != 0 || json.Unmarshal([]byte(stdout), &m) != nil || m.Requests != sum || sum != 100 {
		t.Errorf("bench merge of logs = %d, %q (stderr %q); want %d requests", code, stdout, stderr, sum)
	}
}

func TestBenchMergeFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "x.json")
	os.WriteFile(notJSON, []byte("{nope"), 0o600)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"no files", nil, 2, "roundtrip: bench merge takes one FILE or more"},
		{"missing", []string{filepath.Join(dir, "none.json")}, 1, "roundtrip: bench merge: " + filepath.Join(dir, "none.json") + ": cannot read it"},
		{"not json", []string{notJSON}, 1, "roundtrip: bench merge: " + notJSON + ": it is not bench's JSON"},
		{"bad threshold", []string{"--fail-if", "p99>", notJSON}, 2, `roundtrip: bench merge: --fail-if "p99>": at column 5: expected a value after >`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runMain(t, append([]string{"bench", "merge"}, tt.args...)...)
			if code != tt.wantCode || !strings.HasPrefix(stderr, tt.wantStderr) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("bench merge %q = %d, %q; want %d, one line starting %q", tt.args, code, stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}
