package inspect

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/copyas"
)

// HandleCopyAs is GET /_roundtrip/api/exchanges/{id}/as/{format}: the
// exchange's request as a command or program that sends it again to where
// it went (internal/copyas), as text. An unknown format or id is a 404
// problem. The raw form of a body that is not UTF-8 is bytes, so it is
// served as application/octet-stream, for nc, rather than as text.
func (in *Inspector) HandleCopyAs() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		format := r.PathValue("format")
		if !slices.Contains(copyas.Formats, format) {
			writeProblem(w, r, http.StatusNotFound, "There is no format "+strconv.Quote(format)+"; the formats are "+strings.Join(copyas.Formats, ", ")+".")
			return
		}
		ex, ok := in.lookupPath(w, r)
		if !ok {
			return
		}
		raw := r.PathValue("id")
		out, err := copyas.Render(format, ex, "")
		if err != nil {
			writeProblem(w, r, http.StatusInternalServerError, "Exchange "+raw+"'s request cannot be written as "+format+".")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		if !utf8.ValidString(out) {
			h.Set("Content-Type", "application/octet-stream")
		}
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Length", strconv.Itoa(len(out)))
		_, _ = io.WriteString(w, out)
	})
}
