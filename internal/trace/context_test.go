package trace

import (
	"encoding/json"
	"strings"
	"testing"
)

const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tp string
		ok       bool
		flags    byte
	}{
		{"sampled", tp, true, Sampled},
		{"not sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true, 0},
		{"unknown flags dropped", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff", true, Sampled | Random},
		{"a later version with more fields", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", true, Sampled},
		{"a later version, exactly 55", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true, Sampled},
		{"a later version without the dash", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01extra", false, 0},
		{"version 00 with more fields", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false, 0},
		{"version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false, 0},
		{"zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", false, 0},
		{"zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false, 0},
		{"uppercase trace id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false, 0},
		{"uppercase version", "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false, 0},
		{"uppercase flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A", false, 0},
		{"short", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", false, 0},
		{"empty", "", false, 0},
		{"not hex", "not a traceparent at all, but fifty-five characters lo", false, 0},
		{"too long", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-" + strings.Repeat("x", 500), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, ok := Parse(tt.tp)
			if ok != tt.ok {
				t.Fatalf("Parse(%q) ok = %v; want %v", tt.tp, ok, tt.ok)
			}
			if !ok {
				if c != (Context{}) {
					t.Errorf("Parse(%q) = %+v; want the zero Context", tt.tp, c)
				}
				return
			}
			if got := c.TraceID.String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
				t.Errorf("Parse(%q) trace id = %q; want 4bf92f3577b34da6a3ce929d0e0e4736", tt.tp, got)
			}
			if got := c.SpanID.String(); got != "00f067aa0ba902b7" {
				t.Errorf("Parse(%q) span id = %q; want 00f067aa0ba902b7", tt.tp, got)
			}
			if c.Flags != tt.flags {
				t.Errorf("Parse(%q) flags = %02x; want %02x", tt.tp, c.Flags, tt.flags)
			}
		})
	}
}

func TestTraceparentRoundTrip(t *testing.T) {
	t.Parallel()
	c, _ := Parse(tp)
	if got := c.Traceparent(); got != tp {
		t.Errorf("Traceparent() = %q; want %q", got, tp)
	}
	n := New()
	if got, ok := Parse(n.Traceparent()); !ok || got != n {
		t.Errorf("Parse(New().Traceparent()) = %+v, %v; want %+v", got, ok, n)
	}
	if !n.IsSampled() || !n.Valid() {
		t.Errorf("New() = %+v; want valid and sampled", n)
	}
}

func TestContinue(t *testing.T) {
	t.Parallel()
	parent, _ := Parse(tp)
	c, p := Continue(tp, "rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE")
	if c.TraceID != parent.TraceID || p != parent.SpanID || c.SpanID == parent.SpanID || c.SpanID.IsZero() || c.Flags != parent.Flags {
		t.Errorf("Continue(%q) = %+v, %v; want a child of %+v", tp, c, p, parent)
	}
	if c.State != "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE" {
		t.Errorf("Continue's State = %q; want both members", c.State)
	}
	for _, bad := range []string{"", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"} {
		c, p := Continue(bad)
		if !p.IsZero() || !c.Valid() || c.TraceID == parent.TraceID || !c.IsSampled() {
			t.Errorf("Continue(%q) = %+v, %v; want a new sampled trace, no parent", bad, c, p)
		}
	}
}

func TestParseState(t *testing.T) {
	t.Parallel()
	many := strings.TrimSuffix(strings.Repeat("k=v,", 33), ",")
	tests := []struct{ name, in, want string }{
		{"one", "rojo=00f067aa0ba902b7", "rojo=00f067aa0ba902b7"},
		{"spaces and empties", " a=1 ,, b=2 ", "a=1,b=2"},
		{"multi-tenant key", "t@v=1", "t@v=1"},
		{"uppercase key", "Rojo=1", ""},
		{"no value", "rojo=", ""},
		{"no equals", "rojo", ""},
		{"comma-free value with =", "a=b=c", ""},
		{"33 members", many, ""},
		{"32 members", strings.TrimSuffix(strings.Repeat("k=v,", 32), ","), strings.TrimSuffix(strings.Repeat("k=v,", 32), ",")},
		{"over 512", "a=" + strings.Repeat("x", 256) + ",b=" + strings.Repeat("y", 256), ""},
		{"control character", "a=b\x01", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ParseState(tt.in); got != tt.want {
				t.Errorf("ParseState(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIDsJSON(t *testing.T) {
	t.Parallel()
	c, _ := Parse(tp)
	v := struct {
		T ID     `json:"t"`
		S SpanID `json:"s"`
		Z ID     `json:"z"`
	}{T: c.TraceID, S: c.SpanID}
	b, err := json.Marshal(v)
	if want := `{"t":"4bf92f3577b34da6a3ce929d0e0e4736","s":"00f067aa0ba902b7","z":""}`; err != nil || string(b) != want {
		t.Fatalf("json.Marshal = %s, %v; want %s", b, err, want)
	}
	var back struct {
		T ID     `json:"t"`
		S SpanID `json:"s"`
		Z ID     `json:"z"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.T != v.T || back.S != v.S || !back.Z.IsZero() {
		t.Errorf("json.Unmarshal(%s) = %+v, %v; want %+v", b, back, err, v)
	}
	if err := json.Unmarshal([]byte(`{"t":"4BF92F3577B34DA6A3CE929D0E0E4736"}`), &back); err == nil {
		t.Errorf("json.Unmarshal of an uppercase id = nil error; want one")
	}
}

func TestNewIDsDiffer(t *testing.T) {
	t.Parallel()
	seen := map[ID]bool{}
	for range 1000 {
		id := NewID()
		if seen[id] || id.IsZero() {
			t.Fatalf("NewID() = %v: zero or seen before", id)
		}
		seen[id] = true
	}
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, flag string
		env        map[string]string
		want       string
		err        bool
	}{
		{"off by default", "", nil, "", false},
		{"flag base", "http://localhost:4318", nil, "http://localhost:4318/v1/traces", false},
		{"flag base slash", "http://localhost:4318/", nil, "http://localhost:4318/v1/traces", false},
		{"flag with path", "https://c.example/otlp/v1/traces", nil, "https://c.example/otlp/v1/traces", false},
		{"base env", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318/otlp"}, "http://c:4318/otlp/v1/traces", false},
		{"traces env as is", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/x", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://d:4318"}, "http://c:4318/x", false},
		{"flag beats env", "http://f:1", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://d:4318"}, "http://f:1/v1/traces", false},
		{"sdk disabled", "http://f:1", map[string]string{"OTEL_SDK_DISABLED": "true"}, "", false},
		{"exporter none", "", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://d:4318"}, "", false},
		{"not a URL", "localhost:4318", nil, "", true},
		{"grpc scheme", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "grpc://d:4317"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Endpoint(tt.flag, func(k string) string { return tt.env[k] })
			if got != tt.want || (err != nil) != tt.err {
				t.Errorf("Endpoint(%q) = %q, %v; want %q, error %v", tt.flag, got, err, tt.want, tt.err)
			}
		})
	}
}

// BenchmarkContinue is what the server does for each request's trace:
// parse the client's traceparent and make its own span id, or make a new
// trace, then format its traceparent.
func BenchmarkContinue(b *testing.B) {
	for _, in := range []string{"", tp} {
		name := map[string]string{"": "new trace", tp: "continued"}[in]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var buf [55]byte
			for b.Loop() {
				c, _ := Continue(in)
				c.Append(buf[:0])
			}
		})
	}
}
