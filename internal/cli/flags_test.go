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
		want    headerArg
		wantErr string
	}{
		{"X-Lesson: one", headerArg{name: "X-Lesson", value: "one"}, ""},
		{"accept:  text/plain ", headerArg{name: "Accept", value: "text/plain"}, ""},
		{"User-Agent:", headerArg{name: "User-Agent", remove: true}, ""},
		{"X-Empty: ", headerArg{name: "X-Empty", remove: true}, ""},
		{"X-Empty;", headerArg{name: "X-Empty"}, ""},
		{"X-Colon: a:b", headerArg{name: "X-Colon", value: "a:b"}, ""},
		{"Cookie: a=1; b=2", headerArg{name: "Cookie", value: "a=1; b=2"}, ""},
		{"nocolon", headerArg{}, `header "nocolon" is not Name: value (or Name: to remove it, Name; to send it empty)`},
		{": value", headerArg{}, `header ": value" is not Name: value (or Name: to remove it, Name; to send it empty)`},
		{";", headerArg{}, `header ";" is not Name: value (or Name: to remove it, Name; to send it empty)`},
		{"Bad Name: x", headerArg{}, `header name "Bad Name" cannot be sent: it is not a token`},
		{"X-Split: a\r\nEvil: 1", headerArg{}, "header X-Split: its value cannot hold a line break or NUL"},
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
			if gotErr != tt.wantErr || err == nil && (len(f.args) != 1 || f.args[0] != tt.want) {
				t.Errorf("headerFlag.Set(%q) = %+v, %q; want %+v, %q", tt.in, f.args, gotErr, tt.want, tt.wantErr)
			}
		})
	}
}

func TestHeaderFlagHeader(t *testing.T) {
	t.Parallel()
	f := newHeaderFlag()
	for _, v := range []string{"X-A: 1", "X-B: 2", "X-A: 3", "X-B:", "X-C;"} {
		if err := f.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := f.header(), (http.Header{"X-A": {"1", "3"}, "X-C": {""}}); !reflect.DeepEqual(got, want) {
		t.Errorf("header() = %v; want %v", got, want)
	}
}
