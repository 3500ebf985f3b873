package servertiming

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// ms is f milliseconds, rounded to the nanosecond as Parse rounds.
func ms(f float64) time.Duration { return time.Duration(math.Round(f * float64(time.Millisecond))) }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		values []string
		want   []Metric
	}{
		{nil, nil},
		{[]string{""}, nil},
		{[]string{"app"}, []Metric{{Name: "app"}}},
		{[]string{`name;dur=1.2;desc="x", other;dur=3`}, []Metric{{"name", ms(1.2), "x"}, {"other", ms(3), ""}}},
		{[]string{"read;dur=0.010, route;dur=0.002, handler;dur=0.051"}, []Metric{{"read", ms(0.010), ""}, {"route", ms(0.002), ""}, {"handler", ms(0.051), ""}}},
		// Whitespace around separators, case-insensitive parameter names, token desc.
		{[]string{" db ; DUR = 53 ; Desc = cache "}, []Metric{{"db", ms(53), "cache"}}},
		// Several header lines keep their order.
		{[]string{"a;dur=1", "b;dur=2"}, []Metric{{"a", ms(1), ""}, {"b", ms(2), ""}}},
		// Commas and semicolons inside a quoted desc, with escapes.
		{[]string{`x;desc="a, b; \"c\"";dur=4, y`}, []Metric{{"x", ms(4), `a, b; "c"`}, {"y", 0, ""}}},
		// The first of a repeated parameter wins; unknown ones are ignored.
		{[]string{"x;dur=1;dur=2;desc=a;desc=b;foo=bar"}, []Metric{{"x", ms(1), "a"}}},
		// A float that falls just short of the microsecond reads as it.
		{[]string{"x;dur=1.001"}, []Metric{{"x", 1001 * time.Microsecond, ""}}},
		// Malformed: a name that is not a token drops the entry.
		{[]string{";dur=1, ok"}, []Metric{{"ok", 0, ""}}},
		{[]string{`"quoted";dur=1`}, nil},
		{[]string{"two words;dur=1"}, nil},
		{[]string{",,, ,"}, nil},
		// Malformed durations read as zero; the metric stays.
		{[]string{"x;dur=abc"}, []Metric{{"x", 0, ""}}},
		{[]string{"x;dur=-5"}, []Metric{{"x", 0, ""}}},
		{[]string{"x;dur=NaN"}, []Metric{{"x", 0, ""}}},
		{[]string{"x;dur=1e300"}, []Metric{{"x", 0, ""}}},
		{[]string{"x;dur"}, []Metric{{"x", 0, ""}}},
		{[]string{"x;dur="}, []Metric{{"x", 0, ""}}},
		// A malformed parameter is skipped without losing the next one.
		{[]string{"x;=3;dur=2"}, []Metric{{"x", ms(2), ""}}},
		{[]string{"x;desc=two words;dur=2"}, []Metric{{"x", ms(2), ""}}},
		// An unterminated quote takes the rest of the header with it.
		{[]string{`x;desc="open, y;dur=1`}, []Metric{{"x", 0, ""}}},
		{[]string{`x;desc="a"b;dur=1`}, []Metric{{"x", ms(1), ""}}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.values, "|"), func(t *testing.T) {
			t.Parallel()
			got := Parse(tt.values)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %+v; want %+v", tt.values, got, tt.want)
			}
		})
	}
}

func TestAppend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		metrics []Metric
		want    string
	}{
		{nil, ""},
		{[]Metric{{Name: "app"}}, "app;dur=0.000"},
		// The inspector's phases, as the server sends them.
		{
			[]Metric{{"read", 64 * time.Microsecond, ""}, {"route", 10 * time.Microsecond, ""}, {"handler", 105 * time.Microsecond, ""}},
			"read;dur=0.064, route;dur=0.010, handler;dur=0.105",
		},
		// Milliseconds to the microsecond, half up.
		{[]Metric{{"x", 499 * time.Nanosecond, ""}}, "x;dur=0.000"},
		{[]Metric{{"x", 500 * time.Nanosecond, ""}}, "x;dur=0.001"},
		{[]Metric{{"x", 999*time.Microsecond + 600*time.Nanosecond, ""}}, "x;dur=1.000"},
		{[]Metric{{"x", 1500 * time.Microsecond, ""}}, "x;dur=1.500"},
		{[]Metric{{"x", 9999*time.Microsecond + 499*time.Nanosecond, ""}}, "x;dur=9.999"},
		{[]Metric{{"x", 9999*time.Microsecond + 500*time.Nanosecond, ""}}, "x;dur=10.000"},
		{[]Metric{{"x", 12*time.Second + 345678900*time.Nanosecond, ""}}, "x;dur=12345.679"},
		{[]Metric{{"x", 2 * time.Hour, ""}}, "x;dur=7200000.000"},
		{[]Metric{{"x", math.MaxInt64, ""}}, "x;dur=9223372036854.776"},
		{[]Metric{{"x", -time.Millisecond, ""}}, "x;dur=0.000"},
		// desc is a quoted-string; a control character cannot be in one.
		{[]Metric{{"handler", 500 * time.Microsecond, "greeting"}}, `handler;dur=0.500;desc="greeting"`},
		{[]Metric{{"x", 0, `say "hi" \ bye`}}, `x;dur=0.000;desc="say \"hi\" \\ bye"`},
		{[]Metric{{"x", 0, "a\r\nSet-Cookie: b\x7f\tc"}}, "x;dur=0.000;desc=\"a  Set-Cookie: b \tc\""},
		{[]Metric{{"x", 0, "Zoë, 👋; done"}}, `x;dur=0.000;desc="Zoë, 👋; done"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := string(Append(nil, tt.metrics...)); got != tt.want {
				t.Errorf("Append(nil, %+v) = %q; want %q", tt.metrics, got, tt.want)
			}
		})
	}
	// Append appends: what b held stays.
	if got := string(Append([]byte("a;dur=1, "), Metric{Name: "b"})); got != "a;dur=1, b;dur=0.000" {
		t.Errorf("Append(\"a;dur=1, \", b) = %q; want %q", got, "a;dur=1, b;dur=0.000")
	}
}

// TestAppendParse checks that Parse reads back what Append wrote, to the
// microsecond Append keeps.
func TestAppendParse(t *testing.T) {
	t.Parallel()
	tests := [][]Metric{
		{{Name: "app"}},
		{{"read", 64 * time.Microsecond, ""}, {"route", 10 * time.Microsecond, ""}, {"handler", 105 * time.Microsecond, ""}},
		{{"tls", 1001 * time.Microsecond, "handshake"}, {"write", 3*time.Millisecond + 7*time.Microsecond, ""}},
		{{"x", 1234567 * time.Nanosecond, ""}},
		{{"x", 2 * time.Hour, `a, b; "c" \d`}},
		{{"x", 0, "Zoë 👋"}, {"y", time.Microsecond, ","}},
		{{"!#$%&'*+-.^_`|~", 999 * time.Microsecond, ";"}},
	}
	for _, metrics := range tests {
		header := string(Append(nil, metrics...))
		t.Run(header, func(t *testing.T) {
			t.Parallel()
			got := Parse([]string{header})
			want := make([]Metric, len(metrics))
			for i, m := range metrics {
				want[i] = Metric{m.Name, m.Dur.Round(time.Microsecond), m.Desc}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q) = %+v; want %+v", header, got, want)
			}
		})
	}
}

func TestIsToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want bool
	}{
		{"", false},
		{"GET", true},
		{"X-Request-Id", true},
		{"!#$%&'*+-.^_`|~09azAZ", true},
		{"two words", false},
		{"a:b", false},
		{`"q"`, false},
		{"a;b", false},
		{"a,b", false},
		{"é", false},
		{"a\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			t.Parallel()
			if got := IsToken(tt.s); got != tt.want {
				t.Errorf("IsToken(%q) = %v; want %v", tt.s, got, tt.want)
			}
		})
	}
}

func FuzzParseServerTiming(f *testing.F) {
	f.Add(`name;dur=1.2;desc="x", other;dur=3`)
	f.Add(`x;desc="\`)
	f.Add("x;desc=\"a\x01b\";dur=0.0005")
	f.Fuzz(func(t *testing.T, s string) {
		metrics := Parse([]string{s})
		for _, m := range metrics {
			if !IsToken(m.Name) || m.Dur < 0 {
				t.Errorf("Parse(%q) gave %+v", s, m)
			}
		}
		// What Parse read, Append writes back readably: the same names and
		// descriptions (control characters as spaces), durations to the
		// microsecond.
		header := string(Append(nil, metrics...))
		got := Parse([]string{header})
		if len(got) != len(metrics) {
			t.Fatalf("Parse(Append(Parse(%q))) = %+v; want %d metrics", s, got, len(metrics))
		}
		for i, m := range metrics {
			want := Metric{m.Name, m.Dur.Round(time.Microsecond), controlsToSpaces(m.Desc)}
			if m.Dur >= 1<<53 {
				// Beyond 104 days a float64 of nanoseconds is coarser than 1µs.
				got[i].Dur, want.Dur = 0, 0
			}
			if got[i] != want {
				t.Errorf("Parse(%q)[%d] = %+v; want %+v", header, i, got[i], want)
			}
		}
	})
}

// controlsToSpaces is s as Append quotes it, before the escapes.
func controlsToSpaces(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			b[i] = ' '
		}
	}
	return string(b)
}

func BenchmarkAppend(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = Append(buf[:0],
			Metric{Name: "read", Dur: 64 * time.Microsecond},
			Metric{Name: "route", Dur: 10 * time.Microsecond},
			Metric{Name: "handler", Dur: 105 * time.Microsecond})
	}
}
