package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// terminalSafe escapes what a terminal would obey or show as other text,
// so that what a server or a user sends can neither move the cursor,
// recolour or retitle the terminal (ESC starts those sequences, C1's CSI
// too) nor read as something else: a bidi override (U+202E) reverses what
// follows it, zero-width characters hide inside a word. It writes control
// characters (C0 but tab, DEL, C1), format characters (bidi controls,
// zero-width ones, U+FEFF), spaces other than U+0020, private-use and
// unassigned runes, and invalid UTF-8 as Go escapes: \x1b, \a, \u202e, \xff.
func terminalSafe(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, mustEscape) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case mustEscape(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// mustEscape is true for what strconv would escape (control, format,
// separator other than U+0020 and unassigned runes), tab aside: it only
// moves to the next tab stop.
func mustEscape(r rune) bool { return r != '\t' && !strconv.IsPrint(r) }

// writeEscaped writes text line by line after prefix, each line through
// terminalSafe; a line's CR before its LF goes, as terminals show CRLF.
func writeEscaped(w io.Writer, text []byte, prefix string) {
	s := strings.TrimSuffix(string(text), "\n")
	for line := range strings.SplitSeq(s, "\n") {
		fmt.Fprintf(w, "%s%s\n", prefix, terminalSafe(strings.TrimSuffix(line, "\r")))
	}
}
