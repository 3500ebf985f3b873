//go:build !unix

package server

import "time"

// cpuTime is zero where getrusage is missing: cpu-ns/op then reads 0.
func cpuTime() time.Duration { return 0 }
