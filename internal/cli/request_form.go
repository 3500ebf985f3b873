package cli

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// formPart is one part of a multipart/form-data body (RFC 7578).
type formPart struct {
	name        string
	data        []byte
	filename    string
	hasFilename bool   // a file's part: Content-Disposition has filename=
	contentType string // "" for none, which means text/plain
}

// multipartBody writes parts as curl and HTTPie do, with a boundary of 32
// random hex digits, which no part's data is likely to hold. It refuses
// a body over maxData.
func multipartBody(parts []formPart) (body []byte, boundary string, err error) {
	var r [16]byte
	rand.Read(r[:])
	boundary = hex.EncodeToString(r[:])
	var b bytes.Buffer
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=\"%s\"", boundary, dispositionEscape(p.name))
		if p.hasFilename {
			fmt.Fprintf(&b, "; filename=\"%s\"", dispositionEscape(p.filename))
		}
		b.WriteString("\r\n")
		if p.contentType != "" {
			fmt.Fprintf(&b, "Content-Type: %s\r\n", p.contentType)
		}
		b.WriteString("\r\n")
		b.Write(p.data)
		b.WriteString("\r\n")
		if b.Len() > maxData {
			return nil, "", usageError("request: the multipart body is over 64 MiB")
		}
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), boundary, nil
}

// dispositionEscape escapes a name or file name for a quoted
// Content-Disposition parameter as urllib3 (HTTPie's) and curl do, the
// HTML standard's way: " as %22, control characters as %XX (ESC aside),
// and \ doubled.
func dispositionEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c < 0x20 && c != 0x1b:
			fmt.Fprintf(&b, "%%%02X", c)
		case c == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// formFlag collects curl's -F and --form-string, in the order given: one
// list, as the parts go in that order.
type formFlag struct{ args []formArg }

type formArg struct {
	arg     string
	literal bool // --form-string: the value as it is, no @, < or ;type=
}

// formPartFlag is one of formFlag's flags.
type formPartFlag struct {
	f       *formFlag
	literal bool
}

func (v formPartFlag) String() string { return "" }

func (v formPartFlag) Set(s string) error {
	if name, _, ok := strings.Cut(s, "="); !ok || name == "" {
		return fmt.Errorf("%q is not NAME=VALUE, NAME=@FILE or NAME=<FILE", s)
	}
	v.f.args = append(v.f.args, formArg{s, v.literal})
	return nil
}

// parts reads the flags' parts, their files included.
func (f *formFlag) parts(e *env) ([]formPart, error) {
	parts := make([]formPart, 0, len(f.args))
	for _, a := range f.args {
		p, err := curlFormPart(e, a)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// curlFormPart reads one -F as curl does: name=value, name=@FILE a file
// to upload (its name the part's filename, its type guessed from it),
// name=<FILE a field holding a file's content, - for standard input.
// A value or file name may be "quoted" (\" and \\ escaped within), and
// ;type=TYPE and ;filename=NAME may follow.
func curlFormPart(e *env, a formArg) (formPart, error) {
	name, value, _ := strings.Cut(a.arg, "=")
	p := formPart{name: name}
	if a.literal {
		p.data = []byte(value)
		return p, nil
	}
	from := byte(0)
	if value != "" && (value[0] == '@' || value[0] == '<') {
		from, value = value[0], value[1:]
	}
	word, params, err := curlFormWord(value)
	if err != nil {
		return formPart{}, usageError("request: -F %q: %v", a.arg, err)
	}
	if from == '@' && strings.Contains(value[:len(value)-len(params)], ",") && !strings.HasPrefix(strings.TrimSpace(value), `"`) {
		return formPart{}, usageError("request: -F %q: several files in one field are not supported: give each its own -F, or quote a file name with a comma in it", a.arg)
	}
	for params != "" {
		var param string
		param, params, err = curlFormParam(params)
		if err != nil {
			return formPart{}, usageError("request: -F %q: %v", a.arg, err)
		}
		k, v, _ := strings.Cut(param, "=")
		switch k {
		case "type":
			p.contentType = v
		case "filename":
			p.filename, p.hasFilename = v, true
		default:
			return formPart{}, usageError("request: -F %q: ;%s is not ;type= or ;filename= (quote a value with a ; in it: name=\"a;b\")", a.arg, param)
		}
	}
	if from == 0 {
		p.data = []byte(word)
		return p, nil
	}
	b, err := readFile(e, word)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return formPart{}, usageError("request: -F %q: cannot read %s: %v", a.arg, word, pe.Err)
	case err != nil:
		return formPart{}, usageError("request: -F %q: %s: %v", a.arg, word, err)
	}
	p.data = b
	if from == '@' {
		if !p.hasFilename {
			p.filename, p.hasFilename = filepath.Base(word), true
		}
		if p.contentType == "" {
			if p.contentType = guessType(word); p.contentType == "" {
				p.contentType = "application/octet-stream" // as curl sends an unknown type
			}
		}
	}
	return p, nil
}

// curlFormWord reads a -F value or file name up to a ; that starts a
// parameter, as curl's get_param_word does: quoted, with \" and \\
// escapes, or bare, its spaces around trimmed. It returns the rest from
// the ;.
func curlFormWord(s string) (word, rest string, err error) {
	s = strings.TrimLeft(s, " \t")
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
				b.WriteByte(s[i+1])
				i++
			case c == '"':
				rest = s[i+1:]
				if j := strings.IndexByte(rest, ';'); j >= 0 {
					if strings.TrimSpace(rest[:j]) != "" {
						return "", "", fmt.Errorf("%q follows a quoted value", rest[:j])
					}
					rest = rest[j:]
				} else if strings.TrimSpace(rest) != "" {
					return "", "", fmt.Errorf("%q follows a quoted value", rest)
				} else {
					rest = ""
				}
				return b.String(), rest, nil
			default:
				b.WriteByte(c)
			}
		}
		// No closing quote: curl reads it bare.
	}
	i := strings.IndexByte(s, ';')
	if i < 0 {
		i = len(s)
	}
	return strings.TrimRight(s[:i], " \t"), s[i:], nil
}

// curlFormParam reads one ;key=value parameter from s, which starts with
// the ;, a filename's value perhaps quoted; it returns the rest.
func curlFormParam(s string) (param, rest string, err error) {
	s = strings.TrimLeft(s[1:], " \t")
	if k, v, ok := strings.Cut(s, "="); ok && k == "filename" {
		word, rest, err := curlFormWord(v)
		return "filename=" + word, rest, err
	}
	i := strings.IndexByte(s, ';')
	if i < 0 {
		i = len(s)
	}
	return strings.TrimRight(s[:i], " \t"), s[i:], nil
}
