package cli

import (
	"context"
	"net/http"
	"net/url"
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
		{"name==@q.txt", "query"},
		{"name=Bob", "data"},
		{"age:=30", "data"},
		{"X-Lesson:one", "header"},
		{"X-Token:@token.txt", "header"},
		{"X-Empty;", "header"},
		{"photo@cat.jpg", "data"},
		{"=value", "data"},
		{`a\=b`, ""},
		{"extra", ""},
		{"http://example.com/", ""},
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

// TestRequestSpec: -H as curl takes it, in order, and the defaults -H
// leaves alone or takes out.
func TestRequestSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		headers    []string
		body       string
		wantMethod string
		wantHost   string
		wantHeader http.Header
	}{
		{"defaults", nil, "", "GET", "", http.Header{"Accept": {"*/*"}}},
		{"POST with a body", nil, "hi", "POST", "", http.Header{"Accept": {"*/*"}}},
		{"Host", []string{"Host: vhost.example"}, "", "GET", "vhost.example", http.Header{"Accept": {"*/*"}}},
		{"last Host wins", []string{"Host: a.example", "Host: b.example:8080"}, "", "GET", "b.example:8080", http.Header{"Accept": {"*/*"}}},
		{"no User-Agent, no Accept", []string{"User-Agent:", "Accept:"}, "", "GET", "", http.Header{"User-Agent": {""}}},
		{"Accept given", []string{"accept: text/plain"}, "", "GET", "", http.Header{"Accept": {"text/plain"}}},
		{"removed, then added", []string{"X-A: 1", "X-A:", "X-A: 2"}, "", "GET", "", http.Header{"X-A": {"2"}, "Accept": {"*/*"}}},
		{"empty", []string{"X-Empty;"}, "", "GET", "", http.Header{"X-Empty": {""}, "Accept": {"*/*"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, _ := url.Parse("http://127.0.0.1:3000/hello")
			s := newRequestSpec("", u)
			f := newHeaderFlag()
			for _, h := range tt.headers {
				if err := f.Set(h); err != nil {
					t.Fatal(err)
				}
			}
			for _, a := range f.args {
				if err := s.addHeader(a); err != nil {
					t.Fatal(err)
				}
			}
			s.body, s.post = []byte(tt.body), tt.body != ""
			s.defaultHeader("Accept", "*/*")
			req, err := s.request(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if req.Method != tt.wantMethod || req.Host != tt.wantHost || !reflect.DeepEqual(req.Header, tt.wantHeader) {
				t.Errorf("-H %q: %s, Host %q, %v; want %s, %q, %v", tt.headers, req.Method, req.Host, req.Header, tt.wantMethod, tt.wantHost, tt.wantHeader)
			}
		})
	}
}
