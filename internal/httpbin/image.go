package httpbin

import (
	"embed"
	"net/http"
	"strconv"
	"strings"

	"github.com/roundtrip/roundtrip/internal/problem"
)

// images holds one small picture in each type /image serves; gen.go beside
// them says how each was made.
//
//go:embed images/image.*
var images embed.FS

// imageKind is one type of the picture: its name in /image/{kind} and its
// media type.
type imageKind struct {
	name, mediaType string
}

// imageKinds are the types /image serves, in the order it prefers them
// when Accept ranks several alike: go-httpbin's order.
var imageKinds = []imageKind{
	{"png", "image/png"},
	{"webp", "image/webp"},
	{"svg", "image/svg+xml"},
	{"jpeg", "image/jpeg"},
	{"avif", "image/avif"},
}

// Image answers /image with the picture in the type Accept ranks highest
// (RFC 9110 §12.5.1), PNG when any will do, and a 406 naming the types
// when none it serves is acceptable.
func (b *Bin) Image() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		accept := r.Header.Get("Accept")
		best, bestQ := imageKind{}, 0.0
		for _, k := range imageKinds {
			if q := acceptQuality(accept, k.mediaType); q > bestQ {
				best, bestQ = k, q
			}
		}
		if bestQ == 0 {
			types := make([]string, len(imageKinds))
			for i, k := range imageKinds {
				types[i] = k.mediaType
			}
			problem.Write(w, r, problem.New(http.StatusNotAcceptable,
				"Accept: %s takes none of the types /image serves: %s.", accept, strings.Join(types, ", ")))
			return
		}
		writeImage(w, best)
	})
}

// ImageKind answers /image/{kind}: png, jpeg, webp, svg or avif.
func (b *Bin) ImageKind() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.PathValue("kind")
		names := make([]string, len(imageKinds))
		for i, k := range imageKinds {
			if k.name == kind {
				writeImage(w, k)
				return
			}
			names[i] = k.name
		}
		problem.Write(w, r, problem.New(http.StatusNotFound,
			"There is no image of kind %q; there are %s.", kind, strings.Join(names, ", ")))
	})
}

func writeImage(w http.ResponseWriter, k imageKind) {
	body, err := images.ReadFile("images/image." + k.name)
	if err != nil {
		panic("httpbin: image " + k.name + " is not embedded") // caught by every test
	}
	writeDoc(w, k.mediaType, body)
}

// acceptQuality is the q-value accept gives mediaType, from the most
// specific media range that matches it (RFC 9110 §12.5.1). An empty or
// absent Accept takes anything.
func acceptQuality(accept, mediaType string) float64 {
	if strings.TrimSpace(accept) == "" {
		return 1
	}
	typ, sub, _ := strings.Cut(mediaType, "/")
	q, specificity := 0.0, -1
	for part := range strings.SplitSeq(accept, ",") {
		mediaRange, params, _ := strings.Cut(part, ";")
		t, s, _ := strings.Cut(strings.TrimSpace(mediaRange), "/")
		var spec int
		switch {
		case strings.EqualFold(t, typ) && strings.EqualFold(s, sub):
			spec = 2
		case strings.EqualFold(t, typ) && s == "*":
			spec = 1
		case t == "*" && s == "*":
			spec = 0
		default:
			continue
		}
		if spec <= specificity {
			continue
		}
		specificity, q = spec, 1
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
		}
	}
	return q
}
