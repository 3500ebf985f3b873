package har

import (
	"encoding/json"
	"errors"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// Prepare readies l's entries for a store: each as an exchange (ToExchange)
// and as its own JSON, which an export writes back as it came. Unless
// secrets is set, each is redacted first (Redact), as captures are. An
// entry that cannot be converted is a *FieldError naming it; nothing is
// returned then, so that nothing is half imported.
func Prepare(l *Log, secrets bool) ([]*observe.Exchange, [][]byte, error) {
	exs := make([]*observe.Exchange, 0, len(l.Entries))
	raws := make([][]byte, 0, len(l.Entries))
	for i := range l.Entries {
		e := &l.Entries[i]
		if !secrets {
			Redact(e)
		}
		ex, err := ToExchange(e)
		if err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Entry = i
				return nil, nil, fe
			}
			return nil, nil, &FieldError{Entry: i, Field: "", Problem: err.Error()}
		}
		raw, err := json.Marshal(e)
		if err != nil {
			return nil, nil, &FieldError{Entry: i, Field: "", Problem: err.Error()}
		}
		exs = append(exs, ex)
		raws = append(raws, raw)
	}
	return exs, raws, nil
}

// Exchange writes ex's entry: raw, the entry it was imported as, when it
// has one, else FromExchange's.
func (w *Writer) Exchange(ex *observe.Exchange, raw []byte) error {
	if raw != nil {
		return w.RawEntry(raw)
	}
	return w.Entry(FromExchange(ex))
}

// Head is the log roundtrip writes before its entries: HAR 1.2, made by
// roundtrip at version, and an empty pages, which DevTools' import wants.
func Head(version string) *Log {
	return &Log{
		Version: Version,
		Creator: Creator{Name: "roundtrip", Version: version},
		Pages:   []Page{},
	}
}
