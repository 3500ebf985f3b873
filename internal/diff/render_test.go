package diff

import (
	"net/http"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/observe"
)

func setBody(m *observe.Message, s string) { m.SetBody(s, int64(len(s)), false) }

// differing is a pair of exchanges with a difference of every kind.
func differing() (a, b *observe.Exchange) {
	a = exchange(func(ex *observe.Exchange) {
		ex.ID, ex.URL = 3, "/api/items?page=1"
		ex.Response.Headers = http.Header{"Content-Type": {"application/json"}, "X-Old": {"1"}, "Etag": {`"a"`}, "Date": {"Mon"}}
		setBody(&ex.Response, `{"id":1,"items":[{"name":"a"},{"name":"b"}],"gone":true}`)
		setBody(&ex.Request, "first\nsecond\nthird\n")
		ex.DurationMS = 2.5
	})
	b = exchange(func(ex *observe.Exchange) {
		ex.ID, ex.URL, ex.Status, ex.Host = 9, "/api/items?page=1\x1b[2J", 500, "new.example"
		ex.Response.Headers = http.Header{"Content-Type": {"application/json"}, "X-New": {"\u202eevil"}, "Etag": {`"b"`}, "Date": {"Tue"}}
		setBody(&ex.Response, `{"id":1,"items":[{"name":"a"},{"name":"c\u001b[31m"}],"new":null}`)
		setBody(&ex.Request, "first\n2nd\nthird\n")
		ex.DurationMS = 4
		ex.Phases = ex.Phases[:1]
	})
	return a, b
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	a, b := differing()
	var out strings.Builder
	if err := Exchanges(a, b, Options{}).WriteText(&out, false); err != nil {
		t.Fatal(err)
	}
	want := `a: #3 GET /api/items?page=1 (localhost:3000) → 200
b: #9 GET /api/items?page=1\x1b[2J (new.example) → 500
url: /api/items?page=1 → /api/items?page=1\x1b[2J
status: 200 → 500
request headers: the same
request body (text): 19 bytes → 16 bytes, different
  @@ -1,3 +1,3 @@
   first
  -second
  +2nd
   third
response headers:
  ~ Etag: "a" → "b"
  + X-New: \u202eevil  (only in b)
  - X-Old: 1  (only in a)
response body (json): 56 bytes → 65 bytes, different
  $.gone: true → missing in b
  $.items[1].name: "b" → "c\u001b[31m"
  $.new: missing in a → null
timing: 2.500 ms → 4.000 ms (+1.500 ms)
  read: 0.500 ms → 0.500 ms (+0.000 ms)
  handler: only in a, 1.000 ms
ignored headers: Date, X-Request-Id, Server-Timing, Traceparent, Tracestate
different
`
	if got := out.String(); got != want {
		t.Errorf("WriteText =\n%s\nwant\n%s", got, want)
	}
}

// TestWriteTextColor: colour marks what was removed, added and changed,
// and the only escapes written are the colours: the exchanges' own ESC
// bytes are shown as \x1b and \u001b.
func TestWriteTextColor(t *testing.T) {
	t.Parallel()
	a, b := differing()
	var out strings.Builder
	if err := Exchanges(a, b, Options{}).WriteText(&out, true); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{red + "  -second" + reset, green + "  +2nd" + reset, yellow + "status: 200 → 500" + reset, bold + red + "different" + reset} {
		if !strings.Contains(got, want) {
			t.Errorf("WriteText with colour lacks %q:\n%s", want, got)
		}
	}
	plain := strings.NewReplacer(red, "", green, "", yellow, "", bold, "", reset, "").Replace(got)
	if strings.ContainsAny(plain, "\x1b\u202e") {
		t.Errorf("WriteText wrote an escape or a bidi control of its input:\n%q", plain)
	}
}

func TestWriteTextCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Result
		want []string
	}{
		{"equal", Exchanges(exchange(nil), exchange(nil), Options{}), []string{"status: 200, the same", "response body (text): 6 bytes, the same", "request body: none", "\nequal, timing aside\n"}},
		{"binary", Result{Response: Message{Body: Body{Kind: Binary, SizeA: 3, SizeB: 4, Binary: &BinDiff{SHA256A: "aa", SHA256B: "bb"}}}},
			[]string{"response body (binary): 3 bytes → 4 bytes, different\n  sha256 aa → bb\n"}},
		{"truncated", Result{Response: Message{Body: Body{Kind: Text, Equal: true, SizeA: 100, SizeB: 100, Truncated: true, Compared: 10}}},
			[]string{"response body (text): 100 bytes, the same\n  captured in part: the first 10 bytes of each compared\n"}},
		{"coarse", Result{Response: Message{Body: Body{Kind: Text, Text: &TextDiff{Coarse: &Coarse{Line: 7, A: "x\x00", B: "", Reason: "too much"}}}}},
			[]string{"  too different to diff line by line (too much); they differ from line 7:\n  -x\\x00\n  +\n"}},
		{"omitted and cut", Result{Response: Message{Body: Body{Kind: Text, Text: &TextDiff{Omitted: 12, Hunks: []Hunk{{1, 1, 1, 0, []Line{{Op: "-", Text: "long", Cut: true}}}}}}}},
			[]string{"  -long … (cut)\n  … and 12 more lines added or removed, not listed\n"}},
		{"more JSON", Result{Response: Message{Body: Body{Kind: JSON, More: 5}}}, []string{"  … and 5 more differences, not listed\n"}},
		{"phase only in b", Result{Timing: Timing{Phases: []Phase{{Name: "tls", B: ptr(1.5)}}}}, []string{"  tls: only in b, 1.500 ms\n"}},
		{"ignored paths", Result{Ignored: Ignored{Paths: []string{"$.id", "$.at"}}}, []string{"ignored JSON paths: $.id, $.at\n"}},
		{"method", Result{Method: &Change{"GET", "POST"}}, []string{"method: GET → POST\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			if err := tt.r.WriteText(&out, false); err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("WriteText lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestVisible(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text, é and 日本", "plain text, é and 日本"},
		{"tab\tstays", "tab\tstays"},
		{"\x1b[31mred", `\x1b[31mred`},
		{"cr\r\nlf", `cr\r\nlf`},
		{"bidi \u202e here", `bidi \u202e here`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"bad \xff byte", `bad \xff byte`},
		{"c1 \u009b", `c1 \u009b`},
	}
	for _, tt := range tests {
		if got := visible(tt.in); got != tt.want {
			t.Errorf("visible(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
