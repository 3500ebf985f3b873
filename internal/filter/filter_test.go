package filter

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/trace"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []Term
	}{
		{"", nil},
		{"   ", nil},
		{"method:post", []Term{{Field: Method, Value: "POST"}}},
		{"status:4xx -status:404", []Term{{Field: Status, Num: 4}, {Negate: true, Field: Status, Num: 404}}},
		{"path:/api/ host:LocalHost", []Term{{Field: Path, Value: "/api/"}, {Field: Host, Value: "localhost"}}},
		{"domain:*.example.com", []Term{{Field: Host, Value: "*.example.com"}}},
		{"header:content-type=JSON", []Term{{Field: Header, Name: "Content-Type", Value: "json"}}},
		{"header:x-request-id", []Term{{Field: Header, Name: "X-Request-Id"}}},
		{"duration>100ms duration<=1.5s duration>=250 duration=0", []Term{
			{Field: Duration, Op: Greater, Num: 100}, {Field: Duration, Op: LessEq, Num: 1500},
			{Field: Duration, Op: GreaterEq, Num: 250}, {Field: Duration, Op: Eq, Num: 0},
		}},
		{"larger-than:10k smaller-than:1M", []Term{{Field: Size, Op: Greater, Num: 10240}, {Field: Size, Op: Less, Num: 1 << 20}}},
		{"trace:4BF92F3577B34DA6A3CE929D0E0E4736", []Term{{Field: Trace, Value: "4bf92f3577b34da6a3ce929d0e0e4736"}}},
		{`greet "Hello, World" -Alice`, []Term{
			{Field: Text, Value: "greet", Words: []string{"greet"}},
			{Field: Text, Value: "Hello, World", Words: []string{"hello", "world"}},
			{Negate: true, Field: Text, Value: "Alice", Words: []string{"alice"}},
		}},
		{"/api/greeting?name=x", []Term{{Field: Text, Value: "/api/greeting?name=x", Words: []string{"api", "greeting", "name", "x"}}}},
		{"... ,", nil},    // no words: nothing to look for
		{"http://x", nil}, // a key that is no filter's, written as a URL: quoted below
		{`"http://x"`, []Term{{Field: Text, Value: "http://x", Words: []string{"http", "x"}}}},
		{"Grüße 日本", []Term{{Field: Text, Value: "Grüße", Words: []string{"grüße"}}, {Field: Text, Value: "日本", Words: []string{"日本"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			f, err := Parse(tt.in)
			if tt.in == "http://x" {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Pos != 0 {
					t.Fatalf("Parse(%q) error = %v; want a SyntaxError at 0 (http: is no filter)", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(f.Terms, tt.want) {
				t.Errorf("Parse(%q) = %+v; want %+v", tt.in, f.Terms, tt.want)
			}
			if f.String() != tt.in {
				t.Errorf("Parse(%q).String() = %q; want the input", tt.in, f.String())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in  string
		pos int
	}{
		{"status:abc", 7},
		{"status:600", 7},
		{"method:GET status:", 18},
		{"duration>fast", 9},
		{"duration:", 9},
		{"larger-than:-5", 12},
		{"larger-than>5", 12},
		{"header:bad(name", 7},
		{"header:=v", 7},
		{"method:G/T", 7},
		{`path:"/a`, 5},
		{`"unclosed`, 0},
		{`"a"b`, 3},
		{"ok - status:200", 3},
		{"colour:red", 0},
		{"method>GET", 7},
		{"trace:abc", 6},
		{"trace:00000000000000000000000000000000", 6},
		{"trace>4bf92f3577b34da6a3ce929d0e0e4736", 6},
		{string(make([]byte, MaxLen+1)), MaxLen},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v; want a *SyntaxError", tt.in, err)
			}
			if se.Pos != tt.pos {
				t.Errorf("Parse(%q) error at %d (%v); want at %d", tt.in, se.Pos, err, tt.pos)
			}
			if want := fmt.Sprintf("filter: at character %d: ", tt.pos+1); len(err.Error()) <= len(want) || err.Error()[:len(want)] != want {
				t.Errorf("Parse(%q) error = %q; want it to begin %q", tt.in, err, want)
			}
		})
	}
}

func exchangeForMatch() *observe.Exchange {
	return &observe.Exchange{
		Summary: observe.Summary{
			Method: "POST", URL: "/api/greeting?name=Ada&q=%3Cimg%20onerror%3D1%3E", Path: "/api/greeting", Host: "api.example.com:8080",
			Status: 201, DurationMS: 150, BytesOut: 20 << 10,
		},
		Request: observe.Message{
			Headers: http.Header{"Content-Type": {"application/json"}, "X-Trace": {"alpha beta", "gamma"}},
			Body:    `{"greeting": "Hello, World!"}`,
		},
		Response: observe.Message{Headers: http.Header{"Server-Timing": {"app;dur=3"}}, Body: "Grüße, Ada"},
		TraceID:  trace.ID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	ex := exchangeForMatch()
	tests := []struct {
		filter string
		want   bool
	}{
		{"", true},
		{"method:post", true},
		{"method:GET", false},
		{"status:2xx", true},
		{"status:201 -status:200", true},
		{"-status:201", false},
		{"status:4xx", false},
		{"path:/api/", true},
		{"path:/API/", false}, // a path is case-sensitive
		{"host:api.example.com", true},
		{"host:api.example.com:8080", true},
		{"host:example.com", false},
		{"host:*.example.com", true},
		{"header:content-type=json", true},
		{"header:content-type=xml", false},
		{"header:server-timing", true}, // a response header
		{"-header:cookie", true},
		{"duration>100ms", true},
		{"duration>0.2s", false},
		{"duration<=150", true},
		{"larger-than:10k", true},
		{"larger-than:20k", false},
		{"smaller-than:1M", true},
		{"trace:4bf92f3577b34da6a3ce929d0e0e4736", true},
		{"trace:4bf92f3577b34da6a3ce929d0e0e4737", false},
		{"greet", true},       // a prefix of a word in the URL
		{"hello world", true}, // two terms
		{`"hello world"`, true},
		{`"world hello"`, false},
		{`"hel wor"`, false}, // only the last word is a prefix
		{`"hello wor"`, true},
		{"alpha", true}, // a header value
		{`"beta gamma"`, true},
		{"grüße", true},
		{"GRÜSSE", false},
		{"ada -bob", true},
		{"-ada", false},
		{"json", true},
		{"reet", false},     // words, not substrings
		{"onerror", true},   // decoded from the URL's escapes
		{"20onerror", true}, // and as it came
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			t.Parallel()
			f, err := Parse(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(ex); got != tt.want {
				t.Errorf("Parse(%q).Match(ex) = %v; want %v", tt.filter, got, tt.want)
			}
		})
	}
}

func TestContains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		ws   []string
		want bool
	}{
		{"a a b", []string{"a", "b"}, true}, // a partial match restarts
		{"a b a b c", []string{"a", "b", "c"}, true},
		{"a b", []string{"a", "b", "c"}, false},
		{"", []string{"a"}, false},
		{"x", nil, true},
		{"1 2 3 4 5 6 7 8 9 10", []string{"2", "3", "4", "5", "6", "7", "8", "9", "10"}, true}, // longer than the ring's array
	}
	for _, tt := range tests {
		if got := contains(tt.s, tt.ws); got != tt.want {
			t.Errorf("contains(%q, %q) = %v; want %v", tt.s, tt.ws, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"method:GET status:4xx", `"a b" -c`, "duration>=1.5s larger-than:1k", "-", `"`, "header:a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(s) {
				t.Fatalf("Parse(%q) error = %v; want a SyntaxError within the text", s, err)
			}
			return
		}
		flt.Match(exchangeForMatch())
	})
}
