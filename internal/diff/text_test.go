package diff

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// unified is d's hunks as diff -u writes them.
func unified(d *TextDiff) string {
	var b strings.Builder
	for _, h := range d.Hunks {
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", h.AStart, h.ALen, h.BStart, h.BLen)
		for _, l := range h.Lines {
			b.WriteString(l.Op + l.Text + "\n")
			if l.NoNewline {
				b.WriteString("\\ No newline at end of file\n")
			}
		}
	}
	return b.String()
}

// numbered is lines from to to, "1\n2\n…".
func numbered(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String()
}

// setLines replaces lines of text: line number, then its new text, in
// pairs.
func setLines(text string, pairs ...any) string {
	lines := splitLines(text)
	for i := 0; i < len(pairs); i += 2 {
		lines[pairs[i].(int)-1] = pairs[i+1].(string) + "\n"
	}
	return strings.Join(lines, "")
}

func TestLineDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, a, b, want string
	}{
		{"one line changed", "a\nb\nc\n", "a\nx\nc\n", "@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n"},
		{"context is three lines", numbered(1, 10), setLines(numbered(1, 10), 5, "five"),
			"@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"changes near each other share a hunk", numbered(1, 12), setLines(numbered(1, 12), 3, "x", 9, "y"),
			"@@ -1,12 +1,12 @@\n 1\n 2\n-3\n+x\n 4\n 5\n 6\n 7\n 8\n-9\n+y\n 10\n 11\n 12\n"},
		{"changes far apart get two", numbered(1, 20), setLines(numbered(1, 20), 2, "x", 19, "y"),
			"@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n@@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+y\n 20\n"},
		{"inserted at the start", "b\nc\n", "a\nb\nc\n", "@@ -1,2 +1,3 @@\n+a\n b\n c\n"},
		{"into an empty text", "", "a\n", "@@ -0,0 +1,1 @@\n+a\n"},
		{"appended", numbered(1, 5), numbered(1, 6), "@@ -3,3 +3,4 @@\n 3\n 4\n 5\n+6\n"},
		{"removed", numbered(1, 5), "1\n2\n4\n5\n", "@@ -1,5 +1,4 @@\n 1\n 2\n-3\n 4\n 5\n"},
		{"all removed", "a\nb\n", "", "@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"no newline at end", "a\nb", "a\nb\n", "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{"a last line changed without newline", "a\nb", "a\nc", "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"},
		{"CRLF against LF", "a\r\nb\r\n", "a\nb\n", "@@ -1,2 +1,2 @@\n-a\r\n-b\r\n+a\n+b\n"},
		{"within a line", "one two three\n", "one too three\n", "@@ -1,1 +1,1 @@\n-one two three\n+one too three\n"},
		{"a common suffix in the middle of a line", "x\nabc\n", "x\nzbc\n", "@@ -1,2 +1,2 @@\n x\n-abc\n+zbc\n"},
		{"moved", "a\nb\nc\nd\n", "b\nc\nd\na\n", "@@ -1,4 +1,4 @@\n-a\n b\n c\n d\n+a\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := lineDiff(tt.a, tt.b)
			if got.Coarse != nil || got.Omitted != 0 {
				t.Fatalf("lineDiff = coarse %+v, %d omitted; want a full diff", got.Coarse, got.Omitted)
			}
			if u := unified(got); u != tt.want {
				t.Errorf("lineDiff(%q, %q) =\n%s\nwant\n%s", tt.a, tt.b, u, tt.want)
			}
		})
	}
}

// TestLineDiffPatches: for random texts, the hunks turn a into b, with as
// few lines added and removed as can be (the longest common subsequence's
// count, by dynamic programming).
func TestLineDiffPatches(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(string(rune('a' + rng.IntN(4))))
			b.WriteString("\n")
		}
		if rng.IntN(4) == 0 {
			b.WriteString("z") // no newline at the end
		}
		return b.String()
	}
	for i := range 2000 {
		a, b := text(), text()
		if a == b {
			continue
		}
		d := lineDiff(a, b)
		got, err := patch(a, d)
		if err != nil || got != b {
			t.Fatalf("case %d: lineDiff(%q, %q) =\n%s\npatches a into %q (%v); want b", i, a, b, unified(d), got, err)
		}
		edits := 0
		for _, h := range d.Hunks {
			for _, l := range h.Lines {
				if l.Op != " " {
					edits++
				}
			}
		}
		la, lb := splitLines(a), splitLines(b)
		if want := len(la) + len(lb) - 2*lcs(la, lb); edits != want {
			t.Fatalf("case %d: lineDiff(%q, %q) has %d lines added or removed; want %d, the fewest", i, a, b, edits, want)
		}
	}
}

// patch applies d's hunks to a.
func patch(a string, d *TextDiff) (string, error) {
	la := splitLines(a)
	var out strings.Builder
	at := 0 // lines of a used
	for _, h := range d.Hunks {
		start := h.AStart - 1
		if h.ALen == 0 {
			start = h.AStart
		}
		if start < at || start > len(la) {
			return out.String(), fmt.Errorf("hunk at %d out of order", h.AStart)
		}
		for ; at < start; at++ {
			out.WriteString(la[at])
		}
		for _, l := range h.Lines {
			text := l.Text
			if !l.NoNewline {
				text += "\n"
			}
			switch l.Op {
			case " ", "-":
				if at >= len(la) || la[at] != text {
					return out.String(), fmt.Errorf("line %d of a is not %q", at+1, text)
				}
				at++
				if l.Op == " " {
					out.WriteString(text)
				}
			case "+":
				out.WriteString(text)
			}
		}
	}
	for ; at < len(la); at++ {
		out.WriteString(la[at])
	}
	return out.String(), nil
}

func lcs(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}

func TestLineDiffCoarse(t *testing.T) {
	t.Parallel()
	many := func(prefix string, n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%s%d\n", prefix, i)
		}
		return b.String()
	}
	tests := []struct {
		name, a, b string
		want       Coarse
	}{
		{"too many edits", "same\n" + many("a", 600), "same\n" + many("b", 600),
			Coarse{Line: 2, A: "a0", B: "b0", Reason: "more than 1000 lines added or removed"}},
		{"too many lines", many("x", maxLines+10) + "end a\n", "start b\n" + many("x", maxLines+10),
			Coarse{Line: 1, A: "x0", B: "start b", Reason: "more than 50000 lines between the first and the last that differ"}},
		{"a ends first", many("x", 3), many("x", 3) + many("y", 1200), Coarse{Line: 4, A: "", B: "y0", Reason: "more than 1000 lines added or removed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := lineDiff(tt.a, tt.b)
			if got.Coarse == nil || *got.Coarse != tt.want || len(got.Hunks) != 0 {
				t.Errorf("lineDiff = %+v, coarse %+v; want no hunks and %+v", got, got.Coarse, tt.want)
			}
		})
	}
	// Just within the bounds: a full diff.
	if got := lineDiff("same\n"+many("a", 500), "same\n"+many("b", 500)); got.Coarse != nil {
		t.Errorf("lineDiff of 1000 edits = coarse %+v; want a diff", got.Coarse)
	}
}

// TestLineDiffBounded: whatever the texts, the diff lists at most
// maxOutput lines of at most maxLineBytes bytes, and says what it left
// out; its JSON and its text stay small.
func TestLineDiffBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ü", 100_000) // one line of 200 KB
	var a, b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&a, "line %d\n", i)
		if i%10 == 0 {
			fmt.Fprintf(&b, "changed %d\n", i) // 500 changes, 1000 lines added or removed
		} else {
			fmt.Fprintf(&b, "line %d\n", i)
		}
	}
	tests := []struct {
		name        string
		a, b        string
		wantOmitted bool
	}{
		{"many hunks", a.String(), b.String(), true},
		{"long lines", long + "a\n", long + "b\n", false},
		{"random lines of 1 MiB", randomText(1, 1<<20, 3), randomText(2, 1<<20, 3), false},
		{"pathological: one line repeated", strings.Repeat("x\n", 40_000), strings.Repeat("x\ny\n", 20_000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := lineDiff(tt.a, tt.b)
			lines := 0
			for _, h := range d.Hunks {
				lines += len(h.Lines)
				for _, l := range h.Lines {
					if len(l.Text) > maxLineBytes {
						t.Fatalf("a line of %d bytes; want at most %d", len(l.Text), maxLineBytes)
					}
				}
			}
			if lines > maxOutput {
				t.Errorf("%d lines listed; want at most %d", lines, maxOutput)
			}
			if tt.wantOmitted && d.Omitted == 0 {
				t.Errorf("Omitted = 0 with %d lines listed; want the rest counted", lines)
			}
			// Bounded output: the API's JSON and the terminal's text.
			r := Result{Response: Message{Body: Body{Kind: Text, Text: d}}}
			raw, _ := json.Marshal(r)
			var text strings.Builder
			_ = r.WriteText(&text, true)
			const bound = 64 << 10 * 4 // 256 KiB: maxOutput lines of maxLineBytes, escaped
			if len(raw) > bound || text.Len() > bound {
				t.Errorf("the diff is %d bytes of JSON and %d of text; want at most %d", len(raw), text.Len(), bound)
			}
		})
	}
}

// randomText is about size bytes of lines from an alphabet of n
// words: texts whose lines match often and at random, Myers' worst case.
func randomText(seed uint64, size, n int) string {
	rng := rand.New(rand.NewPCG(seed, seed))
	var b strings.Builder
	for b.Len() < size {
		fmt.Fprintf(&b, "word %d of the few that lines hold\n", rng.IntN(n))
	}
	return b.String()
}

func BenchmarkTextDiff(b *testing.B) {
	base := randomText(7, 1<<20, 1_000_000) // 1 MiB of lines nearly all distinct
	lines := splitLines(base)
	every := func(n int) string {
		out := make([]string, len(lines))
		copy(out, lines)
		for i := 0; i < len(out); i += n {
			out[i] = "changed\n"
		}
		return strings.Join(out, "")
	}
	cases := []struct {
		name string
		a, b string
	}{
		{"1MiB-one-line-changed", base, strings.Replace(base, lines[len(lines)/2], "changed\n", 1)},
		{"1MiB-every-100th-line", base, every(100)}, // about 540 edits: diffed
		{"1MiB-every-50th-line", base, every(50)},   // about 1080: past maxEdits
		{"1MiB-all-different", randomText(8, 1<<20, 1_000_000), randomText(9, 1<<20, 1_000_000)},
		{"1MiB-few-words", randomText(1, 1<<20, 3), randomText(2, 1<<20, 3)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.a) + len(c.b)))
			b.ReportAllocs()
			for b.Loop() {
				lineDiff(c.a, c.b)
			}
		})
	}
}
