package observe

import (
	"encoding/base64"
	"math"
	"strings"
	"testing"
	"time"
)

func TestSetBody(t *testing.T) {
	t.Parallel()
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

func TestPhases(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	type phase struct {
		name           string
		startMS, durMS float64
	}
	tests := []struct {
		name  string
		times Times
		want  []phase
	}{
		{
			"every instant",
			Times{Read: at(0), Start: at(10), Routed: 3 * time.Microsecond, Wrote: 203 * time.Microsecond, End: 240 * time.Microsecond},
			[]phase{{"read", 0, 0.01}, {"route", 0.01, 0.003}, {"handler", 0.013, 0.2}, {"write", 0.213, 0.037}},
		},
		{
			"read unknown, never routed",
			Times{Start: at(10), Wrote: 10 * time.Microsecond, End: 20 * time.Microsecond},
			[]phase{{"read", 0, 0}, {"route", 0, 0}, {"handler", 0, 0.01}, {"write", 0.01, 0.01}},
		},
		{
			"a TLS connection's first exchange",
			Times{TLSStart: at(0), TLSEnd: at(1500), Read: at(1700), Start: at(1750), Routed: 5 * time.Microsecond, Wrote: 50 * time.Microsecond, End: 60 * time.Microsecond},
			[]phase{{"tls", 0, 1.5}, {"read", 1.7, 0.05}, {"route", 1.75, 0.005}, {"handler", 1.755, 0.045}, {"write", 1.8, 0.01}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.times.Phases()
			if len(got) != len(tt.want) {
				t.Fatalf("Phases() = %+v; want %d phases", got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Name != w.name || math.Abs(g.StartMS-w.startMS) > 1e-9 || g.DurationMS != w.durMS || g.Label == "" {
					t.Errorf("phase %d = %+v; want %s at %v ms for %v ms, labelled", i, g, w.name, w.startMS, w.durMS)
				}
			}
		})
	}
}

func TestDerive(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	ex := Exchange{Times: Times{TLSStart: t0, TLSEnd: t0.Add(time.Millisecond), Read: t0.Add(2 * time.Millisecond), Start: t0.Add(3 * time.Millisecond), End: time.Millisecond}}
	ex.Response.Headers = map[string][]string{"Content-Type": {"text/plain"}}
	ex.Derive()
	if !ex.Started.Equal(t0) || ex.DurationMS != 4 || len(ex.Phases) != 5 || ex.ContentType != "text/plain" {
		t.Errorf("Derive = started %v, %v ms, %d phases, %q; want %v, 4 ms, 5 phases, text/plain", ex.Started, ex.DurationMS, len(ex.Phases), ex.ContentType, t0)
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	small := Exchange{Summary: Summary{Method: "GET", URL: "/hello", Path: "/hello"}}
	big := small
	big.Request.Body = strings.Repeat("a", 1<<20)
	big.Response.Headers = map[string][]string{"Content-Type": {"text/plain"}}
	if s := small.Size(); s < 1<<10 || s > 2<<10 {
		t.Errorf("Size of an exchange without bodies = %d; want about 1 KiB", s)
	}
	if d := big.Size() - small.Size(); d < 1<<20 || d > 1<<20+200 {
		t.Errorf("Size grew by %d for a 1 MiB body and one header; want 1 MiB and change", d)
	}
}
