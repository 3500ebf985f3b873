package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// benchTarget is a real server that counts requests and answers 200 only
// to the request a test expects: method, header, body and query checked.
func benchTarget(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/hello":
			io.WriteString(w, "Hello, World!")
		case "/echo":
			if r.Method != http.MethodPut || r.Header.Get("X-Id") != "7" || r.Header.Get("Content-Type") != "application/json" || string(body) != `{"name":"Alice"}` {
				http.Error(w, "not the request the test sent", http.StatusBadRequest)
				return
			}
			w.Write(body)
		case "/fail":
			http.Error(w, "down", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

func runMainStdin(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBenchText(t *testing.T) {
	t.Parallel()
	url, served := benchTarget(t)
	code, stdout, stderr := runMain(t, "bench", "-c", "3", "-n", "30", url+"/hello")
	if code != 0 {
		t.Fatalf("bench = %d; want 0 (stderr %q)", code, stderr)
	}
	for _, want := range []string{"GET " + url + "/hello, HTTP/1.1, 3 connections, closed loop", "Requests    30 in", "req/s", "p99.9", "Status      200: 30", "Errors      none"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("bench stdout = %q; want it to contain %q", stdout, want)
		}
	}
	if stderr != "" {
		t.Errorf("bench stderr = %q; want none: buffers are no terminal", stderr)
	}
	if got := served.Load(); got != 30 {
		t.Errorf("server saw %d requests; want 30", got)
	}
}

// benchJSON is the part of --output json that scripts rely on.
type benchJSON struct {
	Requests          int64              `json:"requests"`
	Errors            int64              `json:"errors"`
	RequestsPerSecond float64            `json:"requests_per_second"`
	Latency           map[string]float64 `json:"latency_ms"`
	StatusCodes       map[string]int64   `json:"status_codes"`
	ErrorsByKind      map[string]int64   `json:"errors_by_kind"`
	Rate              float64            `json:"rate"`
	Phases            *struct {
		SampleEvery int                `json:"sample_every"`
		Requests    int64              `json:"requests"`
		P50Ms       map[string]float64 `json:"p50_ms"`
		P99Ms       map[string]float64 `json:"p99_ms"`
		Count       map[string]int64   `json:"count"`
	} `json:"phases"`
	Histogram *struct {
		Corrected string `json:"corrected"`
	} `json:"histogram"`
	Thresholds []struct {
		Expr   string  `json:"expr"`
		Actual float64 `json:"actual"`
		Failed bool    `json:"failed"`
	} `json:"thresholds"`
}

func TestBenchJSON(t *testing.T) {
	t.Parallel()
	url, _ := benchTarget(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "body.json")
	if err := os.WriteFile(file, []byte(`{"name":"Alice"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		stdin  string
		args   []string
		status string
		want   int64
	}{
		{"get", "", []string{"-n", "20", url + "/hello"}, "200", 20},
		{"flags after the url", "", []string{url + "/hello", "-n", "12", "-c", "2"}, "200", 12},
		{"method, header and body", "", []string{"-X", "PUT", "-H", "X-Id: 7", "-H", "Content-Type: application/json", "--data", `{"name":"Alice"}`, "-n", "9", url + "/echo"}, "200", 9},
		{"body from a file", "", []string{"-X", "PUT", "-H", "X-Id:7", "--json", "--data", "@" + file, "-n", "5", url + "/echo"}, "200", 5},
		{"body from stdin", `{"name":"Alice"}`, []string{"-X", "PUT", "-H", "x-id: 7", "--json", "--data", "@-", "-n", "5", url + "/echo"}, "200", 5},
		{"no content type unless asked", "", []string{"-X", "PUT", "-H", "X-Id: 7", "--data", `{"name":"Alice"}`, "-n", "3", url + "/echo"}, "400", 3},
		{"open loop", "", []string{"--rate", "2000", "-c", "2", "-n", "20", url + "/hello"}, "200", 20},
		{"server errors are responses", "", []string{"-n", "8", url + "/fail"}, "503", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"bench", "--output", "json"}, tt.args...)
			code, stdout, stderr := runMainStdin(t, tt.stdin, args...)
			if code != 0 {
				t.Fatalf("bench = %d; want 0 (stderr %q)", code, stderr)
			}
			var got benchJSON
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("bench stdout %q is not JSON: %v", stdout, err)
			}
			if got.Requests != tt.want || got.StatusCodes[tt.status] != tt.want || got.Errors != 0 {
				t.Errorf("requests, status_codes, errors = %d, %v, %d; want %d, %s: %d, 0", got.Requests, got.StatusCodes, got.Errors, tt.want, tt.status, tt.want)
			}
			if got.RequestsPerSecond <= 0 {
				t.Errorf("requests_per_second = %v; want > 0", got.RequestsPerSecond)
			}
			for _, k := range []string{"min", "p50", "p90", "p99", "p99_9", "max"} {
				if _, ok := got.Latency[k]; !ok {
					t.Errorf("latency_ms lacks %q: %v", k, got.Latency)
				}
			}
			if got.Latency["min"] > got.Latency["p50"] || got.Latency["p50"] > got.Latency["max"] {
				t.Errorf("latency_ms = %v; want min <= p50 <= max", got.Latency)
			}
		})
	}
}

func TestBenchPhases(t *testing.T) {
	t.Parallel()
	url, _ := benchTarget(t)
	code, stdout, stderr := runMain(t, "bench", "--phases", "--output", "json", "-c", "2", "-n", "40", url+"/hello")
	if code != 0 {
		t.Fatalf("bench --phases = %d; want 0 (stderr %q)", code, stderr)
	}
	var got benchJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("bench stdout %q is not JSON: %v", stdout, err)
	}
	if got.Requests != 40 || got.Phases == nil {
		t.Fatalf("requests, phases = %d, %v; want 40 and a phases sample", got.Requests, got.Phases)
	}
	p := got.Phases
	// Each connection times its 1st, 9th, 17th… request: 5 to 6 of 40 on two.
	if p.SampleEvery != 8 || p.Requests < 5 || p.Requests > 6 || p.Count["wait"] != p.Requests || p.Count["connect"] != 2 || p.P50Ms["wait"] <= 0 || p.P99Ms["wait"] < p.P50Ms["wait"] {
		t.Errorf("phases = %+v; want 1 in 8 of 40 requests timed, each with a wait, and both connections' connects", p)
	}
	code, stdout, _ = runMain(t, "bench", "--phases", "-c", "1", "-n", "5", url+"/hello")
	for _, want := range []string{"Phases      p50 / p99", "over 1 request in 8 (1 timed)", "    connect ", "    wait "} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("bench --phases = %d, %q; want it to contain %q", code, stdout, want)
		}
	}
}

func TestBenchFailures(t *testing.T) {
	t.Parallel()
	url, served := benchTarget(t)
	// Once every row has run.
	t.Cleanup(func() {
		if got := served.Load(); got != 0 {
			t.Errorf("server saw %d requests; want 0: every command line was refused before any load", got)
		}
	})
	dead := "http://" + servetest.RefusedAddr(t) + "/"
	hangup := servetest.Conns(t, func(net.Conn) {})
	plain := servetest.Roundtrip(t, server.Config{})
	const noH2C = "roundtrip: bench: the server does not speak cleartext HTTP/2 (h2c): it answered the HTTP/2 preface with \"HTTP/1.1 400 Bad Request\"; start it with `roundtrip serve --h2c`, or drop --http2\n"
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"no url", []string{"-n", "1"}, 2, "roundtrip: bench takes one URL"},
		{"two urls", []string{"-n", "1", url, url}, 2, "roundtrip: bench takes one URL"},
		{"not a url", []string{"-n", "1", "localhost:3000"}, 2, "roundtrip: bench: \"localhost:3000\" is not a URL"},
		{"ftp", []string{"-n", "1", "ftp://127.0.0.1/"}, 2, "roundtrip: bench: \"ftp://127.0.0.1/\" is not an http or https URL"},
		{"bad output", []string{"--output", "xml", "-n", "1", url}, 2, "roundtrip: bench: --output must be text or json, not \"xml\""},
		{"no connections", []string{"-c", "0", "-n", "1", url}, 2, "roundtrip: bench: -c must be at least 1"},
		{"negative count", []string{"-n", "-5", url}, 2, "roundtrip: bench: the request count must not be negative"},
		{"bad header", []string{"-H", "nocolon", "-n", "1", url}, 2, "roundtrip: bench: invalid value \"nocolon\" for flag -H"},
		{"bad method", []string{"-X", "GE T", "-n", "1", url}, 2, "roundtrip: bench: \"GE T\" is not an HTTP method"},
		{"json that is not", []string{"--json", "--data", "{nope", "-n", "1", url}, 2, "roundtrip: bench: --data is not valid JSON"},
		{"missing body file", []string{"--data", "@/nonexistent/body.json", "-n", "1", url}, 2, "roundtrip: bench: cannot read --data file /nonexistent/body.json"},
		{"bad flag", []string{"--bogus", url}, 2, "roundtrip: bench: flag provided but not defined: -bogus"},
		{"unreachable", []string{"-n", "3", dead}, 1, "roundtrip: cannot reach " + strings.TrimSuffix(strings.TrimPrefix(dead, "http://"), "/") + ": connection refused"},
		{"no response at all", []string{"-n", "3", "-c", "1", "http://" + hangup + "/"}, 1, "roundtrip: no request got a response (3 errors)"},
		{"no h2c in roundtrip serve", []string{"--http2", "-n", "3", plain + "/hello"}, 1, noH2C},
		{"bad rate", []string{"--rate", "fast", url}, 2, `roundtrip: bench: --rate "fast" is not a rate, such as 5000, or a ramp, such as 1000:20000`},
		{"ramp down", []string{"--rate", "2000:1000", url}, 2, `roundtrip: bench: --rate "2000:1000": a ramp goes up`},
		{"ramp with -n", []string{"--rate", "100:200", "-n", "5", url}, 2, "roundtrip: bench: a ramp runs --steps × --step-duration; drop -d and -n"},
		{"one step", []string{"--rate", "100:200", "--steps", "1", url}, 2, "roundtrip: bench: --steps must be 2 to 1000"},
		{"bad shard", []string{"--shard", "4/3", "-n", "3", url}, 2, `roundtrip: bench: --shard "4/3" is not i/n with 1 <= i <= n, such as 2/3`},
		{"no share of -n", []string{"--shard", "3/3", "-n", "2", url}, 2, "roundtrip: bench: shard 3/3 gets none of the 2 requests"},
		{"bad start", []string{"--start-at", "noon", "-n", "3", url}, 2, `roundtrip: bench: --start-at "noon" is not an RFC 3339 time`},
		{"start too late", []string{"--start-at", time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "-n", "3", url}, 2, "roundtrip: bench: --start-at "},
		{"bad threshold", []string{"--fail-if", "p99>>50ms", "-n", "3", url}, 2, `roundtrip: bench: --fail-if "p99>>50ms": at column 5: ">50ms" is not a duration, such as 50ms`},
		{"unknown metric", []string{"--fail-if", "p42<1s", "-n", "3", url}, 2, `roundtrip: bench: --fail-if "p42<1s": at column 1: unknown metric "p42"`},
		{"hdr log nowhere", []string{"--hdr-log", "/nonexistent/x.hlog", "-n", "3", url}, 2, "roundtrip: bench: cannot create --hdr-log file /nonexistent/x.hlog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runMain(t, append([]string{"bench"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("bench %q = %d; want %d (stderr %q)", tt.args, code, tt.wantCode, stderr)
			}
			if !strings.HasPrefix(stderr, tt.wantStderr) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("bench %q stderr = %q; want one line starting %q", tt.args, stderr, tt.wantStderr)
			}
		})
	}
}

func TestBenchHelp(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runMain(t, "help", "bench")
	if code != 0 {
		t.Fatalf("help bench = %d; want 0", code)
	}
	for _, want := range []string{"-rate", "-d duration", "-n requests", "-output", "-http2", "wrk2", "Exit status", "-fail-if", "-report", "-hdr-log", "-start-at", "-shard", "-steps", "-step-duration", "-knee", "bench merge", "3 when"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help bench = %q; want it to mention %q", stdout, want)
		}
	}
}

func TestBenchFailIf(t *testing.T) {
	t.Parallel()
	url, _ := benchTarget(t)
	tests := []struct {
		name       string
		thresholds []string
		wantCode   int
		wantStderr string
	}{
		{"all pass", []string{"p99>1m", "errors>0.1%", "rps<0.001"}, 0, ""},
		{"one fails", []string{"p99>1m", "requests<1000"}, 3, "roundtrip: bench: a threshold failed: requests<1000: requests was 20, 980 under 1,000\n"},
		{"two fail", []string{"min>=0s", "errors<1"}, 3, "roundtrip: bench: 2 thresholds failed: min>=0s: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"bench", "-n", "20", "-c", "2"}
			for _, th := range tt.thresholds {
				args = append(args, "--fail-if", th)
			}
			code, stdout, stderr := runMain(t, append(args, url+"/hello")...)
			if code != tt.wantCode || !strings.HasPrefix(stderr, tt.wantStderr) || (tt.wantStderr == "") != (stderr == "") {
				t.Errorf("bench %q = %d, %q; want %d, %q", tt.thresholds, code, stderr, tt.wantCode, tt.wantStderr)
			}
			if !strings.Contains(stdout, "Thresholds  ") || strings.Count(stdout, "passed ")+strings.Count(stdout, "FAILED ") != len(tt.thresholds) {
				t.Errorf("bench stdout = %q; want a line per threshold", stdout)
			}
			code, stdout, _ = runMain(t, append(append([]string{"bench", "--output", "json"}, args[1:]...), url+"/hello")...)
			var got benchJSON
			if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != tt.wantCode || len(got.Thresholds) != len(tt.thresholds) {
				t.Errorf("bench --output json = %d, %q; want %d and its thresholds", code, stdout, tt.wantCode)
			}
		})
	}
}

func TestBenchRamp(t *testing.T) {
	t.Parallel()
	url, _ := benchTarget(t)
	report := filepath.Join(t.TempDir(), "ramp.html")
	code, stdout, stderr := runMain(t, "bench", "--rate", "200:600", "--steps", "3", "--step-duration", "200ms", "-c", "2", "--report", report, "--output", "json", url+"/hello")
	if code != 0 {
		t.Fatalf("bench ramp = %d; want 0 (stderr %q)", code, stderr)
	}
	var got struct {
		Steps []benchJSON `json:"steps"`
		Knee  struct {
			Factor float64 `json:"factor"`
			Rate   float64 `json:"rate"`
		} `json:"knee"`
		Total benchJSON `json:"total"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("bench ramp stdout %q is not JSON: %v", stdout, err)
	}
	var sum int64
	for i, s := range got.Steps {
		if want := []float64{200, 400, 600}[i]; s.Rate != want {
			t.Errorf("step %d rate = %v; want %v", i, s.Rate, want)
		}
		sum += s.Requests
	}
	if len(got.Steps) != 3 || got.Knee.Factor != 3 || got.Total.Requests != sum {
		t.Errorf("steps, knee factor, total = %d, %v, %d; want 3, 3, %d", len(got.Steps), got.Knee.Factor, got.Total.Requests, sum)
	}
	page, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(page), "Latency against offered rate") || !strings.Contains(string(page), "<svg") {
		t.Errorf("--report wrote %d bytes (%v); want a page with the ramp's charts", len(page), err)
	}
	code, stdout, _ = runMain(t, "bench", "--rate", "200:400", "--steps", "2", "--step-duration", "100ms", "-c", "1", url+"/hello")
	for _, want := range []string{"open loop in 2 steps of 100ms", "offered/s  achieved/s", "Knee        ", "All steps together:"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("bench ramp = %d, %q; want it to contain %q", code, stdout, want)
		}
	}
}

// TestBenchOpenLoopText: open loop shows both figures and what they mean.
func TestBenchOpenLoopText(t *testing.T) {
	t.Parallel()
	url, _ := benchTarget(t)
	code, stdout, stderr := runMain(t, "bench", "--rate", "500", "-n", "40", "-c", "2", url+"/hello")
	if code != 0 {
		t.Fatalf("bench = %d (stderr %q)", code, stderr)
	}
	for _, want := range []string{"open loop at 500 req/s", "    corrected   ", "    uncorrected ", "Corrected counts from when each request was due", "Setup       2 connections in ", "Slowest     "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("bench stdout = %q; want it to contain %q", stdout, want)
		}
	}
}
