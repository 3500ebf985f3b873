package diff

import (
	"strconv"
	"strings"
)

// Bounds of a line diff. Myers' algorithm takes time in the lines times
// the edits, and its trace memory in the edits squared: between the first
// and the last line that differ, at most maxLines lines a side and
// maxEdits lines added or removed are diffed (4 MB of trace; 15 ms for
// two 1 MiB texts that reach the bound, BenchmarkTextDiff); beyond, the
// diff says where the texts begin to differ. The output is at most
// maxOutput lines of at most maxLineBytes bytes each.
const (
	contextLines = 3
	maxLines     = 50_000
	maxEdits     = 1000
	maxOutput    = 500
	maxLineBytes = 400
)

// TextDiff is a line diff of two texts, as hunks in the unified format's
// manner with contextLines of context. When the texts are too different
// to diff within the bounds, Coarse says where they begin to differ
// instead.
type TextDiff struct {
	Hunks []Hunk `json:"hunks"`
	// Omitted counts the added and removed lines past maxOutput, not
	// listed.
	Omitted int     `json:"omitted,omitempty"`
	Coarse  *Coarse `json:"coarse,omitempty"`
}

// Hunk is a run of lines that differ, with context: lines AStart to
// AStart+ALen-1 of a (1-based) against BStart to BStart+BLen-1 of b.
type Hunk struct {
	AStart int    `json:"a_start"`
	ALen   int    `json:"a_len"`
	BStart int    `json:"b_start"`
	BLen   int    `json:"b_len"`
	Lines  []Line `json:"lines"`
}

// Line is one line of a hunk: Op is " " (in both), "-" (only in a) or
// "+" (only in b). Text lacks its newline; NoNewline marks a text's last
// line when it has none, and Cut a line cut at maxLineBytes.
type Line struct {
	Op        string `json:"op"`
	Text      string `json:"text"`
	NoNewline bool   `json:"no_newline,omitempty"`
	Cut       bool   `json:"cut,omitempty"`
}

// Coarse is where two texts too different to diff begin to differ: Line
// (1-based) and that line of each, "" past a text's end.
type Coarse struct {
	Line   int    `json:"line"`
	A      string `json:"a"`
	B      string `json:"b"`
	Reason string `json:"reason"`
}

// lineDiff diffs a and b, which differ. The lines they begin and end
// with in common are matched first, in linear time, so that a change or
// two in a large text is diffed in the few lines around it.
func lineDiff(a, b string) *TextDiff {
	// The common prefix, back to a line's start, and contextLines more
	// lines back for the first hunk's context.
	p := commonPrefix(a, b)
	start := strings.LastIndexByte(a[:p], '\n') + 1
	first := strings.Count(a[:start], "\n") // lines before the first that differs
	for range contextLines {
		if start == 0 {
			break
		}
		start = strings.LastIndexByte(a[:start-1], '\n') + 1
	}
	// The common suffix after it, from a line's start, and contextLines
	// lines more forward.
	s := commonSuffix(a[start:], b[start:])
	endA, endB := len(a)-s, len(b)-s
	if !(endA == start || a[endA-1] == '\n') || !(endB == start || b[endB-1] == '\n') {
		nl := strings.IndexByte(a[endA:], '\n')
		if nl < 0 {
			endA, endB = len(a), len(b)
		} else {
			endA, endB = endA+nl+1, endB+nl+1
		}
	}
	for range contextLines {
		if endA == len(a) {
			break
		}
		nl := strings.IndexByte(a[endA:], '\n')
		if nl < 0 {
			nl = len(a) - endA - 1
		}
		endA, endB = endA+nl+1, endB+nl+1
	}
	midA, midB := a[start:endA], b[start:endB]
	base := strings.Count(a[:start], "\n") // lines before midA, and before midB

	coarse := func(reason string) *TextDiff {
		return &TextDiff{Hunks: []Hunk{}, Coarse: &Coarse{Line: first + 1, A: lineAt(a, first), B: lineAt(b, first), Reason: reason}}
	}
	if lineCount(midA) > maxLines || lineCount(midB) > maxLines {
		return coarse("more than " + strconv.Itoa(maxLines) + " lines between the first and the last that differ")
	}
	la, lb := splitLines(midA), splitLines(midB)
	x, y := intern(la, lb)
	ops, ok := myers(x, y, maxEdits)
	if !ok {
		return coarse("more than " + strconv.Itoa(maxEdits) + " lines added or removed")
	}
	return hunks(ops, la, lb, base, endA == len(a), endB == len(b))
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func commonSuffix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[len(a)-1-i] != b[len(b)-1-i] {
			return i
		}
	}
	return n
}

// lineCount is how many lines s holds, a last one without a newline too.
func lineCount(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}

// splitLines is s's lines, each with its newline.
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lineAt is line i (0-based) of s without its newline, cut to
// maxLineBytes; "" past the end.
func lineAt(s string, i int) string {
	for range i {
		nl := strings.IndexByte(s, '\n')
		if nl < 0 {
			return ""
		}
		s = s[nl+1:]
	}
	line, _, _ := strings.Cut(s, "\n")
	text, _ := cutLine(line)
	return text
}

// intern numbers the lines, equal lines alike, so that the diff compares
// numbers.
func intern(a, b []string) (x, y []int32) {
	ids := make(map[string]int32, len(a))
	num := func(lines []string) []int32 {
		out := make([]int32, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = int32(len(ids))
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	return num(a), num(b)
}

// Edit operations, as hunks show them.
const (
	opSame = ' '
	opDel  = '-'
	opIns  = '+'
)

// myers is the shortest edit script from x to y (Myers, "An O(ND)
// Difference Algorithm", 1986), or false when it needs more than maxD
// lines added or removed.
func myers(x, y []int32, maxD int) ([]byte, bool) {
	n, m := len(x), len(y)
	limit := min(n+m, maxD)
	off := limit + 1
	v := make([]int32, 2*limit+3)
	// trace[d] is v[off-d:off+d+1] after step d, to walk the path back.
	trace := make([][]int32, 0, 16)
	for d := 0; d <= limit; d++ {
		for k := -d; k <= d; k += 2 {
			var i int32
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				i = v[off+k+1] // down: a line of y inserted
			} else {
				i = v[off+k-1] + 1 // right: a line of x deleted
			}
			j := i - int32(k)
			for int(i) < n && int(j) < m && x[i] == y[j] {
				i, j = i+1, j+1
			}
			v[off+k] = i
			if int(i) >= n && int(j) >= m {
				return backtrack(trace, n, m, d), true
			}
		}
		trace = append(trace, append([]int32(nil), v[off-d:off+d+1]...))
	}
	return nil, false
}

// backtrack walks the furthest-reaching paths of trace back from (n, m),
// reached at step d, and returns the script in order.
func backtrack(trace [][]int32, n, m, d int) []byte {
	ops := make([]byte, 0, n+m)
	i, j := n, m
	for ; d > 0; d-- {
		prev := trace[d-1] // index k+d-1 holds diagonal k
		at := func(k int) int { return int(prev[k+d-1]) }
		k := i - j
		var pk int
		if k == -d || k != d && at(k-1) < at(k+1) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		pi := at(pk)
		pj := pi - pk
		// The snake back to the end of the edit, then the edit.
		si, sj := pi, pj+1 // after an insertion
		if pk == k-1 {
			si, sj = pi+1, pj // after a deletion
		}
		for i > si && j > sj {
			ops = append(ops, opSame)
			i, j = i-1, j-1
		}
		if pk == k-1 {
			ops = append(ops, opDel)
		} else {
			ops = append(ops, opIns)
		}
		i, j = pi, pj
	}
	for ; i > 0 && j > 0; i, j = i-1, j-1 {
		ops = append(ops, opSame)
	}
	for l, r := 0, len(ops)-1; l < r; l, r = l+1, r-1 {
		ops[l], ops[r] = ops[r], ops[l]
	}
	return ops
}

// hunks groups the script's changes into hunks, each with up to
// contextLines lines of context around it (changes fewer than twice that
// apart share one), and cuts the output at maxOutput lines. base is the
// lines before la and lb; lastA and lastB tell whether they end their
// texts, so that a last line without a newline can be marked.
func hunks(ops []byte, la, lb []string, base int, lastA, lastB bool) *TextDiff {
	// near[k]: ops[k] is within contextLines of a change.
	near := make([]bool, len(ops))
	for dist, k := contextLines+1, 0; k < len(ops); k++ {
		if ops[k] != opSame {
			dist = 0
		} else {
			dist++
		}
		near[k] = dist <= contextLines
	}
	for dist, k := contextLines+1, len(ops)-1; k >= 0; k-- {
		if ops[k] != opSame {
			dist = 0
		} else {
			dist++
		}
		near[k] = near[k] || dist <= contextLines
	}
	out := &TextDiff{Hunks: []Hunk{}}
	var h *Hunk
	shown, i, j := 0, 0, 0 // lines listed; lines of la and lb passed
	for k, op := range ops {
		if !near[k] || shown == maxOutput {
			h = nil
			if near[k] && op != opSame {
				out.Omitted++
			}
		} else {
			if h == nil {
				out.Hunks = append(out.Hunks, Hunk{AStart: base + i + 1, BStart: base + j + 1, Lines: []Line{}})
				h = &out.Hunks[len(out.Hunks)-1]
			}
			var text string
			var last bool
			switch op {
			case opSame:
				text, last = la[i], lastA && i == len(la)-1
				h.ALen++
				h.BLen++
			case opDel:
				text, last = la[i], lastA && i == len(la)-1
				h.ALen++
			case opIns:
				text, last = lb[j], lastB && j == len(lb)-1
				h.BLen++
			}
			t, cut := cutLine(strings.TrimSuffix(text, "\n"))
			h.Lines = append(h.Lines, Line{Op: string(op), Text: t, NoNewline: last && !strings.HasSuffix(text, "\n"), Cut: cut})
			shown++
		}
		if op != opIns {
			i++
		}
		if op != opDel {
			j++
		}
	}
	for k := range out.Hunks {
		hk := &out.Hunks[k]
		if hk.ALen == 0 {
			hk.AStart-- // as diff -u has it: an empty range names the line before
		}
		if hk.BLen == 0 {
			hk.BStart--
		}
	}
	return out
}

// cutLine cuts a line at maxLineBytes, at a rune's start.
func cutLine(s string) (string, bool) {
	if len(s) <= maxLineBytes {
		return s, false
	}
	return trimRune(s[:maxLineBytes]), true
}
