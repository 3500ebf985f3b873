package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/servetest"
)

func TestParseItem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in              string
		key, sep, value string
		notItem         bool
		name            string // for t.Run when in is awkward
	}{
		{in: "X-A:1", key: "X-A", sep: ":", value: "1"},
		{in: "X-A: 1 ", key: "X-A", sep: ":", value: " 1 "},
		{in: "X-A:", key: "X-A", sep: ":"},
		{in: "X-E;", key: "X-E", sep: ";"},
		{in: "X-T:@token.txt", key: "X-T", sep: ":@", value: "token.txt"},
		{in: "q==a b", key: "q", sep: "==", value: "a b"},
		{in: "q==@q.txt", key: "q", sep: "==@", value: "q.txt"},
		{in: "name=Bob", key: "name", sep: "=", value: "Bob"},
		{in: "age:=30", key: "age", sep: ":=", value: "30"},
		{in: "text=@a.txt", key: "text", sep: "=@", value: "a.txt"},
		{in: "doc:=@a.json", key: "doc", sep: ":=@", value: "a.json"},
		{in: "photo@cat.jpg", key: "photo", sep: "@", value: "cat.jpg"},
		{in: "@body.json", key: "", sep: "@", value: "body.json"},
		{in: "=x", key: "", sep: "=", value: "x"},
		// The first separator wins, whatever follows: a value may hold others.
		{in: "url=http://example.com/?a=b", key: "url", sep: "=", value: "http://example.com/?a=b"},
		{in: "X-Time:12:30", key: "X-Time", sep: ":", value: "12:30"},
		{in: "a=b==c", key: "a", sep: "=", value: "b==c"},
		{in: "a==b=c", key: "a", sep: "==", value: "b=c"},
		{in: "mail@x=y", key: "mail", sep: "@", value: "x=y"},
		// A backslash makes a separator part of the key or value.
		{in: `a\=b==c`, key: "a=b", sep: "==", value: "c"},
		{in: `x\:y=z`, key: "x:y", sep: "=", value: "z"},
		{in: `a=b\=c`, key: "a", sep: "=", value: "b=c"},
		{in: `mail\@x=y`, key: "mail@x", sep: "=", value: "y"},
		{in: `semi\;colon:1`, key: "semi;colon", sep: ":", value: "1"},
		// Before any other character, it stays: \\ is two, for the
		// nested JSON path to read as one.
		{in: `a\b=1`, key: `a\b`, sep: "=", value: "1"},
		{in: `a\\=1`, key: `a\\`, sep: "=", value: "1"},
		{in: `a\[0]=1`, key: `a\[0]`, sep: "=", value: "1"},
		{in: "plain", notItem: true},
		{in: `a\=b`, notItem: true},
		{in: "", notItem: true, name: "empty"},
	}
	for _, tt := range tests {
		name := tt.name
		if name == "" {
			name = tt.in
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseItem(tt.in)
			if ok == tt.notItem || ok && (got.key != tt.key || got.sep != tt.sep || got.value != tt.value || got.arg != tt.in) {
				t.Errorf("parseItem(%q) = %q %q %q, %v; want %q %q %q, %v", tt.in, got.key, got.sep, got.value, ok, tt.key, tt.sep, tt.value, !tt.notItem)
			}
		})
	}
}

// TestNestedJSON: data items build one JSON body as HTTPie 3 does, paths
// nesting objects and arrays, written as Python's json.dumps writes it.
func TestNestedJSON(t *testing.T) {
	t.Parallel()
	type kv struct {
		key string
		raw string // a name:=json value; "" with str
		str string
	}
	s := func(key, v string) kv { return kv{key: key, str: v} }
	j := func(key, raw string) kv { return kv{key: key, raw: raw} }
	tests := []struct {
		name    string
		items   []kv
		want    string
		wantErr string
	}{
		{"one field", []kv{s("a", "b")}, `{"a": "b"}`, ""},
		{"in order, a key again in its place", []kv{s("a", "1"), s("b", "2"), s("a", "3")}, `{"a": "3", "b": "2"}`, ""},
		{"nested", []kv{s("a[b]", "1"), s("a[c][]", "2"), s("a[c][]", "3")}, `{"a": {"b": "1", "c": ["2", "3"]}}`, ""},
		{"top-level array", []kv{s("[]", "1"), s("[]", "2")}, `["1", "2"]`, ""},
		{"index fills with null", []kv{s("a[2]", "x")}, `{"a": [null, null, "x"]}`, ""},
		{"root number is a key", []kv{s("01", "x"), s("a[01]", "y")}, `{"1": "x", "a": [null, "y"]}`, ""},
		{"Python's ints", []kv{s("a[ 1 ]", "x"), s("b[+1]", "y"), s("c[1_0]", "z")},
			`{"a": [null, "x"], "b": [null, "y"], "c": [null, null, null, null, null, null, null, null, null, null, "z"]}`, ""},
		{"escaped number is text", []kv{s(`a[\1]`, "x")}, `{"a": {"1": "x"}}`, ""},
		{"escaped brackets", []kv{s(`a\[b\]`, "1")}, `{"a[b]": "1"}`, ""},
		{"escaped backslash", []kv{s(`a\\`, "1"), s(`c\d`, "2")}, `{"a\\": "1", "c\\d": "2"}`, ""},
		{"empty key", []kv{s("", "x")}, `{"": "x"}`, ""},
		{"raw JSON", []kv{j("n", "30"), j("t", "true"), j("z", "null"), j("l", "[1,  2]"), j("o", `{"x":[1,{}],"y":"\u00e9"}`)},
			`{"n": 30, "t": true, "z": null, "l": [1, 2], "o": {"x": [1, {}], "y": "\u00e9"}}`, ""},
		{"numbers as Python writes them", []kv{j("a", "1.0"), j("b", "1e2"), j("c", "1e16"), j("d", "0.00001"), j("e", "-0"), j("f", "12345678901234567890"), j("g", "-0.0"), j("h", "1.5E-7")},
			`{"a": 1.0, "b": 100.0, "c": 1e+16, "d": 1e-05, "e": 0, "f": 12345678901234567890, "g": -0.0, "h": 1.5e-07}`, ""},
		{"duplicate keys kept", []kv{j("a", `{"x":1,"x":2}`)}, `{"a": {"x": 1, "x": 2}}`, ""},
		{"into raw JSON", []kv{j("a", "[1,2]"), s("a[]", "3"), j("a[5]", "true")}, `{"a": [1, 2, "3", null, null, true]}`, ""},
		// HTTPie drops these writes; they are kept here.
		{"into a raw object", []kv{j("a", `{"x":1}`), s("a[y]", "2")}, `{"a": {"x": 1, "y": "2"}}`, ""},
		{"into a null", []kv{j("a", "null"), s("a[b]", "1")}, `{"a": {"b": "1"}}`, ""},
		{"escapes as Python's", []kv{s("name", "Zoë"), s("e", "👋"), s("c", "\"q\\\"\t\n\x01\x7f/<>&"), s("bad", "\xff")},
			`{"name": "Zo\u00eb", "e": "\ud83d\udc4b", "c": "\"q\\\"\t\n\u0001\u007f/<>&", "bad": "\udcff"}`, ""},

		{"string then object", []kv{s("a", "1"), s("a[b]", "2")}, "",
			"cannot perform 'key' based access on 'a' which has a type of 'string' but this operation requires a type of 'object'"},
		{"array then key", []kv{s("a[0]", "1"), s("a[x]", "2")}, "",
			"cannot perform 'key' based access on 'a' which has a type of 'array' but this operation requires a type of 'object'"},
		{"array root then key", []kv{s("[0]", "1"), s("a", "2")}, "",
			"cannot perform 'key' based access on '' which has a type of 'array' but this operation requires a type of 'object'"},
		{"object root then append", []kv{s("a", "1"), s("[]", "2")}, "",
			"cannot perform 'append' based access on '' which has a type of 'object' but this operation requires a type of 'array'"},
		{"negative index", []kv{s("a[-1]", "1")}, "", "negative indexes are not supported"},
		{"index over the limit", []kv{s("a[70000]", "1")}, "", "index 70000 is over roundtrip's limit of 65536"},
		{"unclosed", []kv{s("a[b", "1")}, "", "expecting ']'"},
		{"text after a step", []kv{s("a[]b", "1")}, "", "expecting '['"},
		{"half-escaped", []kv{s(`a\[b]`, "1")}, "", "expecting '['"},
		{"root bracket with text", []kv{s("[a]", "1")}, "", "expecting a number or ']'"},
		{"infinity", []kv{j("a", "1e400")}, "", "1e400 is beyond a 64-bit float's range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var root any
			var err error
			for _, it := range tt.items {
				var v any = it.str
				if it.raw != "" {
					if v, err = parseRawJSON(it.raw); err != nil {
						break
					}
				}
				if root, err = setPath(root, it.key, v); err != nil {
					break
				}
			}
			got, gotErr := "", ""
			if err != nil {
				gotErr = err.Error()
			} else {
				var b bytes.Buffer
				writePythonJSON(&b, root)
				got = b.String()
			}
			if got != tt.want || gotErr != tt.wantErr {
				t.Errorf("items %q = %s, %q; want %s, %q", tt.items, got, gotErr, tt.want, tt.wantErr)
			}
		})
	}
}

// wireRequest is a request as a raw socket received it.
type wireRequest struct {
	line   string
	header []string // "Name: value" lines, in order
	body   string
}

// get is the value of name's first header line, case aside, and whether
// there was one.
func (r wireRequest) get(name string) (string, bool) {
	for _, l := range r.header {
		if k, v, _ := strings.Cut(l, ": "); strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// captureServer answers every request with 200 "ok" on a raw socket and
// hands over each as received, head and Content-Length body.
func captureServer(t *testing.T) (base string, got <-chan wireRequest) {
	t.Helper()
	ch := make(chan wireRequest, 8)
	base = "http://" + servetest.Conns(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		head, err := readHead(br)
		if err != nil {
			return
		}
		lines := strings.Split(strings.TrimSuffix(head, "\r\n\r\n"), "\r\n")
		r := wireRequest{line: lines[0], header: lines[1:]}
		if cl, ok := r.get("Content-Length"); ok {
			n, _ := strconv.Atoi(cl)
			body := make([]byte, n)
			if _, err := io.ReadFull(br, body); err != nil {
				return
			}
			r.body = string(body)
		}
		ch <- r
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
	})
	return base, ch
}

// sendWire runs request -v URL args against a captureServer, URL its
// base and path, and returns what it received, after checking that -v's
// > lines are those bytes, in order: a line for a line, and the body as
// it was sent when it is text.
func sendWire(t *testing.T, path string, args ...string) (code int, stderr string, wire wireRequest) {
	t.Helper()
	return sendWireTo(t, func(base string) (string, []string) { return base + path, args })
}

// sendWireTo is sendWire with the URL and the arguments that build makes
// of the server's base URL.
func sendWireTo(t *testing.T, build func(base string) (url string, args []string)) (code int, stderr string, wire wireRequest) {
	t.Helper()
	base, got := captureServer(t)
	url, args := build(base)
	all := append([]string{"request", "-v", "--show-secrets", url}, args...)
	code, stdout, stderr := runMainEnv(t, nil, "", all...)
	if code != 0 {
		return code, stderr, wireRequest{}
	}
	wire = <-got
	head, _, _ := strings.Cut(stdout, "\n<")
	var shown []string
	body := ""
	inBody := false
	for line := range strings.SplitSeq(head, "\n") {
		switch {
		case line == ">":
			inBody = true
		case inBody:
			body += strings.TrimPrefix(line, "> ") + "\n"
		default:
			shown = append(shown, strings.TrimPrefix(line, "> "))
		}
	}
	if want := append([]string{wire.line}, wire.header...); !slices.Equal(shown, want) {
		t.Errorf("Main(%q): -v shows\n%s\nbut the server received\n%s", all, strings.Join(shown, "\n"), strings.Join(want, "\n"))
	}
	if text := strings.ReplaceAll(wire.body, "\r\n", "\n"); wire.body != "" && !strings.Contains(body, "bytes of binary data]") && strings.TrimSuffix(body, "\n") != strings.TrimSuffix(text, "\n") {
		t.Errorf("Main(%q): -v shows the body\n%q\nbut the server received\n%q", all, body, wire.body)
	}
	return code, stderr, wire
}

// itemFiles writes the files the item tests read, in a directory of
// their own, and returns its path.
func itemFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{
		"f.txt":     "hi\n",
		"j.json":    `{"k":1}` + "\n",
		"token.txt": "tok  \n\n",
		"bin.dat":   "\x89PNG\x00\xff",
		"body":      "raw body",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRequestItems: each kind of HTTPie request item and their mixes, as
// a raw socket receives them, -v showing the same bytes.
func TestRequestItems(t *testing.T) {
	t.Parallel()
	dir := itemFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	const json = "application/json"
	tests := []struct {
		name       string
		path       string
		args       []string
		wantLine   string
		wantHeader map[string]string // "" for absent
		wantBody   string
	}{
		{"header", "/x", []string{"X-A:1"}, "GET /x HTTP/1.1", map[string]string{"X-A": "1", "Accept": "*/*"}, ""},
		{"header trimmed", "/x", []string{"X-A:  1 "}, "GET /x HTTP/1.1", map[string]string{"X-A": "1"}, ""},
		{"header removed", "/x", []string{"User-Agent:", "Accept:"}, "GET /x HTTP/1.1", map[string]string{"User-Agent": "", "Accept": ""}, ""},
		{"header of spaces is empty", "/x", []string{"X-E:  "}, "GET /x HTTP/1.1", map[string]string{"X-E": "(empty)"}, ""},
		{"empty header", "/x", []string{"X-E;"}, "GET /x HTTP/1.1", map[string]string{"X-E": "(empty)"}, ""},
		{"header from a file", "/x", []string{"X-T:@" + f("token.txt")}, "GET /x HTTP/1.1", map[string]string{"X-T": "tok"}, ""},
		{"Host", "/x", []string{"Host:vhost.example"}, "GET /x HTTP/1.1", map[string]string{"Host": "vhost.example"}, ""},
		{"two of a header", "/x", []string{"X-A:1", "X-A:2"}, "GET /x HTTP/1.1", map[string]string{"X-A": "1"}, ""},
		{"-H and an item", "/x", []string{"-H", "X-A: 1", "X-A:", "X-B:2"}, "GET /x HTTP/1.1", map[string]string{"X-A": "", "X-B": "2"}, ""},
		{"query", "/x", []string{"q==a b&c"}, "GET /x?q=a+b%26c HTTP/1.1", nil, ""},
		{"query grouped by name", "/x?z=0", []string{"a==1", "b==2", "a==3"}, "GET /x?z=0&a=1&a=3&b=2 HTTP/1.1", nil, ""},
		{"query from a file", "/x", []string{"q==@" + f("token.txt")}, "GET /x?q=tok++ HTTP/1.1", nil, ""},
		{"escaped separator", "/x", []string{`a\=b==c`, `x\:y=z`}, "POST /x?a%3Db=c HTTP/1.1", nil, `{"x:y": "z"}`},
		{"field", "/x", []string{"name=Bob"}, "POST /x HTTP/1.1", map[string]string{"Content-Type": json, "Accept": jsonAccept}, `{"name": "Bob"}`},
		{"raw JSON", "/x", []string{"age:=30", "ok:=true", "list:=[1, 2]"}, "POST /x HTTP/1.1", map[string]string{"Content-Type": json}, `{"age": 30, "ok": true, "list": [1, 2]}`},
		{"nested", "/x", []string{"a[b]=1", "a[c][]=2", "a[c][]=3"}, "POST /x HTTP/1.1", nil, `{"a": {"b": "1", "c": ["2", "3"]}}`},
		{"top-level array", "/x", []string{"[]=1", "[]:=2"}, "POST /x HTTP/1.1", nil, `["1", 2]`},
		{"file's text and JSON", "/x", []string{"t=@" + f("f.txt"), "j:=@" + f("j.json")}, "POST /x HTTP/1.1", nil, `{"t": "hi\n", "j": {"k": 1}}`},
		{"file as the body", "/x", []string{"@" + f("f.txt")}, "POST /x HTTP/1.1", map[string]string{"Content-Type": "text/plain", "Accept": jsonAccept}, "hi\n"},
		{"file of no known type as the body", "/x", []string{"@" + f("body")}, "POST /x HTTP/1.1", map[string]string{"Content-Type": json}, "raw body"},
		{"all kinds", "/x", []string{"X-A:1", "q==1", "a=b", "c:=[1,2]", "X-E;"}, "POST /x?q=1 HTTP/1.1",
			map[string]string{"X-A": "1", "X-E": "(empty)", "Content-Type": json, "Accept": jsonAccept}, `{"a": "b", "c": [1, 2]}`},
		{"method given", "/x", []string{"-X", "PUT", "a=1"}, "PUT /x HTTP/1.1", nil, `{"a": "1"}`},
		{"GET with data", "/x", []string{"-X", "GET", "a=1"}, "GET /x HTTP/1.1", nil, `{"a": "1"}`},
		{"Content-Type and Accept given", "/x", []string{"Content-Type:text/plain", "Accept:text/html", "a=1"}, "POST /x HTTP/1.1",
			map[string]string{"Content-Type": "text/plain", "Accept": "text/html"}, `{"a": "1"}`},
		{"--json with items", "/x", []string{"--json", "a=1"}, "POST /x HTTP/1.1", map[string]string{"Content-Type": json, "Accept": json}, `{"a": "1"}`},
		{"form", "/x", []string{"--form", "a=1", "b=2", "a=3", "a b=c&d~*", "é=ü"}, "POST /x HTTP/1.1",
			map[string]string{"Content-Type": formContentType, "Accept": "*/*"}, "a=1&a=3&b=2&a+b=c%26d~%2A&%C3%A9=%C3%BC"},
		{"form of raw values", "/x", []string{"--form", "a:=1", "b:=true", "c:=1.5", `d:="s"`, "e:=1e2", "f:=false"}, "POST /x HTTP/1.1", nil, "a=1&b=True&c=1.5&d=s&e=100.0&f=False"},
		{"form keeps keys as typed", "/x", []string{"--form", "a[b]=1", `a\\b=2`, `c\=d=3`}, "POST /x HTTP/1.1", nil, "a%5Bb%5D=1&a%5C%5Cb=2&c%3Dd=3"},
		{"form without data", "/x", []string{"--form"}, "GET /x HTTP/1.1", map[string]string{"Content-Type": formContentType}, ""},
		{"form with -d", "/x", []string{"--form", "-d", "a=1&b=2"}, "POST /x HTTP/1.1", map[string]string{"Content-Type": formContentType}, "a=1&b=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stderr, wire := sendWire(t, tt.path, tt.args...)
			if code != 0 {
				t.Fatalf("request %q = %d, stderr %q; want 0", tt.args, code, stderr)
			}
			if wire.line != tt.wantLine || wire.body != tt.wantBody {
				t.Errorf("request %q sent %q with body %q; want %q, %q", tt.args, wire.line, wire.body, tt.wantLine, tt.wantBody)
			}
			for name, want := range tt.wantHeader {
				got, ok := wire.get(name)
				switch {
				case want == "" && ok:
					t.Errorf("request %q sent %s: %q; want none", tt.args, name, got)
				case want == "(empty)" && (!ok || got != ""):
					t.Errorf("request %q sent %s: %q (%v); want it empty", tt.args, name, got, ok)
				case want != "" && want != "(empty)" && got != want:
					t.Errorf("request %q sent %s: %q; want %q", tt.args, name, got, want)
				}
			}
			if cl, ok := wire.get("Content-Length"); ok && cl != strconv.Itoa(len(wire.body)) {
				t.Errorf("request %q sent Content-Length %s for %d bytes", tt.args, cl, len(wire.body))
			}
		})
	}
}

// TestRequestItemsMultipart: --multipart, and --form with a file, send
// multipart/form-data, each name's parts together.
func TestRequestItemsMultipart(t *testing.T) {
	t.Parallel()
	dir := itemFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name string
		args []string
		want string // the body, BOUNDARY for the boundary
	}{
		{"fields and a file", []string{"--multipart", "a=1", "f@" + f("f.txt"), "b=2", "a=3", "g=@" + f("f.txt")},
			"--BOUNDARY\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n3\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\n\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"g\"\r\n\r\nhi\n\r\n" +
				"--BOUNDARY--\r\n"},
		{"form with a file", []string{"--form", "f@" + f("j.json"), "x=y"},
			"--BOUNDARY\r\nContent-Disposition: form-data; name=\"f\"; filename=\"j.json\"\r\nContent-Type: application/json\r\n\r\n{\"k\":1}\n\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny\r\n--BOUNDARY--\r\n"},
		{"type given, binary file", []string{"--form", "f@" + f("bin.dat") + ";type=image/png"},
			"--BOUNDARY\r\nContent-Disposition: form-data; name=\"f\"; filename=\"bin.dat\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\xff\r\n--BOUNDARY--\r\n"},
		{"names escaped", []string{"--multipart", `a"b=1`, `c\d=2`},
			"--BOUNDARY\r\nContent-Disposition: form-data; name=\"a%22b\"\r\n\r\n1\r\n" +
				"--BOUNDARY\r\nContent-Disposition: form-data; name=\"c\\\\d\"\r\n\r\n2\r\n--BOUNDARY--\r\n"},
		{"no fields", []string{"--multipart"}, "--BOUNDARY--\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stderr, wire := sendWire(t, "/x", tt.args...)
			if code != 0 {
				t.Fatalf("request %q = %d, stderr %q; want 0", tt.args, code, stderr)
			}
			ct, _ := wire.get("Content-Type")
			boundary, ok := strings.CutPrefix(ct, "multipart/form-data; boundary=")
			if !ok || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(boundary) {
				t.Fatalf("request %q sent Content-Type %q; want multipart/form-data with a boundary of 32 hex digits", tt.args, ct)
			}
			if got := strings.ReplaceAll(wire.body, boundary, "BOUNDARY"); got != tt.want {
				t.Errorf("request %q sent\n%q\nwant\n%q", tt.args, got, tt.want)
			}
		})
	}
}

// TestRequestItemErrors: items that cannot be sent are one line on
// stderr, exit 2, and nothing is sent.
func TestRequestItemErrors(t *testing.T) {
	t.Parallel()
	dir := itemFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"f@" + f("f.txt")}, `item "f@` + f("f.txt") + `" uploads a file, which needs --form or --multipart (@FILE alone sends a file as the body)`},
		{[]string{"a;b"}, `item "a;b" is neither a header nor an empty one (Name; sends Name empty)`},
		{[]string{"Bad Name:x"}, `item "Bad Name:x": header name "Bad Name" cannot be sent: it is not a token`},
		{[]string{"Host:"}, `item "Host:" cannot remove Host: HTTP/1.1 requires one`},
		{[]string{"a:=nope"}, `item "a:=nope" is not valid JSON: invalid character 'o' in literal null (expecting 'u') at line 1, column 2`},
		{[]string{"a=1", "a[b]=2"}, `item "a[b]=2": cannot perform 'key' based access on 'a' which has a type of 'string' but this operation requires a type of 'object', at byte 2 of its key`},
		{[]string{"a[-1]=x"}, `item "a[-1]=x": negative indexes are not supported, at byte 3 of its key`},
		{[]string{"@" + f("f.txt"), "@" + f("j.json")}, `items "@` + f("f.txt") + `" and "@` + f("j.json") + `": one file can be the body, not two`},
		{[]string{"@" + f("f.txt"), "a=1"}, `item "@` + f("f.txt") + `" sends a file as the body, which cannot be mixed with data items such as name=value`},
		{[]string{"--multipart", "a:=1"}, `item "a:=1": raw JSON has no place in a multipart body; send name=value`},
		{[]string{"--form", "a:=[1]"}, `item "a:=[1]": a form field cannot hold a JSON array, only a string, a number, true or false`},
		{[]string{"a=@" + missing}, `item "a=@` + missing + `": cannot read ` + missing + `: no such file or directory`},
		{[]string{"a=@" + f("bin.dat")}, `item "a=@` + f("bin.dat") + `": ` + f("bin.dat") + ` is not UTF-8 text, which it embeds`},
		{[]string{"-d", "x", "a=1"}, "-d and request data items (such as name=value) cannot be mixed: each makes the body"},
		{[]string{"-F", "a=b", "c=d"}, "-F and request data items (such as name=value) cannot be mixed: each makes the body"},
		{[]string{"--json", "--form", "a=1"}, "--json sends JSON; -F, --form and --multipart send forms"},
		{[]string{"--multipart", "-d", "x"}, "--multipart makes the body from request items; -d gives one as it is"},
	}
	base, got := captureServer(t)
	for _, tt := range tests {
		args := append([]string{"request", base + "/x"}, tt.args...)
		code, stdout, stderr := runMainEnv(t, nil, "", args...)
		if want := "roundtrip: request: " + tt.want + "\n"; code != 2 || stdout != "" || stderr != want {
			t.Errorf("Main(%q) = %d, %q, stderr %q; want 2, none, %q", args, code, stdout, stderr, want)
		}
	}
	select {
	case r := <-got:
		t.Errorf("a refused item sent %q", r.line)
	default:
	}
}

// TestRequestItemsHTTPie: the request HTTPie would send for the same
// items (http --offline prints it) is the one roundtrip sends, on the
// raw socket: the request line, the header fields as a set (the order is
// each client's own), and the body byte for byte. User-Agent differs,
// and HTTPie's requests adds Accept-Encoding and Connection: keep-alive,
// which roundtrip does not send.
func TestRequestItemsHTTPie(t *testing.T) {
	t.Parallel()
	httpie := servetest.Tool(t, "http", "apt-get install httpie")
	dir := itemFiles(t)
	f := func(name string) string { return filepath.Join(dir, name) }
	tests := [][]string{
		{"X-A:1"},
		{"X-A:  1 ", "X-B:  "},
		{"User-Agent:", "Accept:"},
		{"X-E;"},
		{"X-T:@" + f("token.txt")},
		{"Host:vhost.example"},
		{"X-A:1", "X-A:2"},
		{"q==a b&c"},
		{"a==1", "b==2", "a==3"},
		{"q==@" + f("token.txt")},
		{`a\=b==c`, `x\:y=z`},
		{"name=Bob"},
		{"name=Zoë", "e=👋", `c="q\"`, "t=a\tb"},
		{"age:=30", "ok:=true", "nil:=null", "list:=[1,  2]", `o:={"x":[1,{}],"y":"\u00e9"}`},
		{"a:=1.0", "b:=1e2", "c:=1e16", "d:=0.00001", "e:=-0", "f:=12345678901234567890"},
		{"a[b]=1", "a[c][]=2", "a[c][]=3"},
		{"[]=1", "[]:=2"},
		{"a[2]=x", "01=y", `b[\1]=z`, `c\\=w`},
		{"a=1", "b=2", "a=3"},
		{"t=@" + f("f.txt"), "j:=@" + f("j.json")},
		{"@" + f("f.txt")},
		{"@" + f("j.json")},
		{"X-A:1", "q==1", "a=b", "c:=[1,2]", "X-E;"},
		{"PUT", "a=1"},
		{"Content-Type:text/plain", "Accept:text/html", "a=1"},
		{"--form", "a=1", "b=2", "a=3", "a b=c&d~*", "é=ü"},
		{"--form", "a:=1", "b:=true", "c:=1.5", `d:="s"`, "e:=1e2"},
		{"--form", "a[b]=1", `a\\b=2`, `c\=d=3`},
		{"--form", "f@" + f("f.txt"), "x=y"},
		{"--form", "f@" + f("bin.dat") + ";type=image/png"},
		{"--multipart", "a=1", "f@" + f("f.txt"), "b=2", "a=3", "g=@" + f("f.txt")},
		{"--multipart", `a"b=1`, `c\d=2`},
		{"--form"},
		{"--multipart"},
	}
	for _, items := range tests {
		t.Run(strings.Join(items, " "), func(t *testing.T) {
			t.Parallel()
			// roundtrip first: its boundary, random, is then HTTPie's.
			base, got := captureServer(t)
			var method []string
			rest := items
			if items[0] == "PUT" {
				method, rest = items[:1], items[1:]
			}
			args := append(append(append([]string{"request"}, method...), base+"/x"), rest...)
			code, _, stderr := runMainEnv(t, nil, "", args...)
			if code != 0 {
				t.Fatalf("Main(%q) = %d, stderr %q; want 0", args, code, stderr)
			}
			sent := <-got
			hargs := []string{"--ignore-stdin", "--offline", "--print=HB"}
			if ct, _ := sent.get("Content-Type"); strings.Contains(ct, "boundary=") {
				_, b, _ := strings.Cut(ct, "boundary=")
				hargs = append(hargs, "--boundary="+b)
			}
			var flags, positional []string
			for _, a := range rest {
				if strings.HasPrefix(a, "--") {
					flags = append(flags, a)
				} else {
					positional = append(positional, a)
				}
			}
			hargs = append(append(append(append(hargs, flags...), method...), base+"/x"), positional...)
			cmd := exec.Command(httpie, hargs...)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no config of the user's
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			if err := cmd.Run(); err != nil {
				t.Fatalf("http %q: %v: %s", hargs, err, errOut.String())
			}
			head, body, _ := strings.Cut(out.String(), "\r\n\r\n")
			lines := strings.Split(head, "\r\n")
			want := wireRequest{line: lines[0], body: body}
			for _, l := range lines[1:] {
				name, _, _ := strings.Cut(l, ":")
				switch strings.ToLower(name) {
				case "user-agent", "accept-encoding", "connection":
					continue
				}
				want.header = append(want.header, l)
			}
			var gotHeader []string
			for _, l := range sent.header {
				// roundtrip's traceparent, HTTPie has none.
				if name, _, _ := strings.Cut(l, ":"); !strings.EqualFold(name, "User-Agent") && !strings.EqualFold(name, "Traceparent") {
					gotHeader = append(gotHeader, l)
				}
			}
			if sent.line != want.line {
				t.Errorf("request line: roundtrip %q, HTTPie %q", sent.line, want.line)
			}
			if g, w := fieldSet(gotHeader), fieldSet(want.header); !slices.Equal(g, w) {
				t.Errorf("header fields:\nroundtrip %q\nHTTPie    %q", g, w)
			}
			if sent.body != want.body {
				t.Errorf("body:\nroundtrip %q\nHTTPie    %q", sent.body, want.body)
			}
		})
	}
}

// fieldSet is header lines sorted, their names lowercase: HTTPie keeps a
// name as typed, Go canonicalizes it.
func fieldSet(lines []string) []string {
	set := make([]string, len(lines))
	for i, l := range lines {
		name, value, _ := strings.Cut(l, ":")
		set[i] = fmt.Sprintf("%s:%s", strings.ToLower(name), value)
	}
	slices.Sort(set)
	return set
}
