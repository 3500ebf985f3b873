// Package terminal makes text safe to print on a terminal: what a server
// or a user sends can neither move the cursor, recolour or retitle the
// terminal, nor read as something else. The CLI and the diff's text both
// print through it.
package terminal

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Safe escapes what a terminal would obey or show as other text: ESC
// starts the sequences that move and recolour (C1's CSI too), a bidi
// override (U+202E) reverses what follows it, zero-width characters hide
// inside a word. It writes control characters (C0 but tab, DEL, C1),
// format characters (bidi controls, zero-width ones, U+FEFF), spaces
// other than U+0020, private-use and unassigned runes, and invalid UTF-8
// as Go escapes: \x1b, \a, \u202e, \xff.
func Safe(s string) string {
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
