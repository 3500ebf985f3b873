package accept

import "testing"

func TestQuality(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, mediaType string
		want              float64
	}{
		{"", "image/png", 1},
		{"  ", "text/html", 1},
		{"image/png", "image/png", 1},
		{"image/png", "image/webp", 0},
		{"image/*;q=0.5", "image/webp", 0.5},
		{"*/*;q=0.1, image/*;q=0.5, image/png;q=0", "image/png", 0},
		{"*/*;q=0.1, image/*;q=0.5, image/png;q=0", "image/jpeg", 0.5},
		{"*/*;q=0.1, image/*;q=0.5", "text/plain", 0.1},
		{"TEXT/HTML ; Q=0.8", "text/html", 0.8},
		{"text/html;q=2", "text/html", 1},   // out of range: the default
		{"text/html;q=abc", "text/html", 1}, // unreadable: the default
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json", 0.8},
	}
	for _, tt := range tests {
		if got := Quality(tt.header, tt.mediaType); got != tt.want {
			t.Errorf("Quality(%q, %q) = %v; want %v", tt.header, tt.mediaType, got, tt.want)
		}
	}
}
