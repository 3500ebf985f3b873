package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// The baselines: bench/nethttp with roundtrip serve's timeouts and header
// limit, the fair peer the targets use, and without them.
const (
	hardened = "net/http, hardened"
	bare     = "net/http (bare)"
)

// report renders the rows as markdown, grouped by load, with each server's
// req/s as a ratio of both net/http baselines' and roundtrip bench's as one
// of wrk's, then the targets.
func report(o *opts, rows []row, loads []load, before, after string, took time.Duration) string {
	var b strings.Builder
	b.WriteString("# Benchmark results\n\n")
	fmt.Fprintf(&b, "Run %s on %s, %d CPUs (%s), %s, Go %s; %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), cpuModel(),
		version("node", "--version"), strings.TrimPrefix(runtime.Version(), "go"), version(o.wrk, "-v"))
	fmt.Fprintf(&b, "All servers ran at once, idle but for the one under load; in each of %[3]d rounds, every server in turn was loaded by both tools, back to back, for %[1]s each over %[2]d keep-alive connections, after a %[4]s warm-up, on 127.0.0.1. Req/s and latencies are each tool's median run. ",
		o.duration, o.conns, o.repeat, o.warmup)
	if o.pin {
		b.WriteString("Servers ran pinned to CPU 0 and load generators to CPU 1 (taskset), so neither starves the other; wrk ran with one thread.\n")
	} else {
		fmt.Fprintf(&b, "Servers and load generators shared all CPUs; wrk ran with %d threads.\n", threads(o))
	}
	fmt.Fprintf(&b, "Load average (1, 5, 15 min) %s before and %s after; the run took %s.\n\n", before, after, took.Round(time.Second))
	b.WriteString("Ratios are medians over the rounds of a ratio within a round. \"× hardened\" is wrk's req/s on the server over wrk's on net/http, hardened for the same request: the same net/http server as bare but with roundtrip serve's timeouts and header limit (ReadHeaderTimeout 5s, ReadTimeout 30s, WriteTimeout 30s, IdleTimeout 120s, MaxHeaderBytes 32 KiB), the fair peer for serve and the one the targets use. \"× bare\" is the same over bare net/http, which has no timeouts. \"bench ÷ wrk\" is roundtrip bench's req/s over wrk's on the same server. Latencies are p50 / p99. Peak RSS is the server's VmHWM after all rounds of the request.\n")
	for _, s := range uniqueServers(rows) {
		if s.note != "" {
			fmt.Fprintf(&b, "\nNote on %s: %s.\n", s.name, s.note)
		}
	}
	for _, l := range loads {
		fmt.Fprintf(&b, "\n## %s\n\n", l.name)
		b.WriteString(table(rows, l))
	}
	b.WriteString("\n## Targets\n\n")
	b.WriteString(targets(rows, loads))
	return b.String()
}

// table is the markdown table of the rows for load l.
func table(rows []row, l load) string {
	var b strings.Builder
	b.WriteString("| server | wrk req/s | × hardened | × bare | roundtrip bench req/s | bench ÷ wrk | wrk p50 / p99 | bench p50 / p99 | peak RSS |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rows {
		if r.load.name != l.name {
			continue
		}
		ratio := "–"
		if r.ratio > 0 {
			ratio = fmt.Sprintf("%.2f", r.ratio)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.server.name, rps(r.wrk),
			times(vs(rows, r, hardened)), times(vs(rows, r, bare)), rps(r.rt), ratio, lat(r.wrk), lat(r.rt), mib(r.rssBytes))
	}
	return b.String()
}

// targets is the markdown list of the targets and of failed runs.
func targets(rows []row, loads []load) string {
	var b strings.Builder
	// The targets hold for serve as it runs by default (the store on) and
	// with --store memory; older builds name their rows otherwise.
	var rts []string
	for _, name := range []string{"roundtrip serve, store on", "roundtrip serve, store memory"} {
		if len(loads) > 0 && find(rows, name, loads[0].name) != nil {
			rts = append(rts, name)
		}
	}
	if len(rts) == 0 {
		rts = []string{"roundtrip serve, capture on"}
		if len(loads) > 0 && find(rows, rts[0], loads[0].name) == nil {
			rts = []string{"roundtrip serve"}
		}
	}
	for _, rt := range rts {
		goal := func(peer string, l load, v, want float64) string {
			if v == 0 {
				return fmt.Sprintf("- %s ÷ %s on %s: **–**, no round where both succeeded (target ≥ %g×) %s", rt, peer, l.name, want, mark(false))
			}
			return fmt.Sprintf("- %s ÷ %s on %s: **%.2f×** (target ≥ %g×) %s", rt, peer, l.name, v, want, mark(v >= want))
		}
		for _, l := range loads {
			if r := find(rows, rt, l.name); r != nil && find(rows, hardened, l.name) != nil {
				b.WriteString(goal(hardened, l, vs(rows, *r, hardened), 0.9))
				if find(rows, bare, l.name) != nil {
					fmt.Fprintf(&b, "; ÷ bare net/http %s", times(vs(rows, *r, bare)))
				}
				b.WriteString("\n")
			}
		}
		for _, l := range loads {
			if r := find(rows, rt, l.name); r != nil && find(rows, "Express (node)", l.name) != nil {
				b.WriteString(goal("Express", l, vs(rows, *r, "Express (node)"), 3) + "\n")
			}
		}
	}
	// roundtrip proxy against the bare ReverseProxy, capture on.
	for _, rt := range []string{proxyStore, proxyMemory} {
		for _, l := range loads {
			r, base := find(rows, rt, l.name), find(rows, bareProxy, l.name)
			if r == nil || base == nil {
				continue
			}
			v := vs(rows, *r, bareProxy)
			if v == 0 {
				fmt.Fprintf(&b, "- %s ÷ %s on %s: **–**, no round where both succeeded (target ≥ 0.85×) %s\n", rt, bareProxy, l.name, mark(false))
				continue
			}
			fmt.Fprintf(&b, "- %s ÷ %s on %s: **%.2f×** (target ≥ 0.85×) %s", rt, bareProxy, l.name, v, mark(v >= 0.85))
			if find(rows, "nginx (reverse proxy)", l.name) != nil {
				fmt.Fprintf(&b, "; nginx ÷ %s %s", bareProxy, times(vs(rows, *find(rows, "nginx (reverse proxy)", l.name), bareProxy)))
			}
			b.WriteString("\n")
		}
	}
	lo, hi, n := 10.0, 0.0, 0
	for _, r := range rows {
		if v := r.ratio; v > 0 {
			lo, hi, n = min(lo, v), max(hi, v), n+1
		}
	}
	if n > 0 {
		fmt.Fprintf(&b, "- roundtrip bench ÷ wrk over all %d rows: **%.2f to %.2f** (target ≥ 0.8) %s\n", n, lo, hi, mark(lo >= 0.8))
	}
	for _, r := range rows {
		for _, t := range []struct {
			tool string
			res  result
		}{{"wrk", r.wrk}, {"roundtrip bench", r.rt}} {
			switch {
			case t.res.err != nil:
				fmt.Fprintf(&b, "- %s on %s, %s failed: %s\n", t.tool, r.server.name, r.load.name, oneLine(t.res.err.Error()))
			case t.res.errors > 0:
				fmt.Fprintf(&b, "- %s on %s, %s: %d socket errors\n", t.tool, r.server.name, r.load.name, t.res.errors)
			}
		}
	}
	return b.String()
}

// find is the row of server on load, or nil.
func find(rows []row, server, load string) *row {
	for i := range rows {
		if rows[i].server.name == server && rows[i].load.name == load {
			return &rows[i]
		}
	}
	return nil
}

// vs is wrk's req/s on r over wrk's on peer for the same load, paired by
// round; 0 when peer did not run or no round is left.
func vs(rows []row, r row, peer string) float64 {
	p := find(rows, peer, r.load.name)
	if p == nil {
		return 0
	}
	return pairedRatio(r.wrkRuns, p.wrkRuns)
}

func times(v float64) string {
	if v <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", v)
}

func uniqueServers(rows []row) []server {
	var out []server
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.server.name] {
			seen[r.server.name] = true
			out = append(out, r.server)
		}
	}
	return out
}

func mark(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

func rps(r result) string {
	if r.err != nil {
		return "failed"
	}
	return group(int64(r.rps + 0.5))
}

func lat(r result) string {
	if r.err != nil {
		return "–"
	}
	return ms(r.p50) + " / " + ms(r.p99)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/1e6)
}

func mib(n int64) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func group(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return "unknown CPU"
}

// version is the first line a tool prints about its version.
func version(argv ...string) string {
	out, _ := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if argv[0] == "node" {
		line = "node " + line
	}
	if line == "" {
		return argv[0] + " (version unknown)"
	}
	return line
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
