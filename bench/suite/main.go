// Command suite benchmarks roundtrip serve against its peers on loopback:
// each server in turn is started on a free port, loaded with wrk and with
// roundtrip bench on the lesson's three requests, measured for peak RSS and
// stopped. It writes a markdown table with ratios against net/http with
// roundtrip serve's timeouts and header limit ("hardened") and against bare
// net/http with none.
// Run it through bench/run, which builds what it starts.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type server struct {
	name    string
	backend bool // a proxy: it needs the backend running
	tls     bool // it answers https, with a self-signed certificate
	argv    func(port int) []string
	env     func(port int) []string
	note    string
}

type load struct {
	name   string
	method string
	path   string
	body   []byte
}

// result is one tool's measurement of one load.
type result struct {
	rps      float64
	p50, p99 time.Duration
	max      time.Duration // the HTTP/2 row's: the largest latency
	setup    time.Duration // roundtrip bench's connection set-up, before timing
	errors   int64
	err      error
}

type row struct {
	server   server
	load     load
	wrk, rt  result  // each tool's median run
	ratio    float64 // median of rt ÷ wrk over back-to-back pairs; 0 if none
	rssBytes int64

	wrkRuns, rtRuns []result // each round's run, in order

}

type opts struct {
	roundtrip, nethttp, fasthttp, express string
	wrk                                   string
	duration, warmup                      time.Duration
	conns, repeat                         int
	pin                                   bool
	out                                   string
	only                                  string
	storeDir                              string // where serve, store on keeps its files
	reverseproxy, nginx                   string
	h2load                                string // nghttp2's load generator, for the HTTP/2 row; empty leaves it out
	backend                               string // the bare net/http peer the proxies forward to, http://127.0.0.1:PORT
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("suite: ")
	var o opts
	flag.StringVar(&o.roundtrip, "roundtrip", "", "path of the roundtrip binary")
	flag.StringVar(&o.nethttp, "nethttp", "", "path of the net/http server (bench/nethttp), run bare and -hardened")
	flag.StringVar(&o.fasthttp, "fasthttp", "", "path of the fasthttp server")
	flag.StringVar(&o.express, "express", "", "path of the Express server.js")
	flag.StringVar(&o.reverseproxy, "reverseproxy", "", "path of the bare httputil.ReverseProxy (bench/reverseproxy), roundtrip proxy's baseline")
	flag.StringVar(&o.nginx, "nginx", "", "path of nginx, run as a reverse proxy beside roundtrip proxy; empty leaves it out")
	flag.StringVar(&o.wrk, "wrk", "/usr/bin/wrk", "path of wrk")
	h2load, _ := exec.LookPath("h2load")
	flag.StringVar(&o.h2load, "h2load", h2load, "path of h2load (Debian's nghttp2-client), the peer of roundtrip bench --http2 over TLS; empty leaves the HTTP/2 row out")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "how long each run of each tool loads each request")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each measurement")
	flag.IntVar(&o.conns, "c", 50, "connections, the same for both tools")
	flag.IntVar(&o.repeat, "repeat", 7, "runs of each tool per server and request, in turn; the median counts")
	flag.BoolVar(&o.pin, "pin", true, "pin servers to CPU 0 and load generators to CPU 1 with taskset (on 2+ CPUs)")
	flag.StringVar(&o.out, "out", "results.md", "markdown file to write")
	flag.StringVar(&o.only, "only", "", "run only servers whose name contains this (and net/http hardened and bare, the baselines); h2load runs only the HTTP/2 row")
	flag.Parse()
	if o.duration <= 0 || o.duration > 5*time.Minute || o.conns < 1 || o.conns > 1000 || o.repeat < 1 || o.repeat > 9 {
		log.Fatal("-duration must be in (0, 5m], -c in [1, 1000] and -repeat in [1, 9]: every run stays bounded")
	}
	if _, err := exec.LookPath("taskset"); err != nil || runtime.NumCPU() < 2 {
		o.pin = false
	}
	ctx, stop := signalContext()
	defer stop()
	if err := run(ctx, &o); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, o *opts) error {
	loads := []load{
		{"GET /hello", "GET", "/hello", nil},
		{"GET /api/greeting?name=Alice", "GET", "/api/greeting?name=Alice", nil},
		{"POST /echo (1 KiB JSON)", "POST", "/echo", kibJSON()},
	}
	dir, err := os.MkdirTemp("", "roundtrip-suite")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o.storeDir = dir
	servers := peers(o)

	before := loadAvg()
	started := time.Now()
	var md string
	if o.only != "h2load" {
		rows, err := measureAll(ctx, o, dir, servers, loads)
		if err != nil {
			return err
		}
		md = report(o, rows, loads, before, loadAvg(), time.Since(started))
	} else {
		md = fmt.Sprintf("# Benchmark results\n\nThe HTTP/2 row alone (-only h2load), run %s; load average %s before.\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), before)
	}
	if o.h2load != "" && (o.only == "" || o.only == "h2load") {
		h2, err := measureH2(ctx, o, dir, loads)
		if err != nil {
			return err
		}
		md += h2Report(o, h2)
	}
	if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Print(md)
	return nil
}

// measureAll measures the chosen servers on every load, with the proxies'
// backend running when a proxy is chosen.
func measureAll(ctx context.Context, o *opts, dir string, servers []server, loads []load) ([]row, error) {
	chosen := choose(servers, o.only)
	for _, s := range chosen {
		if s.backend { // the proxies' app: bare net/http, beside them on CPU 0
			b, err := start(ctx, o, server{name: "backend", argv: func(p int) []string { return []string{o.nethttp, "-addr", "127.0.0.1:" + strconv.Itoa(p)} }})
			if err != nil {
				return nil, err
			}
			defer b.stop()
			o.backend = b.base
			break
		}
	}
	var rows []row
	for _, l := range loads {
		rs, err := measure(ctx, o, dir, chosen, l)
		if err != nil {
			return nil, err
		}
		rows = append(rows, rs...)
	}
	return rows, nil
}

// peers lists the servers in the order they run. roundtrip's capture-off
// run needs serve's --no-inspector; without it, only one roundtrip row runs.
func peers(o *opts) []server {
	addr := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	var out []server
	help, _ := exec.Command(o.roundtrip, "serve", "--help").CombinedOutput()
	if bytes.Contains(help, []byte("-store")) {
		// The store on, as by default, in a file of the run's own.
		out = append(out,
			server{name: "roundtrip serve, store on", argv: func(p int) []string {
				return []string{o.roundtrip, "serve", "--store", filepath.Join(o.storeDir, "history-"+strconv.Itoa(p)+".db"), "--addr", addr(p)}
			}},
			server{name: "roundtrip serve, store memory", argv: func(p int) []string { return []string{o.roundtrip, "serve", "--store", "memory", "--addr", addr(p)} }},
			server{name: "roundtrip serve, capture off", argv: func(p int) []string { return []string{o.roundtrip, "serve", "--no-inspector", "--addr", addr(p)} }},
		)
	} else if bytes.Contains(help, []byte("-no-inspector")) {
		out = append(out,
			server{name: "roundtrip serve, capture on", argv: func(p int) []string { return []string{o.roundtrip, "serve", "--addr", addr(p)} }},
			server{name: "roundtrip serve, capture off", argv: func(p int) []string { return []string{o.roundtrip, "serve", "--no-inspector", "--addr", addr(p)} }},
		)
	} else {
		out = append(out, server{name: "roundtrip serve", note: "serve has no --no-inspector yet: capture on and off were not told apart",
			argv: func(p int) []string { return []string{o.roundtrip, "serve", "--addr", addr(p)} }})
	}
	out = append(out,
		server{name: hardened, argv: func(p int) []string { return []string{o.nethttp, "-hardened", "-addr", addr(p)} }},
		server{name: bare, argv: func(p int) []string { return []string{o.nethttp, "-addr", addr(p)} }},
		server{name: "fasthttp", argv: func(p int) []string { return []string{o.fasthttp, "-addr", addr(p)} }},
		server{name: "Express (node)", argv: func(p int) []string { return []string{"node", o.express} },
			env: func(p int) []string { return []string{"PORT=" + strconv.Itoa(p), "NODE_ENV=production"} }},
	)
	return append(out, proxies(o)...)
}

// proxies are the reverse proxies in front of the bare net/http peer
// (o.backend, which run starts): roundtrip proxy with the store on and
// with --store memory, the bare httputil.ReverseProxy its target is set
// against, and nginx when there is one.
func proxies(o *opts) []server {
	help, _ := exec.Command(o.roundtrip, "proxy", "--help").CombinedOutput()
	if !bytes.Contains(help, []byte("-inspector-addr")) || o.reverseproxy == "" {
		return nil
	}
	addr := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	out := []server{
		{name: proxyStore, backend: true, argv: func(p int) []string {
			return []string{o.roundtrip, "proxy", "--to", o.backend, "--addr", addr(p), "--inspector-addr", "127.0.0.1:0",
				"--store", filepath.Join(o.storeDir, "proxy-"+strconv.Itoa(p)+".db")}
		}},
		{name: proxyMemory, backend: true, argv: func(p int) []string {
			return []string{o.roundtrip, "proxy", "--to", o.backend, "--addr", addr(p), "--inspector-addr", "127.0.0.1:0", "--store", "memory"}
		}},
		{name: bareProxy, backend: true, argv: func(p int) []string { return []string{o.reverseproxy, "-addr", addr(p), "-to", o.backend} }},
	}
	if o.nginx != "" {
		out = append(out, server{name: "nginx (reverse proxy)", backend: true, argv: func(p int) []string {
			conf := filepath.Join(o.storeDir, "nginx-"+strconv.Itoa(p)+".conf")
			_ = os.WriteFile(conf, []byte(nginxConf(p, o.backend, o.storeDir)), 0o600)
			return []string{o.nginx, "-e", "stderr", "-p", o.storeDir, "-c", conf}
		}})
	}
	return out
}

// The proxies' rows, by name.
const (
	proxyStore  = "roundtrip proxy, store on"
	proxyMemory = "roundtrip proxy, store memory"
	bareProxy   = "httputil.ReverseProxy (bare)"
)

// nginxConf is nginx as a reverse proxy to backend on port: one worker,
// as the other servers have one CPU, keep-alive to the backend as the Go
// proxies keep it, and no access log, as the others write none.
func nginxConf(port int, backend, dir string) string {
	return fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[3]s/nginx-%[1]d.pid;
error_log stderr error;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[3]s/nginx-body-%[1]d;
  proxy_temp_path %[3]s/nginx-proxy-%[1]d;
  upstream app { server %[2]s; keepalive 256; }
  server {
    listen 127.0.0.1:%[1]d;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`, port, strings.TrimPrefix(backend, "http://"), dir)
}

// choose is the servers whose name contains only, and the baselines,
// which every ratio needs; all of them when only is empty.
func choose(servers []server, only string) []server {
	var out []server
	proxies := false
	for _, s := range servers {
		if only == "" || strings.Contains(s.name, only) || s.name == hardened || s.name == bare {
			out = append(out, s)
			proxies = proxies || s.backend && s.name != bareProxy
		}
	}
	if proxies && only != "" && !strings.Contains(bareProxy, only) {
		for _, s := range servers {
			if s.name == bareProxy { // the proxies' baseline
				out = append(out, s)
			}
		}
	}
	return out
}

// kibJSON is a 1 KiB JSON object.
func kibJSON() []byte {
	head := `{"name":"Alice","padding":"`
	tail := `"}`
	return []byte(head + strings.Repeat("x", 1024-len(head)-len(tail)) + tail)
}

// running is a started server.
type running struct {
	server server
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
}

// start starts s on a free port, pinned to CPU 0 when pinning, and waits
// until it answers.
func start(ctx context.Context, o *opts, s server) (*running, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	argv := s.argv(port)
	if o.pin {
		argv = append([]string{"taskset", "-c", "0"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = os.Environ()
	if s.env != nil {
		cmd.Env = append(cmd.Env, s.env(port)...)
	}
	// stderr goes to /dev/null: roundtrip serve logs every request, and a
	// pipe would make the suite read (and pay CPU for) every line.
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	r := &running{server: s, cmd: cmd, base: scheme + "://127.0.0.1:" + strconv.Itoa(port)}
	if err := waitReady(ctx, r.base+"/hello"); err != nil {
		r.stop()
		return nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	return r, nil
}

// stop ends the server: SIGTERM, then SIGKILL after 5 seconds.
func (r *running) stop() {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
	}
}

// measure loads every server with l. All of them run at once, idle but
// for the one under load, so that the runs can take turns: in each of
// the repeat rounds every server is loaded by both tools, back to back.
// A slow spell of the shared machine then touches each server and tool
// alike, and ratios are taken within a round.
func measure(ctx context.Context, o *opts, dir string, servers []server, l load) ([]row, error) {
	var live []*running
	defer func() {
		for _, r := range live {
			r.stop()
		}
	}()
	for _, s := range servers {
		r, err := start(ctx, o, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		live = append(live, r)
	}
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, l.body, 0o600); err != nil {
		return nil, err
	}
	if o.warmup > 0 {
		for _, r := range live {
			_ = runRoundtrip(ctx, o, l, r.base+l.path, bodyFile, o.warmup)
		}
	}
	rows := make([]row, len(live))
	for i := range o.repeat {
		for k := range live {
			j := (k + i) % len(live) // each round starts with another server
			url := live[j].base + l.path
			var w, rt result
			if (i+j)%2 == 0 {
				w = runWrk(ctx, o, dir, l, url)
				rt = runRoundtrip(ctx, o, l, url, bodyFile, o.duration)
			} else {
				rt = runRoundtrip(ctx, o, l, url, bodyFile, o.duration)
				w = runWrk(ctx, o, dir, l, url)
			}
			rows[j].wrkRuns = append(rows[j].wrkRuns, w)
			rows[j].rtRuns = append(rows[j].rtRuns, rt)
			log.Printf("%s, %s: round %d of %d: wrk %.0f req/s, roundtrip bench %.0f req/s",
				live[j].server.name, l.name, i+1, o.repeat, w.rps, rt.rps)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
	}
	for j, r := range live {
		row := &rows[j]
		row.server, row.load = r.server, l
		row.wrk, row.rt = median(row.wrkRuns), median(row.rtRuns)
		row.ratio = pairedRatio(row.rtRuns, row.wrkRuns)
		row.rssBytes = peakRSS(r.cmd.Process.Pid)
	}
	return rows, nil
}

// pairedRatio is the median over rounds of a[i].rps ÷ b[i].rps, with
// rounds where either failed left out; 0 when none is left.
func pairedRatio(a, b []result) float64 {
	var ratios []result
	for i := range min(len(a), len(b)) {
		if a[i].err == nil && b[i].err == nil && b[i].rps > 0 {
			ratios = append(ratios, result{rps: a[i].rps / b[i].rps})
		}
	}
	if len(ratios) == 0 {
		return 0
	}
	return median(ratios).rps
}

// median is the run with the median req/s; a failed run counts as the lowest.
func median(runs []result) result {
	rs := slices.Clone(runs)
	slices.SortFunc(rs, func(a, b result) int {
		ra, rb := a.rps, b.rps
		if a.err != nil {
			ra = -1
		}
		if b.err != nil {
			rb = -1
		}
		return cmp.Compare(ra, rb)
	})
	return rs[len(rs)/2]
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls url until it answers 200, for at most 15 seconds.
func waitReady(ctx context.Context, url string) error {
	// A TLS server's certificate is its own, self-signed.
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // loopback, our own server
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(url); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("not ready after 15s")
}

// loader returns argv prefixed to pin a load generator to CPU 1.
func loader(o *opts, argv ...string) *exec.Cmd {
	if o.pin {
		argv = append([]string{"taskset", "-c", "1"}, argv...)
	}
	return exec.Command(argv[0], argv[1:]...)
}

func threads(o *opts) int {
	if o.pin {
		return 1 // one CPU: one thread, as roundtrip bench's GOMAXPROCS will be
	}
	return runtime.NumCPU()
}

const wrkScript = `-- Set by the suite for this load.
wrk.method = %q
wrk.body = %q
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SUITE %%d %%d %%d %%d %%d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
`

func runWrk(ctx context.Context, o *opts, dir string, l load, url string) result {
	script := filepath.Join(dir, "load.lua")
	if err := os.WriteFile(script, fmt.Appendf(nil, wrkScript, l.method, string(l.body)), 0o600); err != nil {
		return result{err: err}
	}
	secs := max(int(o.duration/time.Second), 1)
	cmd := loader(o, o.wrk, "-t", strconv.Itoa(min(threads(o), o.conns)), "-c", strconv.Itoa(o.conns),
		"-d", strconv.Itoa(secs)+"s", "--timeout", "10s", "-s", script, url)
	out, err := runBounded(ctx, cmd, o.duration+30*time.Second)
	if err != nil {
		return result{err: fmt.Errorf("wrk: %v: %s", err, out)}
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 6 || f[0] != "SUITE" {
			continue
		}
		var n [5]int64
		for i := range n {
			n[i], _ = strconv.ParseInt(f[i+1], 10, 64)
		}
		if n[1] <= 0 {
			break
		}
		return result{
			rps:    float64(n[0]) / (float64(n[1]) / 1e6),
			errors: n[2],
			p50:    time.Duration(n[3]) * time.Microsecond,
			p99:    time.Duration(n[4]) * time.Microsecond,
		}
	}
	return result{err: fmt.Errorf("wrk printed no summary: %s", out)}
}

func runRoundtrip(ctx context.Context, o *opts, l load, url, bodyFile string, d time.Duration) result {
	argv := []string{o.roundtrip, "bench", "-c", strconv.Itoa(o.conns), "-d", d.String(), "--output", "json"}
	if l.method != "GET" {
		argv = append(argv, "-X", l.method, "-H", "Content-Type: application/json", "--data", "@"+bodyFile)
	}
	out, err := runBounded(ctx, loader(o, append(argv, url)...), d+30*time.Second)
	if err != nil {
		return result{err: fmt.Errorf("roundtrip bench: %v: %s", err, out)}
	}
	var rep struct {
		RequestsPerSecond float64            `json:"requests_per_second"`
		Errors            int64              `json:"errors"`
		Latency           map[string]float64 `json:"latency_ms"`
		Status            map[string]int64   `json:"status_codes"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return result{err: fmt.Errorf("roundtrip bench printed %q: %v", out, err)}
	}
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	return result{rps: rep.RequestsPerSecond, errors: rep.Errors, p50: ms(rep.Latency["p50"]), p99: ms(rep.Latency["p99"])}
}

// runBounded runs cmd, killing it after limit, and returns its stdout.
func runBounded(ctx context.Context, cmd *exec.Cmd, limit time.Duration) ([]byte, error) {
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &limitedBuffer{buf: &errOut, max: 4 << 10}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return append(out.Bytes(), errOut.Bytes()...), err
		}
		return out.Bytes(), nil
	case <-time.After(limit):
	case <-ctx.Done():
	}
	_ = cmd.Process.Kill()
	<-done
	return out.Bytes(), errors.New("killed: ran past its time")
}

// peakRSS is a process's peak resident set size (VmHWM), or -1.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return -1
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// limitedBuffer keeps the first max bytes written and drops the rest.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
