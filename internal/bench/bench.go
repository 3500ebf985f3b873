// Package bench is roundtrip's load generator: closed-loop or open-loop
// HTTP load over a fixed number of connections, with latencies in HDR
// histograms corrected for coordinated omission when a rate is set.
package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// Config is one run's load.
type Config struct {
	URL     string
	Method  string      // default GET, or POST when Body is set
	Header  http.Header // added to the request; Host replaces the URL's. No Content-Type unless set here
	Body    []byte
	Conns   int           // connections (HTTP/2: concurrent streams); default 10
	Total   int64         // stop after this many requests; 0 means no count
	Length  time.Duration // stop after this long; 0 means no limit of time
	Rate    float64       // open loop: requests per second in all; 0 is closed loop
	Timeout time.Duration // per request; default 10s
	HTTP2   bool          // speak HTTP/2 (h2c on http://)
	// Insecure skips TLS certificate checks, for self-signed test servers.
	Insecure bool
	// Phases times DNS, connect and TLS for every connection, and send,
	// wait and receive for one request in PhaseEvery on each.
	Phases bool

	// StartAt holds the start of timing until then, so runners on several
	// machines start together; the connections open 10s before it. Zero
	// starts at once.
	StartAt time.Time
	// Shard and Shards make this runner the Shard-th of Shards (from 1):
	// it offers 1/Shards of Rate and of Total, its schedule interleaved
	// with the others'. Zero Shards is the whole run.
	Shard, Shards int
	// HdrLog, when set, receives HdrHistogram's interval log of the run.
	HdrLog io.Writer
	// Interval is the timeline's and the log's resolution; default 1s.
	Interval time.Duration

	// TraceRate is the share of requests (0 to 1) that carry a sampled
	// traceparent, recorded as client spans on Trace when set (trace.go).
	TraceRate float64
	Trace     *trace.Exporter

	log *hdr.HistogramLogWriter // a ramp's later steps: the first step's log
}

// Validate reports the first thing wrong with c, in words for a CLI.
func (c *Config) Validate() error {
	switch {
	case c.Total < 0:
		return errors.New("the request count must not be negative")
	case c.Length < 0:
		return errors.New("the duration must not be negative")
	case c.Total == 0 && c.Length == 0:
		return errors.New("a run needs a request count or a duration, to stay bounded")
	case c.Conns < 0:
		return errors.New("the connection count must be positive")
	case c.Conns > 10000:
		return errors.New("at most 10000 connections")
	case c.Rate < 0:
		return errors.New("the rate must be positive")
	case c.Timeout < 0:
		return errors.New("the timeout must be positive")
	case c.Shards < 0 || c.Shards > 10000:
		return errors.New("the shard count must be 1 to 10000")
	case c.Shards > 0 && (c.Shard < 1 || c.Shard > c.Shards):
		return fmt.Errorf("shard %d/%d: the shard must be 1 to %d", c.Shard, c.Shards, c.Shards)
	case c.Shards == 0 && c.Shard != 0:
		return errors.New("a shard needs a shard count")
	case c.Interval < 0:
		return errors.New("the interval must be positive")
	case c.TraceRate < 0 || c.TraceRate > 1:
		return errors.New("the trace rate is a share of the requests, from 0 to 1")
	}
	_, err := newTarget(c)
	return err
}

// target is the request, prepared once.
type target struct {
	url    *url.URL
	method string
	addr   string // host:port to dial
	tls    bool
	wire   []byte // the HTTP/1.1 request, serialised
	req    *http.Request
	body   []byte

	traceRate float64
	traceExp  *trace.Exporter
}

func newTarget(c *Config) (*target, error) {
	u, err := client.ParseURL(c.URL)
	switch {
	case err == nil:
	case !strings.Contains(c.URL, "://"):
		// As in wrk, the scheme is not optional: say what a URL looks like.
		return nil, fmt.Errorf("%q is not a URL; give one like http://127.0.0.1:3000/hello", c.URL)
	default:
		return nil, fmt.Errorf("%q is not an http or https URL", c.URL)
	}
	t := &target{url: u, method: c.Method, tls: u.Scheme == "https", body: c.Body, traceRate: c.TraceRate, traceExp: c.Trace}
	if t.method == "" {
		t.method = http.MethodGet
		if len(c.Body) > 0 {
			t.method = http.MethodPost
		}
	}
	if !client.IsToken(t.method) {
		return nil, fmt.Errorf("%q is not an HTTP method", t.method)
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if t.tls {
			port = "443"
		}
	}
	t.addr = net.JoinHostPort(u.Hostname(), port)

	header := http.Header{}
	for k, vs := range c.Header {
		if !client.IsToken(k) {
			return nil, fmt.Errorf("%q is not a header name", k)
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				return nil, fmt.Errorf("the value of header %s holds a line break", k)
			}
			header.Add(k, v)
		}
	}
	if header.Get("User-Agent") == "" {
		header.Set("User-Agent", "roundtrip-bench")
	}
	host := u.Host
	if h := header.Get("Host"); h != "" {
		host = h
		header.Del("Host")
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", t.method, u.RequestURI(), host)
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if len(c.Body) > 0 || t.method == http.MethodPost || t.method == http.MethodPut || t.method == http.MethodPatch {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(c.Body))
	}
	b.WriteString("\r\n")
	t.wire = append([]byte(b.String()), c.Body...)

	req, err := http.NewRequest(t.method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", c.URL)
	}
	req.Header = header
	req.Host = host
	t.req = req
	return t, nil
}

// Progress is a running load's counts so far.
type Progress struct {
	Elapsed  time.Duration
	Requests int64 // responses
	Errors   int64
}

// RequestsPerSecond is the throughput so far.
func (p Progress) RequestsPerSecond() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Requests) / p.Elapsed.Seconds()
}

// roundTripper is one connection's client: the lean HTTP/1.1 one, or
// net/http's for TLS and HTTP/2. With sample, a round trip times its
// phases when phases are kept.
type roundTripper interface {
	roundTrip(sample bool) (status int, bytes int64, err error)
	requestID() string // the last response's X-Request-Id
	interrupt()
	close()
}

// counts is a worker's live counters, read by the progress reporter. The
// padding keeps each worker's on its own cache line.
type counts struct {
	requests atomic.Int64
	errors   atomic.Int64
	_        [112]byte
}

// Runner is one run of load. Start it with Run; Progress may be called from
// another goroutine meanwhile.
type Runner struct {
	cfg    Config
	target *target
	rate   float64                   // this runner's share of cfg.Rate
	start  atomic.Pointer[time.Time] // set when timing starts
	counts []counts
	budget atomic.Int64 // requests left to send when cfg.Total > 0
	log    *hdr.HistogramLogWriter
}

// NewRunner validates cfg and prepares its run.
func NewRunner(cfg Config) (*Runner, error) {
	if cfg.Conns == 0 {
		cfg.Conns = 10
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t, _ := newTarget(&cfg)
	r := &Runner{cfg: cfg, target: t, counts: make([]counts, cfg.Conns), rate: cfg.Rate}
	total := cfg.Total
	if n := int64(cfg.Shards); n > 0 {
		r.rate = cfg.Rate / float64(n)
		// The first Total%n shards send one more, so the shares sum to Total.
		total = cfg.Total / n
		if int64(cfg.Shard) <= cfg.Total%n {
			total++
		}
		if cfg.Total > 0 && total == 0 {
			return nil, fmt.Errorf("shard %d/%d gets none of the %d requests", cfg.Shard, cfg.Shards, cfg.Total)
		}
	}
	r.budget.Store(total)
	return r, nil
}

// shard is r's "i/n", or "" for a whole run.
func (r *Runner) shard() string {
	if r.cfg.Shards == 0 {
		return ""
	}
	return strconv.Itoa(r.cfg.Shard) + "/" + strconv.Itoa(r.cfg.Shards)
}

// Progress returns the counts so far.
func (r *Runner) Progress() Progress {
	var p Progress
	for i := range r.counts {
		p.Requests += r.counts[i].requests.Load()
		p.Errors += r.counts[i].errors.Load()
	}
	if start := r.start.Load(); start != nil {
		p.Elapsed = time.Since(*start)
	}
	return p
}

// ErrUnreachable matches Run's error when the target refuses its first
// connection.
var ErrUnreachable = errors.New("target unreachable")

type unreachableError struct {
	addr string
	err  error
}

func (e *unreachableError) Error() string        { return "cannot reach " + e.addr + ": " + e.err.Error() }
func (e *unreachableError) Unwrap() error        { return e.err }
func (e *unreachableError) Is(target error) bool { return target == ErrUnreachable }

// ErrNoH2C matches Run's error when HTTP2 is set for an http:// URL and
// the server answers the HTTP/2 preface in HTTP/1.x: every request of the
// run would fail, as a reset or an unreadable frame.
var ErrNoH2C = errors.New("the server does not speak cleartext HTTP/2 (h2c)")

type noH2CError struct{ answer string }

func (e *noH2CError) Error() string {
	return ErrNoH2C.Error() + ": it answered the HTTP/2 preface with " + strconv.Quote(e.answer)
}
func (e *noH2CError) Is(target error) bool { return target == ErrNoH2C }

// h2cPreface opens a cleartext HTTP/2 connection by prior knowledge (RFC
// 9113 §3.4): the client preface and an empty SETTINGS frame.
const h2cPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"

// checkH2C sends the preface on conn and returns a noH2CError when the
// answer is an HTTP/1.x status line. Any other answer, or none, is left
// for the run to meet and count: only an HTTP/1 answer says for sure what
// the server speaks.
func checkH2C(conn net.Conn, timeout time.Duration) error {
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(conn, h2cPreface); err != nil {
		return nil
	}
	br := bufio.NewReaderSize(conn, 128)
	if head, err := br.Peek(len("HTTP/1.")); err != nil || string(head) != "HTTP/1." {
		return nil // an HTTP/2 server's SETTINGS frame, or something to count later
	}
	line, _ := br.ReadSlice('\n') // as much of the status line as 128 bytes hold
	return &noH2CError{answer: strings.TrimRight(string(line), "\r\n")}
}

// maxDials bounds the dials in flight while the connections warm up.
const maxDials = 256

// Run opens the connections, waits for StartAt, sends the load until the
// count or the duration is reached or ctx is done, and returns the
// statistics of what completed.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	cfg := &r.cfg
	// One probe first, so a dead target fails fast instead of spinning,
	// and one that cannot speak the protocol asked for fails with why.
	probe, err := net.DialTimeout("tcp", r.target.addr, cfg.Timeout)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err
		}
		var sys *os.SyscallError
		if errors.As(err, &sys) {
			err = sys.Err // "connection refused" rather than "dial tcp ...: connect: ..."
		}
		return nil, &unreachableError{addr: r.target.addr, err: err}
	}
	if cfg.HTTP2 && !r.target.tls {
		err = checkH2C(probe, cfg.Timeout)
	}
	_ = probe.Close()
	if err != nil {
		return nil, err
	}

	var phases *phaseRecorder
	if cfg.Phases {
		phases = &phaseRecorder{s: newPhaseSummary()}
	}
	d := newDialer(r.target, cfg, phases)
	open := r.rate > 0
	nshards := min(cfg.Conns, runtime.GOMAXPROCS(0)*2)
	shards := make([]*shard, nshards)
	for i := range shards {
		shards[i] = newShard(open)
	}
	tallies := make([]*tally, cfg.Conns)
	clients := make([]roundTripper, cfg.Conns)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	// The connections open before timing starts: a TLS handshake or an
	// HTTP/2 preface is set-up, not the server's latency.
	var h2 *h2conn
	var pl *pool
	var rt http.RoundTripper
	switch {
	case cfg.HTTP2:
		scheme := "http"
		if r.target.tls {
			scheme = "https"
		}
		h2 = &h2conn{tr: transport(cfg, r.target, d), scheme: scheme, addr: r.target.addr}
		defer h2.close()
		rt = h2
	case r.target.tls:
		pl = &pool{d: d}
		defer pl.close()
		tr := transport(cfg, r.target, d)
		tr.DialTLSContext = pl.dial
		rt = tr
	}
	for i := range tallies {
		tallies[i] = newTally(shards[i%nshards])
		if rt != nil {
			clients[i] = newStd(runCtx, rt, cfg.Timeout, r.target, phases)
		} else {
			clients[i] = newH1(runCtx, r.target, d, cfg.Timeout, time.Time{})
		}
	}
	// Connections opened long before StartAt would sit idle past servers'
	// idle timeouts: they open warmLead before it.
	if err := sleepUntil(ctx, cfg.StartAt.Add(-warmLead)); err != nil {
		return nil, err
	}
	setup := r.warm(runCtx, clients, h2, pl, d)
	if err := sleepUntil(ctx, cfg.StartAt); err != nil {
		return nil, err
	}

	start := time.Now()
	r.start.Store(&start)
	end := start.Add(100 * 365 * 24 * time.Hour)
	if cfg.Length > 0 {
		end = start.Add(cfg.Length)
	}
	// Requests in flight at the end are cut off, as they were sent too late
	// to count.
	defer time.AfterFunc(time.Until(end), cancel).Stop()
	for _, c := range clients {
		if c, ok := c.(*h1); ok {
			c.end = end
		}
	}
	var interval time.Duration
	if open {
		interval = time.Duration(float64(cfg.Conns) * float64(time.Second) / r.rate)
		interval = max(interval, 1)
	}
	coll := newCollector(shards, open, start)
	switch {
	case cfg.log != nil:
		r.log, coll.log = cfg.log, cfg.log
	case cfg.HdrLog != nil:
		r.log = hdr.NewHistogramLogWriter(cfg.HdrLog)
		coll.logTo(r.log)
	}

	var stopped atomic.Bool
	stop := context.AfterFunc(ctx, func() {
		stopped.Store(true)
		for _, c := range clients {
			c.interrupt()
		}
	})
	defer stop()

	// The collector ends an interval each cfg.Interval, until the workers
	// are done.
	collected := make(chan struct{})
	workersDone := make(chan struct{})
	go func() {
		defer close(collected)
		tick := time.NewTicker(cfg.Interval)
		defer tick.Stop()
		for {
			select {
			case <-workersDone:
				return
			case now := <-tick.C:
				coll.collect(now)
			}
		}
	}()

	n, k := max(cfg.Shards, 1), max(cfg.Shard, 1)-1
	url := r.target.url.String()
	var wg sync.WaitGroup
	var last atomic.Int64 // the latest completion, in ns since start
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{r: r, c: clients[i], t: tallies[i], n: &r.counts[i], start: start, end: end, stopped: &stopped, interval: interval, url: url, phases: phases != nil}
			if interval > 0 {
				// Stagger the connections' schedules across one interval,
				// and the shards' between them, so that together the
				// runners offer one even schedule.
				w.next = start.Add(interval * time.Duration(i*n+k) / time.Duration(cfg.Conns*n))
			}
			done := w.run()
			for {
				prev := last.Load()
				if done <= prev || last.CompareAndSwap(prev, done) {
					break
				}
			}
		}()
	}
	wg.Wait()
	close(workersDone)
	<-collected
	for _, c := range clients {
		c.close()
	}
	for _, t := range tallies {
		t.flush()
	}
	coll.collect(time.Now())
	elapsed := time.Duration(last.Load())
	if cfg.Length > 0 && !stopped.Load() && cfg.Total == 0 {
		elapsed = cfg.Length // the whole window was offered load
	}
	if elapsed <= 0 {
		elapsed = time.Since(start)
	}
	s := &Summary{
		Run:     Run{URL: url, Method: r.target.method, Protocol: r.Protocol(), Conns: cfg.Conns, Rate: r.rate, Shard: r.shard(), Start: start, Intervals: cfg.Interval},
		Elapsed: elapsed, Hist: coll.total, UncorrectedHist: coll.totalU, Timeline: coll.timeline, Setup: setup,
	}
	summarize(s, tallies)
	if phases != nil {
		s.Phases = phases.s
	}
	if coll.logErr != nil {
		return s, fmt.Errorf("cannot write the interval log: %w", coll.logErr)
	}
	return s, nil
}

// warmLead is how long before StartAt the connections open.
const warmLead = 10 * time.Second

// sleepUntil waits until t, or returns ctx's error if it is done first.
// A zero or past t returns at once.
func sleepUntil(ctx context.Context, t time.Time) error {
	wait := time.Until(t)
	if t.IsZero() || wait <= 0 {
		return nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// warm opens the connections before timing: each lean client's own, the
// TLS connections net/http's transport will take, or HTTP/2's one.
func (r *Runner) warm(ctx context.Context, clients []roundTripper, h2 *h2conn, pl *pool, d *dialer) *Setup {
	start := time.Now()
	s := &Setup{}
	if h2 != nil {
		s.Conns = 1
		if h2.warm(ctx) != nil {
			s.Failed = 1
		}
		s.Elapsed = time.Since(start)
		return s
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxDials)
	for _, c := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var err error
			if pl != nil {
				var conn net.Conn
				if conn, err = d.dial(ctx); err == nil {
					pl.put(conn)
				}
			} else {
				err = c.(*h1).warm()
			}
			mu.Lock()
			s.Conns++
			if err != nil {
				s.Failed++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	s.Elapsed = time.Since(start)
	return s
}

// worker drives one connection.
type worker struct {
	r        *Runner
	c        roundTripper
	t        *tally
	n        *counts
	start    time.Time
	end      time.Time
	stopped  *atomic.Bool
	interval time.Duration // open loop: the time between intended sends
	next     time.Time     // open loop: the next intended send
	url      string
	phases   bool
	seq      int // requests sent, for the phases' sampling
}

// lead is how early an open-loop worker may send: a timer's slack, but at
// most half the interval, so the schedule keeps its shape.
func (w *worker) lead() time.Duration { return min(time.Millisecond, w.interval/2) }

// run loops until the run is over and returns its last completion, in ns
// since the start.
func (w *worker) run() int64 {
	var last int64
	limited := w.r.cfg.Total > 0
	for !w.stopped.Load() {
		if limited && w.r.budget.Add(-1) < 0 {
			break
		}
		var start, sent time.Time
		if w.interval > 0 {
			// Latency counts from the intended send, so a slow response
			// that delays the next send is charged to the server, as in wrk2.
			//
			// Go's timers may fire up to 1ms late when the process is idle
			// (the poller waits whole milliseconds), which would be charged
			// to the server too. So the worker wakes up to `lead` early and
			// sends; a request sent early counts from its real send.
			intended := w.next
			w.next = w.next.Add(w.interval)
			if !intended.Before(w.end) {
				break
			}
			if d := time.Until(intended) - w.lead(); d > 0 {
				time.Sleep(d)
			}
			start = time.Now()
			sent = start
			if start.After(intended) {
				start = intended // late: the wait is the server's doing
			}
		} else {
			start = time.Now()
			sent = start
			if !start.Before(w.end) {
				break
			}
		}
		sample := w.phases && w.seq%PhaseEvery == 0
		w.seq++
		status, n, err := w.c.roundTrip(sample)
		now := time.Now()
		if w.stopped.Load() || !now.Before(w.end) {
			if err != nil {
				break // cut off by the end of the run: not the server's error
			}
		}
		if err != nil {
			w.t.fail(errorKind(err))
			w.n.errors.Add(1)
			var de *dialError
			if errors.As(err, &de) {
				time.Sleep(10 * time.Millisecond) // don't spin on a refusing server
			}
			continue
		}
		d := now.Sub(start)
		w.t.record(now, status, d, now.Sub(sent), n)
		if w.t.slow(d) {
			w.t.keep(Exemplar{URL: w.url, Status: status, Latency: d, RequestID: w.c.requestID(), At: now.Sub(w.start)})
		}
		w.n.requests.Add(1)
		last = int64(now.Sub(w.start))
	}
	return last
}

// errorKind names an error for the summary.
func errorKind(err error) string {
	var ne net.Error
	var de *dialError
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &de), errors.Is(err, syscall.ECONNREFUSED):
		return "connect"
	case errors.Is(err, errMalformed):
		return "malformed response"
	case isReset(err):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	default:
		return "other"
	}
}

// transport is net/http's, for TLS and HTTP/2, dialling through d.
func transport(cfg *Config, t *target, d *dialer) *http.Transport {
	tr := &http.Transport{
		Proxy:               nil, // load goes where the URL says
		MaxIdleConnsPerHost: cfg.Conns,
		MaxConnsPerHost:     cfg.Conns,
		DisableCompression:  true,
		TLSClientConfig:     d.tls,
		DialContext:         func(ctx context.Context, _, _ string) (net.Conn, error) { return d.dial(ctx) },
		DialTLSContext:      func(ctx context.Context, _, _ string) (net.Conn, error) { return d.dial(ctx) },
	}
	var p http.Protocols
	switch {
	case cfg.HTTP2 && t.tls:
		p.SetHTTP2(true)
		tr.ForceAttemptHTTP2 = true
	case cfg.HTTP2:
		p.SetUnencryptedHTTP2(true)
	default:
		p.SetHTTP1(true)
	}
	tr.Protocols = &p
	return tr
}

// statusText renders a status code for reports.
func statusText(code int) string {
	if code == 0 {
		return "other"
	}
	return strconv.Itoa(code)
}
