package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/har"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/store"
)

const devtoolsHAR = "../har/testdata/devtools.har"

// capture is an exchange as serve's middleware records it, started now:
// 25µs from the request to the handler's return.
func capture(method, target string, status int, reqBody, resBody, contentType string) *observe.Exchange {
	path, _, _ := strings.Cut(target, "?")
	ex := &observe.Exchange{
		Summary: observe.Summary{
			Client: "127.0.0.1:54321", Method: method, URL: target, Path: path, Route: path,
			Host: "127.0.0.1:3000", Proto: "HTTP/1.1", Status: status, RequestID: "req-" + strconv.Itoa(status),
		},
		Request:  observe.Message{Headers: http.Header{"Accept": {"*/*"}, "User-Agent": {"roundtrip/test"}}},
		Response: observe.Message{Headers: http.Header{"Content-Type": {contentType}}},
		Times:    observe.Times{Start: time.Now(), Routed: 3 * time.Microsecond, Wrote: 20 * time.Microsecond, End: 25 * time.Microsecond},
	}
	ex.Request.SetBody(reqBody, int64(len(reqBody)), false)
	ex.Response.SetBody(resBody, int64(len(resBody)), false)
	ex.BytesIn, ex.BytesOut = int64(len(reqBody)), int64(len(resBody))
	return ex
}

// captures are five exchanges, ids 1 to 5 once stored.
func captures() []*observe.Exchange {
	return []*observe.Exchange{
		capture("GET", "/hello", 200, "", "Hello, World!", "text/plain; charset=utf-8"),
		capture("POST", "/api/greeting", 200, `{"name":"Bob"}`, `{"message":"Hello, Bob!"}`, "application/json"),
		capture("GET", "/status/404", 404, "", `{"title":"Not Found"}`, "application/problem+json"),
		capture("POST", "/api/greeting", 400, `{"name": Bob}`, `{"title":"Bad Request","detail":"Invalid JSON."}`, "application/problem+json"),
		capture("GET", "/status/503", 503, "", `{"title":"Service Unavailable"}`, "application/problem+json"),
	}
}

// newHistory is a store file holding exs, as ids 1, 2, ...: closed, so
// that every Put is on disk.
func newHistory(t *testing.T, exs ...*observe.Exchange) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := store.Open(context.Background(), store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		s.Put(0, ex)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// runHistoryCmd runs `roundtrip history args...` with stdin and no environment.
func runHistoryCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runMainEnv(t, nil, stdin, append([]string{"history"}, args...)...)
}

// tableIDs are the ids of a history table's rows, after checking its header.
func tableIDs(t *testing.T, out string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if got, want := strings.Fields(lines[0]), []string{"ID", "TIME", "METHOD", "STATUS", "DURATION", "SIZE", "URL"}; !slices.Equal(got, want) {
		t.Fatalf("table header = %q; want the columns %q\n%s", lines[0], want, out)
	}
	var ids []string
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "(") {
			ids = append(ids, strings.Fields(l)[0])
		}
	}
	return ids
}

// storedCount is how many exchanges the store at path holds.
func storedCount(t *testing.T, path string) int {
	t.Helper()
	code, stdout, stderr := runHistoryCmd(t, "", "--store", path, "--all", "--output", "json")
	if code != 0 {
		t.Fatalf("history --all = %d; want 0 (stderr %q)", code, stderr)
	}
	return strings.Count(stdout, "\n")
}

func TestHistoryList(t *testing.T) {
	t.Parallel()
	path := newHistory(t, captures()...)
	tests := []struct {
		name    string
		args    []string
		wantIDs []string
		wantOut string // a substring of stdout; "" for none
	}{
		{"everything, newest first", nil, []string{"5", "4", "3", "2", "1"}, ""},
		{"status class", []string{"status:4xx"}, []string{"4", "3"}, ""},
		{"terms and free text", []string{"status:4xx", "method:POST", "greeting"}, []string{"4"}, ""},
		{"one argument with spaces", []string{"status:4xx method:POST"}, []string{"4"}, ""},
		{"free text", []string{"greeting"}, []string{"4", "2"}, ""},
		{"negated, after --", []string{"--", "-status:200"}, []string{"5", "4", "3"}, ""},
		{"negated, as it is", []string{"-status:200", "--limit", "5"}, []string{"5", "4", "3"}, ""},
		{"limit", []string{"--limit", "2"}, []string{"5", "4"}, "(the newest 2; older ones match too: --limit N, or --all)\n"},
		{"limit after the filter", []string{"method:GET", "--limit", "1"}, []string{"5"}, "(the newest 1;"},
		{"all", []string{"--all"}, []string{"5", "4", "3", "2", "1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runHistoryCmd(t, "", append([]string{"--store", path}, tt.args...)...)
			if code != 0 || stderr != "" {
				t.Fatalf("history %q = %d, stderr %q; want 0 and none", tt.args, code, stderr)
			}
			if got := tableIDs(t, stdout); !slices.Equal(got, tt.wantIDs) {
				t.Errorf("history %q lists %q; want %q\n%s", tt.args, got, tt.wantIDs, stdout)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("history %q =\n%s\nwant it to contain %q", tt.args, stdout, tt.wantOut)
			}
		})
	}

	t.Run("columns", func(t *testing.T) {
		t.Parallel()
		_, stdout, _ := runHistoryCmd(t, "", "--store", path, "path:/hello")
		lines := strings.Split(stdout, "\n")
		if len(lines) != 3 {
			t.Fatalf("history path:/hello =\n%s\nwant a header and one row", stdout)
		}
		_, doc, _ := runHistoryCmd(t, "", "--store", path, "--output", "json", "path:/hello")
		var ex observe.Summary
		if err := json.Unmarshal([]byte(doc), &ex); err != nil {
			t.Fatal(err)
		}
		got := strings.Fields(lines[1])
		want := []string{"1", formatWhen(ex.Started, time.Now()), "GET", "200", "0.025", "ms", "13", "B", "http://127.0.0.1:3000/hello"}
		if !slices.Equal(got, want) {
			t.Errorf("row = %q; want the cells %q", lines[1], want)
		}
		if !strings.HasPrefix(lines[0], "ID  TIME") || strings.Index(lines[0], "URL") != strings.Index(lines[1], "http://") {
			t.Errorf("table columns do not line up:\n%s", stdout)
		}
	})

	t.Run("nothing matches", func(t *testing.T) {
		t.Parallel()
		code, stdout, _ := runHistoryCmd(t, "", "--store", path, "status:302")
		if want := "no exchanges match status:302 in " + path + "\n"; code != 0 || stdout != want {
			t.Errorf("history status:302 = %d, %q; want 0, %q", code, stdout, want)
		}
	})

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		code, stdout, _ := runHistoryCmd(t, "", "--store", path, "--output", "json", "status:4xx")
		if code != 0 {
			t.Fatalf("history --output json = %d; want 0", code)
		}
		var ids []uint64
		for line := range strings.Lines(stdout) {
			var s observe.Summary
			if err := json.Unmarshal([]byte(line), &s); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			ids = append(ids, s.ID)
		}
		if want := []uint64{4, 3}; !slices.Equal(ids, want) {
			t.Errorf("history --output json status:4xx lists ids %v; want %v", ids, want)
		}
	})
}

// TestHistoryListAll pages with List's before past a page of
// store.MaxLimit.
func TestHistoryListAll(t *testing.T) {
	t.Parallel()
	n := store.MaxLimit + 5
	exs := make([]*observe.Exchange, n)
	for i := range exs {
		exs[i] = capture("GET", "/hello", 200, "", "Hello, World!", "text/plain")
	}
	path := newHistory(t, exs...)
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"--all"}, n},
		{[]string{"--limit", strconv.Itoa(store.MaxLimit + 2)}, store.MaxLimit + 2},
		{nil, listLimit},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runHistoryCmd(t, "", append([]string{"--store", path, "--output", "json"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("history %q = %d; want 0 (stderr %q)", tt.args, code, stderr)
			}
			var ids []uint64
			for line := range strings.Lines(stdout) {
				var s observe.Summary
				if err := json.Unmarshal([]byte(line), &s); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, s.ID)
			}
			if len(ids) != tt.want || ids[0] != uint64(n) || ids[len(ids)-1] != uint64(n-tt.want+1) {
				t.Errorf("history %q lists %d exchanges, %d to %d; want %d, %d to %d", tt.args, len(ids), ids[0], ids[len(ids)-1], tt.want, n, n-tt.want+1)
			}
		})
	}
}

func TestHistoryUsage(t *testing.T) {
	t.Parallel()
	path := newHistory(t, captures()...)
	memory := "roundtrip: history reads a store file; serve --store memory keeps none\n"
	tests := []struct {
		name       string
		args       []string
		wantStderr string // a substring
	}{
		{"bad filter", []string{"status:4yy"}, `roundtrip: history: filter: at character 8: status wants a code such as 404 or a class such as 4xx, not "4yy", in "status:4yy"` + "\n"},
		{"bad filter, its position in the joined words", []string{"method:GET", `"open`}, `filter: at character 12: a quote that is never closed, in "method:GET \"open"`},
		{"bad filter in export", []string{"export", "nope:1"}, `history export: filter: at character 1: "nope:" is not a filter`},
		{"bad filter in clear", []string{"clear", "--yes", "duration>soon"}, "history clear: filter: at character 10:"},
		{"a subcommand after a flag", []string{"--limit", "3", "show", "1"}, `history: show is a subcommand and comes first`},
		{"a negated word before --", []string{"-alice"}, "roundtrip: history: flag provided but not defined: -alice; a negated word goes after --, as in roundtrip history -- -alice\n"},
		{"a negated word before -- in clear", []string{"clear", "--yes", "-alice"}, "roundtrip history clear -- -alice\n"},
		{"limit", []string{"--limit", "0"}, "history: --limit must be at least 1, not 0"},
		{"output", []string{"--output", "xml"}, `history: --output must be text or json, not "xml"`},
		{"export output", []string{"export", "--output", "csv"}, `history export: --output must be har or json, not "csv"`},
		{"show without an id", []string{"show"}, "history show takes one ID"},
		{"show, not an id", []string{"show", "abc"}, `history show: "abc" is not an exchange id`},
		{"import without a file", []string{"import"}, "history import takes one HAR file"},
		{"memory", []string{"--store", "memory"}, memory},
		{"memory, show", []string{"show", "--store", "memory", "1"}, memory},
		{"memory, export", []string{"export", "--store", "memory"}, memory},
		{"memory, import", []string{"import", "--store", "memory", devtoolsHAR}, memory},
		{"memory, clear", []string{"clear", "--yes", "--store", "memory"}, memory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if !slices.Contains(args, "memory") {
				args = append(slices.Clone(args), "--store", path)
			}
			code, stdout, stderr := runHistoryCmd(t, "", args...)
			if code != exitUsage || !strings.Contains(stderr, tt.wantStderr) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("history %q = %d, stderr %q; want %d and one line with %q", args, code, stderr, exitUsage, tt.wantStderr)
			}
			if stdout != "" {
				t.Errorf("history %q wrote %q to stdout; want nothing", args, stdout)
			}
		})
	}
	if got := storedCount(t, path); got != 5 {
		t.Errorf("after the refused commands the store holds %d exchanges; want 5", got)
	}
}

func TestHistoryShow(t *testing.T) {
	t.Parallel()
	binary := capture("GET", "/logo.png", 200, "", "\x89PNG\r\n\x1a\n\x00\xff", "image/png")
	cut := capture("GET", "/big", 200, "", "", "text/plain")
	cut.Response.SetBody("Hello", 100, true)
	path := newHistory(t, append(captures(), binary, cut)...)
	tests := []struct {
		id         string
		wantStdout []string // substrings, in order
		wantStderr string
	}{
		{"2", []string{
			"Exchange 2, ", ", from 127.0.0.1:54321, request id req-200\n\n",
			"> POST /api/greeting HTTP/1.1\n> Host: 127.0.0.1:3000\n> Accept: */*\n> User-Agent: roundtrip/test\n>\n",
			`> {"name":"Bob"}` + "\n",
			"< HTTP/1.1 200 OK\n< Content-Type: application/json\n<\n",
			`{"message":"Hello, Bob!"}` + "\n\n",
			"Server phases, 0.025 ms:\n  headers read",
			"  routed              0.003 ms  ",
			"  handler ran         0.017 ms  ",
			"  response written    0.005 ms  ",
		}, ""},
		{"6", []string{"< Content-Type: image/png\n<\n[10 bytes of binary data; --output json has them as body_base64]\n"}, ""},
		{"7", []string{"<\nHello\n\nServer phases"}, "roundtrip: warning: cut at 5 of 100 bytes\n"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runHistoryCmd(t, "", "show", "--store", path, tt.id)
			if code != 0 || stderr != tt.wantStderr {
				t.Fatalf("history show %s = %d, stderr %q; want 0, %q", tt.id, code, stderr, tt.wantStderr)
			}
			rest := stdout
			for _, want := range tt.wantStdout {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("history show %s =\n%s\nwant %q (after what came before)", tt.id, stdout, want)
				}
				rest = rest[i+len(want):]
			}
		})
	}

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		code, stdout, _ := runHistoryCmd(t, "", "show", "--output", "json", "--store", path, "4")
		var ex observe.Exchange
		if err := json.Unmarshal([]byte(stdout), &ex); code != 0 || err != nil {
			t.Fatalf("history show --output json = %d, %q (%v); want 0 and an exchange", code, stdout, err)
		}
		if ex.ID != 4 || ex.Status != 400 || ex.Request.Body != `{"name": Bob}` || len(ex.Phases) != 4 || strings.Count(stdout, "\n") != 1 {
			t.Errorf("history show --output json 4 = %s; want exchange 4, its request body and phases, on one line", stdout)
		}
	})

	t.Run("unknown id", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := runHistoryCmd(t, "", "show", "--store", path, "99")
		if want := "roundtrip: no exchange 99 in " + path + "; roundtrip history lists them\n"; code != exitFailure || stderr != want || stdout != "" {
			t.Errorf("history show 99 = %d, %q, stderr %q; want %d, nothing, %q", code, stdout, stderr, exitFailure, want)
		}
	})
}

// TestHistoryImportExport imports DevTools' HAR beside captures and
// exports them all again.
func TestHistoryImportExport(t *testing.T) {
	t.Parallel()
	path := newHistory(t, captures()...)
	code, stdout, stderr := runHistoryCmd(t, "", "import", "--store", path, devtoolsHAR)
	if want := "imported 6 exchanges from " + devtoolsHAR + " into " + path + " as ids 6 to 11\n"; code != 0 || stdout != want {
		t.Fatalf("history import = %d, %q, stderr %q; want 0, %q", code, stdout, stderr, want)
	}

	// The entries as the store keeps them: redacted, each its own JSON.
	f, err := os.Open(devtoolsHAR)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := har.Decode(f, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	_, raws, err := har.Prepare(l, false)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("listed as imported", func(t *testing.T) {
		t.Parallel()
		_, stdout, _ := runHistoryCmd(t, "", "--store", path)
		lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		if len(lines) != 12 {
			t.Fatalf("history lists %d lines; want a header and 11 rows\n%s", len(lines), stdout)
		}
		for i, line := range lines[1:] {
			if got, want := strings.HasSuffix(line, "  (imported)"), i < 6; got != want {
				t.Errorf("row %q marked imported: %t; want %t", line, got, want)
			}
		}
		if !strings.Contains(lines[1], "POST    200") || !strings.Contains(lines[1], "http://localhost:3000/echo?x=1  (imported)") {
			t.Errorf("newest row = %q; want the HAR's last entry, POST /echo", lines[1])
		}
	})

	t.Run("HAR", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := runHistoryCmd(t, "", "export", "--store", path)
		if code != 0 || stderr != "" {
			t.Fatalf("history export = %d, stderr %q; want 0", code, stderr)
		}
		got, err := har.Decode(strings.NewReader(stdout), 1<<30)
		if err != nil {
			t.Fatalf("har.Decode(export): %v", err)
		}
		if got.Version != "1.2" || got.Creator.Name != "roundtrip" || len(got.Entries) != 11 {
			t.Fatalf("export: version %q, creator %q, %d entries; want 1.2, roundtrip, 11", got.Version, got.Creator.Name, len(got.Entries))
		}
		for i, want := range []string{"http://127.0.0.1:3000/hello", "http://127.0.0.1:3000/api/greeting"} {
			if u := got.Entries[i].Request.URL; u != want {
				t.Errorf("exported entry %d's URL = %q; want the capture's, %q", i, u, want)
			}
		}
		for i, raw := range raws {
			if !strings.Contains(stdout, string(raw)+"\n") {
				t.Errorf("export lacks imported entry %d as the store kept it: %s", i, raw)
			}
		}
		if strings.Contains(stdout, "abc123") {
			t.Error("export holds the HAR's session cookie: import did not redact it")
		}

		// -o writes the same document to a file, 0600, and says so.
		file := filepath.Join(t.TempDir(), "all.har")
		code, out, _ := runHistoryCmd(t, "", "export", "--store", path, "-o", file)
		if want := "exported 11 exchanges to " + file + "\n"; code != 0 || out != want {
			t.Errorf("history export -o = %d, %q; want 0, %q", code, out, want)
		}
		b, err := os.ReadFile(file)
		if err != nil || string(b) != stdout {
			t.Errorf("export -o wrote %d bytes (%v); want the %d stdout has", len(b), err, len(stdout))
		}
		if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("export -o file mode = %v (%v); want 0600", fi.Mode(), err)
		}
	})

	t.Run("filtered", func(t *testing.T) {
		t.Parallel()
		_, stdout, _ := runHistoryCmd(t, "", "export", "--har", "--store", path, "status:4xx")
		got, err := har.Decode(strings.NewReader(stdout), 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		var statuses []int
		for _, e := range got.Entries {
			statuses = append(statuses, e.Response.Status)
		}
		if want := []int{404, 400}; !slices.Equal(statuses, want) {
			t.Errorf("export status:4xx has statuses %v; want %v", statuses, want)
		}
	})

	t.Run("json lines", func(t *testing.T) {
		t.Parallel()
		code, stdout, _ := runHistoryCmd(t, "", "export", "--output", "json", "--store", path)
		if code != 0 {
			t.Fatalf("history export --output json = %d; want 0", code)
		}
		var imported []bool
		for line := range strings.Lines(stdout) {
			var ex observe.Exchange
			if err := json.Unmarshal([]byte(line), &ex); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			imported = append(imported, ex.Imported)
		}
		if want := []bool{false, false, false, false, false, true, true, true, true, true, true}; !slices.Equal(imported, want) {
			t.Errorf("export --output json: imported %v; want %v", imported, want)
		}
	})

	t.Run("show imported", func(t *testing.T) {
		t.Parallel()
		_, stdout, _ := runHistoryCmd(t, "", "show", "--store", path, "6")
		for _, want := range []string{
			"Exchange 6, 2026-", ", imported from a HAR file\n",
			"> GET /?utm_source=news&utm_medium=email HTTP/2.0\n> Host: shop.example\n",
			"> Cookie: [redacted]\n",
			"Phases, from the HAR file's timings (the client's), 129.700 ms:\n",
			"  waiting for the response  61.475 ms",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("history show 6 =\n%s\nwant %q", stdout, want)
			}
		}
	})
}

func TestHistoryImport(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(devtoolsHAR)
	if err != nil {
		t.Fatal(err)
	}
	// The same document with entries[1].request.url missing.
	var v map[string]any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	delete(v["log"].(map[string]any)["entries"].([]any)[1].(map[string]any)["request"].(map[string]any), "url")
	noURL, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{"no-url.har": noURL, "cut.har": doc[:len(doc)/2], "empty.har": []byte(`{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[]}}`)}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStdout string // a substring
		wantStderr string // a substring
		wantCount  int    // exchanges in the store after
		wantCookie string // the first entry's Cookie as show has it; "" to skip
	}{
		{"into a new file", []string{devtoolsHAR}, "", 0, " as ids 1 to 6\n", "", 6, "[redacted]"},
		{"stdin", []string{"-"}, string(doc), 0, "imported 6 exchanges from stdin into ", "", 6, ""},
		{"secrets kept", []string{"--capture-secrets", devtoolsHAR}, "", 0, "imported 6 exchanges", "", 6, "sid=abc123; theme=dark"},
		{"missing url", []string{filepath.Join(dir, "no-url.har")}, "", exitFailure, "", "entries[1].request.url: missing; nothing imported\n", 0, ""},
		{"malformed JSON", []string{filepath.Join(dir, "cut.har")}, "", exitFailure, "", "cut.har: har: ", 0, ""},
		{"no entries", []string{filepath.Join(dir, "empty.har")}, "", 0, "has no entries; nothing imported\n", "", 0, ""},
		{"no such file", []string{filepath.Join(dir, "none.har")}, "", exitFailure, "", "cannot read " + filepath.Join(dir, "none.har") + ": no such file or directory\n", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "state", "history.db")
			code, stdout, stderr := runHistoryCmd(t, tt.stdin, append([]string{"import", "--store", path}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || !strings.Contains(stderr, tt.wantStderr) {
				t.Fatalf("history import %q = %d, %q, stderr %q; want %d, %q, %q", tt.args, code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
			if code != 0 && strings.Count(stderr, "\n") != 1 {
				t.Errorf("history import %q stderr = %q; want one line", tt.args, stderr)
			}
			if tt.wantCount == 0 {
				if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("history import %q with nothing to import made the store (%v)", tt.args, err)
				}
				return
			}
			if got := storedCount(t, path); got != tt.wantCount {
				t.Errorf("after history import %q the store holds %d; want %d", tt.args, got, tt.wantCount)
			}
			if tt.wantCookie != "" {
				_, show, _ := runHistoryCmd(t, "", "show", "--store", path, "1")
				if want := "> Cookie: " + tt.wantCookie + "\n"; !strings.Contains(show, want) {
					t.Errorf("history show 1 =\n%s\nwant %q", show, want)
				}
			}
		})
	}

	t.Run("all or nothing into a store", func(t *testing.T) {
		t.Parallel()
		path := newHistory(t, captures()...)
		code, _, stderr := runHistoryCmd(t, "", "import", "--store", path, filepath.Join(dir, "no-url.har"))
		if code != exitFailure || !strings.Contains(stderr, "entries[1].request.url") {
			t.Errorf("history import no-url.har = %d, stderr %q; want %d naming entries[1].request.url", code, stderr, exitFailure)
		}
		if got := storedCount(t, path); got != 5 {
			t.Errorf("after a failed import the store holds %d; want the 5 it had", got)
		}
	})
}

func TestHistoryClear(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string // a substring
		wantIDs    []string
	}{
		{"off a terminal, without --yes", nil, exitUsage, "", "roundtrip: history clear deletes exchanges: pass --yes to delete them without a terminal to ask on\n", []string{"5", "4", "3", "2", "1"}},
		{"filtered", []string{"--yes", "status:4xx"}, 0, "deleted 2 exchanges from PATH\n", "", []string{"5", "2", "1"}},
		{"one", []string{"--yes", "path:/hello"}, 0, "deleted 1 exchange from PATH\n", "", []string{"5", "4", "3", "2"}},
		{"none match", []string{"--yes", "status:302"}, 0, "no exchanges to delete in PATH\n", "", []string{"5", "4", "3", "2", "1"}},
		{"everything", []string{"--yes"}, 0, "deleted 5 exchanges from PATH\n", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := newHistory(t, captures()...)
			code, stdout, stderr := runHistoryCmd(t, "", append([]string{"clear", "--store", path}, tt.args...)...)
			wantStdout := strings.ReplaceAll(tt.wantStdout, "PATH", path)
			if code != tt.wantCode || stdout != wantStdout || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("history clear %q = %d, %q, stderr %q; want %d, %q, %q", tt.args, code, stdout, stderr, tt.wantCode, wantStdout, tt.wantStderr)
			}
			_, list, _ := runHistoryCmd(t, "", "--store", path)
			if tt.wantIDs == nil {
				if want := "no exchanges in " + path + "\n"; list != want {
					t.Errorf("history after clear = %q; want %q", list, want)
				}
				return
			}
			if got := tableIDs(t, list); !slices.Equal(got, tt.wantIDs) {
				t.Errorf("history after clear %q lists %q; want %q", tt.args, got, tt.wantIDs)
			}
		})
	}
}

// TestHistoryClearAsks answers clear's question on a pseudo-terminal.
func TestHistoryClearAsks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		answer     string
		filter     []string
		wantCode   int
		wantPrompt string
		wantStdout string
		wantCount  int
	}{
		{"y\n", nil, 0, "Delete 5 exchanges from PATH? [y/N] ", "deleted 5 exchanges from PATH\n", 0},
		{"YES\n", []string{"status:5xx"}, 0, "Delete 1 exchange matching status:5xx from PATH? [y/N] ", "deleted 1 exchange from PATH\n", 4},
		{"n\n", nil, exitFailure, "Delete 5 exchanges from PATH? [y/N] roundtrip: nothing deleted\n", "", 5},
		{"\n", nil, exitFailure, "roundtrip: nothing deleted\n", "", 5},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSpace(tt.answer), func(t *testing.T) {
			t.Parallel()
			master, slave := openPTY(t)
			if _, err := master.WriteString(tt.answer); err != nil {
				t.Fatal(err)
			}
			path := newHistory(t, captures()...)
			var stdout, stderr bytes.Buffer
			args := append([]string{"history", "clear", "--store", path}, tt.filter...)
			code := Main(context.Background(), args, func(string) string { return "" }, slave, &stdout, &stderr)
			wantPrompt := strings.ReplaceAll(tt.wantPrompt, "PATH", path)
			wantStdout := strings.ReplaceAll(tt.wantStdout, "PATH", path)
			if code != tt.wantCode || stdout.String() != wantStdout || !strings.Contains(stderr.String(), wantPrompt) {
				t.Errorf("history clear answered %q = %d, %q, stderr %q; want %d, %q, %q", tt.answer, code, stdout.String(), stderr.String(), tt.wantCode, wantStdout, wantPrompt)
			}
			if got := storedCount(t, path); got != tt.wantCount {
				t.Errorf("after clear answered %q the store holds %d; want %d", tt.answer, got, tt.wantCount)
			}
		})
	}
}

// TestHistoryExportRefusesTerminal: a HAR's text is not escaped, so it
// does not go to a terminal.
func TestHistoryExportRefusesTerminal(t *testing.T) {
	t.Parallel()
	_, slave := openPTY(t)
	path := newHistory(t, captures()...)
	var stderr bytes.Buffer
	code := Main(context.Background(), []string{"history", "export", "--store", path}, func(string) string { return "" }, strings.NewReader(""), slave, &stderr)
	if want := "roundtrip: history export writes a document, not for a terminal: redirect it (> all.har), pipe it, or pass -o FILE\n"; code != exitUsage || stderr.String() != want {
		t.Errorf("history export to a terminal = %d, stderr %q; want %d, %q", code, stderr.String(), exitUsage, want)
	}
}

// TestHistoryMissingFile: the commands that read do not make a store.
func TestHistoryMissingFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"list", nil},
		{"show", []string{"show", "1"}},
		{"export", []string{"export"}},
		{"clear", []string{"clear", "--yes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			t.Run("--store", func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(t.TempDir(), "none", "history.db")
				code, stdout, stderr := runHistoryCmd(t, "", append(slices.Clone(tt.args), "--store", path)...)
				want := "roundtrip: no history at " + path + ": no such file; serve --store " + path + " keeps one there\n"
				if code != exitFailure || stderr != want || stdout != "" {
					t.Errorf("history %q = %d, %q, stderr %q; want %d, nothing, %q", tt.args, code, stdout, stderr, exitFailure, want)
				}
				if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("history %q made %s (%v)", tt.args, filepath.Dir(path), err)
				}
			})
			t.Run("default", func(t *testing.T) {
				t.Parallel()
				state := t.TempDir()
				code, _, stderr := runMainEnv(t, map[string]string{"XDG_STATE_HOME": state}, "", append([]string{"history"}, tt.args...)...)
				path := filepath.Join(state, "roundtrip", "history.db")
				want := "roundtrip: no history at " + path + ": serve has not stored any yet (serve keeps it there by default), or use --store PATH\n"
				if code != exitFailure || stderr != want {
					t.Errorf("history %q = %d, stderr %q; want %d, %q", tt.args, code, stderr, exitFailure, want)
				}
				if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("history %q made %s (%v)", tt.args, filepath.Dir(path), err)
				}
			})
		})
	}
}

// TestHistoryEscaped: what a client sent reaches the terminal escaped.
func TestHistoryEscaped(t *testing.T) {
	t.Parallel()
	ex := capture("GET", "/\x1b[31mred\u202e?x=\x1b]0;pwned\x07", 200, "", "\x1b[2Jbody\u202e\n", "text/plain")
	ex.Request.Headers.Set("X-Evil", "\x1b[2J\u200d")
	path := newHistory(t, ex)
	for _, args := range [][]string{{}, {"show", "1"}} {
		code, stdout, stderr := runHistoryCmd(t, "", append(args, "--store", path)...)
		if code != 0 {
			t.Fatalf("history %q = %d; want 0 (stderr %q)", args, code, stderr)
		}
		head, _, _ := strings.Cut(stdout, "<\n") // show writes a body to a pipe raw
		if strings.ContainsAny(head, "\x1b\x07\u202e\u200d") {
			t.Errorf("history %q wrote a control or bidi character unescaped:\n%q", args, head)
		}
		if want := `/\x1b[31mred\u202e?x=\x1b]0;pwned\a`; !strings.Contains(head, want) {
			t.Errorf("history %q =\n%s\nwant the URL escaped, %q", args, head, want)
		}
	}
	code, _, stderr := runHistoryCmd(t, "", "--store", path, "\x1b[31m")
	if code != 0 || stderr != "" {
		t.Errorf("history ESC[31m = %d, stderr %q", code, stderr)
	}

	// For a terminal, show escapes the body too.
	s, err := store.Open(context.Background(), store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(context.Background(), 1)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeStored(&out, &out, got, textOptions{human: true}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07\u202e\u200d") || !strings.Contains(out.String(), `\x1b[2Jbody\u202e`) || !strings.Contains(out.String(), `> X-Evil: \x1b[2J\u200d`) {
		t.Errorf("show for a terminal =\n%s\nwant every control and bidi character escaped", out.String())
	}
}

func TestFormatWhen(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 15, 4, 5, 0, time.Local)
	tests := []struct {
		t    time.Time
		want string
	}{
		{now.Add(-time.Hour), "14:04:05"},
		{time.Date(2026, 11, 24, 23, 59, 0, 0, time.Local), "Nov 24 23:59:00"},
		{time.Date(2025, 12, 31, 8, 0, 0, 0, time.Local), "2025-12-31 08:00"},
		{time.Time{}, "-"},
	}
	for _, tt := range tests {
		if got := formatWhen(tt.t, now); got != tt.want {
			t.Errorf("formatWhen(%v) = %q; want %q", tt.t, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1536, "1.5 KiB"}, {5 << 20, "5.0 MiB"}, {3 << 30, "3.0 GiB"},
	}
	for _, tt := range tests {
		if got := formatBytes(tt.n); got != tt.want {
			t.Errorf("formatBytes(%d) = %q; want %q", tt.n, got, tt.want)
		}
	}
}

// TestHistoryKeepsServesBounds: history opens a store without bounds of
// its own, so an exchange older than the store's default age (that serve
// --store-max-age 30d kept) survives it.
func TestHistoryKeepsServesBounds(t *testing.T) {
	t.Parallel()
	old := capture("GET", "/hello", 200, "", "Hello, World!", "text/plain")
	old.Times.Start = time.Now().Add(-10 * 24 * time.Hour)
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := store.Open(context.Background(), store.Config{Path: path, MaxAge: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s.Put(0, old)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the first opening would evict; the second would list none
		if got := storedCount(t, path); got != 1 {
			t.Fatalf("history lists %d exchanges of a store holding one 10 days old; want 1", got)
		}
	}
}
