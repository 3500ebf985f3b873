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

// ValidTraceparent reports whether s is a W3C Trace Context traceparent:
// version-traceid-parentid-flags in lowercase hex, with nonzero ids.
func ValidTraceparent(s string) bool {
	if len(s) < 55 || len(s) > 512 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return false
	}
	if !lowerHex(s[0:2]) || s[0:2] == "ff" || !lowerHex(s[3:35]) || !lowerHex(s[36:52]) || !lowerHex(s[53:55]) {
		return false
	}
	if s[0:2] == "00" && len(s) != 55 || len(s) > 55 && s[55] != '-' {
		return false // version 00 has exactly four fields; later ones may add more
	}
	return !allZero(s[3:35]) && !allZero(s[36:52])
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}
