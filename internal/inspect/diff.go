package inspect

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/roundtrip/roundtrip/internal/diff"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

// HandleDiff is GET /_roundtrip/api/diff?a=ID&b=ID: what differs between
// two exchanges (internal/diff), from the history or the store. ignore
// (comma-separated, repeatable) names the headers to leave out, in place
// of diff.DefaultIgnore (ignore= leaves out none); ignore_path, once per
// path, the parts of JSON bodies ($.id, $.items[*].updated).
func (in *Inspector) HandleDiff() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var ids [2]uint64
		for i, key := range []string{"a", "b"} {
			raw := q.Get(key)
			if raw == "" {
				writeProblem(w, r, http.StatusBadRequest, "a and b name the two exchanges to compare, by id: ?a=1&b=2.")
				return
			}
			id, err := strconv.ParseUint(raw, 10, 64)
			if err != nil || id == 0 {
				writeProblem(w, r, http.StatusBadRequest, key+" must be an exchange id, a positive number; it is "+strconv.Quote(raw)+".")
				return
			}
			ids[i] = id
		}
		var opts diff.Options
		if vs, ok := q["ignore"]; ok {
			opts.Ignore = []string{}
			for _, v := range vs {
				for name := range strings.SplitSeq(v, ",") {
					name = strings.TrimSpace(name)
					if name == "" {
						continue
					}
					if !servertiming.IsToken(name) {
						writeProblem(w, r, http.StatusBadRequest, "ignore is a comma-separated list of header names, and "+strconv.Quote(name)+" is not one.")
						return
					}
					opts.Ignore = append(opts.Ignore, name)
				}
			}
		}
		for _, v := range q["ignore_path"] {
			p, err := diff.ParsePath(v)
			if err != nil {
				writeProblem(w, r, http.StatusBadRequest, "The ignore_path "+strconv.Quote(v)+" cannot be read: "+strings.TrimPrefix(err.Error(), "diff: ")+".")
				return
			}
			opts.IgnorePaths = append(opts.IgnorePaths, p)
		}
		a, ok := in.Lookup(r.Context(), ids[0])
		if !ok {
			writeProblem(w, r, http.StatusNotFound, "Exchange "+strconv.FormatUint(ids[0], 10)+" (a) is not in the history: it never happened, or it was cleared or pushed out by newer ones.")
			return
		}
		b, ok := in.Lookup(r.Context(), ids[1])
		if !ok {
			writeProblem(w, r, http.StatusNotFound, "Exchange "+strconv.FormatUint(ids[1], 10)+" (b) is not in the history: it never happened, or it was cleared or pushed out by newer ones.")
			return
		}
		writeJSON(w, http.StatusOK, diff.Exchanges(a, b, opts))
	})
}
