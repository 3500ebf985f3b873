package inspect

import (
	"bufio"
	"runtime/debug"

	"github.com/roundtrip/roundtrip/internal/har"
	"github.com/roundtrip/roundtrip/internal/observe"
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

// writeHAR writes the records, whose ids run from first, as HAR's document,
// encoding one entry at a time so that only one is in memory, not the
// whole file (16 exports at once of a full history took 4.67 GiB). It is
// HAR's output byte for byte but for whitespace. It stops at the first
// write error: the client left.
func writeHAR(w *bufio.Writer, first uint64, records []*observe.Exchange) error {
	hw := har.NewWriter(w, harHead())
	for i, rec := range records {
		if err := hw.Entry(har.FromExchange(view(first+uint64(i), rec))); err != nil {
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
