package cli

import (
	"strings"
	"testing"
)

func TestTerminalSafe(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"text", "Hello, Zoë 👋🏽! 日本語 שלום", "Hello, Zoë 👋🏽! 日本語 שלום"},
		{"tab", "a\tb", "a\tb"},
		{"empty", "", ""},
		{"CSI colour", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"clear screen", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"OSC title", "\x1b]0;pwned\x07", `\x1b]0;pwned\a`},
		{"OSC 8 link", "\x1b]8;;http://evil.example\x1b\\x\x1b]8;;\x1b\\", `\x1b]8;;http://evil.example\x1b\x\x1b]8;;\x1b\`},
		{"NUL", "nul\x00", `nul\x00`},
		{"backspace", "pass\b\b\b\bfail", `pass\b\b\b\bfail`},
		{"CR", "ok\roverwritten", `ok\roverwritten`},
		{"LF", "one\ntwo", `one\ntwo`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 NEL", "\u0085next", `\u0085next`},
		{"C1 CSI", "\u009b31m", `\u009b31m`},
		{"C1 OSC", "\u009d0;x\u009c", `\u009d0;x\u009c`},
		{"RLO", "/files/\u202eexe.txt", `/files/\u202eexe.txt`},
		{"LRE RLE PDF LRO", "\u202a\u202b\u202c\u202d", `\u202a\u202b\u202c\u202d`},
		{"LRI RLI FSI PDI", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"LRM RLM ALM", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"zero width", "pay\u200bpal\u200c\u200d", `pay\u200bpal\u200c\u200d`},
		{"BOM", "\ufeffname", `\ufeffname`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"no-break space", "a\u00a0b", `a\u00a0b`},
		{"soft hyphen", "ad\u00admin", `ad\u00admin`},
		{"tag", "a\U000e0041", `a\U000e0041`},
		{"invalid UTF-8", "bad\xff\xfeutf8", `bad\xff\xfeutf8`},
		{"raw C1 byte", "\x9b31m", `\x9b31m`},
		{"cut character", "\xe2\x80", `\xe2\x80`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := terminalSafe(tt.in); got != tt.want {
				t.Errorf("terminalSafe(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriteEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, prefix, want string }{
		{"lines", "one\ntwo\n", "> ", "> one\n> two\n"},
		{"no final newline", "one\ntwo", "", "one\ntwo\n"},
		{"CRLF", "one\r\ntwo\r\n", "< ", "< one\n< two\n"},
		{"lone CR", "ok\rfake\n", "", `ok\rfake` + "\n"},
		{"escapes", "\x1b[2J\u202eexe.txt\n", "  < ", `  < \x1b[2J\u202eexe.txt` + "\n"},
		{"blank line", "a\n\nb", "", "a\n\nb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			writeEscaped(&b, []byte(tt.in), tt.prefix)
			if got := b.String(); got != tt.want {
				t.Errorf("writeEscaped(%q, %q) = %q; want %q", tt.in, tt.prefix, got, tt.want)
			}
		})
	}
}
