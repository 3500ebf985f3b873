package client

import (
	"reflect"
	"testing"
	"time"
)

func TestParseServerTiming(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
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
		got := ParseServerTiming(tt.values)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseServerTiming(%q) = %+v; want %+v", tt.values, got, tt.want)
		}
	}
}

func FuzzParseServerTiming(f *testing.F) {
	f.Add(`name;dur=1.2;desc="x", other;dur=3`)
	f.Add(`x;desc="\`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range ParseServerTiming([]string{s}) {
			if !IsToken(m.Name) || m.Dur < 0 {
				t.Errorf("ParseServerTiming(%q) gave %+v", s, m)
			}
		}
	})
}
