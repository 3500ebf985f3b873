package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/roundtrip/roundtrip/internal/client"
)

// headerFlag collects repeated -H flags as curl takes them: 'Name: value'
// adds a header, 'Name:' removes it (a default one too, such as
// User-Agent), 'Name;' sends it empty. It refuses what cannot go on the
// wire: a name that is not a token, or a value with a line break or NUL.
type headerFlag struct{ args []headerArg }

// headerArg is one -H or header item, in the order given.
type headerArg struct {
	name, value string
	remove      bool
	orig        string // the header item as typed; "" for -H
}

// what names the argument in errors: -H 'Name: value', or the item.
func (a headerArg) what() string {
	if a.orig != "" {
		return fmt.Sprintf("item %q", a.orig)
	}
	if a.remove {
		return "-H '" + a.name + ":'"
	}
	return "-H '" + a.name + ": " + a.value + "'"
}

func newHeaderFlag() *headerFlag { return &headerFlag{} }

func (f *headerFlag) String() string { return "" }

func (f *headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	empty := false
	if !ok {
		name, empty = strings.CutSuffix(strings.TrimSpace(v), ";")
		ok = empty
	}
	name = strings.TrimSpace(name)
	value = strings.TrimSpace(value)
	switch {
	case !ok || name == "":
		return fmt.Errorf("header %q is not Name: value (or Name: to remove it, Name; to send it empty)", v)
	case !client.IsToken(name):
		return fmt.Errorf("header name %q cannot be sent: it is not a token", name)
	case strings.ContainsAny(value, "\r\n\x00"):
		return fmt.Errorf("header %s: its value cannot hold a line break or NUL", name)
	}
	f.args = append(f.args, headerArg{name: http.CanonicalHeaderKey(name), value: value, remove: value == "" && !empty})
	return nil
}

// header is the headers the flags leave, in a map.
func (f *headerFlag) header() http.Header {
	h := http.Header{}
	for _, a := range f.args {
		if a.remove {
			h.Del(a.name)
		} else {
			h.Add(a.name, a.value)
		}
	}
	return h
}

// hostsFlag collects repeated --allowed-host names: host names without a
// scheme, path or port, a leading dot allowing subdomains.
type hostsFlag struct{ names []string }

func (f *hostsFlag) String() string { return strings.Join(f.names, ",") }

func (f *hostsFlag) Set(v string) error {
	name := strings.TrimPrefix(v, ".")
	if len(v) > 253 || !client.IsToken(name) { // a token has no :, /, @, brackets or spaces
		return fmt.Errorf("%q is not a host name (such as example.com, or .example.com for its subdomains too)", v)
	}
	f.names = append(f.names, v)
	return nil
}

// maxData is the most a body may hold: -d's, a file's, a form's.
const maxData = 64 << 20

// readData reads a body flag (flagName, such as -d, of command cmd): literal
// text, @FILE, or @- for standard input, up to 64 MiB.
func readData(e *env, cmd, flagName, data string) ([]byte, error) {
	name, ok := strings.CutPrefix(data, "@")
	if !ok {
		return []byte(data), nil
	}
	b, err := readFile(e, name)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return nil, usageError("%s: cannot read %s file %s", cmd, flagName, name)
	case errors.Is(err, errTooLarge):
		return nil, usageError("%s: the body from %s is over 64 MiB", cmd, data)
	case err != nil:
		return nil, fmt.Errorf("cannot read the body from %s: %w", data, err)
	}
	return b, nil
}

// errTooLarge is a file over maxData.
var errTooLarge = errors.New("it is over 64 MiB")

// readFile reads the file name, - for standard input, up to maxData:
// beyond, errTooLarge. A file that cannot be opened is an *fs.PathError.
func readFile(e *env, name string) ([]byte, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxData+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxData {
		return nil, errTooLarge
	}
	return b, nil
}

// sizeFlag is a byte count given as 65536, 64KiB, 256MiB or 1GiB (KB, MB
// and GB are taken as the binary units too, as most tools do).
type sizeFlag struct{ n int64 }

func (f *sizeFlag) String() string { return formatSize(f.n) }

func (f *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	f.n = n
	return nil
}

var sizeUnits = []struct {
	suffix string
	n      int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}

// parseSize reads a byte count with an optional binary unit.
func parseSize(v string) (int64, error) {
	num, unit := strings.TrimSpace(v), int64(1)
	for _, u := range sizeUnits {
		if s, ok := strings.CutSuffix(num, u.suffix); ok {
			num, unit = strings.TrimSpace(s), u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("%q is not a size such as 65536, 64KiB or 256MiB", v)
	}
	return n * unit, nil
}

// formatSize writes n in the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range sizeUnits[:3] {
		if n >= u.n && n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// checkListenAddr refuses a listen address (flag, of command cmd) that
// net.Listen would: a usage error, exit 2, rather than "cannot listen".
// The port must be a number: 0 picks a free one.
func checkListenAddr(cmd, flag, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError("%s: %s %q is not HOST:PORT, such as localhost:3000 or :8080", cmd, flag, addr)
	}
	n, err := strconv.Atoi(port)
	switch {
	case err != nil:
		return usageError("%s: %s %q: port %q is not a number", cmd, flag, addr, port)
	case n < 0 || n > 65535:
		return usageError("%s: %s %q: port out of range: %s (0 to 65535; 0 picks a free port)", cmd, flag, addr, port)
	}
	return nil
}
