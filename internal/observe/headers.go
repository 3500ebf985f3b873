package observe

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
)

// IDs makes request ids: a random per-process prefix and a counter, unique
// without a lock or a syscall per request.
type IDs struct {
	prefix string
	n      atomic.Uint64
}

// NewIDs returns a generator with a fresh random prefix.
func NewIDs() *IDs {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return &IDs{prefix: hex.EncodeToString(b[:]) + "-"}
}

// Next returns a new request id.
func (g *IDs) Next() string {
	var buf [40]byte
	b := append(buf[:0], g.prefix...)
	b = strconv.AppendUint(b, g.n.Add(1), 10)
	return string(b)
}

// maxRequestID bounds a client's X-Request-Id; longer ones are replaced.
const maxRequestID = 128

// ValidRequestID reports whether a client's X-Request-Id is well formed:
// 1 to 128 characters from letters, digits and - _ . : / + = @, enough for
// UUIDs, ULIDs and base64, and nothing that could forge a log line.
func ValidRequestID(s string) bool {
	if len(s) == 0 || len(s) > maxRequestID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == '+', c == '=', c == '@':
		default:
			return false
		}
	}
	return true
}
