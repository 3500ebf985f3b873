package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCurlFormPart: -F as curl reads it: literal values, @ files, < file
// contents, quoting and ;type= and ;filename=.
func TestCurlFormPart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, data := range map[string]string{"a.txt": "A\n", "b.bin": "\x00\x01", "c,d.txt": "CD", "noext": "N"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		arg     string
		literal bool
		stdin   string
		want    formPart
	}{
		{arg: "a=b", want: formPart{name: "a", data: []byte("b")}},
		{arg: "a=", want: formPart{name: "a", data: []byte("")}},
		{arg: "a=  b c  ", want: formPart{name: "a", data: []byte("b c")}},
		{arg: "a=b;type=text/x-own", want: formPart{name: "a", data: []byte("b"), contentType: "text/x-own"}},
		{arg: `a="b;c"`, want: formPart{name: "a", data: []byte("b;c")}},
		{arg: `a="say \"hi\" \\o/";type=text/plain`, want: formPart{name: "a", data: []byte(`say "hi" \o/`), contentType: "text/plain"}},
		{arg: `a="unclosed`, want: formPart{name: "a", data: []byte(`"unclosed`)}},
		{arg: "a=text;filename=x.txt", want: formPart{name: "a", data: []byte("text"), filename: "x.txt", hasFilename: true}},
		{arg: "f=@" + f("a.txt"), want: formPart{name: "f", data: []byte("A\n"), filename: "a.txt", hasFilename: true, contentType: "text/plain"}},
		{arg: "f=@" + f("b.bin"), want: formPart{name: "f", data: []byte("\x00\x01"), filename: "b.bin", hasFilename: true, contentType: "application/octet-stream"}},
		{arg: "f=@" + f("noext"), want: formPart{name: "f", data: []byte("N"), filename: "noext", hasFilename: true, contentType: "application/octet-stream"}},
		{arg: "f=@" + f("a.txt") + ";type=text/markdown;filename=notes.md", want: formPart{name: "f", data: []byte("A\n"), filename: "notes.md", hasFilename: true, contentType: "text/markdown"}},
		{arg: "f=@" + f("a.txt") + `;filename="a;b.txt"`, want: formPart{name: "f", data: []byte("A\n"), filename: "a;b.txt", hasFilename: true, contentType: "text/plain"}},
		{arg: `f=@"` + f("c,d.txt") + `"`, want: formPart{name: "f", data: []byte("CD"), filename: "c,d.txt", hasFilename: true, contentType: "text/plain"}},
		{arg: "f=@-", stdin: "from stdin", want: formPart{name: "f", data: []byte("from stdin"), filename: "-", hasFilename: true, contentType: "application/octet-stream"}},
		{arg: "t=<" + f("a.txt"), want: formPart{name: "t", data: []byte("A\n")}},
		{arg: "t=<" + f("a.txt") + ";type=text/plain", want: formPart{name: "t", data: []byte("A\n"), contentType: "text/plain"}},
		{arg: "s=@not;a file", literal: true, want: formPart{name: "s", data: []byte("@not;a file")}},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			t.Parallel()
			e := &env{stdin: strings.NewReader(tt.stdin), getenv: func(string) string { return "" }}
			got, err := curlFormPart(e, formArg{tt.arg, tt.literal})
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("curlFormPart(%q) = %+v, %v; want %+v", tt.arg, got, err, tt.want)
			}
		})
	}

	errs := []struct{ arg, want string }{
		{"a=b;c", `request: -F "a=b;c": ;c is not ;type= or ;filename= (quote a value with a ; in it: name="a;b")`},
		{"a=b;headers=X-A: 1", `request: -F "a=b;headers=X-A: 1": ;headers=X-A: 1 is not ;type= or ;filename= (quote a value with a ; in it: name="a;b")`},
		{`a="b" c`, `request: -F "a=\"b\" c": " c" follows a quoted value`},
		{"f=@" + f("a.txt") + "," + f("b.bin"), `request: -F "f=@` + f("a.txt") + "," + f("b.bin") + `": several files in one field are not supported: give each its own -F, or quote a file name with a comma in it`},
		{"f=@" + f("missing"), `request: -F "f=@` + f("missing") + `": cannot read ` + f("missing") + `: no such file or directory`},
	}
	for _, tt := range errs {
		e := &env{stdin: strings.NewReader(""), getenv: func(string) string { return "" }}
		_, err := curlFormPart(e, formArg{arg: tt.arg})
		if err == nil || err.Error() != tt.want {
			t.Errorf("curlFormPart(%q) = %v; want %s", tt.arg, err, tt.want)
		}
	}
}

func TestMultipartBody(t *testing.T) {
	t.Parallel()
	body, boundary, err := multipartBody([]formPart{
		{name: "a", data: []byte("1")},
		{name: `q"x\y` + "\r\n", data: []byte("2"), contentType: "text/plain"},
		{name: "f", data: []byte("\x00"), filename: "a.bin", hasFilename: true, contentType: "application/octet-stream"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"q%22x\\\\y%0D%0A\"\r\nContent-Type: text/plain\r\n\r\n2\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\r\n" +
		"--B--\r\n"
	if got := strings.ReplaceAll(string(body), boundary, "B"); got != want || len(boundary) != 32 {
		t.Errorf("multipartBody = %q, boundary %q; want %q and 32 hex digits", got, boundary, want)
	}
	if _, b2, _ := multipartBody(nil); b2 == boundary {
		t.Errorf("two bodies had the boundary %q; want a random one each", boundary)
	}
}
