package trace

import "testing"

// FuzzParse: Parse never panics; what it accepts is valid, and its
// version-00 traceparent reads back as the same context.
func FuzzParse(f *testing.F) {
	for _, s := range []string{tp, "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "", "00-0-0-0"} {
		f.Add(s, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")
	}
	f.Fuzz(func(t *testing.T, s, state string) {
		c, ok := Parse(s)
		if !ok {
			return
		}
		if !c.Valid() || c.Flags&^(Sampled|Random) != 0 {
			t.Fatalf("Parse(%q) = %+v: invalid ids or unknown flags", s, c)
		}
		back, ok := Parse(c.Traceparent())
		if !ok || back != c {
			t.Fatalf("Parse(Parse(%q).Traceparent()) = %+v, %v; want %+v", s, back, ok, c)
		}
		if st := ParseState(state); len(st) > maxStateLen || ParseState(st) != st {
			t.Fatalf("ParseState(%q) = %q: too long, or not a fixed point", state, st)
		}
	})
}
