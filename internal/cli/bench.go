package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/roundtrip/roundtrip/internal/bench"
)

const benchSummary = `Load URL with HTTP requests and report throughput, latency percentiles
(from an HDR histogram), status codes and errors. A run is always bounded:
by -n requests, by -d time, or by 10s when neither is given. Connections
open, and TLS and HTTP/2 set up, before timing starts.

Without --rate the load is closed-loop: each connection sends its next
request when the last one answers. With --rate it is open-loop: requests are
scheduled at the rate, and latency counts from when a request should have
been sent, so a stalled server cannot hide its stall (as in wrk2); the
latency from the actual send is shown beside it. --rate LO:HI ramps up in
--steps steps and estimates the knee.

  roundtrip bench merge FILE...   merges --output json documents or
                                  --hdr-log logs, such as shards' (see
                                  roundtrip bench merge --help)

Exit status: 0 when responses arrived, 1 when none did (such as an
unreachable target, or with --http2 a server that does not speak cleartext
HTTP/2, which is found before any load), 2 for a wrong command line, 3 when
a --fail-if threshold held.`

// benchOut is the output flags bench and bench merge share.
type benchOut struct {
	output   *string
	report   *string
	failIf   stringsFlag
	failures []bench.Threshold
}

func addBenchOut(fs *flag.FlagSet) *benchOut {
	o := &benchOut{}
	o.output = fs.String("output", "text", "report `format`: text, or json for scripts and for bench merge (it embeds the histograms)")
	o.report = fs.String("report", "", "also write a self-contained HTML `file` of charts: the percentile spectrum, latency over time, and a ramp's curves")
	fs.Var(&o.failIf, "fail-if", "exit 3 when this `threshold` holds, such as 'p99>50ms', 'errors>0.1%' or 'rps<10000'; repeatable")
	return o
}

// check validates the output flags.
func (o *benchOut) check(cmd string) error {
	if *o.output != "text" && *o.output != "json" {
		return usageError("%s: --output must be text or json, not %q", cmd, *o.output)
	}
	for _, expr := range o.failIf.values {
		th, err := bench.ParseThreshold(expr)
		if err != nil {
			return usageError("%s: --fail-if %v", cmd, err)
		}
		o.failures = append(o.failures, th)
	}
	return nil
}

// finish writes the report of s (of steps, for a ramp) and the HTML page,
// and returns the thresholds' verdict.
func (o *benchOut) finish(e *env, s *bench.Summary, steps []*bench.Summary, knee bench.Knee, step time.Duration) error {
	var outcomes []bench.Outcome
	var failed []bench.Outcome
	for _, th := range o.failures {
		oc := th.Check(s)
		outcomes = append(outcomes, oc)
		if oc.Failed {
			failed = append(failed, oc)
		}
	}
	var err error
	if *o.output == "json" {
		rep := s.Report()
		for _, oc := range outcomes {
			rep.Thresholds = append(rep.Thresholds, oc.JSON())
		}
		if steps != nil {
			doc := bench.RampJSON{Knee: knee.JSON(), Total: rep}
			for _, st := range steps {
				doc.Steps = append(doc.Steps, st.Report())
			}
			err = bench.WriteJSON(e.stdout, doc)
		} else {
			err = bench.WriteJSON(e.stdout, rep)
		}
	} else {
		var b strings.Builder
		if steps != nil {
			_ = bench.WriteRamp(&b, steps, knee, step)
			b.WriteString("\nAll steps together:\n")
		}
		_ = s.WriteText(&b)
		for i, oc := range outcomes {
			name := ""
			if i == 0 {
				name = "Thresholds"
			}
			fmt.Fprintf(&b, "  %-12s%s\n", name, oc)
		}
		err = writeSafe(e.stdout, b.String())
	}
	if err != nil {
		return err
	}
	if *o.report != "" {
		if err := writeHTMLReport(*o.report, bench.Page{Summary: s, Steps: steps, Knee: knee, Step: step, Failed: failed}); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		parts := make([]string, len(failed))
		for i, oc := range failed {
			parts[i] = strings.TrimPrefix(oc.String(), "FAILED ")
		}
		what := "a threshold failed"
		if len(failed) > 1 {
			what = strconv.Itoa(len(failed)) + " thresholds failed"
		}
		return &exitError{code: exitThreshold, err: fmt.Errorf("bench: %s: %s", what, strings.Join(parts, "; "))}
	}
	return nil
}

func writeHTMLReport(name string, p bench.Page) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("bench: cannot write --report %s: %v", name, errors.Unwrap(err))
	}
	if err := bench.WriteHTML(f, p); err != nil {
		_ = f.Close()
		return fmt.Errorf("bench: cannot write --report %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bench: cannot write --report %s: %v", name, err)
	}
	return nil
}

func runBench(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "merge" {
		return runBenchMerge(ctx, e, args[1:])
	}
	fs := newFlags(e, "bench", "[flags] URL", benchSummary)
	conns := fs.Int("c", 10, "`connections` to keep open (with --http2: concurrent streams on one connection)")
	var length time.Duration
	fs.DurationVar(&length, "d", 0, "run for this `duration`, such as 30s (default 10s unless -n is given)")
	fs.DurationVar(&length, "duration", 0, "the same as -d")
	total := fs.Int64("n", 0, "stop after this many `requests`")
	rate := fs.String("rate", "", "open loop: send this many `requests per second` in all, latency from the intended send time; LO:HI ramps from LO to HI in --steps steps")
	steps := fs.Int("steps", 10, "with --rate LO:HI: how many `steps`, evenly spaced")
	stepLength := fs.Duration("step-duration", 5*time.Second, "with --rate LO:HI: how long each step runs")
	kneeFactor := fs.Float64("knee", 3, "with --rate LO:HI: the knee is the highest rate whose p99 stays within this `factor` of the first step's")
	method := fs.String("X", "", "request `method` (default GET, or POST with --data)")
	header := newHeaderFlag()
	fs.Var(header, "H", "add a request `header`, as 'Name: value'; repeatable")
	data := fs.String("data", "", "request `body`; @FILE reads a file and @- standard input (request's -d; here -d is the duration)")
	asJSON := fs.Bool("json", false, "send Content-Type and Accept: application/json, and check --data is JSON first")
	http2 := fs.Bool("http2", false, "speak HTTP/2: over TLS for https, cleartext (h2c) for http")
	insecure := fs.Bool("insecure", false, "accept any TLS certificate, such as serve --tls's self-signed one")
	timeout := fs.Duration("timeout", 10*time.Second, "give up on a request after this `duration`")
	phases := fs.Bool("phases", false, fmt.Sprintf("also time the phases: dns, connect and tls of every connection; send, wait and receive of 1 request in %d on each", bench.PhaseEvery))
	hdrLog := fs.String("hdr-log", "", "write HdrHistogram's interval log, one histogram a second, to `file`")
	startAt := fs.String("start-at", "", "start timing at this RFC 3339 `time`, such as 2026-05-01T12:00:00Z, the connections opened 10s before: runners on several machines start together")
	shard := fs.String("shard", "", "be runner `i/n` of n: offer 1/n of --rate and of -n, interleaved with the others' (bench merge adds them up)")
	out := addBenchOut(fs)
	traceRate := fs.Float64("trace-rate", bench.DefaultTraceRate, "the `share` of requests (0 to 1) that carry a sampled W3C traceparent, each a new trace, exported as client spans with --otlp; 0 sends none")
	tf := addTraceFlags(fs, "bench", false)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("bench takes one URL, such as roundtrip bench -c 50 -d 10s http://127.0.0.1:3000/hello")
	}
	if err := out.check("bench"); err != nil {
		return err
	}
	if *conns <= 0 {
		return usageError("bench: -c must be at least 1")
	}
	if *timeout <= 0 {
		return usageError("bench: --timeout must be positive")
	}
	lo, hi, ramp, err := parseRate(*rate)
	if err != nil {
		return err
	}
	if ramp {
		switch {
		case *steps < 2 || *steps > 1000:
			return usageError("bench: --steps must be 2 to 1000")
		case *stepLength <= 0:
			return usageError("bench: --step-duration must be positive")
		case length != 0 || *total != 0:
			return usageError("bench: a ramp runs --steps × --step-duration; drop -d and -n")
		case *kneeFactor < 1:
			return usageError("bench: --knee must be at least 1")
		}
	}
	if length == 0 && *total == 0 {
		length = 10 * time.Second
	}
	body, err := readData(e, "bench", "--data", *data)
	if err != nil {
		return err
	}
	h := header.header()
	if *asJSON {
		if len(body) > 0 && !json.Valid(body) {
			return usageError("bench: --data is not valid JSON")
		}
		for _, k := range []string{"Content-Type", "Accept"} {
			if h.Get(k) == "" {
				h.Set(k, "application/json")
			}
		}
	}
	cfg := bench.Config{
		URL: rest[0], Method: *method, Header: h, Body: body,
		Conns: *conns, Total: *total, Length: length, Rate: lo,
		Timeout: *timeout, HTTP2: *http2, Insecure: *insecure, Phases: *phases,
		TraceRate: *traceRate,
	}
	if cfg.Shard, cfg.Shards, err = parseShard(*shard); err != nil {
		return err
	}
	if cfg.StartAt, err = parseStartAt(e, *startAt); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError("bench: %v", err)
	}
	if *hdrLog != "" {
		f, err := os.Create(*hdrLog)
		if err != nil {
			return usageError("bench: cannot create --hdr-log file %s", *hdrLog)
		}
		defer f.Close() // on the way out early; closed and checked below otherwise
		cfg.HdrLog = f
	}
	closeLog := func() error {
		if f, ok := cfg.HdrLog.(*os.File); ok {
			if err := f.Close(); err != nil {
				return fmt.Errorf("bench: cannot write --hdr-log file %s: %v", *hdrLog, err)
			}
		}
		return nil
	}
	spans, stopExport, err := tf.exporter(ctx, e)
	if err != nil {
		return err
	}
	defer stopExport()
	cfg.Trace = spans

	var current atomic.Pointer[bench.Runner]
	stopProgress := func() {}
	if isTerminalWriter(e.stderr) {
		stopProgress = showBenchProgress(e.stderr, &current)
	}
	if ramp {
		ss, err := bench.Ramp(ctx, cfg, bench.Rates(lo, hi, *steps), *stepLength, func(_ int, r *bench.Runner) { current.Store(r) })
		stopProgress()
		if err != nil {
			return runError(err)
		}
		s := bench.Union(ss)
		if err := closeLog(); err != nil {
			return err
		}
		if err := out.finish(e, s, ss, bench.FindKnee(ss, *kneeFactor), *stepLength); err != nil {
			return err
		}
		return noResponse(s)
	}
	r, err := bench.NewRunner(cfg)
	if err != nil {
		return usageError("bench: %v", err)
	}
	current.Store(r)
	s, err := r.Run(ctx)
	stopProgress()
	if s == nil {
		return runError(err)
	}
	if err == nil {
		err = closeLog()
	}
	if ferr := out.finish(e, s, nil, bench.Knee{}, 0); ferr != nil {
		return ferr
	}
	if err != nil {
		return runError(err)
	}
	return noResponse(s)
}

func runError(err error) error {
	if errors.Is(err, bench.ErrNoH2C) {
		return fmt.Errorf("bench: %v; start it with `roundtrip serve --h2c`, or drop --http2", err)
	}
	return err
}

func noResponse(s *bench.Summary) error {
	if s.Requests == 0 {
		return fmt.Errorf("no request got a response (%d errors)", s.Errors)
	}
	return nil
}

// parseRate parses --rate: R, or LO:HI for a ramp.
func parseRate(v string) (lo, hi float64, ramp bool, err error) {
	if v == "" {
		return 0, 0, false, nil
	}
	a, b, ramp := strings.Cut(v, ":")
	lo, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	hi = lo
	var err2 error
	if ramp {
		hi, err2 = strconv.ParseFloat(strings.TrimSpace(b), 64)
	}
	switch {
	case err1 != nil || err2 != nil:
		return 0, 0, false, usageError("bench: --rate %q is not a rate, such as 5000, or a ramp, such as 1000:20000", v)
	case lo < 0 || hi < 0:
		return 0, 0, false, usageError("bench: the rate must be positive")
	case ramp && (lo <= 0 || hi <= lo):
		return 0, 0, false, usageError("bench: --rate %q: a ramp goes up, from a positive LO to a higher HI", v)
	}
	return lo, hi, ramp, nil
}

// parseShard parses --shard i/n.
func parseShard(v string) (i, n int, err error) {
	if v == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, usageError("bench: --shard %q is not i/n with 1 <= i <= n, such as 2/3", v)
	}
	return i, n, nil
}

// maxStartWait bounds --start-at, so a mistyped date cannot hang a runner.
const maxStartWait = 24 * time.Hour

// parseStartAt parses --start-at. A time already past starts at once,
// with a note: a runner that came up late still runs, and says so.
func parseStartAt(e *env, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageError("bench: --start-at %q is not an RFC 3339 time, such as 2026-05-01T12:00:00Z", v)
	}
	switch wait := time.Until(t); {
	case wait > maxStartWait:
		return time.Time{}, usageError("bench: --start-at %s is over 24h away", v)
	case wait < 0:
		fmt.Fprintf(e.stderr, "roundtrip: bench: --start-at %s passed %s ago; starting now\n", v, (-wait).Round(time.Millisecond))
	}
	return t, nil
}

// writeSafe writes text for people line by line through terminalSafe: it
// holds the URL as given, which may hold what a terminal obeys or a bidi
// override.
func writeSafe(w io.Writer, text string) error {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		lines[i] = terminalSafe(line)
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

// showBenchProgress writes the current runner's progress to w once a
// second until the returned stop is called, which erases the line.
func showBenchProgress(w io.Writer, current *atomic.Pointer[bench.Runner]) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				bench.ClearProgress(w)
				return
			case <-tick.C:
				if r := current.Load(); r != nil {
					bench.WriteProgress(w, r.Progress())
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
