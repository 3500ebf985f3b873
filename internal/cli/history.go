package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/har"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/store"
)

const historySummary = `List, show, export, import and clear the exchanges roundtrip serve keeps in
its store file, with or without a serve running on it.

  roundtrip history [FILTER...]                   the newest matching exchanges
  roundtrip history show ID                       one exchange, as request -v shows one
  roundtrip history export [-o FILE] [FILTER...]  a HAR 1.2 document, oldest first
  roundtrip history import FILE.har|-             load a HAR file, DevTools' say
  roundtrip history clear [--yes] [FILTER...]     delete matching ones (no filter: all)

FILTER is the inspector's syntax, its words joined by spaces: method:POST
status:4xx path:/api/ host:localhost header:content-type=json duration>100ms
larger-than:10k trace:ID (a W3C trace id), a leading - negating a term, and free text (greet matches
greeting). To search for a subcommand's name, quote it: '"show"'.

The store is serve's default file unless --store says otherwise. history
never evicts: the bounds are serve's (--store-max-bytes, --store-max-age).

Exit status: 0 done, 1 failed (no such history or exchange, a malformed HAR
file), 2 for a wrong command line (a bad filter, clear without --yes off a
terminal).`

// historySubcommands are history's own commands; anything else is a filter.
var historySubcommands = []struct {
	name string
	run  func(context.Context, *env, []string) error
}{
	{"show", runHistoryShow},
	{"export", runHistoryExport},
	{"import", runHistoryImport},
	{"clear", runHistoryClear},
}

func runHistory(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		for _, c := range historySubcommands {
			if args[0] == c.name {
				return c.run(ctx, e, args[1:])
			}
		}
	}
	return runHistoryList(ctx, e, args)
}

// History files are opened without bounds: the bounds are serve's, which
// history does not know, and Open evicts at once by those it is given.
const (
	historyMaxBytes = math.MaxInt64
	historyMaxAge   = time.Duration(math.MaxInt64)
	// maxImport bounds a HAR file history import reads.
	maxImport = 1 << 30
	// listLimit is how many exchanges history lists unless told.
	listLimit = 50
)

// storeFlag adds --store to fs.
func storeFlag(fs *flag.FlagSet) *string {
	return fs.String("store", "default", "the store `file` serve keeps the history in: default is serve's default, history.db in the user's state directory ($XDG_STATE_HOME/roundtrip, else ~/.local/state/roundtrip)")
}

// historyPath is --store's file as an absolute path.
func historyPath(e *env, flagValue string) (string, error) {
	switch flagValue {
	case "memory":
		return "", usageError("history reads a store file; serve --store memory keeps none")
	case "default", "":
		p, err := store.DefaultPath(e.getenv)
		if err != nil {
			return "", err
		}
		flagValue = p
	}
	p, err := filepath.Abs(flagValue)
	if err != nil {
		return "", fmt.Errorf("history: --store %s: %v", flagValue, err)
	}
	return p, nil
}

// openHistory opens the store at path. Unless create is set, a missing
// file is an error, and none is made: store.Open would make one.
func openHistory(ctx context.Context, e *env, flagValue string, create bool) (*store.Store, error) {
	path, err := historyPath(e, flagValue)
	if err != nil {
		return nil, err
	}
	if !create {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if flagValue == "default" || flagValue == "" {
				return nil, fmt.Errorf("no history at %s: serve has not stored any yet (serve keeps it there by default), or use --store PATH", path)
			}
			return nil, fmt.Errorf("no history at %s: no such file; serve --store %s keeps one there", path, flagValue)
		}
	}
	// Open's errors are one line naming the file and what to do.
	return store.Open(ctx, store.Config{Path: path, MaxBytes: historyMaxBytes, MaxAge: historyMaxAge})
}

// closeHistory closes s, keeping err if there was one.
func closeHistory(s *store.Store, err *error) {
	if cerr := s.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("history: closing %s: %v", s.Path(), cerr)
	}
}

// historyFilter parses the filter words, joined by spaces.
func historyFilter(cmd string, words []string) (filter.Filter, error) {
	src := strings.Join(words, " ")
	f, err := filter.Parse(src)
	if err != nil {
		return f, usageError("%s: %v, in %q", cmd, err, src)
	}
	return f, nil
}

// parseFilterFlags is parseFlags for a command that takes a filter. The
// flag package would take a negated term (-status:200) for a flag: one
// whose key is no flag of fs and that has a filter's operator (: < >) is
// a term. A negated word (-alice) could be a mistyped flag: it goes after
// --, which an unknown flag's error says.
func parseFilterFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var terms, flags []string
	for i, a := range args {
		if a == "--" {
			flags = append(flags, args[i:]...)
			break
		}
		if negatedTerm(fs, a) {
			terms = append(terms, a)
			continue
		}
		flags = append(flags, a)
	}
	rest, err := parseFlags(fs, flags)
	var ex *exitError
	if errors.As(err, &ex) && ex.err != nil && strings.Contains(ex.err.Error(), "flag provided but not defined") {
		return nil, usageError("%v; a negated word goes after --, as in roundtrip %s -- -alice", ex.err, fs.Name())
	}
	return append(terms, rest...), err
}

// negatedTerm reports whether a is a negated filter term, not a flag.
func negatedTerm(fs *flag.FlagSet, a string) bool {
	if len(a) < 3 || a[0] != '-' || a[1] == '-' {
		return false
	}
	i := strings.IndexAny(a[1:], ":<>=")
	if i <= 0 || a[1+i] == '=' {
		return false
	}
	return fs.Lookup(a[1:1+i]) == nil
}

// checkOutput refuses an --output other than the formats given.
func checkOutput(cmd, output string, formats ...string) error {
	if !slices.Contains(formats, output) {
		return usageError("%s: --output must be %s, not %q", cmd, strings.Join(formats, " or "), output)
	}
	return nil
}

func runHistoryList(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "history", "[flags] [FILTER...] | show ID | export [FILTER...] | import FILE | clear [FILTER...]", historySummary)
	storePath := storeFlag(fs)
	limit := fs.Int("limit", listLimit, "list at most `N` exchanges, newest first")
	all := fs.Bool("all", false, "list every matching exchange, page by page")
	output := fs.String("output", "text", "`format`: text, a table, or json, one exchange summary a line")
	rest, err := parseFilterFlags(fs, args)
	if err != nil {
		return err
	}
	for _, c := range historySubcommands {
		if len(rest) > 0 && rest[0] == c.name {
			return usageError("history: %s is a subcommand and comes first: roundtrip history %s [flags] ...; to search for the word, quote it: '\"%s\"'", c.name, c.name, c.name)
		}
	}
	if *limit < 1 {
		return usageError("history: --limit must be at least 1, not %d", *limit)
	}
	if err := checkOutput("history", *output, "text", "json"); err != nil {
		return err
	}
	f, err := historyFilter("history", rest)
	if err != nil {
		return err
	}
	s, err := openHistory(ctx, e, *storePath, false)
	if err != nil {
		return err
	}
	defer closeHistory(s, &err)

	w := bufio.NewWriterSize(e.stdout, 64<<10)
	table := &historyTable{now: time.Now()}
	want := *limit
	if *all {
		want = math.MaxInt
	}
	var before uint64
	n, more := 0, false
	for n < want {
		var page []*observe.Exchange
		page, more, err = s.List(ctx, f, before, min(want-n, store.MaxLimit))
		if err != nil {
			return err
		}
		if *output == "json" {
			var line []byte
			for _, ex := range page {
				if line, err = observe.AppendSummary(line[:0], &ex.Summary); err != nil {
					return fmt.Errorf("history: exchange %d: %v", ex.ID, err)
				}
				w.Write(append(line, '\n'))
			}
		} else {
			table.write(w, page)
		}
		n += len(page)
		if !more || len(page) == 0 {
			break
		}
		before = page[len(page)-1].ID
	}
	if *output == "text" {
		switch {
		case n == 0 && f.IsZero():
			fmt.Fprintf(w, "no exchanges in %s\n", terminalSafe(s.Path()))
		case n == 0:
			fmt.Fprintf(w, "no exchanges match %s in %s\n", terminalSafe(f.String()), terminalSafe(s.Path()))
		case more:
			fmt.Fprintf(w, "(the newest %d; older ones match too: --limit N, or --all)\n", n)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("history: cannot write: %w", err)
	}
	return nil
}

// historyTable writes summaries as a table for people, its columns as
// wide as the widest cell so far: pages that come later may only widen
// them. The URL goes last, so that a long one moves no other column.
type historyTable struct {
	now    time.Time
	widths [6]int
	header bool
}

var historyColumns = [6]string{"ID", "TIME", "METHOD", "STATUS", "DURATION", "SIZE"}

// historyRight are the columns aligned right: the numbers.
var historyRight = [6]bool{true, false, false, false, true, true}

func (t *historyTable) write(w io.Writer, page []*observe.Exchange) {
	if len(page) == 0 {
		return
	}
	rows := make([][7]string, 0, len(page)+1)
	if !t.header {
		var head [7]string
		copy(head[:], historyColumns[:])
		head[6] = "URL"
		rows = append(rows, head)
		t.header = true
	}
	for _, ex := range page {
		url := terminalSafe(displayURL(ex))
		if ex.Imported {
			url += "  (imported)"
		}
		rows = append(rows, [7]string{
			strconv.FormatUint(ex.ID, 10),
			formatWhen(ex.Started, t.now),
			terminalSafe(ex.Method),
			strconv.Itoa(ex.Status),
			formatDuration(time.Duration(ex.DurationMS * float64(time.Millisecond))),
			formatBytes(ex.BytesOut),
			url,
		})
	}
	for _, r := range rows {
		for i := range t.widths {
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(r[i]))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		b.Reset()
		for i, cell := range r[:6] {
			pad := strings.Repeat(" ", t.widths[i]-utf8.RuneCountInString(cell))
			if historyRight[i] {
				b.WriteString(pad + cell)
			} else {
				b.WriteString(cell + pad)
			}
			b.WriteString("  ")
		}
		b.WriteString(r[6])
		b.WriteByte('\n')
		io.WriteString(w, b.String())
	}
}

// displayURL is the exchange's URL in full when its request-target is a
// path (as most are), else the target as it came.
func displayURL(ex *observe.Exchange) string {
	if ex.Host == "" || !strings.HasPrefix(ex.URL, "/") {
		return ex.URL
	}
	scheme := "http://"
	if ex.TLS != "" {
		scheme = "https://"
	}
	return scheme + ex.Host + ex.URL
}

// formatWhen is t in local time, compact: the time of day for today, the
// date without the year for this year, else the date in full.
func formatWhen(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	switch {
	case t.IsZero():
		return "-"
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.Format("15:04:05")
	case t.Year() == now.Year():
		return t.Format("Jan 02 15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

// formatBytes is n bytes in the largest binary unit under it.
func formatBytes(n int64) string {
	switch {
	case n < 1<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

func runHistoryShow(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "history show", "[flags] ID", "Show one stored exchange as roundtrip request -v shows a round trip: the request line and\nheaders as the server received them, the request body, the status line, the response's headers\nand body, and the server's phases with their durations.")
	storePath := storeFlag(fs)
	output := fs.String("output", "text", "`format`: text, or json for the exchange as the inspector's API has it")
	colour := fs.String("color", "auto", "`when` to colour: auto (stdout is a terminal and NO_COLOR is unset), always or never")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("history show takes one ID, such as roundtrip history show 42 (roundtrip history lists them)")
	}
	id, perr := strconv.ParseUint(rest[0], 10, 64)
	if perr != nil || id == 0 {
		return usageError("history show: %q is not an exchange id (a number, such as 42)", rest[0])
	}
	if err := checkOutput("history show", *output, "text", "json"); err != nil {
		return err
	}
	if *colour != "auto" && *colour != "always" && *colour != "never" {
		return usageError("history show: --color must be auto, always or never, not %q", *colour)
	}
	s, err := openHistory(ctx, e, *storePath, false)
	if err != nil {
		return err
	}
	defer closeHistory(s, &err)
	ex, err := s.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no exchange %d in %s; roundtrip history lists them", id, s.Path())
	}
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	if *output == "json" {
		b, _, err := observe.AppendExchange(nil, ex)
		if err != nil {
			return fmt.Errorf("history show: exchange %d: %v", id, err)
		}
		w.Write(append(b, '\n'))
	} else {
		on := useColour(*colour, e)
		o := textOptions{colour: palette{on: on}, human: on || isTerminalWriter(e.stdout)}
		if err := writeStored(w, e.stderr, ex, o); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("history show: cannot write: %w", err)
	}
	return nil
}

// writeStored writes a stored exchange for people: a line about it, its
// request and response as request -v writes them, and its phases. A
// truncated body is noted after it, or on warn when the body is raw.
func writeStored(w, warn io.Writer, ex *observe.Exchange, o textOptions) error {
	p := o.colour
	about := []string{formatStarted(ex.Started)}
	if ex.Client != "" {
		about = append(about, "from "+ex.Client)
	}
	if ex.RequestID != "" {
		about = append(about, "request id "+ex.RequestID)
	}
	if ex.Imported {
		about = append(about, "imported from a HAR file")
	}
	if ex.ClientGone {
		about = append(about, "the client went away before the response was complete")
	}
	fmt.Fprintf(w, "%s, %s\n\n", p.bold(fmt.Sprintf("Exchange %d", ex.ID)), terminalSafe(strings.Join(about, ", ")))

	reqBody, _ := storedBody(&ex.Request)
	writeRequestHead(w, p, ex.Method+" "+ex.URL+" "+ex.Proto, headerFields(ex.Host, ex.Request.Headers), reqBody)
	if note := bodyNote(&ex.Request, reqBody); note != "" {
		fmt.Fprintf(w, "%s %s\n", p.dim(">"), note)
	}

	writeResponseHead(w, p, ex.Status, fmt.Sprintf("%s %d %s", ex.Proto, ex.Status, ex.StatusText()), ex.Response.Headers)
	body, binary := storedBody(&ex.Response)
	note := bodyNote(&ex.Response, body)
	switch {
	case binary:
		fmt.Fprintf(w, "[%d bytes of binary data; --output json has them as body_base64]\n", len(body))
		if ex.Response.BodyTruncated {
			fmt.Fprintln(w, note)
		}
	case len(body) > 0:
		if err := writeBody(w, bytes.NewReader(body), ex.Response.Headers.Get("Content-Type"), o); err != nil {
			return err
		}
		if !o.human && body[len(body)-1] != '\n' {
			fmt.Fprintln(w)
		}
		if note != "" && o.human {
			fmt.Fprintln(w, note)
		} else if note != "" {
			fmt.Fprintf(warn, "roundtrip: warning: %s\n", strings.Trim(note, "[]"))
		}
	case note != "":
		fmt.Fprintln(w, note)
	}
	fmt.Fprintln(w)
	writePhases(w, ex, p)
	return nil
}

// formatStarted is when an exchange began, in local time, to the millisecond.
func formatStarted(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return t.Local().Format("2006-01-02 15:04:05.000 MST")
}

// storedBody is m's kept body, and whether it is binary (kept as base64).
func storedBody(m *observe.Message) ([]byte, bool) {
	if m.BodyBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(m.BodyBase64)
		if err != nil {
			return nil, true
		}
		return b, true
	}
	return []byte(m.Body), false
}

// bodyNote says what of m's body was not kept, "" when all of it was.
func bodyNote(m *observe.Message, kept []byte) string {
	switch {
	case m.BodySize > 0 && len(kept) == 0:
		return fmt.Sprintf("[%d bytes, not kept]", m.BodySize)
	case m.BodyTruncated:
		return fmt.Sprintf("[cut at %d of %d bytes]", len(kept), m.BodySize)
	}
	return ""
}

// writePhases draws the exchange's phases as request --timeline draws the
// client's: the server's own for a capture, the client's HAR timings for
// an imported exchange.
func writePhases(w io.Writer, ex *observe.Exchange, p palette) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	total := ms(ex.DurationMS)
	width := 17
	for _, ph := range ex.Phases {
		total = max(total, ms(ph.StartMS+ph.DurationMS))
		width = max(width, utf8.RuneCountInString(terminalSafe(ph.Label)))
	}
	title := "Server phases"
	if ex.Imported {
		title = "Phases, from the HAR file's timings (the client's)"
	}
	if len(ex.Phases) == 0 {
		fmt.Fprintf(w, "%s: none recorded; %s in all\n", p.bold(title), formatDuration(total))
		return
	}
	fmt.Fprintf(w, "%s, %s:\n", p.bold(title), formatDuration(total))
	for i, ph := range ex.Phases {
		bar := waterfallBar(p, phaseColours[i%len(phaseColours)], ms(ph.StartMS), ms(ph.DurationMS), total)
		label := terminalSafe(ph.Label)
		if label == "" {
			label = terminalSafe(ph.Name)
		}
		fmt.Fprintf(w, "  %s%s %10s  %s\n", label, strings.Repeat(" ", width-utf8.RuneCountInString(label)), formatDuration(ms(ph.DurationMS)), bar)
	}
}

func runHistoryExport(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "history export", "[flags] [FILTER...]", "Write the matching exchanges, oldest first, as one HAR 1.2 document (DevTools → Network →\nImport HAR reads it), to stdout or -o FILE. Imported exchanges are written as their HAR\nentries came. Not to a terminal: redirect it, pipe it, or pass -o.")
	storePath := storeFlag(fs)
	fs.Bool("har", true, "write HAR 1.2, the default")
	output := fs.String("output", "har", "`format`: har, or json for one exchange a line, as history show --output json writes it")
	outFile := fs.String("o", "", "write to `file` (replaced whole once the export is done) instead of stdout")
	rest, err := parseFilterFlags(fs, args)
	if err != nil {
		return err
	}
	if err := checkOutput("history export", *output, "har", "json"); err != nil {
		return err
	}
	f, err := historyFilter("history export", rest)
	if err != nil {
		return err
	}
	if *outFile == "" && isTerminalWriter(e.stdout) {
		// What a HAR holds (a bidi override, a C1 control in a raw entry)
		// is not escaped, and a terminal would obey it.
		return usageError("history export writes a document, not for a terminal: redirect it (> all.har), pipe it, or pass -o FILE")
	}
	s, err := openHistory(ctx, e, *storePath, false)
	if err != nil {
		return err
	}
	defer closeHistory(s, &err)

	out := e.stdout
	var tmp *os.File
	if *outFile != "" {
		// Written beside the file and renamed over it once done, so that a
		// failed export leaves no half a document. CreateTemp makes it 0600:
		// captures may hold what serve was told to keep (--capture-secrets).
		if tmp, err = os.CreateTemp(filepath.Dir(*outFile), "."+filepath.Base(*outFile)+".*"); err != nil {
			return fmt.Errorf("history export: cannot write %s: %v", *outFile, unwrapPathError(err))
		}
		defer func() {
			if tmp != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		out = tmp
	}
	w := bufio.NewWriterSize(out, 64<<10)
	n := 0
	if *output == "json" {
		var line []byte
		err = s.Each(ctx, f, 0, func(r store.Record) error {
			var err error
			if line, _, err = observe.AppendExchange(line[:0], r.Exchange); err != nil {
				return fmt.Errorf("exchange %d: %v", r.ID, err)
			}
			n++
			_, err = w.Write(append(line, '\n'))
			return err
		})
	} else {
		hw := har.NewWriter(w, har.Head(version()))
		err = s.Each(ctx, f, 0, func(r store.Record) error {
			if err := hw.Exchange(r.Exchange, r.HAR); err != nil {
				return fmt.Errorf("exchange %d: %v", r.ID, err)
			}
			n++
			return nil
		})
		if err == nil {
			err = hw.Close()
		}
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return fmt.Errorf("history export: %v", err)
	}
	if tmp != nil {
		name := tmp.Name()
		err := tmp.Close()
		if err == nil {
			err = os.Rename(name, *outFile)
		}
		tmp = nil
		if err != nil {
			os.Remove(name)
			return fmt.Errorf("history export: cannot write %s: %v", *outFile, unwrapPathError(err))
		}
		fmt.Fprintf(e.stdout, "exported %s to %s\n", exchanges(int64(n)), terminalSafe(*outFile))
	}
	return nil
}

// unwrapPathError drops what an *fs.PathError or *os.LinkError repeats.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

func runHistoryImport(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "history import", "[flags] FILE.har|-", "Load a HAR file (- reads stdin), such as one DevTools exports, into the store, all its\nentries or none: they take the next free ids, are listed marked (imported), and are\nexported again as they came. Secrets (Authorization, cookies, tokens in URLs) are\nredacted as captures are, unless --capture-secrets. The store file is made if missing.")
	storePath := storeFlag(fs)
	secrets := fs.Bool("capture-secrets", false, "keep credentials as the file has them instead of redacting them, as serve --capture-secrets does")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("history import takes one HAR file, or - for stdin, such as roundtrip history import devtools.har")
	}
	name := rest[0]
	if _, err := historyPath(e, *storePath); err != nil {
		return err
	}
	var r io.Reader = e.stdin
	if name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("history import: cannot read %s: %v", name, unwrapPathError(err))
		}
		defer file.Close()
		r = file
	} else {
		name = "stdin"
	}
	l, err := har.Decode(r, maxImport)
	if errors.Is(err, har.ErrTooLarge) {
		return fmt.Errorf("history import: %s is over %s, more than history imports", name, formatSize(maxImport))
	}
	if err != nil {
		return fmt.Errorf("history import: %s: %v; nothing imported", name, err)
	}
	exs, raws, err := har.Prepare(l, *secrets)
	if err != nil {
		return fmt.Errorf("history import: %s: %v; nothing imported", name, err)
	}
	if len(exs) == 0 {
		fmt.Fprintf(e.stdout, "%s has no entries; nothing imported\n", terminalSafe(name))
		return nil
	}
	for _, ex := range exs {
		ex.ID = 0 // the next free ids
	}
	s, err := openHistory(ctx, e, *storePath, true)
	if err != nil {
		return err
	}
	defer closeHistory(s, &err)
	ids, err := s.Import(ctx, exs, raws)
	if err != nil {
		return fmt.Errorf("%v; nothing imported", err)
	}
	lo, hi := slices.Min(ids), slices.Max(ids)
	span := fmt.Sprintf("ids %d to %d", lo, hi)
	if len(ids) == 1 {
		span = fmt.Sprintf("id %d", lo)
	} else if hi-lo+1 != uint64(len(ids)) {
		span += ", with others between" // a serve on the file stored some meanwhile
	}
	fmt.Fprintf(e.stdout, "imported %s from %s into %s as %s\n", exchanges(int64(len(ids))), terminalSafe(name), terminalSafe(s.Path()), span)
	return nil
}

func runHistoryClear(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags(e, "history clear", "[flags] [FILTER...]", "Delete the matching exchanges from the store, every one without a filter. On a terminal it\nasks first; otherwise it needs --yes. A running serve's page still shows the recent ones\nit holds in memory until it clears them itself.")
	storePath := storeFlag(fs)
	yes := fs.Bool("yes", false, "delete without asking")
	rest, err := parseFilterFlags(fs, args)
	if err != nil {
		return err
	}
	f, err := historyFilter("history clear", rest)
	if err != nil {
		return err
	}
	interactive := isTerminalReader(e.stdin)
	if !*yes && !interactive {
		return usageError("history clear deletes exchanges: pass --yes to delete them without a terminal to ask on")
	}
	s, err := openHistory(ctx, e, *storePath, false)
	if err != nil {
		return err
	}
	defer closeHistory(s, &err)
	n, err := countMatching(ctx, s, f)
	if err != nil {
		return err
	}
	path := terminalSafe(s.Path())
	if n == 0 {
		fmt.Fprintf(e.stdout, "no exchanges to delete in %s\n", path)
		return nil
	}
	if !*yes {
		what := exchanges(n)
		if !f.IsZero() {
			what += " matching " + terminalSafe(f.String())
		}
		fmt.Fprintf(e.stderr, "Delete %s from %s? [y/N] ", what, path)
		answer, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil {
			fmt.Fprintln(e.stderr) // end of input: the prompt's line was not ended
		}
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return errors.New("nothing deleted")
		}
	}
	gone, err := s.Delete(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "deleted %s from %s\n", exchanges(gone), path)
	return nil
}

// exchanges is "1 exchange", "2 exchanges".
func exchanges(n int64) string {
	if n == 1 {
		return "1 exchange"
	}
	return strconv.FormatInt(n, 10) + " exchanges"
}

// countMatching counts f's exchanges, a page of summaries at a time.
func countMatching(ctx context.Context, s *store.Store, f filter.Filter) (int64, error) {
	if f.IsZero() {
		return s.Stats().Count, nil
	}
	var n int64
	var before uint64
	for {
		page, more, err := s.List(ctx, f, before, store.MaxLimit)
		if err != nil {
			return 0, err
		}
		n += int64(len(page))
		if !more || len(page) == 0 {
			return n, nil
		}
		before = page[len(page)-1].ID
	}
}

// isTerminalReader reports whether r is a terminal, by the test
// isTerminalWriter makes of an output.
func isTerminalReader(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && isTerminalWriter(f)
}
