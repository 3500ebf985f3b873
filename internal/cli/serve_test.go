package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

// startServe runs `roundtrip serve args...` in process and returns the URL
// it printed, a cancel that stands for SIGTERM, and its exit code channel.
func startServe(t *testing.T, getenv func(string) string, args ...string) (url string, stop func(), code <-chan int) {
	t.Helper()
	return startServeLog(t, getenv, io.Discard, args...)
}

// startServeLog is startServe with serve's stderr, its log, going to stderr.
func startServeLog(t *testing.T, getenv func(string) string, stderr io.Writer, args ...string) (url string, stop func(), code <-chan int) {
	t.Helper()
	getenv = withState(t, getenv)
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	codec := make(chan int, 1)
	go func() {
		codec <- Main(ctx, append([]string{"serve"}, args...), getenv, strings.NewReader(""), outW, stderr)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	if !lines.Scan() {
		cancel()
		t.Fatalf("serve printed nothing; exit code %d", <-codec)
	}
	first := lines.Text()
	go io.Copy(io.Discard, outR)
	const prefix = "roundtrip listening on "
	if !strings.HasPrefix(first, prefix) {
		cancel()
		t.Fatalf("serve's first line = %q; want %q...", first, prefix)
	}
	t.Cleanup(cancel)
	return strings.TrimPrefix(first, prefix), cancel, codec
}

// withState is getenv with a state directory of the test's own, where
// serve keeps its store by default, unless getenv has one.
func withState(t *testing.T, getenv func(string) string) func(string) string {
	t.Helper()
	dir := t.TempDir()
	return func(k string) string {
		if v := getenv(k); v != "" || k != "XDG_STATE_HOME" {
			return v
		}
		return dir
	}
}

func TestServe(t *testing.T) {
	url, stop, code := startServe(t, func(string) string { return "" }, "--addr", "127.0.0.1:0", "--log-format", "json")
	if strings.HasSuffix(url, ":0") || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("serve printed %q; want the real port on 127.0.0.1", url)
	}
	res, err := http.Get(url + "/api/greeting?name=Alice")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if got, want := string(body), "{\"message\":\"Hello, Alice!\"}\n"; got != want {
		t.Errorf("GET /api/greeting?name=Alice = %q; want %q", got, want)
	}
	// Through serve's own listener, HTTP/1.1 exchanges time the read phase.
	if st := res.Header.Get("Server-Timing"); !strings.HasPrefix(st, "read;dur=") {
		t.Errorf("Server-Timing = %q; want it to start with the read phase", st)
	}
	http.DefaultClient.CloseIdleConnections()
	stop()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("serve exit code after SIGTERM = %d; want 0", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
}

// lockedBuffer is a buffer for a server's log, which its goroutines write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeAccessLog runs serve with each --access-log and reads its
// stderr after a request and the shutdown: the access line in its format,
// or none, and the server's own lines in --log-format's either way.
func TestServeAccessLog(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantAccess string // a substring of the access line; "" means no access line
		wantOwn    string // a substring of the server's own shutdown line
	}{
		{"default", nil, ` msg=request method=GET path=/hello status=200 bytes=13 duration_ms=`, `level=INFO msg="shutting down"`},
		{"off", []string{"--access-log", "off"}, "", `level=INFO msg="shutting down"`},
		{"off, own lines json", []string{"--access-log", "off", "--log-format", "json"}, "", `"msg":"shutting down"`},
		{"json as --log-format", []string{"--log-format", "json"}, `"msg":"request","method":"GET","path":"/hello","status":200,"bytes":13,"duration_ms":`, `"msg":"shutting down"`},
		{"json, own lines text", []string{"--access-log", "json"}, `"path":"/hello","status":200,"bytes":13,"duration_ms":`, `level=INFO msg="shutting down"`},
		{"text, own lines json", []string{"--access-log", "text", "--log-format", "json"}, ` path=/hello status=200 bytes=13 duration_ms=`, `"msg":"shutting down"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr lockedBuffer
			url, stop, code := startServeLog(t, func(string) string { return "" }, &stderr, append([]string{"--addr", "127.0.0.1:0", "--store", "memory"}, tt.args...)...)
			tr := &http.Transport{}
			res, err := (&http.Client{Transport: tr}).Get(url + "/hello")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			tr.CloseIdleConnections()
			stop()
			if c := <-code; c != 0 {
				t.Fatalf("serve %q exit code = %d; want 0 (stderr %q)", tt.args, c, stderr.String())
			}
			log := stderr.String()
			requests := strings.Count(log, "msg=request ") + strings.Count(log, `"msg":"request"`)
			switch {
			case tt.wantAccess == "" && requests != 0:
				t.Errorf("serve %q stderr = %q; want no access line", tt.args, log)
			case tt.wantAccess != "" && (requests != 1 || !strings.Contains(log, tt.wantAccess)):
				t.Errorf("serve %q stderr = %q; want one access line with %q", tt.args, log, tt.wantAccess)
			}
			if !strings.Contains(log, tt.wantOwn) {
				t.Errorf("serve %q stderr = %q; want the server's own line %q", tt.args, log, tt.wantOwn)
			}
		})
	}
}

func TestAccessLogUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--access-log", "none"}, "roundtrip: serve: --access-log must be off, text or json, not \"none\"\n"},
		{[]string{"proxy", "--to", "http://x", "--access-log", "JSON"}, "roundtrip: proxy: --access-log must be off, text or json, not \"JSON\"\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runMain(t, tt.args...)
			if code != exitUsage || stderr != tt.want || stdout != "" {
				t.Errorf("Main(%q) = %d, stdout %q, stderr %q; want %d and %q", tt.args, code, stdout, stderr, exitUsage, tt.want)
			}
		})
	}
}

func TestServePortEnv(t *testing.T) {
	getenv := func(k string) string {
		if k == "PORT" {
			return "0"
		}
		return ""
	}
	url, stop, code := startServe(t, getenv)
	if !strings.HasPrefix(url, "http://localhost:") || strings.HasSuffix(url, ":0") {
		t.Errorf("serve with PORT=0 printed %q; want http://localhost:<port>", url)
	}
	stop()
	<-code
}

func TestServeBadPortEnv(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runMainEnv(t, map[string]string{"PORT": "web"}, "", "serve")
	if want := "roundtrip: serve: $PORT's address \":web\": port \"web\" is not a number\n"; code != exitUsage || stdout != "" || stderr != want {
		t.Errorf("serve with PORT=web = %d, %q, stderr %q; want %d, nothing, %q", code, stdout, stderr, exitUsage, want)
	}
}

func TestServeAddressInUse(t *testing.T) {
	t.Parallel() // serve stops before it sets GOGC
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr bytes.Buffer
	code := Main(context.Background(), []string{"serve", "--addr", ln.Addr().String()}, withState(t, func(string) string { return "" }), nil, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "address already in use") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("serve on a busy port = %d %q; want 1 and one line naming the cause", code, stderr.String())
	}
}

func TestListenURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		asked, bound, want string
	}{
		{"localhost:3000", "127.0.0.1:3000", "http://localhost:3000"},
		{"localhost:0", "127.0.0.1:41234", "http://localhost:41234"},
		{":8080", "[::]:8080", "http://localhost:8080"},
		{"0.0.0.0:0", "0.0.0.0:5555", "http://localhost:5555"},
		{"[::1]:0", "[::1]:5555", "http://[::1]:5555"},
		{"127.0.0.1:80", "127.0.0.1:80", "http://127.0.0.1:80"},
	}
	for _, tt := range tests {
		t.Run(tt.asked, func(t *testing.T) {
			t.Parallel()
			bound, err := net.ResolveTCPAddr("tcp", tt.bound)
			if err != nil {
				t.Fatal(err)
			}
			if got := listenURL(tt.asked, bound, false); got != tt.want {
				t.Errorf("listenURL(%q, %s) = %q; want %q", tt.asked, tt.bound, got, tt.want)
			}
		})
	}
}

// gogc reads the garbage collector's target percentage.
func gogc(t *testing.T) uint64 {
	t.Helper()
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestServeGOGC(t *testing.T) {
	before := gogc(t)
	tests := []struct {
		name string
		env  string
		want uint64
	}{
		{"default", "", serveGOGC},
		{"GOGC set", "100", before},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "GOGC" {
					return tt.env
				}
				return ""
			}
			_, stop, code := startServe(t, getenv, "--addr", "127.0.0.1:0")
			// serve sets the target after it prints its address: poll, bounded.
			var got uint64
			for range 100 { // bounded: 100 × 10ms
				if got = gogc(t); got == tt.want {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if got != tt.want {
				t.Errorf("GOGC while serving = %d; want %d", got, tt.want)
			}
			stop()
			<-code
			if got := gogc(t); got != before {
				t.Errorf("GOGC after serve = %d; want %d restored", got, before)
			}
		})
	}
}
