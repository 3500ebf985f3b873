package observe

import (
	"strings"
	"testing"
)

func TestValidRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"", false},
		{"abc-123", true},
		{"f47ac10b-58cc-4372-a567-0e02b2c3d479", true},
		{"01ARZ3NDEKTSV4RRFFQ69G5FAV", true},
		{"aGVsbG8=/+x_y.z:w@h", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"has space", false},
		{"line\nbreak", false},
		{`quote"d`, false},
		{"é", false},
	}
	for _, tt := range tests {
		if got := ValidRequestID(tt.id); got != tt.want {
			t.Errorf("ValidRequestID(%q) = %v; want %v", tt.id, got, tt.want)
		}
	}
}

func TestIDsAreUniqueAndValid(t *testing.T) {
	t.Parallel()
	a, b := NewIDs(), NewIDs()
	seen := map[string]bool{}
	for _, g := range []*IDs{a, b} {
		for range 100 {
			id := g.Next()
			if seen[id] {
				t.Fatalf("Next() = %q twice", id)
			}
			if !ValidRequestID(id) {
				t.Fatalf("Next() = %q, which ValidRequestID refuses", id)
			}
			seen[id] = true
		}
	}
}
