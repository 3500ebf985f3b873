package diff

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		a, b   string
		ignore []string
		want   []JSONDiff
	}{
		{"equal", `{"a":1}`, `{"a":1}`, nil, nil},
		{"key order", `{"a":1,"b":[true,null]}`, `{"b":[true,null],"a":1}`, nil, nil},
		{"whitespace", `{"a": [1, 2]}`, "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n", nil, nil},
		{"numbers by value", `[1, 1.0, 100, -0, 0.5, 12345678901234567890]`, `[1.00, 10e-1, 1e2, 0, 5E-1, 12345678901234567890.0]`, nil, nil},
		{"numbers past float64", `{"id":9007199254740993}`, `{"id":9007199254740992}`, nil,
			[]JSONDiff{{Path: "$.id", Kind: Changed, A: "9007199254740993", B: "9007199254740992"}}},
		{"changed string", `{"items":[{"name":"a"},{"name":"b"},{"name":"a"}]}`, `{"items":[{"name":"a"},{"name":"b"},{"name":"b"}]}`, nil,
			[]JSONDiff{{Path: "$.items[2].name", Kind: Changed, A: `"a"`, B: `"b"`}}},
		{"missing in b", `{"id":7,"name":"x"}`, `{"name":"x"}`, nil, []JSONDiff{{Path: "$.id", Kind: Removed, A: "7"}}},
		{"missing in a", `{"name":"x"}`, `{"name":"x","tags":["new"]}`, nil, []JSONDiff{{Path: "$.tags", Kind: Added, B: `["new"]`}}},
		{"null is not missing", `{"v":null}`, `{}`, nil, []JSONDiff{{Path: "$.v", Kind: Removed, A: "null"}}},
		{"nested objects", `{"a":{"b":{"c":1,"d":2}}}`, `{"a":{"b":{"c":2,"d":2}}}`, nil,
			[]JSONDiff{{Path: "$.a.b.c", Kind: Changed, A: "1", B: "2"}}},
		{"arrays by index", `[1,2,3]`, `[1,3]`, nil,
			[]JSONDiff{{Path: "$[1]", Kind: Changed, A: "2", B: "3"}, {Path: "$[2]", Kind: Removed, A: "3"}}},
		{"array longer in b", `{"x":[]}`, `{"x":[{"k":"v"}]}`, nil, []JSONDiff{{Path: "$.x[0]", Kind: Added, B: `{"k":"v"}`}}},
		{"type changed", `{"n":1}`, `{"n":"1"}`, nil, []JSONDiff{{Path: "$.n", Kind: Changed, A: "1", B: `"1"`}}},
		{"object to array", `{"n":{}}`, `{"n":[]}`, nil, []JSONDiff{{Path: "$.n", Kind: Changed, A: "{}", B: "[]"}}},
		{"root", `1`, `true`, nil, []JSONDiff{{Path: "$", Kind: Changed, A: "1", B: "true"}}},
		{"keys that are not names", `{"content-type":"a","":1,"a.b":2}`, `{"content-type":"b","":2,"a.b":3}`, nil, []JSONDiff{
			{Path: `$[""]`, Kind: Changed, A: "1", B: "2"},
			{Path: `$["a.b"]`, Kind: Changed, A: "2", B: "3"},
			{Path: `$["content-type"]`, Kind: Changed, A: `"a"`, B: `"b"`},
		}},
		{"keys sorted", `{"b":1,"a":1}`, `{"b":2,"a":2}`, nil,
			[]JSONDiff{{Path: "$.a", Kind: Changed, A: "1", B: "2"}, {Path: "$.b", Kind: Changed, A: "1", B: "2"}}},
		{"not HTML-escaped", `{"h":"<b>&"}`, `{"h":"<i>"}`, nil, []JSONDiff{{Path: "$.h", Kind: Changed, A: `"<b>&"`, B: `"<i>"`}}},
		{"ignore a path", `{"id":1,"at":"x","v":1}`, `{"id":2,"at":"y","v":2}`, []string{"$.id", "$.at"},
			[]JSONDiff{{Path: "$.v", Kind: Changed, A: "1", B: "2"}}},
		{"ignore with a wildcard", `{"items":[{"id":1,"n":"a"},{"id":2,"n":"b"}]}`, `{"items":[{"id":3,"n":"a"},{"id":4,"n":"c"},{"id":5}]}`, []string{"$.items[*].id"},
			[]JSONDiff{{Path: "$.items[1].n", Kind: Changed, A: `"b"`, B: `"c"`}, {Path: "$.items[2]", Kind: Added, B: `{"id":5}`}}},
		{"ignore what is under", `{"meta":{"a":1,"b":[1]}}`, `{"meta":{"a":2}}`, []string{"$.meta"}, nil},
		{"ignore a missing member", `{"a":1}`, `{}`, []string{`$["a"]`}, nil},
		{"ignore any key", `{"x":{"t":1},"y":{"t":2}}`, `{"x":{"t":3},"y":{"t":4,"u":1}}`, []string{"$.*.t"},
			[]JSONDiff{{Path: "$.y.u", Kind: Added, B: "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			va, err := decodeJSON(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			vb, err := decodeJSON(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			var ignore []Path
			for _, s := range tt.ignore {
				p, err := ParsePath(s)
				if err != nil {
					t.Fatal(err)
				}
				ignore = append(ignore, p)
			}
			got, more := jsonDiff(va, vb, ignore)
			if !reflect.DeepEqual(got, tt.want) || more != 0 {
				t.Errorf("jsonDiff(%s, %s) = %+v, %d more; want %+v", tt.a, tt.b, got, more, tt.want)
			}
		})
	}
}

func TestJSONDiffBounded(t *testing.T) {
	t.Parallel()
	var a, b strings.Builder
	a.WriteString("[")
	b.WriteString("[")
	const n = 1000
	for i := range n {
		if i > 0 {
			a.WriteString(",")
			b.WriteString(",")
		}
		fmt.Fprintf(&a, `{"v":%d,"s":%q}`, i, strings.Repeat("x", 300))
		fmt.Fprintf(&b, `{"v":%d,"s":%q}`, i+1, strings.Repeat("y", 300))
	}
	a.WriteString("]")
	b.WriteString("]")
	va, _ := decodeJSON(a.String())
	vb, _ := decodeJSON(b.String())
	got, more := jsonDiff(va, vb, nil)
	if len(got) != maxJSONDiffs || more != 2*n-maxJSONDiffs {
		t.Errorf("jsonDiff of %d changed pairs = %d listed, %d more; want %d and %d", n, len(got), more, maxJSONDiffs, 2*n-maxJSONDiffs)
	}
	for _, d := range got {
		if len(d.A) > maxPreview+len("…") || len(d.B) > maxPreview+len("…") {
			t.Fatalf("a difference at %s shows %d and %d bytes; want at most %d", d.Path, len(d.A), len(d.B), maxPreview+len("…"))
		}
	}
	if d := got[1]; d.Path != "$[0].v" || !strings.HasSuffix(got[0].A, "xxx…") {
		t.Errorf("first differences = %+v, %+v; want $[0].s cut with … and $[0].v", got[0], got[1])
	}
}

// TestJSONPathBounded: a long key, or a deep path, is cut in every
// difference that repeats it.
func TestJSONPathBounded(t *testing.T) {
	t.Parallel()
	for _, key := range []string{strings.Repeat("k", 10_000), strings.Repeat("é-", 5_000)} {
		k, _ := json.Marshal(key)
		va, _ := decodeJSON(`{` + string(k) + `:{"a":1,"b":1}}`)
		vb, _ := decodeJSON(`{` + string(k) + `:{"a":2,"b":2}}`)
		got, _ := jsonDiff(va, vb, nil)
		if len(got) != 2 {
			t.Fatalf("jsonDiff = %d differences; want 2", len(got))
		}
		for _, d := range got {
			if len(d.Path) > maxPath+len("…") || !strings.HasSuffix(d.Path, "…") || !utf8.ValidString(d.Path) {
				t.Errorf("a path under a key of %d bytes is %d bytes, %q…; want it cut at %d", len(key), len(d.Path), d.Path[:20], maxPath)
			}
		}
	}
	deep := strings.Repeat("[", 1000) + "1" + strings.Repeat("]", 1000)
	va, _ := decodeJSON(deep)
	vb, _ := decodeJSON(strings.Replace(deep, "1", "2", 1))
	if got, _ := jsonDiff(va, vb, nil); len(got) != 1 || len(got[0].Path) > maxPath+len("…") {
		t.Errorf("jsonDiff of arrays 1000 deep = %+v; want one difference, its path cut", got)
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 300) // 600 bytes
	tests := []struct {
		json, want string
	}{
		{`{"b":[1,2.50,null],"a":"x"}`, `{"a":"x","b":[1,2.50,null]}`},
		{`"` + long + `"`, `"` + strings.Repeat("é", 99) + "…"},
		{`"tab\tquote\"esc\u001b"`, `"tab\tquote\"esc\u001b"`},
		{"[" + strings.Repeat(`"abcdefghij",`, 30) + `1]`, "[" + strings.Repeat(`"abcdefghij",`, 15) + `"abc…`},
	}
	for _, tt := range tests {
		v, err := decodeJSON(tt.json)
		if err != nil {
			t.Fatal(err)
		}
		if got := preview(v); got != tt.want {
			t.Errorf("preview(%.40s) = %s; want %s", tt.json, got, tt.want)
		}
	}
}

func TestNumberKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ a, b string }{
		{"1", "1.0"}, {"1", "10e-1"}, {"1", "0.1e1"}, {"100", "1e2"}, {"100", "1E+2"}, {"-0", "0"}, {"0.0", "0e10"},
		{"-1.50", "-15e-1"}, {"0.001", "1e-3"}, {"123456789012345678901234567890", "1.2345678901234567890123456789e29"},
	}
	for _, tt := range tests {
		if ka, kb := numberKey(tt.a), numberKey(tt.b); ka != kb {
			t.Errorf("numberKey(%s) = %s, numberKey(%s) = %s; want them equal", tt.a, ka, tt.b, kb)
		}
	}
	differ := []struct{ a, b string }{
		{"1", "-1"}, {"1", "1.000000000000000000001"}, {"9007199254740993", "9007199254740992"}, {"1e2", "1e3"}, {"10", "1"},
		{"1e99999999999999999999", "1e99999999999999999998"},
	}
	for _, tt := range differ {
		if ka, kb := numberKey(tt.a), numberKey(tt.b); ka == kb {
			t.Errorf("numberKey(%s) = numberKey(%s) = %s; want them different", tt.a, tt.b, ka)
		}
	}
}

func TestParsePath(t *testing.T) {
	t.Parallel()
	good := []struct {
		path string
		want []seg // one path it matches
	}{
		{"$", nil},
		{"$.id", []seg{{key: "id"}}},
		{"$.items[2].name", []seg{{key: "items"}, {index: 2, isIndex: true}, {key: "name"}}},
		{`$["content-type"]`, []seg{{key: "content-type"}}},
		{`$["a\"]b"].c`, []seg{{key: `a"]b`}, {key: "c"}}},
		{"$.items[*].id", []seg{{key: "items"}, {index: 9, isIndex: true}, {key: "id"}}},
		{"$[*]", []seg{{key: "any"}}},
		{"$.*.id", []seg{{index: 0, isIndex: true}, {key: "id"}}},
		{"$[0][1]", []seg{{index: 0, isIndex: true}, {index: 1, isIndex: true}}},
	}
	for _, tt := range good {
		p, err := ParsePath(tt.path)
		if err != nil {
			t.Errorf("ParsePath(%q) = %v; want it read", tt.path, err)
			continue
		}
		if !p.match(tt.want) {
			t.Errorf("ParsePath(%q) does not match %v", tt.path, tt.want)
		}
		if p.String() != tt.path {
			t.Errorf("ParsePath(%q).String() = %q", tt.path, p.String())
		}
		if len(tt.want) > 0 && p.match(tt.want[:len(tt.want)-1]) {
			t.Errorf("ParsePath(%q) matches its parent %v", tt.path, tt.want[:len(tt.want)-1])
		}
	}
	bad := []string{"", "id", ".id", "$.", "$..a", "$[", "$[x]", "$[-1]", "$[+1]", `$["a"`, `$["a"x]`, "$a", `$['a']`, "$[1"}
	for _, s := range bad {
		if _, err := ParsePath(s); err == nil || !strings.HasPrefix(err.Error(), "diff: ") {
			t.Errorf("ParsePath(%q) = %v; want a diff: error", s, err)
		}
	}
}

// TestPathRoundTrip: every path a diff reports can be given back to
// ignore it.
func TestPathRoundTrip(t *testing.T) {
	t.Parallel()
	paths := [][]seg{
		{{key: "a"}, {index: 3, isIndex: true}},
		{{key: "content-type"}, {key: ""}, {key: `q"uote\`}, {key: "a.b[0]"}, {key: "é"}, {key: "$ok_1"}},
		{{key: "1abc"}},
	}
	for _, path := range paths {
		s := pathString(path)
		p, err := ParsePath(s)
		if err != nil {
			t.Errorf("ParsePath(%s) = %v; want it read", s, err)
			continue
		}
		if !p.match(path) {
			t.Errorf("ParsePath(%s) does not match the path it came from, %v", s, path)
		}
	}
}
