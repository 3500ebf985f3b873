package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// asRoundtrip, set in a child's environment, makes this test binary run
// main instead of the tests: the e2e tests start the roundtrip they were
// built as, with no second build and no need for the go command.
const asRoundtrip = "ROUNDTRIP_TEST_AS_MAIN"

// startServe runs `serve` from this binary, with args, on a free port with
// its stderr (the JSON access log) going to stderr, and returns the process
// and the URL it printed.
func startServe(t *testing.T, stderr io.Writer, args ...string) (*exec.Cmd, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	// The store goes to a state directory of the test's own, never the
	// user's, unless args name one.
	cmd.Env = append(os.Environ(), asRoundtrip+"=1", "XDG_STATE_HOME="+t.TempDir())
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := bufio.NewReader(stdout)
	first, err := lines.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the listening line: %v", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(first), "roundtrip listening on ")
	if !ok {
		t.Fatalf("first line = %q; want roundtrip listening on http://HOST:PORT", first)
	}
	go io.Copy(io.Discard, lines)
	return cmd, url
}

func TestMain(m *testing.M) {
	if os.Getenv(asRoundtrip) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestServeEndToEnd runs the real main's `serve` on port 0, sends
// SIGTERM while a /delay request is in flight, and checks that the request
// completes with 200 and the process exits 0.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server in a process of its own")
	}
	cmd, url := startServe(t, io.Discard)

	res, err := http.Get(url + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /hello = %d; want 200", res.StatusCode)
	}

	type result struct {
		status int
		body   string
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		res, err := http.Get(url + "/delay/1")
		if err != nil {
			inflight <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		inflight <- result{res.StatusCode, string(b), err}
	}()
	time.Sleep(300 * time.Millisecond) // the request is on its way; /delay/1 holds it in flight for a second
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	r := <-inflight
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, `"seconds":1`) {
		t.Errorf("in-flight /delay/1 across SIGTERM = %d %q, %v; want 200 with its body", r.status, r.body, r.err)
	}
	waitExit(t, cmd, "SIGTERM")
	if _, err := http.Get(url + "/hello"); err == nil {
		t.Errorf("GET after shutdown succeeded; want connection refused")
	}
}

// TestShutdownUnderLoad sends SIGTERM while eight clients keep requests in
// flight. Every request the server accepted (each has an access log line)
// must reach its client complete; new connections are refused; exit is 0.
func TestShutdownUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server in a process of its own")
	}
	var logs lockedBuffer
	cmd, url := startServe(t, &logs)

	const workers, perWorker = 8, 200 // bounded: at most 1,600 requests
	var completed, failedAfterAccept atomic.Int64
	var wg sync.WaitGroup
	started := make(chan struct{}, workers)
	for range workers {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
			defer client.CloseIdleConnections()
			for i := range perWorker {
				if i == 1 {
					started <- struct{}{}
				}
				res, err := client.Get(url + "/delay/0.2")
				if err != nil {
					return // refused: the server has stopped accepting
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != 200 || !strings.Contains(string(body), `"seconds":0.2`) {
					failedAfterAccept.Add(1)
					t.Errorf("a response during shutdown = %d %q, %v; want a complete 200", res.StatusCode, body, err)
					return
				}
				completed.Add(1)
			}
		})
	}
	for range workers {
		<-started
	}
	time.Sleep(100 * time.Millisecond) // mid-delay: every worker has a request in flight
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
		c.Close()
		t.Errorf("a new connection during shutdown was accepted; want it refused")
	}
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		t.Errorf("roundtrip serve after SIGTERM under load: %v; want exit status 0", err)
	}

	accepted := 0
	for line := range strings.Lines(logs.String()) {
		var entry struct {
			Msg    string `json:"msg"`
			Path   string `json:"path"`
			Status int    `json:"status"`
		}
		if json.Unmarshal([]byte(line), &entry) != nil || entry.Msg != "request" || entry.Path != "/delay/0.2" {
			continue
		}
		accepted++
		if entry.Status != 200 {
			t.Errorf("server logged status %d for an accepted request; want 200", entry.Status)
		}
	}
	t.Logf("accepted %d, completed %d, failed after acceptance %d", accepted, completed.Load(), failedAfterAccept.Load())
	if accepted == 0 || int64(accepted) != completed.Load() || failedAfterAccept.Load() != 0 {
		t.Errorf("server accepted %d requests, clients got %d complete; want equal and nonzero", accepted, completed.Load())
	}
}

// lockedBuffer collects a child's stderr safely.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeMemoryBound fills a 32 MiB history with exchanges of 1 MB
// bodies, each side kept whole, many times over: the process's peak
// resident memory stays under serve's soft memory limit for that history
// (twice it plus 64 MiB, 128 MiB) plus the runtime's own.
func TestServeMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server in a process of its own")
	}
	if raceDetector {
		t.Skip("the race detector's shadow memory swamps the figure; .ci/run runs this test without -race")
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) { serveMemoryBound(t, st.args, st.slack) })
	}
}

func serveMemoryBound(t *testing.T, args []string, slack int64) {
	const historyBytes, bodyBytes, requests = 32 << 20, 1_000_000, 200 // 400 MB through a 32 MiB history
	cmd, url := startServe(t, io.Discard, append([]string{"--history-max-bytes", "32MiB", "--max-body-capture", "1MiB", "--store-max-bytes", "64MiB"}, args...)...)
	body := strings.Repeat("a", bodyBytes)
	for i := range requests {
		res, err := http.Post(url+"/echo", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || n < bodyBytes {
			t.Fatalf("POST /echo %d = %d with %d bytes; want 200 echoing %d", i, res.StatusCode, n, bodyBytes)
		}
	}
	var st struct{ Memory struct{ Exchanges int } }
	res, err := http.Get(url + "/_roundtrip/api/store")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&st)
	res.Body.Close()
	held := st.Memory.Exchanges
	hwm, rss := procStatus(t, cmd.Process.Pid, "VmHWM"), procStatus(t, cmd.Process.Pid, "VmRSS")
	t.Logf("after %d exchanges of 2 MB: %d held; peak RSS %.1f MiB, RSS %.1f MiB", requests, held, float64(hwm)/(1<<20), float64(rss)/(1<<20))
	if held == 0 || held*2*bodyBytes > historyBytes {
		t.Errorf("the history holds %d exchanges of 2 MB; want some, within 32 MiB", held)
	}
	bound := 2*historyBytes + 64<<20 + 32<<20 + slack // the soft limit, plus the runtime's stacks, binary and buffers, and the store's
	if hwm > bound {
		t.Errorf("peak RSS %d MiB; want under %d MiB", hwm>>20, bound>>20)
	}
}

// procStatus reads a size field (in kB) of /proc/PID/status, in bytes.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc here to read the process's memory: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// TestSecondSignalStopsAtOnce: the first SIGINT drains (and says a second
// one will not), the second exits at once with 130, as a shell reports
// death by SIGINT, without waiting for the in-flight request.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server in a process of its own")
	}
	t.Parallel()
	var stderr lockedBuffer
	cmd, url := startServe(t, &stderr)
	go func() {
		if res, err := http.Get(url + "/delay/10"); err == nil {
			res.Body.Close()
		}
	}()
	time.Sleep(300 * time.Millisecond) // the request is in flight for 10 s
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("serve exited (%v) on the first SIGINT with a request in flight; want it to drain", err)
	case <-time.After(500 * time.Millisecond):
	}
	if !strings.Contains(stderr.String(), "a second SIGINT or SIGTERM stops at once") {
		t.Errorf("stderr after the first SIGINT = %q; want it to say a second one stops at once", stderr.String())
	}
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 {
			t.Errorf("serve after a second SIGINT: %v; want exit status 130", err)
		}
		t.Logf("exited %v after the second SIGINT", time.Since(start).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatal("serve still running 5 s after a second SIGINT; want it gone at once")
	}
}

// TestClosedStderr: with its stderr closed, serve keeps answering (Go would
// die of SIGPIPE, exit 141, on the access log's next write) and exits 0.
func TestClosedStderr(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server in a process of its own")
	}
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd, url := startServe(t, w)
	w.Close()
	r.Close() // now every write to the child's stderr is a broken pipe
	for i := 0; i < 5; i++ {
		res, err := http.Get(url + "/hello")
		if err != nil {
			t.Fatalf("GET /hello %d with stderr closed: %v; want 200", i, err)
		}
		res.Body.Close()
		time.Sleep(150 * time.Millisecond) // past the access log's flush
	}
	stopServe(t, cmd)
}

// TestStoreAcrossRestart: with --store, exchanges captured before a
// SIGTERM are listed after the restart, and new ones get later ids.
func TestStoreAcrossRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server in a process of its own")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	stop := func(cmd *exec.Cmd) {
		t.Helper()
		http.DefaultClient.CloseIdleConnections()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("serve --store after SIGTERM: %v; want exit status 0", err)
		}
	}
	list := func(url string) []struct {
		ID  uint64
		URL string
	} {
		t.Helper()
		res, err := http.Get(url + "/_roundtrip/api/exchanges?limit=100")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var l struct {
			Exchanges []struct {
				ID  uint64
				URL string
			}
		}
		if err := json.NewDecoder(res.Body).Decode(&l); err != nil {
			t.Fatal(err)
		}
		return l.Exchanges
	}
	cmd, url := startServe(t, io.Discard, "--store", path)
	for i := range 3 {
		res, err := http.Get(url + "/hello?before=" + strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	stop(cmd)

	cmd, url = startServe(t, io.Discard, "--store", path)
	res, err := http.Get(url + "/hello?after=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	got := list(url)
	stop(cmd)
	if len(got) != 4 || got[0].URL != "/hello?after=1" || got[3].URL != "/hello?before=0" || got[0].ID <= got[1].ID {
		t.Errorf("after a restart, the list = %+v; want the new exchange first, with a later id, then the 3 from before", got)
	}
}
