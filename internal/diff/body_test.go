package diff

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// msg is a message with Content-Type ct (none when "") and body, of
// size bytes in all (len(body) when 0).
func msg(ct, body string, size int64) observe.Message {
	m := observe.Message{Headers: http.Header{}}
	if ct != "" {
		m.Headers.Set("Content-Type", ct)
	}
	if size == 0 {
		size = int64(len(body))
	}
	m.SetBody(body, size, false)
	return m
}

func TestBodies(t *testing.T) {
	t.Parallel()
	bin := func(b []byte, size int64) observe.Message {
		m := observe.Message{Headers: http.Header{"Content-Type": {"image/png"}}, BodyBase64: base64.StdEncoding.EncodeToString(b), BodySize: size}
		m.BodyTruncated = int64(len(b)) < size
		return m
	}
	tests := []struct {
		name      string
		a, b      observe.Message
		wantKind  string
		wantEqual bool
		check     func(t *testing.T, b Body)
	}{
		{"both empty", msg("", "", 0), msg("", "", 0), Empty, true, nil},
		{"json equal, written otherwise", msg("application/json", `{"a":1,"b":2}`, 0), msg("application/json; charset=utf-8", "{\"b\": 2, \"a\": 1.0}\n", 0), JSON, true,
			func(t *testing.T, b Body) {
				if b.SizeA == b.SizeB {
					t.Errorf("sizes %d and %d; want them to differ, as the bodies are written otherwise", b.SizeA, b.SizeB)
				}
			}},
		{"json different", msg("application/problem+json", `{"status":400}`, 0), msg("application/problem+json", `{"status":404}`, 0), JSON, false,
			func(t *testing.T, b Body) {
				if len(b.JSON) != 1 || b.JSON[0].Path != "$.status" || b.Text != nil {
					t.Errorf("JSON = %+v, Text = %+v; want one difference at $.status and no text diff", b.JSON, b.Text)
				}
			}},
		{"json byte for byte", msg("application/json", `{"a":1}`, 0), msg("application/json", `{"a":1}`, 0), JSON, true, nil},
		{"labelled JSON, equal but not JSON", msg("application/json", `{"a":`, 0), msg("application/json", `{"a":`, 0), Text, true, nil},
		{"json unlabelled", msg("text/plain", `{"a":1}`, 0), msg("", `{"a":2}`, 0), JSON, false, nil},
		{"a scalar unlabelled is text", msg("text/plain", "42", 0), msg("text/plain", "43", 0), Text, false, nil},
		{"a scalar labelled is JSON", msg("application/json", "42", 0), msg("application/json", "42.0", 0), JSON, true, nil},
		{"json against html", msg("application/json", `{"a":1}`, 0), msg("text/html", "<h1>502</h1>\n", 0), Text, false,
			func(t *testing.T, b Body) {
				if b.Note != "labelled JSON, but b is not valid JSON: compared as text" || b.Text == nil {
					t.Errorf("Note = %q, Text = %+v; want b named as not JSON and a text diff", b.Note, b.Text)
				}
			}},
		{"labelled JSON, neither is", msg("application/json", "{", 0), msg("application/json", "}", 0), Text, false,
			func(t *testing.T, b Body) {
				if b.Note != "labelled JSON, but neither is valid JSON: compared as text" {
					t.Errorf("Note = %q", b.Note)
				}
			}},
		{"text equal", msg("text/plain", "a\nb\n", 0), msg("text/plain", "a\nb\n", 0), Text, true, nil},
		{"text different", msg("text/plain", "a\nb\n", 0), msg("text/plain", "a\nc\n", 0), Text, false,
			func(t *testing.T, b Body) {
				if b.Text == nil || len(b.Text.Hunks) != 1 {
					t.Errorf("Text = %+v; want one hunk", b.Text)
				}
			}},
		{"binary equal", bin([]byte{0xff, 0, 1}, 3), bin([]byte{0xff, 0, 1}, 3), Binary, true, nil},
		{"binary by hash", bin([]byte{0xff, 0, 1}, 3), bin([]byte{0xff, 0, 2, 3}, 4), Binary, false,
			func(t *testing.T, b Body) {
				if b.Binary == nil || b.Binary.SHA256A != "942e1e2a66a427b6551732f758bc314f22b9cdec9365a3425c9184de299392b5" ||
					b.Binary.SHA256B != "502e8c729b8e4ea38da8f0adc3352a4c5feae4b665edfc4def4140b90de555e9" || b.SizeA != 3 || b.SizeB != 4 {
					t.Errorf("Binary = %+v, sizes %d, %d; want both SHA-256 and sizes 3, 4", b.Binary, b.SizeA, b.SizeB)
				}
			}},
		{"binary against text", msg("text/plain", "abc", 0), bin([]byte{0xff}, 1), Binary, false, nil},
		{"truncated, equal as far as captured", msg("text/plain", "0123456789", 100), msg("text/plain", "0123456789", 100), Text, true,
			func(t *testing.T, b Body) {
				if !b.Truncated || b.Compared != 10 {
					t.Errorf("Truncated, Compared = %v, %d; want true, 10", b.Truncated, b.Compared)
				}
			}},
		{"truncated, compared up to the shorter capture", msg("text/plain", "0123456789", 100), msg("text/plain", "01234567", 100), Text, true,
			func(t *testing.T, b Body) {
				if !b.Truncated || b.Compared != 8 || b.Text != nil {
					t.Errorf("Truncated, Compared, Text = %v, %d, %+v; want true, 8, no diff", b.Truncated, b.Compared, b.Text)
				}
			}},
		{"truncated, sizes differ", msg("text/plain", "0123", 100), msg("text/plain", "0123", 99), Text, false, nil},
		{"truncated JSON", msg("application/json", `{"a":[1,2`, 100), msg("application/json", `{"a":[1,3`, 100), Text, false,
			func(t *testing.T, b Body) {
				if b.Note != "labelled JSON, but neither is valid JSON as captured, in part: compared as text" {
					t.Errorf("Note = %q", b.Note)
				}
			}},
		{"truncated binary", bin([]byte{0xff, 1, 2}, 10), bin([]byte{0xff, 1, 2, 3}, 10), Binary, true,
			func(t *testing.T, b Body) {
				if b.Compared != 3 {
					t.Errorf("Compared = %d; want 3", b.Compared)
				}
			}},
		{"none captured", msg("text/plain", "", 5), msg("text/plain", "", 5), Empty, true,
			func(t *testing.T, b Body) {
				if !b.Truncated {
					t.Error("Truncated = false for bodies none of which was kept")
				}
			}},
		{"none captured, sizes differ", msg("text/plain", "", 5), msg("text/plain", "", 6), Empty, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := bodies(&tt.a, &tt.b, nil)
			if got.Kind != tt.wantKind || got.Equal != tt.wantEqual {
				t.Errorf("bodies = kind %s, equal %v; want %s, %v (%+v)", got.Kind, got.Equal, tt.wantKind, tt.wantEqual, got)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestJSONTooLargeIsText(t *testing.T) {
	t.Parallel()
	big := `"` + strings.Repeat("a", maxJSON) + `"`
	a := msg("application/json", big, 0)
	b := msg("application/json", big[:len(big)-2]+`b"`, 0)
	got := bodies(&a, &b, nil)
	if got.Kind != Text || got.Note != "labelled JSON, but larger than 8 MiB: compared as text" {
		t.Errorf("bodies of %d bytes = kind %s, note %q; want text and why", len(big), got.Kind, got.Note)
	}
}
