package terminal

import "testing"

func TestSafe(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text, é and 日本", "plain text, é and 日本"},
		{"tab\tstays", "tab\tstays"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"bell\a", `bell\a`},
		{"\u009b2J", `\u009b2J`}, // C1's CSI
		{"abc\u202edef", `abc\u202edef`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"\ufeffbom", `\ufeffbom`},
		{"nbsp\u00a0", `nbsp\u00a0`},
		{"bad \xff byte", `bad \xff byte`},
		{"del\x7f", `del\x7f`},
	}
	for _, tt := range tests {
		if got := Safe(tt.in); got != tt.want {
			t.Errorf("Safe(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
