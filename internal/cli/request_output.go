package cli

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/servertiming"
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

// JSON's colours, as jq's: keys bold blue, strings green.
const (
	jsonKey     = "1;34"
	jsonString  = "32"
	jsonNumber  = "36"
	jsonLiteral = "35"
)

// phaseColours are the waterfall's bar colours, as browsers' Network panels
// tell the phases apart.
var phaseColours = [client.NumPhases]string{"32", "33", "35", "34", "36", "94"}

// phaseLabels name the phases for people.
var phaseLabels = [client.NumPhases]string{"DNS lookup", "TCP connect", "TLS handshake", "request sent", "waiting (TTFB)", "content transfer"}

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

const redacted = "[redacted; --show-secrets shows it]"

// textOptions shape writeText's output.
type textOptions struct {
	colour      palette
	human       bool // for a terminal: JSON indented, control characters escaped; otherwise the body is raw
	verbose     bool // -v: the request and the response's head before the body
	timeline    bool // --timeline: the phases after the body
	showSecrets bool
	sentBody    []byte
}

// writeText writes the response's body, with -v's heads before it and
// --timeline's phases after it. Its error is the body's write error.
func writeText(w io.Writer, resp *client.Response, o textOptions) error {
	if o.verbose {
		writeHeads(w, resp, o)
	}
	if err := writeResponseBody(w, resp, o); err != nil {
		return err
	}
	if !o.timeline {
		return nil
	}
	if n := len(resp.Body); n > 0 && !o.human && resp.Body[n-1] != '\n' {
		fmt.Fprintln(w)
	}
	if o.verbose || len(resp.Body) > 0 {
		fmt.Fprintln(w)
	}
	writeTimeline(w, resp, o.colour)
	return nil
}

// writeHeads shows the request as sent and the response's status line and
// headers, as curl -v does.
func writeHeads(w io.Writer, resp *client.Response, o textOptions) {
	req := resp.Request
	writeRequestHead(w, o.colour, req.Method+" "+req.URL.RequestURI()+" "+protoName(resp.Proto), requestHost(req), sentHeader(req, o.showSecrets), o.sentBody)
	writeResponseHead(w, o.colour, resp.Status, fmt.Sprintf("%s %d %s", resp.Proto, resp.Status, http.StatusText(resp.Status)), resp.Header)
}

// writeRequestHead writes a request as > lines: its request line, Host,
// the other headers as given and its body, binary data as a note. Every
// piece goes through terminalSafe. history show writes a stored request
// with it.
func writeRequestHead(w io.Writer, p palette, line, host string, header http.Header, body []byte) {
	out := func(prefix, line string) { fmt.Fprintf(w, "%s %s\n", p.dim(prefix), line) }
	out(">", p.bold(terminalSafe(line)))
	out(">", p.name("Host")+": "+terminalSafe(host))
	for _, k := range sortedKeys(header) {
		for _, v := range header[k] {
			out(">", p.name(terminalSafe(k))+": "+terminalSafe(v))
		}
	}
	fmt.Fprintln(w, p.dim(">"))
	if len(body) > 0 {
		if !utf8.Valid(body) || slices.Contains(body, 0) {
			out(">", fmt.Sprintf("[%d bytes of binary data]", len(body)))
		} else {
			writeEscaped(w, body, p.dim(">")+" ")
		}
	}
}

// writeResponseHead writes a response's status line, coloured by code,
// and its headers as < lines.
func writeResponseHead(w io.Writer, p palette, code int, statusLine string, header http.Header) {
	out := func(prefix, line string) { fmt.Fprintf(w, "%s %s\n", p.dim(prefix), line) }
	out("<", p.status(code, terminalSafe(statusLine)))
	for _, k := range sortedKeys(header) {
		for _, v := range header[k] {
			out("<", p.name(terminalSafe(k))+": "+terminalSafe(v))
		}
	}
	fmt.Fprintln(w, p.dim("<"))
}

// protoName is the request line's protocol: net/http writes HTTP/1.1 for
// every request and the transport switches to HTTP/2 on its own.
func protoName(respProto string) string {
	if strings.HasPrefix(respProto, "HTTP/2") {
		return "HTTP/2.0"
	}
	return "HTTP/1.1"
}

func requestHost(req *http.Request) string {
	if req.Host != "" {
		return req.Host
	}
	return req.URL.Host
}

// sentHeader is the request's header as sent, Host aside, with
// Content-Length added and secrets redacted unless showSecrets.
func sentHeader(req *http.Request, showSecrets bool) http.Header {
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if req.ContentLength > 0 {
		h.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	}
	if !showSecrets {
		for _, k := range secretHeaders {
			for i := range h[k] {
				h[k][i] = redacted
			}
		}
	}
	return h
}

// writeResponseBody writes the body raw, or for a terminal with JSON
// indented (and coloured) and control characters escaped.
func writeResponseBody(w io.Writer, resp *client.Response, o textOptions) error {
	return writeBody(w, resp.Body, resp.Header.Get("Content-Type"), resp.Truncated, o)
}

// writeBody is writeResponseBody for any body: history show writes a
// stored one with it.
func writeBody(w io.Writer, body []byte, contentType string, truncated bool, o textOptions) error {
	if len(body) == 0 {
		return nil
	}
	if !o.human {
		if _, err := w.Write(body); err != nil {
			return fmt.Errorf("cannot write the body: %w", err)
		}
		return nil
	}
	var indented bytes.Buffer
	if isJSON(contentType) && json.Indent(&indented, body, "", "  ") == nil {
		// Indent keeps the body's trailing newline; Fprintln adds one.
		fmt.Fprintln(w, colourJSON(strings.TrimRight(indented.String(), " \t\r\n"), o.colour))
	} else {
		writeEscaped(w, body, "")
	}
	if truncated {
		fmt.Fprintf(w, "[cut at %d bytes]\n", len(body))
	}
	return nil
}

// isJSON reports whether a Content-Type is application/json or a +json type.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// colourJSON colours indented JSON, escaping what its strings hold that
// could move the cursor or recolour the terminal.
func colourJSON(s string, p palette) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		j := i + 1
		switch {
		case c == '"':
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			colour := jsonString
			if j < len(s) && s[j] == ':' {
				colour = jsonKey
			}
			b.WriteString(p.paint(colour, terminalSafe(s[i:j])))
		case c == '-' || c >= '0' && c <= '9':
			for j < len(s) && strings.IndexByte("+-.0123456789eE", s[j]) >= 0 {
				j++
			}
			b.WriteString(p.paint(jsonNumber, s[i:j]))
		case c >= 'a' && c <= 'z':
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			b.WriteString(p.paint(jsonLiteral, s[i:j]))
		default:
			b.WriteByte(c)
		}
		i = j
	}
	return b.String()
}

// waterfallWidth is how many columns the whole round trip spans.
const waterfallWidth = 40

// writeTimeline draws each phase as a bar placed where it happened in the
// round trip, with the server's Server-Timing inside the wait.
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
	if len(resp.ServerTiming) == 0 {
		fmt.Fprintln(w)
		wrap(w, "", "The server sent no Server-Timing header, so the wait cannot be split between the server's work and the network.")
	}
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

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// exchangeJSON is --output json's document.
type exchangeJSON struct {
	Request      requestJSON  `json:"request"`
	Response     responseJSON `json:"response"`
	TLS          *tlsJSON     `json:"tls"`
	Timings      timingsJSON  `json:"timings"`
	ServerTiming []metricJSON `json:"server_timing"`
}

type requestJSON struct {
	Method     string      `json:"method"`
	URL        string      `json:"url"`
	Proto      string      `json:"proto"`
	Headers    http.Header `json:"headers"`
	Body       any         `json:"body"`
	BodyBase64 string      `json:"body_base64,omitempty"`
}

type responseJSON struct {
	Status        int         `json:"status"`
	StatusText    string      `json:"status_text"`
	Proto         string      `json:"proto"`
	Headers       http.Header `json:"headers"`
	Body          any         `json:"body"`
	BodyBase64    string      `json:"body_base64,omitempty"`
	BodyTruncated bool        `json:"body_truncated,omitempty"`
}

type tlsJSON struct {
	Version         string    `json:"version"`
	CipherSuite     string    `json:"cipher_suite"`
	ALPN            string    `json:"alpn"`
	PeerCertificate *certJSON `json:"peer_certificate"`
}

type certJSON struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
	DNSNames []string  `json:"dns_names"`
}

// timingsJSON are the phases in milliseconds; they and stalled_ms add up
// to total_ms.
type timingsJSON struct {
	DNS     float64 `json:"dns_ms"`
	Connect float64 `json:"connect_ms"`
	TLS     float64 `json:"tls_ms"`
	Send    float64 `json:"send_ms"`
	Wait    float64 `json:"wait_ms"`
	Receive float64 `json:"receive_ms"`
	Stalled float64 `json:"stalled_ms"`
	Total   float64 `json:"total_ms"`
}

type metricJSON struct {
	Name  string  `json:"name"`
	DurMS float64 `json:"dur_ms"`
	Desc  string  `json:"desc"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// writeExchangeJSON writes the round trip as one JSON document.
func writeExchangeJSON(w io.Writer, resp *client.Response, sentBody []byte, showSecrets bool) error {
	req := resp.Request
	sent := sentHeader(req, showSecrets)
	sent.Set("Host", requestHost(req))
	doc := exchangeJSON{
		Request: requestJSON{Method: req.Method, URL: req.URL.String(), Proto: protoName(resp.Proto), Headers: sent},
		Response: responseJSON{
			Status: resp.Status, StatusText: http.StatusText(resp.Status), Proto: resp.Proto,
			Headers: resp.Header, BodyTruncated: resp.Truncated,
		},
		ServerTiming: []metricJSON{},
	}
	doc.Request.Body, doc.Request.BodyBase64 = bodyJSON(sentBody, req.Header.Get("Content-Type"))
	doc.Response.Body, doc.Response.BodyBase64 = bodyJSON(resp.Body, resp.Header.Get("Content-Type"))
	if doc.Response.Headers == nil {
		doc.Response.Headers = http.Header{}
	}
	if cs := resp.TLS; cs != nil {
		doc.TLS = &tlsJSON{Version: tls.VersionName(cs.Version), CipherSuite: tls.CipherSuiteName(cs.CipherSuite), ALPN: cs.NegotiatedProtocol}
		if len(cs.PeerCertificates) > 0 {
			c := cs.PeerCertificates[0]
			doc.TLS.PeerCertificate = &certJSON{Subject: c.Subject.String(), Issuer: c.Issuer.String(), NotAfter: c.NotAfter.UTC(), DNSNames: c.DNSNames}
		}
	}
	ph := resp.Timeline.Phases()
	total := resp.Timeline.Total()
	var inPhases time.Duration
	for _, d := range ph {
		inPhases += d
	}
	doc.Timings = timingsJSON{
		DNS: ms(ph[client.DNS]), Connect: ms(ph[client.Connect]), TLS: ms(ph[client.TLS]), Send: ms(ph[client.Send]),
		Wait: ms(ph[client.Wait]), Receive: ms(ph[client.Receive]), Stalled: ms(max(total-inPhases, 0)), Total: ms(total),
	}
	for _, m := range resp.ServerTiming {
		doc.ServerTiming = append(doc.ServerTiming, metricJSON{Name: m.Name, DurMS: ms(m.Dur), Desc: m.Desc})
	}
	return encodeJSON(w, doc)
}

// bodyJSON is a body for the document: parsed when it is JSON, a string
// when it is UTF-8 text, else base64 (the second result).
func bodyJSON(body []byte, contentType string) (any, string) {
	switch {
	case len(body) == 0:
		return "", ""
	case !utf8.Valid(body):
		return nil, base64.StdEncoding.EncodeToString(body)
	case isJSON(contentType) && json.Valid(body):
		return json.RawMessage(body), ""
	}
	return string(body), ""
}

// writeErrorJSON writes a failed round trip as {"error": ..., "kind": ...}.
func writeErrorJSON(w io.Writer, err error) {
	kind := client.KindOther
	var ne *client.NetError
	if errors.As(err, &ne) {
		kind = ne.Kind
	}
	encodeJSON(w, struct {
		Error string      `json:"error"`
		Kind  client.Kind `json:"kind"`
	}{err.Error(), kind})
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
