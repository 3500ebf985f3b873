package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The HTTP/2 row: roundtrip bench --http2 beside h2load (nghttp2's load
// generator), over TLS, on roundtrip serve --tls and the suite's requests.
// Both put -c streams on one connection: h2load -c 1 -m N is what
// bench --http2 -c N does.

const h2Server = "roundtrip serve --tls"

// h2row is one request's HTTP/2 measurement.
type h2row struct {
	load           load
	h2, rt         result // each tool's median run
	ratio          float64
	h2Runs, rtRuns []result
}

// measureH2 loads roundtrip serve --tls with h2load and roundtrip bench
// --http2 in turn, o.repeat rounds per request, the order alternating.
func measureH2(ctx context.Context, o *opts, dir string, loads []load) ([]h2row, error) {
	s := server{name: h2Server, tls: true, argv: func(p int) []string {
		return []string{o.roundtrip, "serve", "--tls", "--store", "memory", "--addr", "127.0.0.1:" + strconv.Itoa(p)}
	}}
	r, err := start(ctx, o, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	defer r.stop()
	var rows []h2row
	for _, l := range loads {
		bodyFile := filepath.Join(dir, "h2-body.json")
		if err := os.WriteFile(bodyFile, l.body, 0o600); err != nil {
			return nil, err
		}
		url := r.base + l.path
		if o.warmup > 0 {
			_ = runRoundtripH2(ctx, o, l, url, bodyFile, o.warmup)
		}
		row := h2row{load: l}
		for i := range o.repeat {
			var h, rt result
			if i%2 == 0 {
				h = runH2load(ctx, o, l, url, bodyFile)
				rt = runRoundtripH2(ctx, o, l, url, bodyFile, o.duration)
			} else {
				rt = runRoundtripH2(ctx, o, l, url, bodyFile, o.duration)
				h = runH2load(ctx, o, l, url, bodyFile)
			}
			row.h2Runs, row.rtRuns = append(row.h2Runs, h), append(row.rtRuns, rt)
			log.Printf("%s, %s: round %d of %d: h2load %.0f req/s, roundtrip bench --http2 %.0f req/s", s.name, l.name, i+1, o.repeat, h.rps, rt.rps)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
		row.h2, row.rt = median(row.h2Runs), median(row.rtRuns)
		row.ratio = pairedRatio(row.rtRuns, row.h2Runs)
		rows = append(rows, row)
	}
	return rows, nil
}

func runH2load(ctx context.Context, o *opts, l load, url, bodyFile string) result {
	argv := []string{o.h2load, "-c", "1", "-m", strconv.Itoa(o.conns), "-t", "1", "-D", strconv.FormatInt(o.duration.Milliseconds(), 10) + "ms"}
	if l.method != "GET" {
		argv = append(argv, "-d", bodyFile, "-H", "content-type: application/json")
	}
	out, err := runBounded(ctx, loader(o, append(argv, url)...), o.duration+30*time.Second)
	if err != nil {
		return result{err: fmt.Errorf("h2load: %v: %s", err, out)}
	}
	return parseH2load(out)
}

// parseH2load reads h2load's summary: req/s, failures, and the max of
// "time for request" (it gives no percentiles).
func parseH2load(out []byte) result {
	var r result
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "finished in ") && len(f) >= 4:
			v, err := strconv.ParseFloat(f[3], 64)
			if err != nil {
				return result{err: fmt.Errorf("h2load's summary %q: %v", line, err)}
			}
			r.rps = v
			found++
		case strings.HasPrefix(line, "requests: "):
			// requests: N total, N started, N done, N succeeded, F failed, E errored, T timeout
			for i := 1; i+1 < len(f); i++ {
				if strings.HasPrefix(f[i+1], "failed") || strings.HasPrefix(f[i+1], "errored") || strings.HasPrefix(f[i+1], "timeout") {
					n, _ := strconv.ParseInt(f[i], 10, 64)
					r.errors += n
				}
			}
		case strings.HasPrefix(line, "time for request:") && len(f) >= 5:
			d, err := time.ParseDuration(f[4])
			if err != nil {
				return result{err: fmt.Errorf("h2load's latencies %q: %v", line, err)}
			}
			r.max = d
			found++
		}
	}
	if found < 2 {
		return result{err: fmt.Errorf("h2load printed no summary: %s", oneLine(string(out)))}
	}
	return r
}

func runRoundtripH2(ctx context.Context, o *opts, l load, url, bodyFile string, d time.Duration) result {
	argv := []string{o.roundtrip, "bench", "--http2", "--insecure", "-c", strconv.Itoa(o.conns), "-d", d.String(), "--output", "json"}
	if l.method != "GET" {
		argv = append(argv, "-X", l.method, "-H", "Content-Type: application/json", "--data", "@"+bodyFile)
	}
	out, err := runBounded(ctx, loader(o, append(argv, url)...), d+30*time.Second)
	if err != nil {
		return result{err: fmt.Errorf("roundtrip bench --http2: %v: %s", err, out)}
	}
	return parseBenchJSON(out)
}

// parseBenchJSON reads roundtrip bench --output json: req/s, errors, the
// latencies and the set-up before timing.
func parseBenchJSON(out []byte) result {
	var rep struct {
		RequestsPerSecond float64            `json:"requests_per_second"`
		Errors            int64              `json:"errors"`
		Latency           map[string]float64 `json:"latency_ms"`
		Setup             *struct {
			Ms float64 `json:"ms"`
		} `json:"setup"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return result{err: fmt.Errorf("roundtrip bench printed %q: %v", oneLine(string(out)), err)}
	}
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	r := result{rps: rep.RequestsPerSecond, errors: rep.Errors, p50: ms(rep.Latency["p50"]), p99: ms(rep.Latency["p99"]), max: ms(rep.Latency["max"])}
	if rep.Setup != nil {
		r.setup = ms(rep.Setup.Ms)
	}
	return r
}

// h2Report is the HTTP/2 section: req/s and max latency of each tool,
// the ratio, and the target: bench --http2 at 0.9× h2load's req/s or more.
func h2Report(o *opts, rows []h2row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## HTTP/2 over TLS: roundtrip bench --http2 and h2load\n\n")
	fmt.Fprintf(&b, "On %s, in %d rounds, h2load (-c 1 -m %[3]d -t 1) and roundtrip bench --http2 -c %[3]d took turns, %[4]s each: both put %[3]d streams on one TLS connection. bench opens and warms its connection before timing; its set-up is the time that took. Max is each tool's largest request latency in its median run.\n\n",
		h2Server, o.repeat, o.conns, o.duration)
	b.WriteString("| request | h2load req/s | roundtrip bench req/s | bench ÷ h2load | h2load max | bench max | bench p50 / p99 | bench set-up |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.load.name, rps(r.h2), rps(r.rt), times(r.ratio), maxLat(r.h2), maxLat(r.rt), lat(r.rt), setupText(r.rt))
	}
	b.WriteString("\n")
	for _, r := range rows {
		if r.ratio == 0 {
			fmt.Fprintf(&b, "- roundtrip bench --http2 ÷ h2load on %s: **–**, no round where both succeeded (target ≥ 0.9×) %s\n", r.load.name, mark(false))
			continue
		}
		fmt.Fprintf(&b, "- roundtrip bench --http2 ÷ h2load on %s: **%.2f×** (target ≥ 0.9×) %s; max latency %s against h2load's %s\n",
			r.load.name, r.ratio, mark(r.ratio >= 0.9), maxLat(r.rt), maxLat(r.h2))
	}
	for _, r := range rows {
		for _, t := range []struct {
			tool string
			res  result
		}{{"h2load", r.h2}, {"roundtrip bench --http2", r.rt}} {
			switch {
			case t.res.err != nil:
				fmt.Fprintf(&b, "- %s on %s failed: %s\n", t.tool, r.load.name, oneLine(t.res.err.Error()))
			case t.res.errors > 0:
				fmt.Fprintf(&b, "- %s on %s: %d failed requests\n", t.tool, r.load.name, t.res.errors)
			}
		}
	}
	return b.String()
}

func maxLat(r result) string {
	if r.err != nil {
		return "–"
	}
	return ms(r.max)
}

func setupText(r result) string {
	if r.err != nil || r.setup == 0 {
		return "–"
	}
	return ms(r.setup)
}
