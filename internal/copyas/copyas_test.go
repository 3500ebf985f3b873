package copyas

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/observe"
)

func exchange(method, target, host, proto, tls string, h http.Header) *observe.Exchange {
	if h == nil {
		h = http.Header{}
	}
	return &observe.Exchange{
		Summary: observe.Summary{Method: method, URL: target, Host: host, Proto: proto, TLS: tls},
		Request: observe.Message{Headers: h},
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	ex := exchange("GET", "/", "localhost:3000", "HTTP/1.1", "", nil)
	if _, err := Render("wget", ex, ""); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "curl, httpie, fetch, go, http") {
		t.Errorf(`Render("wget") error = %v; want ErrFormat listing the formats`, err)
	}
	for _, base := range []string{"localhost:3000", "ftp://h", "http://", "http://h/path", "http://h?q", "http://u:p@h"} {
		if _, err := Render("curl", ex, base); err == nil {
			t.Errorf("Render(curl, base %q) = nil error; want one", base)
		}
	}
	bad := exchange("POST", "/", "h", "HTTP/1.1", "", nil)
	bad.Request.BodyBase64 = "!!"
	if _, err := Render("curl", bad, ""); err == nil {
		t.Error("Render of a body_base64 that is not base64 = nil error; want one")
	}
}

// TestRenderDetails pins what each format makes of one feature of a
// request: the lines it must have and those it must not.
func TestRenderDetails(t *testing.T) {
	t.Parallel()
	cut := exchange("POST", "/echo", "h", "HTTP/1.1", "", http.Header{"Content-Type": {"text/plain"}})
	cut.Request.SetBody("0123456789", 1000, true)
	evil := exchange("GET", "/x?%0Aevil%E2%80%A8token=[redacted]", "h", "HTTP/1.1", "", nil)
	tests := []struct {
		name, format string
		ex           *observe.Exchange
		base         string
		want, not    []string
	}{
		{"https HTTP/1.1", "curl", exchange("GET", "/", "h:8443", "HTTP/1.1", "TLS 1.3", nil), "",
			[]string{"curl --http1.1 -g 'https://h:8443/'"}, []string{"-X", "Host"}},
		{"https HTTP/2", "curl", exchange("GET", "/", "h", "HTTP/2.0", "TLS 1.3", nil), "",
			[]string{"curl --http2 -g 'https://h/'"}, nil},
		{"h2c", "curl", exchange("GET", "/", "h", "HTTP/2.0", "", nil), "",
			[]string{"--http2-prior-knowledge"}, nil},
		{"HTTP/1.0 without Host", "curl", exchange("GET", "/", "", "HTTP/1.0", "", nil), "http://127.0.0.1:3000",
			[]string{"--http1.0", "'http://127.0.0.1:3000/'", "-H 'Host:'"}, nil},
		{"no Host, no base", "curl", exchange("GET", "/", "", "HTTP/1.0", "", nil), "",
			[]string{"'http://localhost/'", "-H 'Host:'"}, nil},
		{"head", "curl", exchange("HEAD", "/", "h", "HTTP/1.1", "", nil), "",
			[]string{"--head"}, []string{"-X"}},
		{"asterisk", "curl", exchange("OPTIONS", "*", "h", "HTTP/1.1", "", nil), "",
			[]string{"-X OPTIONS --request-target '*' 'http://h/'"}, nil},
		{"odd method", "curl", exchange("M-SEARCH", "/", "h", "HTTP/1.1", "", nil), "",
			[]string{"-X M-SEARCH"}, nil},
		{"method to quote", "curl", exchange("G'T", "/", "h", "HTTP/1.1", "", nil), "",
			[]string{`-X 'G'\''T'`}, nil},
		{"truncated", "curl", cut, "", []string{"# The body was cut at 10 of 1000 bytes in the capture", "--data-raw '0123456789'"}, nil},
		{"truncated", "httpie", cut, "", []string{"# The body was cut at 10 of 1000 bytes"}, nil},
		{"truncated", "fetch", cut, "", []string{"// The body was cut at 10 of 1000 bytes"}, nil},
		{"truncated", "go", cut, "", []string{"// The body was cut at 10 of 1000 bytes"}, nil},
		{"truncated", "http", cut, "", []string{"# The body was cut at 10 of 1000 bytes", "Content-Length: 10\r\n", "# Delete these lines"}, nil},
		{"a secret's name quoted in notes", "curl", evil, "",
			[]string{`the query parameter "\nevil\u2028token"`, `${EVIL_TOKEN:?`}, []string{"\nevil", "\u2028"}},
		{"a secret's name quoted in notes", "fetch", evil, "",
			[]string{`"\nevil\u2028token"`, "const EVIL_TOKEN = \"\";"}, []string{"\nevil", "\u2028"}},
		{"a secret's name quoted in notes", "go", evil, "", []string{`env("EVIL_TOKEN")`}, []string{"\nevil", "\u2028"}},
		{"secrets named apart", "curl", exchange("GET", "/?token=[redacted]&Token=[redacted]", "h", "HTTP/1.1", "", http.Header{"Token": {observe.Redacted}}), "",
			[]string{"${TOKEN:?", "${TOKEN_2:?", "${TOKEN_3:?"}, nil},
		{"a literal [redacted] in a path", "curl", exchange("GET", "/[redacted]/x?a=[redacted]x", "h", "HTTP/1.1", "", nil), "",
			[]string{"'http://h/[redacted]/x?a=[redacted]x'"}, []string{"${"}},
		{"a URL's password", "curl", exchange("GET", "http://u:[redacted]@h/x", "h", "HTTP/1.1", "", nil), "",
			[]string{`--request-target 'http://u:'"${PASSWORD:?`}, nil},
		{"a URL's password", "go", exchange("GET", "http://u:[redacted]@h/x", "h", "HTTP/1.1", "", nil), "",
			[]string{`req.URL.Opaque = "http://u:" + env("PASSWORD") + "@h/x"`}, nil},
		{"cookie left out of fetch, and its secret", "fetch", exchange("GET", "/", "h", "HTTP/1.1", "", http.Header{"Cookie": {observe.Redacted}}), "",
			[]string{`//   "Cookie": "[redacted]"`}, []string{"const COOKIE"}},
		{"host differs", "go", exchange("GET", "/", "example.test", "HTTP/1.1", "", nil), "http://127.0.0.1:1",
			[]string{`req.Host = "example.test"`, `"http://127.0.0.1:1/"`}, nil},
		{"host differs", "httpie", exchange("GET", "/", "example.test", "HTTP/1.1", "", nil), "http://127.0.0.1:1",
			[]string{`'Host:example.test'`}, nil},
		{"host differs", "fetch", exchange("GET", "/", "example.test", "HTTP/1.1", "", nil), "http://127.0.0.1:1",
			[]string{`//   "Host": "example.test"`}, nil},
		{"https HTTP/1.1", "go", exchange("GET", "/", "h", "HTTP/1.1", "TLS 1.3", nil), "",
			[]string{"tr.Protocols.SetHTTP1(true)"}, nil},
		{"h2c", "go", exchange("GET", "/", "h", "HTTP/2.0", "", nil), "",
			[]string{"tr.Protocols.SetUnencryptedHTTP2(true)"}, nil},
		{"a plain target", "go", exchange("GET", "/a?b=1", "h", "HTTP/1.1", "", nil), "",
			[]string{`http.NewRequest("GET", "http://h/a?b=1", nil)`}, []string{"Opaque", "env("}},
		{"a backslash before a separator", "httpie", exchange("GET", "/", "h", "HTTP/1.1", "", http.Header{"X-B": {`a\:b`}}), "",
			[]string{"cannot send X-B's exactly"}, nil},
		{"odd method", "httpie", exchange("m-search", "/", "h", "HTTP/1.1", "", nil), "",
			[]string{"cannot send m-search", "http --ignore-stdin m-search 'http://h/'"}, nil},
		{"HTTP/2", "httpie", exchange("GET", "/", "h", "HTTP/2.0", "TLS 1.3", nil), "",
			[]string{"HTTPie speaks HTTP/1.1 only; the capture was HTTP/2.0."}, nil},
		{"a kept URL", "httpie", exchange("GET", "/a/b%2F?c=%20&d=e,f;g", "h", "HTTP/1.1", "", nil), "",
			nil, []string{"rewrites"}},
		{"an unreserved escape", "httpie", exchange("GET", "/%41", "h", "HTTP/1.1", "", nil), "",
			[]string{"rewrites this URL"}, nil},
		{"a dot segment", "fetch", exchange("GET", "/a/../b", "h", "HTTP/1.1", "", nil), "",
			[]string{"URL Standard"}, nil},
		{"forbidden method", "fetch", exchange("TRACE", "/", "h", "HTTP/1.1", "", nil), "",
			[]string{"fetch refuses the method TRACE"}, nil},
		{"bidi in a header", "fetch", exchange("GET", "/", "h", "HTTP/1.1", "", http.Header{"X-A": {"a\u202eb"}}), "",
			[]string{`"a\xE2\x80\xAEb"`}, []string{"\u202e"}},
		{"bidi in a body", "curl", func() *observe.Exchange {
			ex := exchange("POST", "/", "h", "HTTP/1.1", "", http.Header{"Content-Type": {"text/plain"}})
			ex.Request.SetBody("a\u202eb", 5, false)
			return ex
		}(), "", []string{`printf 'a\342\200\256b' | curl`, "--data-binary @-"}, []string{"\u202e"}},
		{"empty value and hop-by-hop", "http", exchange("GET", "/", "h", "HTTP/1.1", "", http.Header{"X-E": {""}, "Connection": {"close"}}), "",
			[]string{"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\nX-E:\r\n\r\n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.format+"/"+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Render(tt.format, tt.ex, tt.base)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%s) lacks %q:\n%s", tt.format, w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("Render(%s) has %q:\n%s", tt.format, n, got)
				}
			}
		})
	}
}

func TestPrintfFormat(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"100% \\ done", `100%% \\ done`},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"\x00" + "12", `\00012`},
		{"\xff\x7f", `\377\177`},
		{"it's", "it's"}, // the quote is the shell's to escape
	}
	for _, tt := range tests {
		if got := printfFormat([]byte(tt.in)); got != tt.want {
			t.Errorf("printfFormat(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestJSString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		bytes bool
		want  string
	}{
		{`say "hi" \ there`, false, `"say \"hi\" \\ there"`},
		{"line\nbreak\u2028sep\u2029", false, `"line\nbreak\u2028sep\u2029"`},
		{"café", false, `"café"`},
		{"café", true, `"caf\xC3\xA9"`},
		{"bad \xff", false, `"bad \xFF"`},
		{"\x00\x1f\x7f", false, `"\u0000\u001F\u007F"`},
	}
	for _, tt := range tests {
		if got := jsString(tt.in, tt.bytes); got != tt.want {
			t.Errorf("jsString(%q, %v) = %s; want %s", tt.in, tt.bytes, got, tt.want)
		}
	}
}
