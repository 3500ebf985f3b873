package inspect

import (
	"encoding/base64"
	"testing"
	"time"
)

func TestSetBody(t *testing.T) {
	binary := []byte{0xff, 0xfe, 0x00, 0x01}
	tests := []struct {
		name       string
		b          []byte
		size       int64
		truncated  bool
		wantBody   string
		wantBase64 string
	}{
		{"empty", nil, 0, false, "", ""},
		{"text", []byte("Hello, World!"), 13, false, "Hello, World!", ""},
		{"binary", binary, 4, false, "", base64.StdEncoding.EncodeToString(binary)},
		// "é" is two bytes; a cut between them still reads as text.
		{"text cut inside a rune", []byte("caf\xc3"), 5, true, "caf", ""},
		{"invalid but whole", []byte("caf\xc3"), 4, false, "", base64.StdEncoding.EncodeToString([]byte("caf\xc3"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m Message
			m.SetBody(string(tt.b), tt.size, tt.truncated)
			if m.Body != tt.wantBody || m.BodyBase64 != tt.wantBase64 || m.BodySize != tt.size || m.BodyTruncated != tt.truncated {
				t.Errorf("SetBody(%q, %d, %v) = %+v; want body %q, base64 %q", tt.b, tt.size, tt.truncated, m, tt.wantBody, tt.wantBase64)
			}
		})
	}
}

func TestPhasesAndServerTiming(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	tests := []struct {
		name       string
		times      Times
		wantPhases [4]float64 // durations in ms
		wantTiming string
	}{
		{
			"every instant",
			Times{Read: at(0), Start: at(10), Routed: 3 * time.Microsecond, Wrote: 203 * time.Microsecond, End: 240 * time.Microsecond},
			[4]float64{0.01, 0.003, 0.2, 0.037},
			"read;dur=0.010, route;dur=0.003, handler;dur=0.200",
		},
		{
			"read unknown, never routed",
			Times{Start: at(10), Wrote: 10 * time.Microsecond, End: 20 * time.Microsecond},
			[4]float64{0, 0, 0.01, 0.01},
			"route;dur=0.000, handler;dur=0.010",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ph := tt.times.Phases()
			var start float64
			for i, p := range ph {
				if p.DurationMS != tt.wantPhases[i] {
					t.Errorf("phase %s duration = %v ms; want %v", p.Name, p.DurationMS, tt.wantPhases[i])
				}
				if p.StartMS < start-1e-9 { // float sums drift in the last bit
					t.Errorf("phase %s starts at %v ms, before the phase ahead of it ends", p.Name, p.StartMS)
				}
				start = p.StartMS + p.DurationMS
			}
			if got := string(tt.times.AppendServerTiming(nil)); got != tt.wantTiming {
				t.Errorf("AppendServerTiming = %q; want %q", got, tt.wantTiming)
			}
		})
	}
}

func TestAppendMillis(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0.000"},
		{499 * time.Nanosecond, "0.000"},
		{500 * time.Nanosecond, "0.001"},
		{time.Microsecond, "0.001"},
		{999*time.Microsecond + 600*time.Nanosecond, "1.000"},
		{1500 * time.Microsecond, "1.500"},
		{12*time.Second + 345678900*time.Nanosecond, "12345.679"},
		{2 * time.Hour, "7200000.000"},
	}
	for _, tt := range tests {
		if got := string(appendMillis(nil, tt.d)); got != tt.want {
			t.Errorf("appendMillis(%v) = %q; want %q", tt.d, got, tt.want)
		}
	}
}
