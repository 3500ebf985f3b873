package diff

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
)

// How two bodies were compared.
const (
	Empty  = "empty"  // neither has captured bytes
	JSON   = "json"   // both parse as JSON: by structure
	Text   = "text"   // line by line
	Binary = "binary" // either is not UTF-8: by size and SHA-256
)

// maxJSON is the largest body compared as JSON: decoding takes about ten
// times a body's size in memory, and a larger one is compared as text,
// whose work is bounded.
const maxJSON = 8 << 20

// Body is how two bodies differ.
type Body struct {
	Kind  string `json:"kind"` // Empty, JSON, Text or Binary
	Equal bool   `json:"equal"`
	SizeA int64  `json:"size_a"` // the whole body's, captured or not
	SizeB int64  `json:"size_b"`
	// Truncated is set when either body was captured in part: then only
	// the first Compared bytes of each are compared, and bodies of the
	// same size equal that far count as equal.
	Truncated bool  `json:"truncated"`
	Compared  int64 `json:"compared,omitempty"`
	// Note says why bodies labelled JSON were compared as text.
	Note string `json:"note,omitempty"`

	JSON   []JSONDiff `json:"json,omitempty"`
	More   int        `json:"more,omitempty"` // JSON differences past maxJSONDiffs, not listed
	Text   *TextDiff  `json:"text,omitempty"`
	Binary *BinDiff   `json:"binary,omitempty"`
}

// BinDiff is two binary bodies' SHA-256, in hex, of the bytes compared.
type BinDiff struct {
	SHA256A string `json:"sha256_a"`
	SHA256B string `json:"sha256_b"`
}

// bodies compares two messages' bodies.
func bodies(a, b *observe.Message, ignore []Path) Body {
	out := Body{SizeA: a.BodySize, SizeB: b.BodySize, Truncated: a.BodyTruncated || b.BodyTruncated}
	ra, binA := captured(a)
	rb, binB := captured(b)
	if out.Truncated {
		// Beyond the shorter capture nothing can be said: what one side
		// kept and the other did not may be the same.
		n := min(len(ra), len(rb))
		ra, rb = ra[:n], rb[:n]
		if !binA && !binB {
			ra, rb = trimRune(ra), trimRune(rb)
		}
		out.Compared = int64(min(len(ra), len(rb)))
	}
	sameSize := a.BodySize == b.BodySize
	switch {
	case ra == "" && rb == "":
		out.Kind, out.Equal = Empty, sameSize
		return out
	case binA || binB:
		out.Kind, out.Equal = Binary, ra == rb && sameSize
		if !out.Equal {
			out.Binary = &BinDiff{SHA256A: sum(ra), SHA256B: sum(rb)}
		}
		return out
	}
	labelled := isJSONType(a.Headers.Get("Content-Type")) || isJSONType(b.Headers.Get("Content-Type"))
	asJSON := labelled || isContainer(ra) && isContainer(rb)
	if ra == rb {
		// Nothing to find: no need to decode, which takes ten times a body's size.
		out.Kind, out.Equal = Text, sameSize
		if asJSON && len(ra) <= maxJSON && json.Valid([]byte(ra)) {
			out.Kind = JSON
		}
		return out
	}
	if asJSON {
		va, errA := decodeJSON(ra)
		vb, errB := decodeJSON(rb)
		if errA == nil && errB == nil {
			out.Kind = JSON
			out.JSON, out.More = jsonDiff(va, vb, ignore)
			out.Equal = len(out.JSON) == 0
			return out
		}
		if labelled {
			out.Note = jsonNote(errA, errB, out.Truncated)
		}
	}
	out.Kind, out.Text = Text, lineDiff(ra, rb)
	return out
}

// captured is m's captured bytes, and whether they are not UTF-8.
func captured(m *observe.Message) (string, bool) {
	if m.BodyBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(m.BodyBase64)
		if err != nil {
			return m.BodyBase64, true // not base64 after all: compared as it is
		}
		return string(b), true
	}
	return m.Body, false
}

// trimRune drops a UTF-8 sequence cut off at the end of s.
func trimRune(s string) string {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return s[:i]
			}
			break
		}
	}
	return s
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// isJSONType reports whether a Content-Type names JSON: application/json
// or a +json type (application/problem+json).
func isJSONType(ct string) bool { return httpjson.Is(ct) }

// isContainer reports whether s looks like a JSON object or array: text
// that merely parses as JSON (a number, true) is left to the line diff
// unless it is labelled JSON.
func isContainer(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

func jsonNote(errA, errB error, truncated bool) string {
	if errors.Is(errA, errTooLarge) || errors.Is(errB, errTooLarge) {
		return "labelled JSON, but larger than 8 MiB: compared as text"
	}
	which := "neither is"
	switch {
	case errB == nil:
		which = "a is not"
	case errA == nil:
		which = "b is not"
	}
	if truncated {
		return "labelled JSON, but " + which + " valid JSON as captured, in part: compared as text"
	}
	return "labelled JSON, but " + which + " valid JSON: compared as text"
}
