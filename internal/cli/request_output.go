package cli

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/client"
)

// palette colours the request's output; its zero value leaves text plain.
type palette struct{ on bool }

func (p palette) paint(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) dim(s string) string  { return p.paint("2", s) }
func (p palette) bold(s string) string { return p.paint("1", s) }
func (p palette) name(s string) string { return p.paint("36", s) }

// status colours a status line by class: 2xx green, 3xx cyan, 4xx yellow, 5xx red.
func (p palette) status(code int, s string) string {
	switch {
	case code >= 500:
		return p.paint("1;31", s)
	case code >= 400:
		return p.paint("1;33", s)
	case code >= 300:
		return p.paint("1;36", s)
	case code >= 200:
		return p.paint("1;32", s)
	}
	return p.bold(s)
}

// phaseColours are the waterfall's bar colours, as browsers' Network panels
// tell the phases apart.
var phaseColours = [client.NumPhases]string{"32", "33", "35", "34", "36", "94"}

// phaseLabels name the phases for people.
var phaseLabels = [client.NumPhases]string{"DNS lookup", "TCP connect", "TLS handshake", "request sent", "waiting (TTFB)", "content download"}

// useColour decides --color: auto means stdout is a terminal and NO_COLOR
// is unset or empty (no-color.org).
func useColour(mode string, e *env) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	return e.getenv("NO_COLOR") == "" && isTerminalWriter(e.stdout)
}

// secretHeaders are shown as [redacted] unless --show-secrets.
var secretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

// exchangeOptions shape writeExchange's output.
type exchangeOptions struct {
	colour      palette
	showSecrets bool
	sentBody    []byte
}

// writeExchange shows one round trip as curl -v and a browser's Network
// panel would together: the request sent, the response, and a waterfall
// of its phases with the server's own account of its time.
func writeExchange(w io.Writer, resp *client.Response, o exchangeOptions) {
	p := o.colour
	req := resp.Request
	proto := "HTTP/1.1"
	if strings.HasPrefix(resp.Proto, "HTTP/2") {
		proto = "HTTP/2.0"
	}
	out := func(prefix, line string) { fmt.Fprintf(w, "%s %s\n", p.dim(prefix), line) }

	out(">", p.bold(req.Method+" "+req.URL.RequestURI()+" "+proto))
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	out(">", p.name("Host")+": "+printable(host))
	sent := req.Header.Clone()
	if req.ContentLength > 0 {
		sent.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	}
	for _, k := range sortedKeys(sent) {
		for _, v := range sent[k] {
			if !o.showSecrets && slices.Contains(secretHeaders, k) {
				v = "[redacted; --show-secrets shows it]"
			}
			out(">", p.name(k)+": "+printable(v))
		}
	}
	fmt.Fprintln(w, p.dim(">"))
	if len(o.sentBody) > 0 {
		writeBody(w, o.sentBody, false, p.dim(">"))
	}

	out("<", p.status(resp.Status, fmt.Sprintf("%s %d %s", resp.Proto, resp.Status, http.StatusText(resp.Status))))
	for _, k := range sortedKeys(resp.Header) {
		for _, v := range resp.Header[k] {
			out("<", p.name(k)+": "+printable(v))
		}
	}
	fmt.Fprintln(w, p.dim("<"))
	writeBody(w, resp.Body, resp.Truncated, "")

	fmt.Fprintln(w)
	writeTimeline(w, resp, p)
}

// writeBody writes a body as text, its control characters made visible,
// or says how long it is when it is binary.
func writeBody(w io.Writer, body []byte, truncated bool, prefix string) {
	if len(body) == 0 {
		return
	}
	pre := ""
	if prefix != "" {
		pre = prefix + " "
	}
	if !utf8.Valid(body) || slices.Contains(body, 0) {
		fmt.Fprintf(w, "%s[%d bytes of binary data, not shown; --body-only writes them out]\n", pre, len(body))
		return
	}
	text := strings.TrimSuffix(string(body), "\n")
	for line := range strings.SplitSeq(text, "\n") {
		fmt.Fprintf(w, "%s%s\n", pre, printable(strings.TrimSuffix(line, "\r")))
	}
	if truncated {
		fmt.Fprintf(w, "%s[cut at %d bytes]\n", pre, len(body))
	}
}

// waterfallWidth is how many columns the whole round trip spans.
const waterfallWidth = 40

// writeTimeline draws each phase as a bar placed where it happened in the
// round trip, then splits the wait with the server's Server-Timing.
func writeTimeline(w io.Writer, resp *client.Response, p palette) {
	tl := resp.Timeline
	total := tl.Total()
	conn := "a new connection"
	if tl.TLSVersion != 0 {
		conn = "a new " + tls.VersionName(tl.TLSVersion) + " connection"
	}
	if tl.Reused {
		conn = "a reused connection (no DNS, connect or TLS)"
	}
	to := resp.Request.URL.Host
	if tl.RemoteAddr != nil {
		to = tl.RemoteAddr.String()
	}
	fmt.Fprintf(w, "%s to %s over %s, %s:\n", p.bold("Round trip"), printable(to), conn, formatDuration(total))

	phases := tl.Phases()
	starts := [client.NumPhases]time.Time{tl.DNSStart, tl.ConnectStart, tl.TLSStart, tl.GotConn, tl.WroteRequest, tl.FirstByte}
	for ph := range client.NumPhases {
		d := phases[ph]
		label := fmt.Sprintf("  %-17s", phaseLabels[ph])
		if d == 0 {
			fmt.Fprintf(w, "%s %10s\n", label, "-")
			continue
		}
		bar := ""
		if total > 0 {
			col := int(float64(starts[ph].Sub(tl.Start)) / float64(total) * waterfallWidth)
			n := int(float64(d)/float64(total)*waterfallWidth + 0.5)
			col = min(max(col, 0), waterfallWidth-1)
			n = min(max(n, 1), waterfallWidth-col)
			bar = strings.Repeat(" ", col) + p.paint(phaseColours[ph], strings.Repeat("█", n))
		}
		fmt.Fprintf(w, "%s %10s  %s\n", label, formatDuration(d), bar)
	}
	var inPhases time.Duration
	for _, d := range phases {
		inPhases += d
	}
	if gap := total - inPhases; total > 0 && gap > 0 {
		// Browsers call it stalled: the client's own work between phases,
		// such as starting the dial, and waiting to be scheduled.
		fmt.Fprintf(w, "  %-17s %10s  (between phases: the client's own work)\n", "stalled", formatDuration(gap))
	}
	fmt.Fprintf(w, "  %-17s %10s\n", "total", formatDuration(total))

	fmt.Fprintln(w)
	wait := phases[client.Wait]
	if len(resp.ServerTiming) == 0 {
		wrap(w, "", "The server sent no Server-Timing header, so the wait cannot be split between the server's work and the network.")
		return
	}
	fmt.Fprintln(w, p.bold("Server-Timing")+": what the server says it spent")
	var sum time.Duration
	for _, m := range resp.ServerTiming {
		line := fmt.Sprintf("  %-17s %10s", printable(m.Name), formatDuration(m.Dur))
		if m.Desc != "" {
			line += "  " + printable(m.Desc)
		}
		fmt.Fprintln(w, line)
		sum += m.Dur
	}
	if sum > 0 && sum <= wait {
		wrap(w, "", fmt.Sprintf("Of the %s wait, the server accounts for %s; the other %s is the network and the sockets at both ends.",
			formatDuration(wait), formatDuration(sum), formatDuration(wait-sum)))
	}
}

// formatDuration shows a duration in milliseconds, or seconds from one second.
func formatDuration(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}

// printable makes control characters and invalid UTF-8 visible, so that
// what a server sends cannot move the cursor or recolour the terminal.
func printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case isControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// isControl is true for what strconv would escape: control, format (such
// as bidi overrides) and unassigned characters.
func isControl(r rune) bool { return r != '\t' && !strconv.IsPrint(r) }

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
