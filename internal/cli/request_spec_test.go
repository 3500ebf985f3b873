package cli

import (
	"reflect"
	"testing"
)

func TestSplitRequestArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want requestArgs
	}{
		{[]string{":3000/hello"}, requestArgs{url: ":3000/hello", items: []string{}}},
		{[]string{"GET", ":3000/hello"}, requestArgs{method: "GET", url: ":3000/hello", items: []string{}}},
		{[]string{"get", "localhost"}, requestArgs{method: "get", url: "localhost", items: []string{}}},
		{[]string{"PURGE", "127.0.0.1:3000/hello", "extra"}, requestArgs{method: "PURGE", url: "127.0.0.1:3000/hello", items: []string{"extra"}}},
		{[]string{":3000/hello", "extra"}, requestArgs{url: ":3000/hello", items: []string{"extra"}}},
		{[]string{"example.com", "extra"}, requestArgs{url: "example.com", items: []string{"extra"}}},
		{[]string{"localhost", "name==Alice"}, requestArgs{url: "localhost", items: []string{"name==Alice"}}},
		{[]string{"POST", "localhost", "name=Bob"}, requestArgs{method: "POST", url: "localhost", items: []string{"name=Bob"}}},
	}
	for _, tt := range tests {
		t.Run(tt.want.url, func(t *testing.T) {
			t.Parallel()
			got, err := splitRequestArgs(tt.args)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitRequestArgs(%q) = %+v, %v; want %+v", tt.args, got, err, tt.want)
			}
		})
	}
}

func TestItemKind(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"name==Alice", "query"},
		{"name=Bob", "field"},
		{"age:=30", "field"},
		{"X-Lesson:one", "header"},
		{"X-Empty;", "empty header"},
		{"photo@cat.jpg", "file"},
		{"extra", ""},
		{"=value", ""},
		{"http://example.com/", ""},
		{"a;b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := itemKind(tt.in); got != tt.want {
				t.Errorf("itemKind(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
