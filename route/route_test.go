package route

import "testing"

func TestHandleRequest(t *testing.T) {
	t.Parallel()
	for _, c := range Cases() {
		t.Run(c.Method+" "+c.Path, func(t *testing.T) {
			t.Parallel()
			got := HandleRequest(Request{Method: c.Method, Path: c.Path})
			if got != c.Want {
				t.Errorf("HandleRequest(%q, %q) = %+v; want %+v (%s)", c.Method, c.Path, got, c.Want, c.Rule)
			}
		})
	}
}

// TestCases: every case names a rule that has a hint, every rule is
// checked by some case, and Cases' result is a copy.
func TestCases(t *testing.T) {
	t.Parallel()
	checked := map[string]int{}
	for _, c := range Cases() {
		if Hint(c.Rule) == "" {
			t.Errorf("case %q %q names rule %q, which has no hint", c.Method, c.Path, c.Rule)
		}
		checked[c.Rule]++
	}
	for rule := range Hints() {
		if checked[rule] == 0 {
			t.Errorf("rule %q has a hint but no case", rule)
		}
	}
	got := Cases()
	got[0].Want.Body = "changed"
	if Cases()[0].Want.Body == "changed" {
		t.Errorf("changing Cases()' result changed the table: %+v", Cases()[0])
	}
	hints := Hints()
	hints[RuleKnown] = "changed"
	if Hint(RuleKnown) == "changed" {
		t.Errorf("changing Hints()' result changed the hints")
	}
}

func FuzzHandleRequest(f *testing.F) {
	for _, s := range [][2]string{{"GET", "/hello"}, {"POST", "/echo?x"}, {"get", "/time"}, {"", ""}, {"GET", "/hello/"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		got := HandleRequest(Request{Method: method, Path: path})
		switch got.Status {
		case 200, 404, 405:
		default:
			t.Fatalf("HandleRequest(%q, %q).Status = %d; want 200, 404 or 405", method, path, got.Status)
		}
		if got.Body == "" {
			t.Fatalf("HandleRequest(%q, %q).Body is empty", method, path)
		}
	})
}

func BenchmarkHandleRequest(b *testing.B) {
	reqs := []Request{{"GET", "/hello"}, {"POST", "/hello?x=1"}, {"GET", "/missing"}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = HandleRequest(reqs[i%len(reqs)])
	}
}

func TestRoutesIsACopy(t *testing.T) {
	t.Parallel()
	got := Routes()
	got[0].Body = "changed"
	if Routes()[0].Body != "Hello, World!" {
		t.Errorf("changing Routes()' result changed the table: %+v", Routes())
	}
	for _, rt := range Routes() {
		if res := HandleRequest(Request{Method: rt.Method, Path: rt.Path}); res != (Response{200, rt.Body}) {
			t.Errorf("HandleRequest(%q, %q) = %+v; want 200 %q from the table", rt.Method, rt.Path, res, rt.Body)
		}
	}
}
