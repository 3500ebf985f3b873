package status

import (
	"fmt"
	"testing"
)

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		want string
	}{
		{200, "OK"},
		{404, "Not Found"},
		{413, "Content Too Large"},
		{414, "URI Too Long"},
		{416, "Range Not Satisfiable"},
		{422, "Unprocessable Content"},
		{499, "Client Closed Request"},
		{599, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			t.Parallel()
			if got := Text(tt.code); got != tt.want {
				t.Errorf("Text(%d) = %q; want %q", tt.code, got, tt.want)
			}
		})
	}
}
