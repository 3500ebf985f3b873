package store

import (
	"errors"
	"path/filepath"
	"runtime"
)

// DefaultPath is where the store lives unless told otherwise: the history
// is state, in the XDG Base Directory sense, so $XDG_STATE_HOME/roundtrip/
// history.db when that is set (on every platform), else on macOS
// ~/Library/Application Support/roundtrip/history.db (os.UserConfigDir's),
// on Windows %LocalAppData%\roundtrip\history.db (os.UserCacheDir's: state
// stays on the machine, not in the roaming profile), and elsewhere
// ~/.local/state/roundtrip/history.db. Home is read through getenv as
// os.UserHomeDir reads it. DefaultPath creates nothing.
func DefaultPath(getenv func(string) string) (string, error) {
	return defaultPath(runtime.GOOS, getenv)
}

func defaultPath(goos string, getenv func(string) string) (string, error) {
	const dir, file = "roundtrip", "history.db"
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, dir, file), nil // a relative one is invalid, the spec says
	}
	if goos == "windows" {
		if d := getenv("LocalAppData"); d != "" {
			return filepath.Join(d, dir, file), nil
		}
		return "", errors.New("store: no default path: %LocalAppData% is not set; use --store FILE, or --store memory")
	}
	h := getenv("HOME")
	if h == "" {
		return "", errors.New("store: no default path: $HOME is not set; use --store FILE, or --store memory")
	}
	if goos == "darwin" || goos == "ios" {
		return filepath.Join(h, "Library", "Application Support", dir, file), nil
	}
	return filepath.Join(h, ".local", "state", dir, file), nil
}
