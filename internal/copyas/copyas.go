// Package copyas renders a captured exchange's request as something that
// sends it again: a curl or HTTPie command for a POSIX shell, a fetch call
// for a browser's console, a Go program, or the raw HTTP/1.1 bytes for nc.
//
// Exactness comes first: the server should receive the method, the
// request-target byte for byte, every header value in order (duplicates
// kept, empty values too) and the body. A capture keeps no order between
// header names, so they go sorted, each name's values in the order
// received. Host goes as the tool's own Host unless it differed from the
// base's host; Content-Length is left to the tool (it counts the body it
// sends) and hop-by-hop headers (Connection and the fields it names,
// Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade) are left out, except
// in the raw form, which is the wire's. Headers a tool would add on its own
// are turned off where it can (curl -H 'User-Agent:', -H 'Accept:', -H
// 'Content-Type:', -H 'Expect:'; HTTPie's Accept: and Content-Type:; Go's
// User-Agent and Accept-Encoding); what it cannot do exactly is said in a
// note at the top of its output. curl gets --compressed when the request
// has an Accept-Encoding, which it then sends as captured, rather than its
// own, and decodes the answer it asked for.
//
// Shell quoting is POSIX: every argument in single quotes, a quote
// within closed, escaped and opened again:
//
//	-H 'X-Quote: it'\''s'
//
// A text body of printable characters and newlines, up to 64 KiB, goes
// inline (curl --data-raw, which reads no @file; HTTPie --raw). Other
// bodies (bytes that are not UTF-8, control characters, NUL, or longer
// ones, past what one argument may hold on Linux) come from the shell's
// printf builtin on stdin: printf 'BYTES' | curl --data-binary @-, where
// BYTES keeps printable ASCII and writes every other byte as an escape
// (\n, \r, \t, \\, %% or three octal digits), which sh, dash, bash and zsh
// all read alike.
//
// A secret the capture redacted (a header, query parameter or password
// equal to observe.Redacted) cannot be replayed blind. The shell commands
// read it from a variable, named after the header or parameter
// (AUTHORIZATION, X_API_KEY, TOKEN), as "${AUTHORIZATION:?…}", which stops
// the command, saying so, while it is unset; the Go program reads the same
// environment variables and stops likewise; the fetch call takes it from a
// const to fill in; the raw form keeps the placeholder. Each output says
// what to set in a note. A truncated body (BodyTruncated) is sent as far
// as it was kept, and the note says it was cut at N of M bytes.
package copyas

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// Formats are the formats Render knows, in the order the page offers them.
var Formats = []string{"curl", "httpie", "fetch", "go", "http"}

// ErrFormat is Render's error for a format it does not know.
var ErrFormat = errors.New("copyas: unknown format")

// Render renders ex's request in format, one of Formats. base is the
// scheme://host[:port] to send it to; "" is where it went: https when ex
// came over TLS, and ex.Host (localhost when it had none).
func Render(format string, ex *observe.Exchange, base string) (string, error) {
	render, ok := renderers[format]
	if !ok {
		return "", fmt.Errorf("%w %q; the formats are %s", ErrFormat, format, strings.Join(Formats, ", "))
	}
	r, err := newRequest(ex, base)
	if err != nil {
		return "", err
	}
	return render(r)
}

var renderers = map[string]func(*request) (string, error){
	"curl":   curl,
	"httpie": httpie,
	"fetch":  fetch,
	"go":     goProgram,
	"http":   raw,
}

// request is an exchange's request as the renderers need it.
type request struct {
	method string
	target string // the request-target, as on the request line
	origin bool   // target is a path (origin-form), not *, an authority or a URL
	parts  []part // target, split around its redacted values
	scheme string // the base's
	host   string // the base's authority
	// hostHeader is the Host the request carried, "" for none (an HTTP/1.0
	// request may have none).
	hostHeader string
	proto      string // HTTP/1.0, HTTP/1.1, HTTP/2.0
	headers    []field
	hop        map[string]bool // hop-by-hop names, which only raw sends
	body       []byte
	// sendBody is whether a body goes at all: one was captured, or the
	// request said Content-Length (0 included).
	sendBody  bool
	size      int64 // the body's size as received
	truncated bool
	secrets   []secret
}

// field is one header value. secret names the variable that stands for a
// redacted value.
type field struct {
	name, value, secret string
}

// part is a piece of the target: literal text, or a secret's variable.
type part struct{ text, secret string }

// secret is a variable standing for a redacted value, and what it was.
type secret struct{ name, what string }

func newRequest(ex *observe.Exchange, base string) (*request, error) {
	r := &request{
		method:     ex.Method,
		target:     ex.URL,
		hostHeader: ex.Host,
		proto:      ex.Proto,
		size:       ex.Request.BodySize,
		truncated:  ex.Request.BodyTruncated,
		hop:        map[string]bool{},
	}
	if r.method == "" {
		r.method = http.MethodGet
	}
	if r.target == "" {
		r.target = "/"
	}
	r.origin = strings.HasPrefix(r.target, "/")
	if base == "" {
		base = "http://"
		if ex.TLS != "" {
			base = "https://"
		}
		if ex.Host != "" {
			base += ex.Host
		} else {
			base += "localhost"
		}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("copyas: base %q is not http:// or https:// and a host", base)
	}
	r.scheme, r.host = u.Scheme, u.Host

	body := []byte(ex.Request.Body)
	if ex.Request.BodyBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(ex.Request.BodyBase64)
		if err != nil {
			return nil, errors.New("copyas: the request's body_base64 is not base64")
		}
		body = b
	}
	r.body = body
	_, hasLength := ex.Request.Headers["Content-Length"]
	r.sendBody = len(body) > 0 || r.size > 0 || hasLength
	r.truncated = r.truncated || int64(len(body)) < r.size
	if r.size < int64(len(body)) {
		r.size = int64(len(body))
	}

	names := map[string]bool{}
	r.parts = r.splitTarget(names)
	for _, k := range ex.Request.Headers.Values("Connection") {
		for _, tok := range strings.Split(k, ",") {
			if tok = strings.TrimSpace(tok); tok != "" {
				r.hop[http.CanonicalHeaderKey(tok)] = true
			}
		}
	}
	for _, k := range []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"} {
		r.hop[k] = true
	}
	keys := make([]string, 0, len(ex.Request.Headers))
	for k := range ex.Request.Headers {
		// Host is the request's Host, not a header here; pseudo-headers
		// (an imported HTTP/2 entry's) are no fields at all.
		if strings.HasPrefix(k, ":") || http.CanonicalHeaderKey(k) == "Host" {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range ex.Request.Headers[k] {
			f := field{name: k, value: v}
			if v == observe.Redacted {
				f.secret = r.addSecret(names, k, "the "+noteText(k)+" header")
			}
			r.headers = append(r.headers, f)
		}
	}
	return r, nil
}

// splitTarget splits the target around the values RedactURL replaced: a
// query parameter's and an absolute URL's password. Anything else that
// reads [redacted] was sent so, and stays.
func (r *request) splitTarget(names map[string]bool) []part {
	t := r.target
	q := strings.IndexByte(t, '?')
	var out []part
	from := 0 // the start of what is not in out yet
	for at := 0; ; {
		i := strings.Index(t[at:], observe.Redacted)
		if i < 0 {
			break
		}
		i += at
		end := i + len(observe.Redacted)
		at = end
		var name, what string
		switch {
		case q >= 0 && i > q && t[i-1] == '=' && (end == len(t) || t[end] == '&' || t[end] == '#'):
			raw := t[strings.LastIndexAny(t[:i-1], "?&")+1 : i-1]
			name = raw
			if un, err := url.QueryUnescape(raw); err == nil {
				name = un
			}
			what = "the query parameter " + noteText(name) + " (its value URL-encoded, as sent)"
		case (q < 0 || i < q) && i > 0 && t[i-1] == ':' && end < len(t) && t[end] == '@' && strings.Contains(t[:i], "://"):
			name, what = "password", "the URL's password"
		default:
			continue
		}
		if i > from {
			out = append(out, part{text: t[from:i]})
		}
		out = append(out, part{secret: r.addSecret(names, name, what)})
		from = end
	}
	if from < len(t) || len(out) == 0 {
		out = append(out, part{text: t[from:]})
	}
	return out
}

// addSecret adds the variable for a redacted value of name: name in upper
// case, letters, digits and _, made unique.
func (r *request) addSecret(names map[string]bool, name, what string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		switch {
		case 'a' <= c && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b.WriteByte(c)
		default:
			if !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		}
	}
	v := strings.Trim(b.String(), "_")
	if v == "" {
		v = "SECRET"
	}
	if '0' <= v[0] && v[0] <= '9' {
		v = "_" + v
	}
	for n, try := 2, v; ; n++ {
		if !names[try] {
			v = try
			break
		}
		try = v + "_" + strconv.Itoa(n)
	}
	names[v] = true
	r.secrets = append(r.secrets, secret{name: v, what: what})
	return v
}

// noteText is s as a note may show it: printable ASCII as it is,
// anything else quoted in ASCII, so that no line break or bidi control
// gets into a comment.
func noteText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return strconv.QuoteToASCII(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// isTchar reports whether c may be in a token (RFC 9110 §5.6.2).
func isTchar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// has reports whether the request has a header named name, in any case.
func (r *request) has(name string) bool {
	for _, f := range r.headers {
		if strings.EqualFold(f.name, name) {
			return true
		}
	}
	return false
}

// sent are the fields a tool sends: without the hop-by-hop ones, and
// without Content-Length, which the tool counts.
func (r *request) sent() []field {
	out := make([]field, 0, len(r.headers))
	for _, f := range r.headers {
		c := http.CanonicalHeaderKey(f.name)
		if r.hop[c] || c == "Content-Length" {
			continue
		}
		out = append(out, f)
	}
	return out
}

// urlParts is the URL a tool is given: the base and the target, for an
// origin-form target; the base alone otherwise.
func (r *request) urlParts() []part {
	head := part{text: r.scheme + "://" + r.host}
	if !r.origin {
		head.text += "/"
		return []part{head}
	}
	if r.parts[0].secret != "" {
		return append([]part{head}, r.parts...)
	}
	out := slices.Clone(r.parts)
	out[0].text = head.text + out[0].text
	return out
}

// joinParts is parts with each secret written by secret.
func joinParts(parts []part, text func(string) string, secret func(string) string) string {
	var b strings.Builder
	for _, p := range parts {
		if p.secret != "" {
			b.WriteString(secret(p.secret))
		} else {
			b.WriteString(text(p.text))
		}
	}
	return b.String()
}

// hostDiffers reports whether the Host the request carried is not the
// base's, so that it must be set.
func (r *request) hostDiffers() bool { return r.hostHeader != r.host }

// used are the secrets that fields and parts use, in r's order.
func (r *request) used(fields []field, parts ...[]part) []secret {
	in := map[string]bool{}
	for _, f := range fields {
		in[f.secret] = true
	}
	for _, ps := range parts {
		for _, p := range ps {
			in[p.secret] = true
		}
	}
	var out []secret
	for _, s := range r.secrets {
		if in[s.name] {
			out = append(out, s)
		}
	}
	return out
}

// notes are what every format says first: the secrets it uses, which
// must be set, and a truncated body. how tells how the format takes a
// secret.
func (r *request) notes(how func(s secret) string, secrets []secret) []string {
	var out []string
	for _, s := range secrets {
		out = append(out, "The capture redacted "+s.what+": "+how(s)+".")
	}
	if r.truncated {
		out = append(out, fmt.Sprintf("The body was cut at %d of %d bytes in the capture: this sends the %d kept.", len(r.body), r.size, len(r.body)))
	}
	return out
}

// printable reports whether a text body can go inline in a shell
// command, pasted into a terminal as well as run: UTF-8 with no control
// characters but newlines, and no bidi controls, which would make the
// command read otherwise than it runs.
func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range string(b) {
		switch {
		case c == '\n':
		case c < 0x20, c == 0x7f, 0x80 <= c && c < 0xa0, c == 0x061c, c == 0x200e, c == 0x200f,
			0x202a <= c && c <= 0x202e, 0x2066 <= c && c <= 0x2069:
			return false
		}
	}
	return true
}
