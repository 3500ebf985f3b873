package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

// reportTimeout bounds the report's post, which must not hold request up.
const reportTimeout = 2 * time.Second

// reportTarget is where to post the client's side of the exchange: the
// inspector --report-to names, or, without it, the server's own when the
// server is roundtrip serve on this machine: its Server-Timing is
// roundtrip's (route, handler and a traceparent) and its
// /_roundtrip/api/info says so. "" for none.
func reportTarget(ctx context.Context, flag string, u *url.URL, res *client.Response) (target string, explicit bool) {
	if flag != "" {
		if strings.HasSuffix(flag, reportsPath) {
			return flag, true
		}
		return strings.TrimSuffix(flag, "/") + reportsPath, true
	}
	if res == nil || !loopbackHost(u.Hostname()) {
		return "", false
	}
	var route, handler bool
	for _, m := range res.ServerTiming {
		route = route || m.Name == "route"
		handler = handler || m.Name == "handler"
	}
	if _, ok := servertiming.Traceparent(res.Header.Values("Server-Timing")); !ok || !route || !handler {
		return "", false
	}
	base := url.URL{Scheme: u.Scheme, Host: u.Host}
	ctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base.String()+"/_roundtrip/api/info", nil)
	resp, err := reportClient.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var info struct {
		Mode      string `json:"mode"`
		Inspector bool   `json:"inspector"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 4<<10)).Decode(&info) != nil ||
		info.Mode != "serve" || !info.Inspector {
		return "", false // a proxy's app, or not roundtrip: its inspector is elsewhere, if anywhere
	}
	return base.String() + reportsPath, false
}

const reportsPath = "/_roundtrip/api/reports"

// checkReportTo refuses a --report-to that is no http or https URL.
func checkReportTo(flag string) error {
	if flag == "" {
		return nil
	}
	u, err := url.Parse(flag)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return usageError("request: --report-to %q is not the inspector's http or https URL, such as http://localhost:4040", flag)
	}
	return nil
}

// reportClient posts reports: no proxy, a short timeout, and a TLS
// check as strict as the system's (a report names the exchange's URL).
var reportClient = &http.Client{Timeout: reportTimeout, Transport: &http.Transport{Proxy: nil}}

// newReport is the client's side of res's exchange, as the inspector
// takes it.
func newReport(req *http.Request, res *client.Response) inspect.Report {
	tl := res.Timeline
	ms := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return observe.Millis(t.Sub(tl.Start))
	}
	sent := tl.GotConn
	if sent.IsZero() {
		sent = tl.Start
	}
	r := inspect.Report{
		TraceID: res.Span.TraceID, SpanID: res.Span.SpanID, Method: req.Method, URL: req.URL.Redacted(), Start: tl.Start.UTC(),
		SentMS: ms(sent), FirstByteMS: max(ms(tl.FirstByte), ms(sent)), TotalMS: 0,
	}
	r.TotalMS = max(ms(tl.End), r.FirstByteMS)
	labels := [client.NumPhases]string{"DNS lookup", "TCP connect", "TLS handshake", "request sent", "waiting for the answer", "response received"}
	for p, st := range [client.NumPhases][2]time.Time{
		{tl.DNSStart, tl.DNSDone}, {tl.ConnectStart, tl.ConnectDone}, {tl.TLSStart, tl.TLSDone},
		{tl.GotConn, tl.WroteRequest}, {tl.WroteRequest, tl.FirstByte}, {tl.FirstByte, tl.End},
	} {
		if st[0].IsZero() || st[1].IsZero() || st[1].Before(st[0]) {
			continue
		}
		r.Phases = append(r.Phases, observe.Phase{Name: client.Phase(p).String(), Label: labels[p], StartMS: ms(st[0]), DurationMS: observe.Millis(st[1].Sub(st[0]))})
	}
	return r
}

// report posts the client's side of stream's exchange to the inspector,
// when one is named or found, once the exchange is over. A failure is a
// note with --report-to, and silent when the inspector was only guessed.
func report(ctx context.Context, notes io.Writer, flag string, u *url.URL, stream *client.Stream) {
	if stream == nil || stream.Response == nil {
		return
	}
	stream.Close() // the timeline is complete once the exchange is
	res := stream.Response
	if !res.Span.Valid() {
		return
	}
	target, explicit := reportTarget(ctx, flag, u, res)
	if target == "" {
		return
	}
	body, _ := json.Marshal(newReport(res.Request, res))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(notes, "roundtrip: cannot report to %s: %v\n", terminalSafe(flag), err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := reportClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			err = fmt.Errorf("the inspector answered %s", resp.Status)
		}
	}
	if err != nil && explicit {
		fmt.Fprintf(notes, "roundtrip: could not report the exchange to %s: %v\n", terminalSafe(flag), err)
	}
}

// loopbackHost reports whether host names this machine.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
