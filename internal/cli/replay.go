package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/diff"
	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/har"
	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/store"
)

// replayMaxBody bounds each answer a replay keeps to compare.
const replayMaxBody = 10 << 20

// replayIgnore are the headers a replay leaves out besides diff's: the
// message's framing, which captures do not record.
var replayIgnore = []string{"Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive"}

func runReplay(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "replay", "--to URL [FILE.har | FILTER...]", "Send recorded exchanges again, to another server (a new build, a migrated backend), and compare\neach answer with the one recorded: status, headers and bodies (JSON by structure). The\nexchanges come from a HAR file, or from the history (the store) as a filter selects them.\nExit 1 if any answer differs, or could not be replayed.")
	to := fs.String("to", "", "the server to replay to, such as http://localhost:8080")
	showDiff := fs.Bool("diff", false, "show each difference in full, not only which exchanges differ")
	ignore := fs.String("ignore", "", "comma-separated header `names` to leave out of the comparison, beside "+strings.Join(diff.DefaultIgnore, ", ")+" and the framing ("+strings.Join(replayIgnore, ", ")+")")
	storePath := storeFlag(fs)
	limit := fs.Int("limit", 100, "replay at most `N` exchanges, the oldest first")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on one replay after this `duration`")
	rest, err := parseFilterFlags(fs, args)
	if err != nil {
		return err
	}
	base, err := appURL("replay", *to, "the server to replay to, such as --to http://localhost:8080")
	if err != nil {
		return err
	}
	if *limit < 1 {
		return usageError("replay: --limit must be at least 1, not %d", *limit)
	}
	// A capture has the headers its handler set, not the framing net/http
	// adds on the wire (Content-Length), which a replay's answer has.
	opts := diff.Options{Ignore: append(append([]string(nil), diff.DefaultIgnore...), replayIgnore...)}
	if *ignore != "" {
		opts.Ignore = append(opts.Ignore, strings.Split(*ignore, ",")...)
	}
	recorded, err := replaySource(ctx, e, *storePath, rest, *limit)
	if err != nil {
		return err
	}
	c := &http.Client{
		Timeout:       *timeout,
		Transport:     &http.Transport{Proxy: nil, DisableCompression: true, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	target := strings.TrimSuffix(base.String(), "/")
	var same, differ, failed int
	for _, ex := range recorded {
		line := terminalSafe(ex.Method + " " + ex.URL)
		got, err := replayOne(ctx, c, ex, target)
		if err != nil {
			failed++
			fmt.Fprintf(e.stdout, "! %s: %s\n", line, terminalSafe(err.Error()))
			continue
		}
		r := diff.Exchanges(ex, got, opts)
		if r.Equal() {
			same++
			fmt.Fprintf(e.stdout, "= %s %d\n", line, got.Status)
			continue
		}
		differ++
		fmt.Fprintf(e.stdout, "≠ %s %d → %d\n", line, ex.Status, got.Status)
		if *showDiff {
			if err := r.WriteText(e.stdout, false); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(e.stdout, "%d replayed to %s: %d the same, %d different, %d not replayed\n", len(recorded), terminalSafe(target), same, differ, failed)
	if differ+failed > 0 {
		return &exitError{code: exitFailure}
	}
	return nil
}

// replaySource is the exchanges to replay: a HAR file's, or the store's
// that the filter selects, oldest first, at most limit.
func replaySource(ctx context.Context, e *env, storePath string, args []string, limit int) ([]*observe.Exchange, error) {
	if len(args) == 1 && strings.HasSuffix(strings.ToLower(args[0]), ".har") {
		f, err := os.Open(args[0])
		if err != nil {
			return nil, fmt.Errorf("replay: cannot open %s: %v", args[0], unwrapPathError(err))
		}
		defer f.Close()
		l, err := har.Decode(f, 1<<30)
		if err != nil {
			return nil, fmt.Errorf("replay: %s: %v", args[0], strings.TrimPrefix(err.Error(), "har: "))
		}
		exs, _, err := har.Prepare(l, true) // replayed as recorded: a HAR file has its own secrets
		if err != nil {
			return nil, fmt.Errorf("replay: %s: %v", args[0], strings.TrimPrefix(err.Error(), "har: "))
		}
		return exs[:min(len(exs), limit)], nil
	}
	f, err := historyFilter("replay", args)
	if err != nil {
		return nil, err
	}
	// Not the replays themselves, which serve captures too.
	notReplays, err := filter.Parse("-header:" + inspect.ReplayOf)
	if err != nil {
		return nil, err
	}
	f = f.And(notReplays)
	s, err := openHistory(ctx, e, storePath, false)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var out []*observe.Exchange
	errEnough := errors.New("enough")
	err = s.Each(ctx, f, 0, func(r store.Record) error {
		out = append(out, r.Exchange)
		if len(out) == limit {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	return out, nil
}

// replayOne sends ex's request to target and records the answer as an
// exchange, to compare.
func replayOne(ctx context.Context, c *http.Client, ex *observe.Exchange, target string) (*observe.Exchange, error) {
	req, err := inspect.ReplayRequest(ctx, ex, target)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("no answer: %v", errors.Unwrap(err))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, replayMaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("the answer broke off: %v", err)
	}
	got := &observe.Exchange{Summary: observe.Summary{
		Method: req.Method, URL: req.URL.RequestURI(), Path: req.URL.Path, Host: req.URL.Host, Proto: res.Proto,
		Status: res.StatusCode, DurationMS: observe.Millis(time.Since(start)), ContentType: res.Header.Get("Content-Type"),
	}}
	got.Request = ex.Request
	got.Response.Headers = res.Header
	cut := len(body) > replayMaxBody
	if cut {
		body = body[:replayMaxBody]
	}
	got.Response.SetBody(string(body), int64(len(body)), cut)
	got.BytesOut = int64(len(body))
	return got, nil
}
