package copyas

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// received is a request as a server read it off the wire.
type received struct {
	method, target, proto string
	fields                [][2]string // name and value, in the order sent
	body                  []byte
}

// record listens on a free loopback port until the test ends and hands
// over every request it reads, answering each 204 and closing.
func record(t *testing.T) (string, <-chan received) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan received, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(time.Minute))
				if r, err := readRequest(c); err == nil {
					got <- r
				}
			}()
		}
	}()
	return ln.Addr().String(), got
}

// readRequest reads one request from c, keeping its header fields in
// order, and answers it.
func readRequest(c net.Conn) (received, error) {
	var r received
	br := bufio.NewReader(c)
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return r, err
	}
	parts := strings.SplitN(line, " ", 3)
	if len(parts) != 3 {
		return r, io.ErrUnexpectedEOF
	}
	r.method, r.target, r.proto = parts[0], parts[1], parts[2]
	length, chunked, expect := 0, false, false
	for {
		l, err := tp.ReadLine()
		if err != nil {
			return r, err
		}
		if l == "" {
			break
		}
		name, value, _ := strings.Cut(l, ":")
		value = strings.Trim(value, " \t")
		r.fields = append(r.fields, [2]string{name, value})
		switch http.CanonicalHeaderKey(name) {
		case "Content-Length":
			length, _ = strconv.Atoi(value)
		case "Transfer-Encoding":
			chunked = strings.EqualFold(value, "chunked")
		case "Expect":
			expect = true
		}
	}
	if expect {
		_, _ = io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n")
	}
	if chunked {
		r.body, err = io.ReadAll(httputil.NewChunkedReader(br))
	} else {
		r.body = make([]byte, length)
		_, err = io.ReadFull(br, r.body)
	}
	if err != nil {
		return r, err
	}
	_, err = io.WriteString(c, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
	return r, err
}

// need is the path of a program the test runs. Outside CI a missing one
// skips the test; under CI=true it fails it.
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := name + " is not installed; on Debian: apt-get install curl httpie nodejs"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// replayCase is an exchange to replay. Its Host is set to the recorder's
// unless host is. env sets the secrets; wantTarget and wantHeaders are what
// the server should get for them in place of the capture's.
type replayCase struct {
	name        string
	ex          observe.Exchange
	host        string
	env         map[string]string
	wantTarget  string
	wantHeaders http.Header
}

func bytes256() string {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// browserish are headers nearly every client sends: set, so that a tool's
// own do not stand in for them.
func browserish(h http.Header) http.Header {
	out := http.Header{"Accept": {"*/*"}, "User-Agent": {"roundtrip-test/1"}, "Accept-Encoding": {"gzip, deflate"}}
	for k, v := range h {
		out[k] = v
	}
	return out
}

func msg(method, target string, h http.Header, body string) observe.Exchange {
	ex := observe.Exchange{Summary: observe.Summary{Method: method, URL: target, Proto: "HTTP/1.1"}}
	ex.Request.Headers = h
	ex.Request.SetBody(body, int64(len(body)), false)
	if body != "" {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return ex
}

func replayCases() []replayCase {
	hostile := "it's \"quoted\" $HOME `id` $(id) \\ back\\slash %s %%\nnew line\n\n"
	long := strings.Repeat("a line of a long body, with 'quotes' and $vars\n", 5000) // 240 KiB
	binary := msg("PUT", "/upload", browserish(http.Header{"Content-Type": {"application/octet-stream"}}), "")
	binary.Request.BodyBase64, binary.Request.BodySize = bytes256(), 256
	binary.Request.Headers.Set("Content-Length", "256")
	latin1 := msg("POST", "/echo", browserish(http.Header{"Content-Type": {"text/plain; charset=iso-8859-1"}}), "caf\xe9 \xff\x00!\x0012\x017 \\101 %d")
	truncated := msg("POST", "/echo", browserish(http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"1000"}}), "")
	truncated.Request.SetBody("0123456789", 1000, true)
	secret := msg("GET", "/api?token=[redacted]&x=1", browserish(http.Header{"Authorization": {observe.Redacted}, "X-Api-Key": {observe.Redacted}}), "")
	return []replayCase{
		{name: "simple get", ex: msg("GET", "/hello", browserish(http.Header{}), "")},
		{name: "quotes and dollars", ex: msg("POST", "/echo?x=1", browserish(http.Header{
			"Content-Type": {"text/plain"},
			"X-Quote":      {"it's \"q\" $HOME `id` $(id) \\ done"},
		}), hostile)},
		{name: "all 256 bytes", ex: binary},
		{name: "not utf-8", ex: latin1},
		{name: "empty and duplicate headers", ex: msg("GET", "/hello", browserish(http.Header{
			"X-Empty": {""},
			"X-Dup":   {"one", "two, three", "four"},
			"X-Lead":  {"=not json", "@not a file"},
			"X-Utf8":  {"café ☕"},
		}), "")},
		{name: "brackets, braces and escapes", ex: msg("GET", "/a[1]/{b}/%7Bc%7D?q=[x]&r={y}&s=%zz&t=%41&u=%2f&d=$HOME", browserish(http.Header{}), "")},
		{name: "long body", ex: msg("POST", "/echo", browserish(http.Header{"Content-Type": {"text/plain"}}), long)},
		{name: "no defaults", ex: msg("POST", "/echo", http.Header{}, "bare")},
		{name: "redacted", ex: secret,
			env:         map[string]string{"AUTHORIZATION": "Bearer s3cr'et", "X_API_KEY": "k$y", "TOKEN": "t%20k"},
			wantTarget:  "/api?token=t%20k&x=1",
			wantHeaders: http.Header{"Authorization": {"Bearer s3cr'et"}, "X-Api-Key": {"k$y"}}},
		{name: "truncated", ex: truncated},
		{name: "another host", ex: msg("GET", "/hello", browserish(http.Header{}), ""), host: "example.test:8080"},
		{name: "delete with a body", ex: msg("DELETE", "/things/1", browserish(http.Header{"Content-Type": {"application/json"}}), `{"why":"done"}`)},
		{name: "get with a body", ex: msg("GET", "/search", browserish(http.Header{"Content-Type": {"application/json"}}), `{"q":1}`)},
		{name: "head", ex: msg("HEAD", "/hello", browserish(http.Header{}), "")},
		{name: "options", ex: msg("OPTIONS", "/hello", browserish(http.Header{}), "")},
		{name: "empty post", ex: msg("POST", "/echo", browserish(http.Header{"Content-Length": {"0"}}), "")},
		{name: "asterisk", ex: msg("OPTIONS", "*", browserish(http.Header{}), "")},
		{name: "absolute form", ex: msg("GET", "http://example.test/x?y=1", browserish(http.Header{}), "")},
		{name: "hop-by-hop", ex: msg("GET", "/hello", browserish(http.Header{"Connection": {"keep-alive, X-Hop"}, "X-Hop": {"1"}, "Te": {"trailers"}}), "")},
	}
}

// prepare fills in the case's Host for a server at addr.
func (c replayCase) prepare(addr string) *observe.Exchange {
	ex := c.ex
	ex.Host = addr
	if c.host != "" {
		ex.Host = c.host
	}
	return &ex
}

// differences are what a rendering says it cannot send as captured.
type differences struct {
	target  bool            // the request-target may differ
	headers map[string]bool // canonical names whose values may differ or be missing
	extra   map[string]bool // headers the tool adds, when the capture has none of them
	join    bool            // a name's values arrive joined by commas
	noBody  bool            // the body is left out
	noHost  bool            // Host may differ
	wire    bool            // hop-by-hop headers go too
}

// check compares what the server got with the capture, as far as d allows.
func check(t *testing.T, out string, c replayCase, ex *observe.Exchange, got received, d differences) {
	t.Helper()
	defer func() {
		if t.Failed() {
			t.Logf("the rendering:\n%s", out)
		}
	}()
	if got.method != ex.Method {
		t.Errorf("method = %q; want %q", got.method, ex.Method)
	}
	wantTarget := ex.URL
	if c.wantTarget != "" {
		wantTarget = c.wantTarget
	}
	if !d.target && got.target != wantTarget {
		t.Errorf("target = %q; want %q", got.target, wantTarget)
	}
	if got.proto != "HTTP/1.1" {
		t.Errorf("proto = %q; want HTTP/1.1", got.proto)
	}
	hop := map[string]bool{}
	if !d.wire {
		hop = map[string]bool{"Connection": true, "Te": true, "Keep-Alive": true, "Upgrade": true, "Trailer": true, "Transfer-Encoding": true}
		for _, v := range ex.Request.Headers.Values("Connection") {
			for _, tok := range strings.Split(v, ",") {
				hop[http.CanonicalHeaderKey(strings.TrimSpace(tok))] = true
			}
		}
	}
	want := map[string][]string{}
	for k, vs := range ex.Request.Headers {
		if k == "Content-Length" || hop[k] || d.headers[k] {
			continue
		}
		if w, ok := c.wantHeaders[k]; ok {
			vs = w
		}
		if d.join && len(vs) > 1 {
			vs = []string{strings.Join(vs, ", ")}
		}
		want[k] = vs
	}
	gotHeaders := map[string][]string{}
	var host []string
	length := -1
	for _, f := range got.fields {
		k := http.CanonicalHeaderKey(f[0])
		switch {
		case k == "Host":
			host = append(host, f[1])
		case k == "Content-Length":
			length, _ = strconv.Atoi(f[1])
		case d.headers[k], hop[k] && d.extra[k], d.extra[k] && ex.Request.Headers[k] == nil:
		default:
			gotHeaders[k] = append(gotHeaders[k], f[1])
		}
	}
	for _, k := range sortedKeys(want, gotHeaders) {
		if !slices.Equal(gotHeaders[k], want[k]) {
			t.Errorf("header %s = %q; want %q", k, gotHeaders[k], want[k])
		}
	}
	if !d.noHost && !slices.Equal(host, []string{ex.Host}) {
		t.Errorf("Host = %q; want %q", host, ex.Host)
	}
	body := []byte(ex.Request.Body)
	if ex.Request.BodyBase64 != "" {
		body, _ = base64.StdEncoding.DecodeString(ex.Request.BodyBase64)
	}
	if d.noBody {
		body = nil
	}
	if !bytes.Equal(got.body, body) {
		t.Errorf("body = %d bytes %.80q; want %d bytes %.80q", len(got.body), got.body, len(body), body)
	}
	if len(body) > 0 && length != len(body) {
		t.Errorf("Content-Length = %d; want %d", length, len(body))
	}
}

func sortedKeys(ms ...map[string][]string) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// await is the request the server got, or a failure once the tool has
// run without one arriving.
func await(t *testing.T, got <-chan received) received {
	t.Helper()
	select {
	case r := <-got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the server received no request")
		return received{}
	}
}

// runIn runs name with args, the case's secrets in its environment, and
// fails the test if it fails.
func runIn(t *testing.T, dir string, env map[string]string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	// HTTPie's own directory, where it is told not to look for updates:
	// it would ask packages.httpie.io.
	config := filepath.Join(dir, ".httpie")
	if err := os.MkdirAll(config, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(config, "config.json"), []byte(`{"disable_update_warnings": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "HTTPIE_CONFIG_DIR="+config)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// TestReplayShell runs each curl and HTTPie command with sh -c against a
// server that records what it receives, and compares that with the
// capture: method, target, every header value in order, Host and the
// body, byte for byte, but for what the command's notes say it cannot do.
func TestReplayShell(t *testing.T) {
	t.Parallel()
	tools := []struct {
		format, bin string
		differ      func(out string) differences
	}{
		{"curl", "curl", func(string) differences { return differences{} }},
		{"httpie", "http", func(out string) differences {
			d := differences{
				target:  strings.Contains(out, "rewrites this URL") || strings.Contains(out, "cannot send the request-target"),
				headers: map[string]bool{},
				// HTTPie's own, which it keeps (the capture's are hop-by-hop)
				// or cannot take away.
				extra: map[string]bool{"Connection": true, "User-Agent": true, "Accept-Encoding": true},
			}
			return d
		}},
	}
	for _, tool := range tools {
		t.Run(tool.format, func(t *testing.T) {
			t.Parallel()
			need(t, tool.bin)
			sh := need(t, "sh")
			for _, c := range replayCases() {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					addr, got := record(t)
					ex := c.prepare(addr)
					out, err := Render(tool.format, ex, "http://"+addr)
					if err != nil {
						t.Fatal(err)
					}
					d := tool.differ(out)
					dir := t.TempDir()
					if len(out) < 100<<10 {
						runIn(t, dir, c.env, sh, "-c", out)
					} else {
						// Past what one argument may hold (128 KiB on Linux), as a
						// paste into a terminal or a saved script would run it.
						if err := os.WriteFile(filepath.Join(dir, "replay.sh"), []byte(out), 0o600); err != nil {
							t.Fatal(err)
						}
						runIn(t, dir, c.env, sh, "replay.sh")
					}
					check(t, out, c, ex, await(t, got), d)
				})
			}
		})
	}
}

// TestReplayShellNeedsSecrets: a command whose capture redacted a secret
// stops, naming the variable to set, and sends nothing.
func TestReplayShellNeedsSecrets(t *testing.T) {
	t.Parallel()
	sh := need(t, "sh")
	for _, format := range []string{"curl", "httpie"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			addr, got := record(t)
			c := replayCases()[slices.IndexFunc(replayCases(), func(c replayCase) bool { return c.name == "redacted" })]
			out, err := Render(format, c.prepare(addr), "http://"+addr)
			if err != nil {
				t.Fatal(err)
			}
			res, err := exec.Command(sh, "-c", out).CombinedOutput()
			if err == nil || !strings.Contains(string(res), "TOKEN") {
				t.Errorf("sh -c %s without TOKEN = %v, %q; want a failure naming TOKEN", format, err, res)
			}
			select {
			case r := <-got:
				t.Errorf("the server received %s %s; want nothing", r.method, r.target)
			case <-time.After(100 * time.Millisecond):
			}
		})
	}
}

// TestReplayFetch runs each fetch call with Node, whose fetch is the
// browser's (undici), and compares what the server got, the headers a
// browser sets itself aside.
func TestReplayFetch(t *testing.T) {
	t.Parallel()
	node := need(t, "node")
	for _, c := range replayCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			addr, got := record(t)
			ex := c.prepare(addr)
			out, err := Render("fetch", ex, "http://"+addr)
			if err != nil {
				t.Fatal(err)
			}
			src := out
			for k, v := range c.env {
				src = strings.Replace(src, "const "+k+` = "";`, "const "+k+" = "+jsString(v, false)+";", 1)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "replay.mjs"), []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
			d := differences{
				target:  strings.Contains(out, "URL Standard") || strings.Contains(out, "cannot send the request-target"),
				join:    true,
				noBody:  strings.Contains(out, "sends no body"),
				noHost:  ex.Host != addr,
				headers: map[string]bool{},
				// Node's own, as a browser's would be.
				extra: map[string]bool{"Connection": true, "Accept-Language": true, "Sec-Fetch-Mode": true, "User-Agent": true, "Accept": true, "Accept-Encoding": true},
			}
			for k := range ex.Request.Headers {
				if isForbidden(k) {
					d.headers[k] = true
					if !strings.Contains(out, jsString(k, false)+": ") {
						t.Errorf("fetch leaves out %s without a note", k)
					}
				}
			}
			runIn(t, dir, nil, node, "replay.mjs")
			check(t, out, c, ex, await(t, got), d)
		})
	}
}

// TestReplayGo builds every Go program in one module, vets it, and runs
// each against a recording server.
func TestReplayGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a dozen programs; not with -short")
	}
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	dir := t.TempDir()
	write := func(name, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module replay\n\ngo 1.24\n")
	type built struct {
		c     replayCase
		ex    *observe.Exchange
		out   string
		got   <-chan received
		index int
	}
	var all []built
	for i, c := range replayCases() {
		addr, got := record(t)
		ex := c.prepare(addr)
		out, err := Render("go", ex, "http://"+addr)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		write(filepath.Join("p"+strconv.Itoa(i), "main.go"), out)
		all = append(all, built{c, ex, out, got, i})
	}
	// Built and vetted only: what the recorder does not speak.
	for i, ex := range []*observe.Exchange{
		exchange("GET", "/", "h:8443", "HTTP/1.1", "TLS 1.3", nil),
		exchange("GET", "/", "h", "HTTP/2.0", "", nil),
		exchange("OPTIONS", "*", "", "HTTP/1.0", "", nil),
		exchange("GET", "http://u:[redacted]@h/x", "h", "HTTP/1.1", "", nil),
	} {
		out, err := Render("go", ex, "")
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join("b"+strconv.Itoa(i), "main.go"), out)
	}
	runIn(t, dir, nil, goBin, "vet", "./...")
	runIn(t, dir, nil, goBin, "build", "-o", "bin/", "./...")
	for _, b := range all {
		t.Run(b.c.name, func(t *testing.T) {
			t.Parallel()
			runIn(t, dir, b.c.env, filepath.Join(dir, "bin", "p"+strconv.Itoa(b.index)))
			check(t, b.out, b.c, b.ex, await(t, b.got), differences{})
		})
	}
}

// TestReplayRaw writes each raw request to a server as it is, as nc
// would, once its notes are dealt with as they say.
func TestReplayRaw(t *testing.T) {
	t.Parallel()
	for _, c := range replayCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			addr, got := record(t)
			ex := c.prepare(addr)
			out, err := Render("http", ex, "http://"+addr)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(out, "# ") {
				_, out, _ = strings.Cut(out, "\n\n") // the notes
				out = strings.Replace(out, "token="+observe.Redacted, "token="+c.env["TOKEN"], 1)
				for k, vs := range c.wantHeaders {
					out = strings.Replace(out, k+": "+observe.Redacted, k+": "+vs[0], 1)
				}
			}
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, out); err != nil {
				t.Fatal(err)
			}
			check(t, out, c, ex, await(t, got), differences{wire: true})
		})
	}
}
