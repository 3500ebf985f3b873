//go:build !linux

package cli

import (
	"os"
	"testing"
)

// openPTY skips: the tests open pseudo-terminals on Linux only.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	t.Skip("pseudo-terminals are opened on Linux only")
	return nil, nil
}
