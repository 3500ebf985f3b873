package cli

import (
	"testing"
)

func TestEscapeQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"name=Alice", "name=Alice"},
		{"name=Tom%20%26%20Jerry&x=1+1", "name=Tom%20%26%20Jerry&x=1+1"},
		{"name=Zoë 👋", "name=Zo%C3%AB%20%F0%9F%91%8B"},
		{`q="<{|}>"`, "q=%22%3C%7B%7C%7D%3E%22"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := escapeQuery(tt.in); got != tt.want {
				t.Errorf("escapeQuery(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
