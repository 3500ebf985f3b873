package httpbin

import (
	"embed"
	"net/http"
	"strings"

	"github.com/roundtrip/roundtrip/internal/accept"
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
		acc := r.Header.Get("Accept")
		best, bestQ := imageKind{}, 0.0
		for _, k := range imageKinds {
			if q := accept.Quality(acc, k.mediaType); q > bestQ {
				best, bestQ = k, q
			}
		}
		if bestQ == 0 {
			types := make([]string, len(imageKinds))
			for i, k := range imageKinds {
				types[i] = k.mediaType
			}
			problem.Write(w, r, problem.New(http.StatusNotAcceptable,
				"Accept: %s takes none of the types /image serves: %s.", acc, strings.Join(types, ", ")))
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
