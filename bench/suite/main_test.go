package main

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	failed := result{err: errors.New("wrk: killed")}
	tests := []struct {
		name string
		runs []result
		want float64
	}{
		{"one", []result{{rps: 5}}, 5},
		{"three", []result{{rps: 9}, {rps: 1}, {rps: 5}}, 5},
		{"a failure counts lowest", []result{{rps: 9}, failed, {rps: 5}}, 5},
		{"two failures", []result{failed, {rps: 7}, failed}, 0},
	}
	for _, tt := range tests {
		if got := median(tt.runs); got.rps != tt.want {
			t.Errorf("median(%s) = %v; want %v", tt.name, got.rps, tt.want)
		}
	}
}

func TestKibJSON(t *testing.T) {
	b := kibJSON()
	if len(b) != 1024 || !json.Valid(b) {
		t.Errorf("kibJSON() is %d bytes, valid %v; want 1024 bytes of JSON", len(b), json.Valid(b))
	}
}

func TestPeakRSS(t *testing.T) {
	if got := peakRSS(os.Getpid()); got < 1<<20 {
		t.Errorf("peakRSS(self) = %d; want at least 1 MiB", got)
	}
	if got := peakRSS(-1); got != -1 {
		t.Errorf("peakRSS(-1) = %d; want -1", got)
	}
}

func TestPairedRatio(t *testing.T) {
	failed := result{err: errors.New("killed")}
	tests := []struct {
		name string
		a, b []result
		want float64
	}{
		{"round by round", []result{{rps: 10}, {rps: 50}, {rps: 9}}, []result{{rps: 10}, {rps: 100}, {rps: 3}}, 1},
		{"failed rounds left out", []result{{rps: 8}, failed}, []result{{rps: 4}, {rps: 1}}, 2},
		{"nothing left", []result{failed}, []result{{rps: 4}}, 0},
		{"zero baseline", []result{{rps: 4}}, []result{{rps: 0}}, 0},
	}
	for _, tt := range tests {
		if got := pairedRatio(tt.a, tt.b); got != tt.want {
			t.Errorf("pairedRatio(%s) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// runs is one wrk run per round at these req/s; 0 is a failed run.
func runs(rps ...float64) []result {
	out := make([]result, len(rps))
	for i, v := range rps {
		out[i] = result{rps: v}
		if v == 0 {
			out[i].err = errors.New("killed")
		}
	}
	return out
}

func TestChoose(t *testing.T) {
	servers := []server{{name: "roundtrip serve, capture on"}, {name: "roundtrip serve, capture off"},
		{name: hardened}, {name: bare}, {name: "fasthttp"}, {name: "Express (node)"}}
	tests := []struct {
		only string
		want string
	}{
		{"", "roundtrip serve, capture on|roundtrip serve, capture off|net/http, hardened|net/http (bare)|fasthttp|Express (node)"},
		{"capture on", "roundtrip serve, capture on|net/http, hardened|net/http (bare)"},
		{"Express", "net/http, hardened|net/http (bare)|Express (node)"},
		{"net/http", "net/http, hardened|net/http (bare)"},
		{"nothing", "net/http, hardened|net/http (bare)"},
	}
	for _, tt := range tests {
		var names []string
		for _, s := range choose(servers, tt.only) {
			names = append(names, s.name)
		}
		if got := strings.Join(names, "|"); got != tt.want {
			t.Errorf("choose(%q) = %s; want %s", tt.only, got, tt.want)
		}
	}
}

// suiteRows is three rounds of the suite on two loads, with round-by-round
// ratios chosen so that medians of ratios differ from ratios of medians.
func suiteRows(loads []load) []row {
	var rows []row
	add := func(name string, l load, wrk []result, ratio float64) {
		rows = append(rows, row{server: server{name: name}, load: l, wrkRuns: wrk, wrk: median(wrk),
			rtRuns: wrk, rt: median(wrk), ratio: ratio, rssBytes: 10 << 20})
	}
	// GET /hello: serve ÷ hardened is 0.95, 1.0, 0.8 → 0.95; ÷ bare 0.9, 0.8, 0.8 → 0.8.
	add("roundtrip serve, capture on", loads[0], runs(950, 1000, 800), 0.9)
	add(hardened, loads[0], runs(1000, 1000, 1000), 0.9)
	add(bare, loads[0], runs(1000/0.9, 1250, 1000), 0.9)
	add("Express (node)", loads[0], runs(300, 300, 300), 0.85)
	// POST /echo: serve ÷ hardened is 0.5, 0.9, 0.85 → 0.85; two bare rounds failed.
	add("roundtrip serve, capture on", loads[1], runs(500, 900, 850), 0.95)
	add(hardened, loads[1], runs(1000, 1000, 1000), 0.95)
	add(bare, loads[1], runs(1000, 0, 0), 0.7)
	add("Express (node)", loads[1], runs(100, 100, 100), 0.9)
	return rows
}

var testLoads = []load{{name: "GET /hello"}, {name: "POST /echo"}}

func TestVs(t *testing.T) {
	rows := suiteRows(testLoads)
	tests := []struct {
		server, load, peer string
		want               float64
	}{
		{"roundtrip serve, capture on", "GET /hello", hardened, 0.95},
		{"roundtrip serve, capture on", "GET /hello", bare, 0.8},
		{"roundtrip serve, capture on", "POST /echo", hardened, 0.85},
		{"roundtrip serve, capture on", "POST /echo", bare, 0.5}, // round 1 only
		{hardened, "GET /hello", hardened, 1},
		{"roundtrip serve, capture on", "GET /hello", "fasthttp", 0}, // did not run
	}
	for _, tt := range tests {
		got := vs(rows, *find(rows, tt.server, tt.load), tt.peer)
		if math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("vs(%s on %s, %s) = %v; want %v", tt.server, tt.load, tt.peer, got, tt.want)
		}
	}
}

func TestTable(t *testing.T) {
	rows := suiteRows(testLoads)
	tests := []struct {
		load load
		want []string
	}{
		{testLoads[0], []string{
			"| server | wrk req/s | × hardened | × bare | roundtrip bench req/s | bench ÷ wrk | wrk p50 / p99 | bench p50 / p99 | peak RSS |",
			"| roundtrip serve, capture on | 950 | 0.95× | 0.80× | 950 | 0.90 |",
			"| net/http, hardened | 1,000 | 1.00× | 0.90× | 1,000 | 0.90 |",
			"| Express (node) | 300 | 0.30× | 0.27× | 300 | 0.85 |",
		}},
		{testLoads[1], []string{
			"| roundtrip serve, capture on | 850 | 0.85× | 0.50× | 850 | 0.95 |",
			"| net/http (bare) | failed | 1.00× | 1.00× | failed | 0.70 |",
		}},
	}
	for _, tt := range tests {
		got := table(rows, tt.load)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("table(%s) =\n%s\nwant a line with %s", tt.load.name, got, w)
			}
		}
	}
}

func TestTargets(t *testing.T) {
	rows := suiteRows(testLoads)
	noBare := slices.DeleteFunc(slices.Clone(rows), func(r row) bool { return r.server.name == bare })
	failed := slices.Clone(rows)
	failed[0].wrkRuns = runs(0, 0, 0)
	tests := []struct {
		name string
		rows []row
		want string
	}{
		{"all ran", rows, `- roundtrip serve, capture on ÷ net/http, hardened on GET /hello: **0.95×** (target ≥ 0.9×) ✅; ÷ bare net/http 0.80×
- roundtrip serve, capture on ÷ net/http, hardened on POST /echo: **0.85×** (target ≥ 0.9×) ❌; ÷ bare net/http 0.50×
- roundtrip serve, capture on ÷ Express on GET /hello: **3.17×** (target ≥ 3×) ✅
- roundtrip serve, capture on ÷ Express on POST /echo: **8.50×** (target ≥ 3×) ✅
- roundtrip bench ÷ wrk over all 8 rows: **0.70 to 0.95** (target ≥ 0.8) ❌
- wrk on net/http (bare), POST /echo failed: killed
- roundtrip bench on net/http (bare), POST /echo failed: killed
`},
		{"no bare run", noBare, `- roundtrip serve, capture on ÷ net/http, hardened on GET /hello: **0.95×** (target ≥ 0.9×) ✅
- roundtrip serve, capture on ÷ net/http, hardened on POST /echo: **0.85×** (target ≥ 0.9×) ❌
- roundtrip serve, capture on ÷ Express on GET /hello: **3.17×** (target ≥ 3×) ✅
- roundtrip serve, capture on ÷ Express on POST /echo: **8.50×** (target ≥ 3×) ✅
- roundtrip bench ÷ wrk over all 6 rows: **0.85 to 0.95** (target ≥ 0.8) ✅
`},
		{"serve failed every round", failed, `- roundtrip serve, capture on ÷ net/http, hardened on GET /hello: **–**, no round where both succeeded (target ≥ 0.9×) ❌; ÷ bare net/http –
- roundtrip serve, capture on ÷ net/http, hardened on POST /echo: **0.85×** (target ≥ 0.9×) ❌; ÷ bare net/http 0.50×
- roundtrip serve, capture on ÷ Express on GET /hello: **–**, no round where both succeeded (target ≥ 3×) ❌
- roundtrip serve, capture on ÷ Express on POST /echo: **8.50×** (target ≥ 3×) ✅
- roundtrip bench ÷ wrk over all 8 rows: **0.70 to 0.95** (target ≥ 0.8) ❌
- wrk on net/http (bare), POST /echo failed: killed
- roundtrip bench on net/http (bare), POST /echo failed: killed
`},
	}
	for _, tt := range tests {
		if got := targets(tt.rows, testLoads); got != tt.want {
			t.Errorf("targets(%s) =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestReport(t *testing.T) {
	o := &opts{wrk: "/nonexistent/wrk", duration: time.Second, warmup: time.Second, conns: 50, repeat: 3}
	got := report(o, suiteRows(testLoads), testLoads, "0.1 0.1 0.1", "0.2 0.2 0.2", time.Minute)
	for _, want := range []string{
		`"× hardened" is wrk's req/s on the server over wrk's on net/http, hardened`,
		`"× bare" is the same over bare net/http`,
		"\n## GET /hello\n\n| server | wrk req/s | × hardened | × bare |",
		"\n## POST /echo\n\n",
		"\n## Targets\n\n- roundtrip serve, capture on ÷ net/http, hardened on GET /hello: **0.95×**",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report() =\n%s\nwant it to contain %q", got, want)
		}
	}
}
