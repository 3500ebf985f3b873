package diff

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/roundtrip/roundtrip/internal/terminal"
)

// ANSI colours for WriteText.
const (
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// WriteText writes r for a terminal: what differs, then the timing and
// the verdict, with colour when color is set. Every piece of text from
// the exchanges goes through visible, so none can move the cursor,
// recolour the terminal or hide in other text.
func (r Result) WriteText(w io.Writer, color bool) error {
	bw := bufio.NewWriter(w)
	p := printer{w: bw, color: color}
	p.ref("a", r.A)
	p.ref("b", r.B)
	if r.Method != nil {
		p.line("", "method: "+visible(r.Method.A)+" → "+visible(r.Method.B))
	}
	if r.URL != nil {
		p.line("", "url: "+visible(r.URL.A)+" → "+visible(r.URL.B))
	}
	if r.Status.Equal {
		p.line("", "status: "+strconv.Itoa(r.Status.A)+", the same")
	} else {
		p.line(yellow, "status: "+strconv.Itoa(r.Status.A)+" → "+strconv.Itoa(r.Status.B))
	}
	p.message("request", r.Request)
	p.message("response", r.Response)
	p.timing(r.Timing)
	if len(r.Ignored.Headers) > 0 {
		p.line("", "ignored headers: "+visible(strings.Join(r.Ignored.Headers, ", ")))
	}
	if len(r.Ignored.Paths) > 0 {
		p.line("", "ignored JSON paths: "+visible(strings.Join(r.Ignored.Paths, ", ")))
	}
	if r.Equal() {
		p.line(bold+green, "equal, timing aside")
	} else {
		p.line(bold+red, "different")
	}
	return bw.Flush()
}

type printer struct {
	w     *bufio.Writer
	color bool
}

// line writes s, in colour c when colour is on and c is set.
func (p printer) line(c, s string) {
	if p.color && c != "" {
		s = c + s + reset
	}
	p.w.WriteString(s)
	p.w.WriteByte('\n')
}

func (p printer) ref(name string, x Ref) {
	id := ""
	if x.ID != 0 {
		id = "#" + strconv.FormatUint(x.ID, 10) + " "
	}
	host := ""
	if x.Host != "" {
		host = " (" + visible(x.Host) + ")"
	}
	p.line("", name+": "+id+visible(x.Method)+" "+visible(x.URL)+host+" → "+strconv.Itoa(x.Status))
}

func (p printer) message(side string, m Message) {
	if len(m.Headers) == 0 {
		p.line("", side+" headers: the same")
	} else {
		p.line("", side+" headers:")
		for _, h := range m.Headers {
			name := visible(h.Name) + ": "
			switch h.Kind {
			case Added:
				p.line(green, "  + "+name+values(h.B)+"  (only in b)")
			case Removed:
				p.line(red, "  - "+name+values(h.A)+"  (only in a)")
			default:
				p.line(yellow, "  ~ "+name+values(h.A)+" → "+values(h.B))
			}
		}
	}
	p.body(side, m.Body)
}

func values(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = visible(v)
	}
	return strings.Join(out, ", ")
}

func (p printer) body(side string, b Body) {
	head := side + " body"
	if b.Kind != Empty {
		head += " (" + b.Kind + ")"
	}
	sizes := size(b.SizeA)
	if b.SizeA != b.SizeB {
		sizes += " → " + size(b.SizeB)
	}
	switch {
	case b.Equal && b.Kind == Empty && b.SizeA == 0:
		p.line("", head+": none")
	case b.Equal:
		p.line("", head+": "+sizes+", the same")
	default:
		p.line("", head+": "+sizes+", different")
	}
	if b.Truncated {
		p.line("", "  captured in part: the first "+size(b.Compared)+" of each compared")
	}
	if b.Note != "" {
		p.line("", "  "+b.Note)
	}
	for _, d := range b.JSON {
		path := visible(d.Path) + ": "
		switch d.Kind {
		case Added:
			p.line(green, "  "+path+"missing in a → "+visible(d.B))
		case Removed:
			p.line(red, "  "+path+visible(d.A)+" → missing in b")
		default:
			p.line(yellow, "  "+path+visible(d.A)+" → "+visible(d.B))
		}
	}
	if b.More > 0 {
		p.line("", "  … and "+strconv.Itoa(b.More)+" more differences, not listed")
	}
	if b.Binary != nil {
		p.line("", "  sha256 "+b.Binary.SHA256A+" → "+b.Binary.SHA256B)
	}
	if t := b.Text; t != nil {
		if c := t.Coarse; c != nil {
			p.line("", "  too different to diff line by line ("+c.Reason+"); they differ from line "+strconv.Itoa(c.Line)+":")
			p.line(red, "  -"+visible(c.A))
			p.line(green, "  +"+visible(c.B))
		}
		for _, h := range t.Hunks {
			p.line("", fmt.Sprintf("  @@ -%d,%d +%d,%d @@", h.AStart, h.ALen, h.BStart, h.BLen))
			for _, l := range h.Lines {
				text := "  " + l.Op + visible(l.Text)
				if l.Cut {
					text += " … (cut)"
				}
				switch l.Op {
				case "-":
					p.line(red, text)
				case "+":
					p.line(green, text)
				default:
					p.line("", text)
				}
				if l.NoNewline {
					p.line("", `  \ no newline at end`)
				}
			}
		}
		if t.Omitted > 0 {
			p.line("", "  … and "+strconv.Itoa(t.Omitted)+" more lines added or removed, not listed")
		}
	}
}

func (p printer) timing(t Timing) {
	p.line("", "timing: "+ms(t.A)+" → "+ms(t.B)+" ("+signed(t.Delta)+")")
	for _, ph := range t.Phases {
		name := visible(ph.Name)
		switch {
		case ph.A == nil:
			p.line("", "  "+name+": only in b, "+ms(*ph.B))
		case ph.B == nil:
			p.line("", "  "+name+": only in a, "+ms(*ph.A))
		default:
			p.line("", "  "+name+": "+ms(*ph.A)+" → "+ms(*ph.B)+" ("+signed(*ph.Delta)+")")
		}
	}
}

func ms(v float64) string     { return strconv.FormatFloat(v, 'f', 3, 64) + " ms" }
func signed(v float64) string { return fmt.Sprintf("%+.3f ms", v) }

func size(n int64) string {
	if n == 1 {
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// visible is terminal.Safe: what the exchanges hold, safe to print.
func visible(s string) string { return terminal.Safe(s) }
