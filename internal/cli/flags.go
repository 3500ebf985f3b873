package cli

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/roundtrip/roundtrip/internal/client"
)

// headerFlag collects repeated -H 'Name: value' flags, refusing what
// cannot go on the wire: a name that is not a token, or a value with a line
// break or NUL.
type headerFlag struct{ h http.Header }

func newHeaderFlag() *headerFlag { return &headerFlag{h: http.Header{}} }

func (f *headerFlag) String() string { return "" }

func (f *headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	value = strings.TrimSpace(value)
	switch {
	case !ok || name == "":
		return fmt.Errorf("header %q is not Name: value", v)
	case !client.IsToken(name):
		return fmt.Errorf("header name %q cannot be sent: it is not a token", name)
	case strings.ContainsAny(value, "\r\n\x00"):
		return fmt.Errorf("header %s: its value cannot hold a line break or NUL", name)
	}
	f.h.Add(name, value)
	return nil
}

// maxData is the most a -d body may hold.
const maxData = 64 << 20

// readData reads a body flag (flagName, such as -d, of command cmd): literal
// text, @FILE, or @- for standard input, up to 64 MiB.
func readData(e *env, cmd, flagName, data string) ([]byte, error) {
	name, ok := strings.CutPrefix(data, "@")
	if !ok {
		return []byte(data), nil
	}
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usageError("%s: cannot read %s file %s", cmd, flagName, name)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxData+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the body from %s: %w", data, err)
	}
	if len(b) > maxData {
		return nil, usageError("%s: the body from %s is over 64 MiB", cmd, data)
	}
	return b, nil
}
