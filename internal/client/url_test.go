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
		{"http://", "", `"http://" has no host`},
		{"http:///hello", "", `"http:///hello" has no host`},
		{"http://a b/", "", `"http://a b/" is not a valid URL: invalid character " " in host name`},
		{"http://x/%zz", "", `"http://x/%zz" is not a valid URL: invalid URL escape "%zz"`},
		{"http://[::1", "", `"http://[::1" is not a valid URL: missing ']' in host`},
		{"http://localhost:99999/", "", `"http://localhost:99999/": port out of range: 99999 (1 to 65535)`},
		{"http://localhost:0/", "", `"http://localhost:0/": port out of range: 0 (1 to 65535)`},
		{"http://localhost:65535/", "http://localhost:65535/", ""},
		{"http://localhost:/", "http://localhost:/", ""},
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
