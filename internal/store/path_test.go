package store

import (
	"path/filepath"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{name: "linux, XDG_STATE_HOME", goos: "linux", env: map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/home/ada"}, want: "/state/roundtrip/history.db"},
		{name: "linux, HOME", goos: "linux", env: map[string]string{"HOME": "/home/ada"}, want: "/home/ada/.local/state/roundtrip/history.db"},
		{name: "linux, relative XDG_STATE_HOME", goos: "linux", env: map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/home/ada"}, want: "/home/ada/.local/state/roundtrip/history.db"},
		{name: "freebsd", goos: "freebsd", env: map[string]string{"HOME": "/home/ada"}, want: "/home/ada/.local/state/roundtrip/history.db"},
		{name: "darwin", goos: "darwin", env: map[string]string{"HOME": "/Users/ada"}, want: "/Users/ada/Library/Application Support/roundtrip/history.db"},
		{name: "darwin, XDG_STATE_HOME", goos: "darwin", env: map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/Users/ada"}, want: "/state/roundtrip/history.db"},
		{name: "windows", goos: "windows", env: map[string]string{"LocalAppData": "/ada/AppData/Local", "HOME": "/ignored"}, want: filepath.Join("/ada/AppData/Local", "roundtrip", "history.db")},
		{name: "linux, no HOME", goos: "linux", env: map[string]string{}, wantErr: true},
		{name: "darwin, no HOME", goos: "darwin", env: map[string]string{"XDG_STATE_HOME": ""}, wantErr: true},
		{name: "windows, no LocalAppData", goos: "windows", env: map[string]string{"HOME": "/home/ada"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := defaultPath(tt.goos, func(k string) string { return tt.env[k] })
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("defaultPath(%q, %v) = %q, %v; want %q, error %v", tt.goos, tt.env, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
