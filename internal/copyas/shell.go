package copyas

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// inlineMax is the longest body that goes inline as an argument: Linux
// takes up to 128 KiB in one (MAX_ARG_STRLEN); past that the body comes
// from the printf builtin, which the limit does not bind.
const inlineMax = 64 << 10

// curlExpect is the body size from which curl sends Expect: 100-continue
// unless told not to: 1 MiB in curl 7.88, 1 KiB in older ones.
const curlExpect = 1 << 10

// sq is s in single quotes, for a POSIX shell.
func sq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// shArg is s as one shell word: bare when nothing in it is special.
func shArg(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return sq(s)
}

// shVar is a secret's variable, which stops the command while it is unset.
func shVar(name string) string {
	return `"${` + name + `:?set ` + name + `, which the capture redacted}"`
}

// shWord is parts as one shell word, the secrets as variables.
func shWord(parts []part) string {
	w := joinParts(parts, func(s string) string {
		if s == "" {
			return ""
		}
		return sq(s)
	}, shVar)
	if w == "" {
		return "''"
	}
	return w
}

// shellNote is how the shell formats tell a secret.
func shellNote(s secret) string { return "export " + s.name + "=… first" }

// stdinBody is the shell's part of a body that cannot go inline: the
// printf that writes it, to pipe into the tool, or "" when it goes inline.
func stdinBody(r *request) string {
	if !r.sendBody || printable(r.body) && len(r.body) <= inlineMax {
		return ""
	}
	if printable(r.body) {
		return "printf '%s' " + sq(string(r.body)) + " | "
	}
	return "printf " + sq(printfFormat(r.body)) + " | "
}

// printfFormat is a printf format that writes b: printable ASCII as it is,
// % and \ doubled, other bytes as escapes POSIX printf knows.
func printfFormat(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		switch {
		case c == '\\':
			sb.WriteString(`\\`)
		case c == '%':
			sb.WriteString("%%")
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c == '\t':
			sb.WriteString(`\t`)
		case 0x20 <= c && c < 0x7f:
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, `\%03o`, c) // three digits: a digit after it is not read as its own
		}
	}
	return sb.String()
}

// option is one header argument of a command, kept with its name so that
// the header arguments go sorted, the ones that turn off a tool's own among
// them.
type option struct{ name, arg string }

// command writes a shell command: notes as comments, then the command
// line, then one option a line.
func command(b *strings.Builder, notes []string, first string, opts []option, last []string) {
	for _, n := range notes {
		b.WriteString("# " + n + "\n")
	}
	b.WriteString(first)
	slices.SortStableFunc(opts, func(x, y option) int {
		return strings.Compare(http.CanonicalHeaderKey(x.name), http.CanonicalHeaderKey(y.name))
	})
	for _, o := range opts {
		b.WriteString(" \\\n  " + o.arg)
	}
	for _, a := range last {
		b.WriteString(" \\\n  " + a)
	}
	b.WriteString("\n")
}

// curl renders r as a curl command.
func curl(r *request) (string, error) {
	first := []string{stdinBody(r) + "curl"}
	switch {
	case r.proto == "HTTP/1.0":
		first = append(first, "--http1.0")
	case r.proto == "HTTP/2.0" && r.scheme == "https":
		first = append(first, "--http2")
	case r.proto == "HTTP/2.0":
		first = append(first, "--http2-prior-knowledge") // h2c: no Upgrade dance
	case r.scheme == "https":
		first = append(first, "--http1.1") // curl would offer HTTP/2
	}
	first = append(first, "-g") // no globbing: [ ] { } are the URL's own
	switch {
	case r.sendBody && r.method != http.MethodPost:
		first = append(first, "-X", shArg(r.method))
	case r.sendBody:
	case r.method == http.MethodHead:
		first = append(first, "--head") // -X HEAD would wait for a body
	case r.method != http.MethodGet:
		first = append(first, "-X", shArg(r.method))
	}
	if !r.origin {
		first = append(first, "--request-target", shWord(r.parts))
	}
	first = append(first, shWord(r.urlParts()))

	var opts []option
	for _, f := range r.sent() {
		switch {
		case f.secret != "":
			opts = append(opts, option{f.name, "-H " + sq(f.name+": ") + shVar(f.secret)})
		case f.value == "":
			opts = append(opts, option{f.name, "-H " + sq(f.name+";")}) // curl's way to send an empty value
		default:
			opts = append(opts, option{f.name, "-H " + sq(f.name+": "+f.value)})
		}
	}
	// curl adds these unless told otherwise: an empty -H removes them.
	off := []string{"User-Agent", "Accept"}
	if r.sendBody {
		off = append(off, "Content-Type") // --data-* would send a form's
		if len(r.body) > curlExpect {
			off = append(off, "Expect")
		}
	}
	for _, name := range off {
		if !r.has(name) {
			opts = append(opts, option{name, "-H " + sq(name+":")})
		}
	}
	if r.hostDiffers() {
		opts = append(opts, option{"Host", "-H " + sq("Host: "+r.hostHeader)})
		if r.hostHeader == "" {
			opts[len(opts)-1].arg = "-H " + sq("Host:")
		}
	}
	var last []string
	if r.has("Accept-Encoding") {
		last = append(last, "--compressed") // the header goes as captured; curl decodes what it names
	}
	switch {
	case !r.sendBody:
	case stdinBody(r) != "":
		last = append(last, "--data-binary @-")
	default:
		last = append(last, "--data-raw "+sq(string(r.body))) // unlike --data-binary, reads no @file
	}
	var target []part
	if !r.origin {
		target = r.parts
	}
	var b strings.Builder
	command(&b, r.notes(shellNote, r.used(r.sent(), r.urlParts(), target)), strings.Join(first, " "), opts, last)
	return b.String(), nil
}

// httpieMethod is a method HTTPie takes as one.
var httpieMethod = regexp.MustCompile(`^[A-Z]+$`)

// httpieSpecial are HTTPie's separator characters: a backslash before one
// is an escape, which it takes away.
const httpieSpecial = ":;@="

// httpie renders r as an HTTPie command.
func httpie(r *request) (string, error) {
	var notes []string
	if r.proto != "HTTP/1.1" && r.proto != "" {
		notes = append(notes, "HTTPie speaks HTTP/1.1 only; the capture was "+noteText(r.proto)+".")
	}
	if !httpieMethod.MatchString(r.method) {
		notes = append(notes, "HTTPie takes a method of capital letters only, and cannot send "+noteText(r.method)+".")
	}
	if !r.origin {
		notes = append(notes, "HTTPie cannot send the request-target "+noteText(r.target)+"; this sends / instead.")
	} else if !requestsKeeps(strings.Join(texts(r.parts), "")) {
		notes = append(notes, "HTTPie (through requests and urllib3) rewrites this URL, so the server sees another request-target: it percent-encodes characters such as [ ] { }, changes %-escapes and resolves . and .. segments.")
	}
	for _, name := range []string{"User-Agent", "Accept-Encoding"} {
		if !r.has(name) {
			notes = append(notes, "HTTPie sends its own "+name+" header, which the capture has not.")
		}
	}
	if r.hostHeader == "" {
		notes = append(notes, "HTTPie sends a Host header, which the capture has not.")
	}
	in := stdinBody(r)
	first := []string{in + "http"}
	if in == "" {
		first = append(first, "--ignore-stdin") // no body waits on stdin
	}
	first = append(first, shArg(r.method), shWord(r.urlParts()))

	var opts []option
	for _, f := range r.sent() {
		switch {
		case f.secret != "":
			opts = append(opts, option{f.name, sq(f.name+":") + shVar(f.secret)})
		case f.value == "":
			opts = append(opts, option{f.name, sq(f.name + ";")}) // HTTPie's way to send an empty value
		default:
			v := f.value
			if v[0] == '=' || v[0] == '@' {
				v = `\` + v // or Name:=… reads as JSON, Name:@… as a file
			}
			if lostEscape(f.value) {
				notes = append(notes, "HTTPie takes the backslash out of a \\ before "+httpieSpecial+" in a header value, so it cannot send "+noteText(f.name)+"'s exactly.")
			}
			opts = append(opts, option{f.name, sq(f.name + ":" + v)})
		}
	}
	off := []string{"Accept"}
	if r.sendBody {
		off = append(off, "Content-Type") // a body would go as JSON
	}
	for _, name := range off {
		if !r.has(name) {
			opts = append(opts, option{name, sq(name + ":")}) // an empty value removes HTTPie's own
		}
	}
	if r.hostDiffers() && r.hostHeader != "" {
		opts = append(opts, option{"Host", sq("Host:" + r.hostHeader)})
	}
	var last []string
	if r.sendBody && in == "" && len(r.body) > 0 {
		last = append(last, "--raw "+sq(string(r.body)))
	}
	var b strings.Builder
	command(&b, append(r.notes(shellNote, r.used(r.sent(), r.urlParts())), notes...), strings.Join(first, " "), opts, last)
	return b.String(), nil
}

// lostEscape reports whether v has a backslash before one of HTTPie's
// separators, which HTTPie would take as an escape.
func lostEscape(v string) bool {
	for i := 0; i+1 < len(v); i++ {
		if v[i] == '\\' && strings.IndexByte(httpieSpecial, v[i+1]) >= 0 {
			return true
		}
	}
	return false
}

// requestsKeeps reports whether requests and urllib3 send target as it is:
// it has only RFC 3986's unreserved and sub-delims characters, : @ / ?, and
// %-escapes in capitals of characters that are not unreserved, and no dot
// segments. requests unescapes what is unreserved (%41 becomes A), urllib3
// capitalizes escapes and encodes the rest (and every % once one is not an
// escape).
func requestsKeeps(target string) bool {
	path, _, _ := strings.Cut(target, "?")
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	for i := 0; i < len(target); i++ {
		c := target[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0:
		case c == '%' && i+2 < len(target) && upperHex(target[i+1]) && upperHex(target[i+2]):
			d := unhex(target[i+1])<<4 | unhex(target[i+2])
			if 'a' <= d && d <= 'z' || 'A' <= d && d <= 'Z' || '0' <= d && d <= '9' || strings.IndexByte("-._~", d) >= 0 {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func upperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}
