package inspect

import (
	"bufio"
	"context"
	"runtime/debug"

	"github.com/roundtrip/roundtrip/internal/har"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/store"
)

// document is a HAR document, for json.Marshal.
type document struct {
	Log *har.Log `json:"log"`
}

// HAR returns exchanges, oldest first, as a HAR 1.2 document, entries as
// har.FromExchange makes them. HandleHAR streams the same document, entry
// by entry.
func HAR(exchanges []*observe.Exchange) any {
	l := harHead()
	l.Entries = make([]har.Entry, 0, len(exchanges))
	for _, ex := range exchanges {
		l.Entries = append(l.Entries, *har.FromExchange(ex))
	}
	return document{l}
}

// harHead is the log without its entries.
func harHead() *har.Log { return har.Head(moduleVersion()) }

// writeHAR writes the exchanges f selects as HAR's document, encoding one
// entry at a time so that only one is in memory, not the whole file (16
// exports at once of a full history took 4.67 GiB): with a store, those it
// holds (an imported one as it came), then those of the history it has
// not written yet; without, the history's. It stops at the first error:
// the client left.
func (in *Inspector) writeHAR(ctx context.Context, w *bufio.Writer, f Filter) error {
	hw := har.NewWriter(w, harHead())
	var last uint64
	if in.cfg.Store != nil {
		err := in.cfg.Store.Each(ctx, f, 0, func(r store.Record) error {
			last = r.ID
			return hw.Exchange(r.Exchange, r.HAR)
		})
		if err != nil {
			return err
		}
	}
	first, records := in.records()
	for i, rec := range records {
		id := first + uint64(i)
		if id <= last || !f.Match(rec) {
			continue
		}
		if err := hw.Entry(har.FromExchange(view(id, rec))); err != nil {
			return err
		}
	}
	if err := hw.Close(); err != nil {
		return err
	}
	return w.Flush()
}

func moduleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "devel"
}
