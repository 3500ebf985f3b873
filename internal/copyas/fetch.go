package copyas

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// forbidden are the request headers a page's fetch may not set (the Fetch
// standard's forbidden request-header names), besides Proxy-* and Sec-*.
var forbidden = map[string]bool{
	"Accept-Charset": true, "Accept-Encoding": true, "Access-Control-Request-Headers": true,
	"Access-Control-Request-Method": true, "Connection": true, "Content-Length": true, "Cookie": true,
	"Cookie2": true, "Date": true, "Dnt": true, "Expect": true, "Host": true, "Keep-Alive": true,
	"Origin": true, "Referer": true, "Set-Cookie": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Via": true,
}

func isForbidden(name string) bool {
	c := http.CanonicalHeaderKey(name)
	return forbidden[c] || strings.HasPrefix(c, "Proxy-") || strings.HasPrefix(c, "Sec-")
}

// fetch renders r as a fetch call, for a browser's console (or Node).
func fetch(r *request) (string, error) {
	var notes, left []string
	counts := map[string]int{}
	var headers []field
	for _, f := range r.headers {
		if isForbidden(f.name) {
			left = append(left, jsString(f.name, false)+": "+jsString(f.value, true))
			continue
		}
		if r.hop[http.CanonicalHeaderKey(f.name)] {
			continue
		}
		headers = append(headers, f)
		counts[f.name]++
	}
	if r.hostDiffers() {
		left = append(left, `"Host": `+jsString(r.hostHeader, true))
	}
	if len(left) > 0 {
		notes = append(notes, "The browser sends these itself, and fetch may not set them, so they are left out:")
		for _, l := range left {
			notes = append(notes, "  "+l)
		}
	}
	for _, f := range headers {
		if counts[f.name] > 1 {
			notes = append(notes, "fetch joins "+noteText(f.name)+"'s values into one field, separated by commas.")
			counts[f.name] = 0
		}
	}
	switch strings.ToUpper(r.method) {
	case "CONNECT", "TRACE", "TRACK":
		notes = append(notes, "fetch refuses the method "+noteText(r.method)+".")
	}
	body := r.sendBody && len(r.body) > 0
	if m := strings.ToUpper(r.method); body && (m == http.MethodGet || m == http.MethodHead) {
		notes = append(notes, "fetch sends no body with "+m+", so the capture's is left out.")
		body = false
	}
	if !r.origin {
		notes = append(notes, "fetch cannot send the request-target "+noteText(r.target)+"; this sends / instead.")
	} else if whatwgRewrites(strings.Join(texts(r.parts), "")) {
		notes = append(notes, "fetch parses the URL as the URL Standard says, so the server sees another request-target: it percent-encodes characters such as { } ^ ` in the path and ' in the query, and resolves . and .. segments.")
	}

	var b strings.Builder
	secrets := r.used(headers, r.urlParts())
	for _, n := range r.notes(func(s secret) string { return "put its value in " + s.name }, secrets) {
		b.WriteString("// " + n + "\n")
	}
	for _, n := range notes {
		b.WriteString("// " + n + "\n")
	}
	for _, s := range secrets {
		b.WriteString("const " + s.name + " = \"\";\n")
	}
	url := joinParts(r.urlParts(), func(s string) string {
		if s == "" {
			return ""
		}
		return jsString(s, false) + " + "
	}, func(name string) string { return name + " + " })
	url = strings.TrimSuffix(url, " + ")
	b.WriteString("const res = await fetch(" + url + ", {\n")
	b.WriteString("  method: " + jsString(r.method, false) + ",\n")
	if len(headers) > 0 {
		b.WriteString("  headers: [\n")
		for _, f := range headers {
			v := jsString(f.value, true)
			if f.secret != "" {
				v = f.secret
			}
			b.WriteString("    [" + jsString(f.name, false) + ", " + v + "],\n")
		}
		b.WriteString("  ],\n")
	}
	if body {
		switch {
		case utf8.Valid(r.body) && r.has("Content-Type"):
			b.WriteString("  body: " + jsString(string(r.body), false) + ",\n")
		case utf8.Valid(r.body):
			// Bytes, since fetch would label a string text/plain.
			b.WriteString("  body: new TextEncoder().encode(" + jsString(string(r.body), false) + "),\n")
		default:
			b.WriteString("  body: Uint8Array.from(atob(\"" + base64.StdEncoding.EncodeToString(r.body) + "\"), (c) => c.charCodeAt(0)),\n")
		}
	}
	b.WriteString("});\nconsole.log(res.status, res.statusText);\n")
	return b.String(), nil
}

// jsString is s as a JavaScript string literal, in ASCII but for printable
// characters. With bytes, each byte is one character, as fetch's header
// values are (ByteString): a UTF-8 é is "\xC3\xA9", two bytes, where "é"
// would be one. U+2028 and U+2029, line breaks to JavaScript, are escaped,
// so no text ends a comment or a string early.
func jsString(s string, bytes bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		if bytes && s[i] >= 0x80 || c == utf8.RuneError && n <= 1 {
			fmt.Fprintf(&b, `\x%02X`, s[i])
			i++
			continue
		}
		i += n
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20, c == 0x7f, 0x80 <= c && c < 0xa0, c == 0x2028, c == 0x2029, c == 0x061c, c == 0x200e, c == 0x200f,
			0x202a <= c && c <= 0x202e, 0x2066 <= c && c <= 0x2069, c == 0xfeff:
			fmt.Fprintf(&b, `\u%04X`, c)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// whatwgRewrites reports whether the URL Standard's parser changes an
// origin-form target: its path percent-encode set (C0 controls, space " #
// < > ? ^ ` { } and non-ASCII), a backslash (read as /), dot segments,
// plain or escaped, and in the query the special-query set (C0 controls,
// space " # < > ' and non-ASCII).
func whatwgRewrites(target string) bool {
	path, query, hasQuery := strings.Cut(target, "?")
	for _, seg := range strings.Split(path, "/") {
		switch strings.ToLower(seg) {
		case ".", "..", "%2e", ".%2e", "%2e.", "%2e%2e":
			return true
		}
	}
	if strings.ContainsAny(path, " \"#<>^`{}\\") || hasQuery && strings.ContainsAny(query, " \"#<>'") {
		return true
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c < 0x20 || c >= 0x7f {
			return true
		}
	}
	return false
}
