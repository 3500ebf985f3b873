package main

import (
	"fmt"
	"testing"
	"time"
)

func TestNewServer(t *testing.T) {
	tests := []struct {
		hardened                      bool
		readHeader, read, write, idle time.Duration
		maxHeader                     int
	}{
		{false, 0, 0, 0, 0, 0},
		{true, 5 * time.Second, 30 * time.Second, 30 * time.Second, 120 * time.Second, 32 << 10},
	}
	for _, tt := range tests {
		s := newServer("127.0.0.1:0", tt.hardened)
		got := fmt.Sprint(s.Addr, s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout, s.MaxHeaderBytes)
		want := fmt.Sprint("127.0.0.1:0", tt.readHeader, tt.read, tt.write, tt.idle, tt.maxHeader)
		if got != want {
			t.Errorf("newServer(hardened %v) limits = %s; want %s", tt.hardened, got, want)
		}
	}
}
