package cli

import (
	"net/http"
	"reflect"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"0", 0, false},
		{"65536", 65536, false},
		{"64KiB", 64 << 10, false},
		{"64 KiB", 64 << 10, false},
		{"256MiB", 256 << 20, false},
		{"256MB", 256 << 20, false},
		{"1G", 1 << 30, false},
		{"12B", 12, false},
		{"-1", 0, true},
		{"1.5MiB", 0, true},
		{"MiB", 0, true},
		{"9999999999GiB", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseSize(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestFormatSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"},
		{1000, "1000"},
		{64 << 10, "64KiB"},
		{256 << 20, "256MiB"},
		{3 << 30, "3GiB"},
		{1<<20 + 1, "1048577"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := formatSize(tt.n); got != tt.want {
				t.Errorf("formatSize(%d) = %q; want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestHeaderFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    http.Header
		wantErr string
	}{
		{"X-Lesson: one", http.Header{"X-Lesson": {"one"}}, ""},
		{"accept:  text/plain ", http.Header{"Accept": {"text/plain"}}, ""},
		{"X-Empty:", http.Header{"X-Empty": {""}}, ""},
		{"X-Colon: a:b", http.Header{"X-Colon": {"a:b"}}, ""},
		{"nocolon", nil, `header "nocolon" is not Name: value`},
		{": value", nil, `header ": value" is not Name: value`},
		{"Bad Name: x", nil, `header name "Bad Name" cannot be sent: it is not a token`},
		{"X-Split: a\r\nEvil: 1", nil, "header X-Split: its value cannot hold a line break or NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			f := newHeaderFlag()
			err := f.Set(tt.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr || err == nil && !reflect.DeepEqual(f.h, tt.want) {
				t.Errorf("headerFlag.Set(%q) = %v, %q; want %v, %q", tt.in, f.h, gotErr, tt.want, tt.wantErr)
			}
		})
	}
}
