package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/bench"
)

const benchSummary = `Load URL with HTTP requests and report throughput, latency percentiles
(from an HDR histogram), status codes and errors. A run is always bounded:
by -n requests, by -d time, or by 10s when neither is given.

Without --rate the load is closed-loop: each connection sends its next
request when the last one answers. With --rate it is open-loop: requests are
scheduled at the rate, and latency counts from when a request should have
been sent, so a stalled server cannot hide its stall (as in wrk2).

Exit status: 0 when responses arrived, 1 when none did (such as an
unreachable target, or with --http2 a server that does not speak cleartext
HTTP/2, which is found before any load), 2 for a wrong command line.`

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench", "[flags] URL", benchSummary)
	conns := fs.Int("c", 10, "`connections` to keep open (with --http2: concurrent streams)")
	var length time.Duration
	fs.DurationVar(&length, "d", 0, "run for this `duration`, such as 30s (default 10s unless -n is given)")
	fs.DurationVar(&length, "duration", 0, "the same as -d")
	total := fs.Int64("n", 0, "stop after this many `requests`")
	rate := fs.Float64("rate", 0, "open loop: send this many `requests per second` in all, latency from the intended send time")
	method := fs.String("X", "", "request `method` (default GET, or POST with --data)")
	header := newHeaderFlag()
	fs.Var(header, "H", "add a request `header`, as 'Name: value'; repeatable")
	data := fs.String("data", "", "request `body`; @FILE reads a file and @- standard input (request's -d; here -d is the duration)")
	asJSON := fs.Bool("json", false, "send Content-Type and Accept: application/json, and check --data is JSON first")
	http2 := fs.Bool("http2", false, "speak HTTP/2: over TLS for https, cleartext (h2c) for http")
	insecure := fs.Bool("insecure", false, "accept any TLS certificate, such as serve --tls's self-signed one")
	timeout := fs.Duration("timeout", 10*time.Second, "give up on a request after this `duration`")
	phases := fs.Bool("phases", false, "also time each round trip's phases (dns, connect, tls, send, wait, receive) on one connection, through net/http as request does")
	output := fs.String("output", "text", "report `format`: text, or json for scripts")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("bench takes one URL, such as roundtrip bench -c 50 -d 10s http://127.0.0.1:3000/hello")
	}
	if *output != "text" && *output != "json" {
		return usageError("bench: --output must be text or json, not %q", *output)
	}
	if *conns <= 0 {
		return usageError("bench: -c must be at least 1")
	}
	if *timeout <= 0 {
		return usageError("bench: --timeout must be positive")
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
	r, err := bench.NewRunner(bench.Config{
		URL: rest[0], Method: *method, Header: h, Body: body,
		Conns: *conns, Total: *total, Length: length, Rate: *rate,
		Timeout: *timeout, HTTP2: *http2, Insecure: *insecure, Phases: *phases,
	})
	if err != nil {
		return usageError("bench: %v", err)
	}

	stopProgress := func() {}
	if isTerminalWriter(e.stderr) {
		stopProgress = showBenchProgress(e.stderr, r)
	}
	s, err := r.Run(ctx)
	stopProgress()
	if errors.Is(err, bench.ErrNoH2C) {
		return fmt.Errorf("bench: %v; start it with `roundtrip serve --h2c`, or drop --http2", err)
	}
	if err != nil {
		return err
	}
	if *output == "json" {
		err = r.WriteJSON(e.stdout, s)
	} else {
		err = writeBenchText(e.stdout, r, s)
	}
	if err != nil {
		return err
	}
	if s.Requests == 0 {
		return fmt.Errorf("no request got a response (%d errors)", s.Errors)
	}
	return nil
}

// writeBenchText writes the summary for people, line by line through
// terminalSafe: its first line is the URL as given, which may hold what a
// terminal obeys or a bidi override.
func writeBenchText(w io.Writer, r *bench.Runner, s *bench.Summary) error {
	var b strings.Builder
	if err := r.WriteText(&b, s); err != nil {
		return err
	}
	lines := strings.Split(b.String(), "\n")
	for i, line := range lines {
		lines[i] = terminalSafe(line)
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

// showProgress writes r's progress to w once a second until the returned
// stop is called, which erases the line.
func showBenchProgress(w io.Writer, r *bench.Runner) (stop func()) {
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
				bench.WriteProgress(w, r.Progress())
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
