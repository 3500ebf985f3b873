//go:build !unix

package servetest

import "testing"

// RefusedAddr returns a loopback address where a dial is refused; here, a
// closed port of FreeAddr's, which a parallel test may take.
func RefusedAddr(t testing.TB) string {
	t.Helper()
	return FreeAddr(t)
}
