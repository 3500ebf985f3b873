package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/roundtrip/roundtrip/internal/terminal"
)

// terminalSafe is terminal.Safe: what a server or a user sends, made safe
// to print.
func terminalSafe(s string) string { return terminal.Safe(s) }

// writeEscaped writes text line by line after prefix, each line through
// terminalSafe; a line's CR before its LF goes, as terminals show CRLF.
func writeEscaped(w io.Writer, text []byte, prefix string) {
	s := strings.TrimSuffix(string(text), "\n")
	for line := range strings.SplitSeq(s, "\n") {
		fmt.Fprintf(w, "%s%s\n", prefix, terminalSafe(strings.TrimSuffix(line, "\r")))
	}
}
