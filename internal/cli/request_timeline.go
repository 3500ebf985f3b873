package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

// phaseColours are the waterfall's bar colours, as browsers' Network panels
// tell the phases apart.
var phaseColours = [client.NumPhases]string{"32", "33", "35", "34", "36", "94"}

// phaseLabels name the phases for people.
var phaseLabels = [client.NumPhases]string{"DNS lookup", "TCP connect", "TLS handshake", "request sent", "waiting (TTFB)", "content transfer"}

// waterfallWidth is how many columns the whole round trip spans.
const waterfallWidth = 40

// writeTimeline draws each phase as a bar placed where it happened in the
// round trip, with the server's Server-Timing inside the wait.
func writeTimeline(w io.Writer, x *exchange, p palette) {
	resp := x.resp
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
	fmt.Fprintf(w, "%s to %s over %s, %s:\n", p.bold("Round trip"), terminalSafe(to), conn, formatDuration(total))

	phases := tl.Phases()
	starts := [client.NumPhases]time.Time{tl.DNSStart, tl.ConnectStart, tl.TLSStart, tl.GotConn, tl.WroteRequest, tl.FirstByte}
	for ph := range client.NumPhases {
		d := phases[ph]
		label := fmt.Sprintf("  %-17s", phaseLabels[ph])
		if d == 0 {
			fmt.Fprintf(w, "%s %10s\n", label, "-")
		} else {
			bar := waterfallBar(p, phaseColours[ph], starts[ph].Sub(tl.Start), d, total)
			fmt.Fprintf(w, "%s %10s  %s\n", label, formatDuration(d), bar)
		}
		if ph == client.TLS && resp.TLS != nil {
			fmt.Fprintf(w, "    %s\n", tlsSummary(resp.TLS))
			if len(resp.TLS.PeerCertificates) > 0 {
				fmt.Fprintf(w, "    %s\n", certSummary(resp.TLS.PeerCertificates[0]))
			}
		}
		if ph == client.Wait && d > 0 {
			writeServerTiming(w, resp.ServerTiming, d)
		}
	}
	if gap := stalled(tl); gap > 0 {
		// Browsers call it stalled: the client's own work between phases,
		// such as starting the dial, and waiting to be scheduled.
		fmt.Fprintf(w, "  %-17s %10s  (between phases: the client's own work)\n", "stalled", formatDuration(gap))
	}
	fmt.Fprintf(w, "  %-17s %10s\n", "total", formatDuration(total))
	if len(resp.ServerTiming) == 0 {
		fmt.Fprintln(w)
		wrap(w, "", "The server sent no Server-Timing header, so the wait cannot be split between the server's work and the network.")
	}
}

// stalled is the time of a round trip in none of its phases.
func stalled(tl client.Timeline) time.Duration {
	var inPhases time.Duration
	for _, d := range tl.Phases() {
		inPhases += d
	}
	return max(tl.Total()-inPhases, 0)
}

// waterfallBar is a phase of d, start into a round trip of total, as a
// bar placed where it happened on waterfallWidth columns; "" without a total.
func waterfallBar(p palette, colour string, start, d, total time.Duration) string {
	if total <= 0 {
		return ""
	}
	col := int(float64(start) / float64(total) * waterfallWidth)
	n := int(float64(d)/float64(total)*waterfallWidth + 0.5)
	col = min(max(col, 0), waterfallWidth-1)
	n = min(max(n, 1), waterfallWidth-col)
	return strings.Repeat(" ", col) + p.paint(colour, strings.Repeat("█", n))
}

// writeServerTiming splits the wait into what the server says it spent
// and the rest: the network and the sockets at both ends.
func writeServerTiming(w io.Writer, metrics []servertiming.Metric, wait time.Duration) {
	if len(metrics) == 0 {
		return
	}
	fmt.Fprintln(w, "    of which the server's Server-Timing:")
	var sum time.Duration
	for _, m := range metrics {
		line := fmt.Sprintf("    %-15s %10s", terminalSafe(m.Name), formatDuration(m.Dur))
		if m.Desc != "" {
			line += "  " + terminalSafe(m.Desc)
		}
		fmt.Fprintln(w, line)
		sum += m.Dur
	}
	if sum > 0 && sum <= wait {
		fmt.Fprintf(w, "    %-15s %10s  the network and the sockets at both ends\n", "the rest", formatDuration(wait-sum))
	}
}

// tlsSummary is a connection's TLS version, cipher suite and ALPN protocol.
func tlsSummary(cs *tls.ConnectionState) string {
	alpn := "no ALPN"
	if cs.NegotiatedProtocol != "" {
		alpn = "ALPN " + cs.NegotiatedProtocol
	}
	return tls.VersionName(cs.Version) + ", " + tls.CipherSuiteName(cs.CipherSuite) + ", " + terminalSafe(alpn)
}

// certSummary is the peer certificate in one line: whom it names, who
// signed it, until when, and for which names. The server chose them all,
// and x509 lets them hold control characters.
func certSummary(c *x509.Certificate) string {
	names := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	issuer := c.Issuer.CommonName
	if len(c.Issuer.Organization) > 0 {
		issuer = c.Issuer.Organization[0]
	}
	if c.Subject.String() == c.Issuer.String() {
		issuer = "itself (self-signed)"
	}
	return terminalSafe(fmt.Sprintf("certificate %s, signed by %s, valid until %s, for %s",
		c.Subject.CommonName, issuer, c.NotAfter.UTC().Format(time.DateOnly), strings.Join(names, ", ")))
}

// formatDuration shows a duration in milliseconds, or seconds from one second.
func formatDuration(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
}
