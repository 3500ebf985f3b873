package client

import "testing"

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw     string
		want    string // the URL; empty for an error
		wantErr string
	}{
		{"http://localhost:3000/hello", "http://localhost:3000/hello", ""},
		{"https://example.com", "https://example.com", ""},
		{"http://127.0.0.1:3000/api/greeting?name=Alice", "http://127.0.0.1:3000/api/greeting?name=Alice", ""},
		{"http://[::1]:3000/", "http://[::1]:3000/", ""},
		{"HTTP://Example.com/", "http://Example.com/", ""},
		{"ftp://x", "", `"ftp://x" is not an http:// or https:// URL`},
		{"localhost:3000", "", `"localhost:3000" is not an http:// or https:// URL`},
		{"/hello", "", `"/hello" is not an http:// or https:// URL`},
		{"http://", "", `"http://" is not an http:// or https:// URL`},
		{"http:///hello", "", `"http:///hello" is not an http:// or https:// URL`},
		{"http://a b/", "", `"http://a b/" is not an http:// or https:// URL`},
		{"http://x/%zz", "", `"http://x/%zz" is not an http:// or https:// URL`},
		{"", "", `"" is not an http:// or https:// URL`},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			u, err := ParseURL(tt.raw)
			switch {
			case tt.wantErr != "":
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("ParseURL(%q) = %v, %v; want error %q", tt.raw, u, err, tt.wantErr)
				}
			case err != nil || u.String() != tt.want:
				t.Errorf("ParseURL(%q) = %v, %v; want %s", tt.raw, u, err, tt.want)
			}
		})
	}
}
