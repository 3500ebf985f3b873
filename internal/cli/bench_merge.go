package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/roundtrip/roundtrip/internal/bench"
)

const benchMergeSummary = `Merge the histograms of several runs exactly, such as the shards of one
distributed run (bench --shard i/n --output json), and report the union:
counts summed, percentiles from the added histograms, and the window from the
earliest start to the latest end. FILE is a bench --output json document or
a --hdr-log interval log (latencies only); - reads standard input.

Exit status: 0 when merged, 1 when a file cannot be read or is neither, 2
for a wrong command line, 3 when a --fail-if threshold held.`

func runBenchMerge(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench merge", "[flags] FILE...", benchMergeSummary)
	out := addBenchOut(fs)
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError("bench merge takes one FILE or more, such as roundtrip bench merge shard-1.json shard-2.json")
	}
	if err := out.check("bench merge"); err != nil {
		return err
	}
	var ss []*bench.Summary
	for _, name := range files {
		s, err := readSummaryFile(e, name)
		if err != nil {
			return fmt.Errorf("bench merge: %s: %v", name, err)
		}
		ss = append(ss, s)
	}
	return out.finish(e, bench.Merge(ss), nil, bench.Knee{}, 0)
}

func readSummaryFile(e *env, name string) (*bench.Summary, error) {
	if name == "-" {
		return bench.ReadSummary(e.stdin)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read it")
	}
	defer f.Close()
	return bench.ReadSummary(f)
}
