package copyas

import (
	"fmt"
	"go/format"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// goProgram renders r as a Go program, package main, that sends it with
// net/http and prints the response's status.
func goProgram(r *request) (string, error) {
	var notes []string
	if r.proto == "HTTP/1.0" {
		notes = append(notes, "net/http sends HTTP/1.1; the capture was HTTP/1.0.")
	}
	if r.hostHeader == "" {
		notes = append(notes, "net/http sends a Host header, which the capture has not.")
	}
	fields := r.sent()
	imports := []string{"fmt", "net/http", "os"}
	goStr := func(s string) string { return strconv.Quote(s) }
	expr := func(parts []part) string {
		return strings.TrimSuffix(joinParts(parts, func(s string) string {
			if s == "" {
				return ""
			}
			return goStr(s) + " + "
		}, func(name string) string { return "env(" + goStr(name) + ") + " }), " + ")
	}

	var m strings.Builder
	m.WriteString("func main() {\n")
	body := "nil"
	switch {
	case r.sendBody && len(r.body) > 0:
		imports = append(imports, "strings")
		m.WriteString("body := strings.NewReader(" + goStr(string(r.body)) + ")\n")
		body = "body"
	case r.sendBody:
		body = "http.NoBody" // still a Content-Length: 0
	}
	// net/http would rewrite a target that does not survive url.Parse and
	// RequestURI unchanged; the URL's Opaque goes on the request line as it is.
	target := r.urlParts()
	opaque := ""
	if u, err := url.Parse(strings.Join(texts(target), "")); !r.origin || len(r.parts) > 1 || err != nil || u.RequestURI() != r.target {
		opaque = expr(r.parts)
		target = []part{{text: r.scheme + "://" + r.host + "/"}}
	}
	m.WriteString("req, err := http.NewRequest(" + goStr(r.method) + ", " + expr(target) + ", " + body + ")\n")
	m.WriteString("if err != nil {\nfmt.Fprintln(os.Stderr, err)\nos.Exit(1)\n}\n")
	if opaque != "" {
		m.WriteString("req.URL.Opaque = " + opaque + " // the request-target exactly as captured\n")
	}
	if r.hostDiffers() && r.hostHeader != "" {
		m.WriteString("req.Host = " + goStr(r.hostHeader) + "\n")
	}
	m.WriteString("req.Header = http.Header{\n")
	var names []string
	values := map[string][]string{}
	for _, f := range fields {
		if _, ok := values[f.name]; !ok {
			names = append(names, f.name)
		}
		v := goStr(f.value)
		if f.secret != "" {
			v = "env(" + goStr(f.secret) + ")"
		}
		values[f.name] = append(values[f.name], v)
	}
	if !r.has("User-Agent") {
		names = append(names, "User-Agent")
		values["User-Agent"] = []string{`""`}
	}
	slices.SortStableFunc(names, func(a, b string) int {
		return strings.Compare(http.CanonicalHeaderKey(a), http.CanonicalHeaderKey(b))
	})
	for _, n := range names {
		m.WriteString(goStr(n) + ": {" + strings.Join(values[n], ", ") + "},")
		if n == "User-Agent" && !r.has(n) {
			m.WriteString(" // empty: no User-Agent, as in the capture, rather than Go's")
		}
		m.WriteString("\n")
	}
	m.WriteString("}\n")
	m.WriteString("tr := &http.Transport{DisableCompression: true} // Accept-Encoding only as captured\n")
	switch {
	case r.scheme == "https" && r.proto != "HTTP/2.0":
		m.WriteString("tr.Protocols = new(http.Protocols)\ntr.Protocols.SetHTTP1(true) // as captured, rather than HTTP/2\n")
	case r.scheme == "http" && r.proto == "HTTP/2.0":
		m.WriteString("tr.Protocols = new(http.Protocols)\ntr.Protocols.SetUnencryptedHTTP2(true) // h2c, as captured\n")
	}
	m.WriteString(`client := &http.Client{
Transport: tr,
CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, // one request, as captured
}
res, err := client.Do(req)
if err != nil {
fmt.Fprintln(os.Stderr, err)
os.Exit(1)
}
defer res.Body.Close()
fmt.Println(res.Proto, res.Status)
}
`)
	secrets := r.used(fields, target, r.parts)
	if opaque == "" {
		secrets = r.used(fields, target)
	}
	if len(secrets) > 0 {
		m.WriteString(`
// env is the environment variable name, which must be set.
func env(name string) string {
v := os.Getenv(name)
if v == "" {
fmt.Fprintln(os.Stderr, "set "+name+": the capture redacted its value")
os.Exit(2)
}
return v
}
`)
	}

	var b strings.Builder
	b.WriteString("// Command replay sends a captured request again and prints the response's status.\n")
	all := append(r.notes(func(s secret) string { return "set the environment variable " + s.name + " to it" }, secrets), notes...)
	if len(all) > 0 {
		b.WriteString("//\n")
	}
	for _, n := range all {
		b.WriteString("// " + n + "\n")
	}
	b.WriteString("package main\n\nimport (\n")
	slices.Sort(imports)
	for _, imp := range imports {
		b.WriteString(strconv.Quote(imp) + "\n")
	}
	b.WriteString(")\n\n")
	b.WriteString(m.String())
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		return "", fmt.Errorf("copyas: the Go program does not parse: %w", err)
	}
	return string(src), nil
}

func texts(parts []part) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p.text
	}
	return out
}

// raw renders r as the bytes of an HTTP/1.1 request, for nc: the
// request-line, Host, every header as captured (Content-Length as long as
// the body sent) and the body. Notes, when there are any, come first as #
// lines, to be deleted once dealt with.
func raw(r *request) (string, error) {
	var b strings.Builder
	notes := r.notes(func(s secret) string { return "put its value in place of the placeholder" }, r.used(r.headers, r.parts))
	for _, n := range notes {
		b.WriteString("# " + n + "\n")
	}
	if len(notes) > 0 {
		b.WriteString("# Delete these lines before sending.\n\n")
	}
	proto := "HTTP/1.1"
	if r.proto == "HTTP/1.0" {
		proto = r.proto
	}
	b.WriteString(r.method + " " + r.target + " " + proto + "\r\n")
	if r.hostHeader != "" {
		b.WriteString("Host: " + r.hostHeader + "\r\n")
	}
	length := false
	put := func() {
		if r.sendBody && !length {
			b.WriteString("Content-Length: " + strconv.Itoa(len(r.body)) + "\r\n")
			length = true
		}
	}
	for _, f := range r.headers {
		c := http.CanonicalHeaderKey(f.name)
		if c == "Content-Length" {
			put()
			continue
		}
		if c > "Content-Length" {
			put() // where a captured one would be, in order
		}
		if f.value == "" {
			b.WriteString(f.name + ":\r\n")
			continue
		}
		b.WriteString(f.name + ": " + f.value + "\r\n")
	}
	put()
	b.WriteString("\r\n")
	b.Write(r.body)
	return b.String(), nil
}
