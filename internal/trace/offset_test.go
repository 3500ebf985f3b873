package trace

import (
	"testing"
	"time"
)

func TestClocksOffset(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ms := func(n float64) time.Time { return base.Add(time.Duration(n * float64(time.Millisecond))) }
	tests := []struct {
		name        string
		c           Clocks
		offset, rtt time.Duration
	}{
		// The server's clock 100ms ahead, 10ms each way, 5ms of work.
		{"ahead, symmetric", Clocks{ms(0), ms(110), ms(115), ms(25)}, 100 * time.Millisecond, 20 * time.Millisecond},
		// Behind by 50ms, the same trip.
		{"behind", Clocks{ms(0), ms(-40), ms(-35), ms(25)}, -50 * time.Millisecond, 20 * time.Millisecond},
		// One clock, 2ms there and 8ms back: the estimate is off by 3ms,
		// within its ± rtt/2 of 5ms.
		{"one clock, asymmetric", Clocks{ms(0), ms(2), ms(7), ms(15)}, -3 * time.Millisecond, 10 * time.Millisecond},
		// The server says it worked longer than the client waited: no
		// negative round trip.
		{"server longer than the client", Clocks{ms(0), ms(1), ms(30), ms(20)}, 5500 * time.Microsecond, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			offset, rtt := tt.c.Offset()
			if offset != tt.offset || rtt != tt.rtt {
				t.Errorf("Offset(%v) = %v, %v; want %v, %v", tt.c, offset, rtt, tt.offset, tt.rtt)
			}
		})
	}
}

// TestOnClientStaysInside: mapped with the estimate, a server's span
// falls inside its client's span, and is clamped to it when the estimate
// would put it outside.
func TestOnClientStaysInside(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ms := func(n float64) time.Time { return base.Add(time.Duration(n * float64(time.Millisecond))) }
	c := Clocks{ms(0), ms(110), ms(115), ms(25)}
	offset, _ := c.Offset()
	tests := []struct {
		name     string
		at, want time.Time
	}{
		{"receive", ms(110), ms(10)},
		{"send", ms(115), ms(15)},
		{"before the client sent", ms(50), ms(0)},
		{"after the client's end", ms(200), ms(30)},
	}
	for _, tt := range tests {
		if got := OnClient(tt.at, offset, ms(0), ms(30)); !got.Equal(tt.want) {
			t.Errorf("%s: OnClient(%v) = %v; want %v", tt.name, tt.at.Sub(base), got.Sub(base), tt.want.Sub(base))
		}
	}
}
