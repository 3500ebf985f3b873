package cli

import (
	"fmt"
	"io"
	"os"
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

// isTerminalWriter reports whether w is a terminal: where live progress,
// colour and pretty-printing belong, and raw bytes do not.
func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// useColour decides --color: auto means stdout is a terminal and NO_COLOR
// is unset or empty (no-color.org).
func useColour(mode string, e *env) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	return e.getenv("NO_COLOR") == "" && isTerminalWriter(e.stdout)
}

// palette colours what the CLI writes for people; its zero value leaves
// text plain.
type palette struct{ on bool }

func (p palette) paint(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) dim(s string) string  { return p.paint("2", s) }
func (p palette) bold(s string) string { return p.paint("1", s) }
func (p palette) name(s string) string { return p.paint("36", s) }

// status colours a status line by class: 2xx green, 3xx cyan, 4xx yellow, 5xx red.
func (p palette) status(code int, s string) string {
	switch {
	case code >= 500:
		return p.paint("1;31", s)
	case code >= 400:
		return p.paint("1;33", s)
	case code >= 300:
		return p.paint("1;36", s)
	case code >= 200:
		return p.paint("1;32", s)
	}
	return p.bold(s)
}
