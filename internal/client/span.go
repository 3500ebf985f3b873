package client

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/roundtrip/roundtrip/internal/trace"
)

// traceparent sets req's traceparent, a new span of c's Config.Parent's
// trace or of a new one, and returns its context. A traceparent the
// caller set (-H traceparent:…) is sent as it is, and its context is the
// span's, with no parent known.
func (c *Client) traceparent(req *http.Request) (span trace.Context, parent trace.SpanID) {
	if vs := req.Header["Traceparent"]; len(vs) > 0 {
		tc, _ := trace.Parse(vs[0])
		return tc, trace.SpanID{}
	}
	if p := c.cfg.Parent; p.Valid() {
		span, parent = p.Child(), p.SpanID
	} else {
		span = trace.New()
	}
	req.Header.Set("Traceparent", span.Traceparent())
	if span.State != "" {
		req.Header.Set("Tracestate", span.State)
	}
	return span, parent
}

// record exports the exchange's client span, with its phases as child
// spans, when Config.Trace is set. err is why no complete answer came.
func (s *Stream) record(err error) {
	if s.exporter == nil || !s.span.Valid() {
		return
	}
	tl := s.trace.Timeline()
	end := tl.End
	if end.IsZero() {
		end = tl.FirstByte
	}
	req := s.req
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", req.Method),
		attribute.String("url.full", fullURL(req.URL)),
	}
	attrs = appendHostPort(attrs, "server", hostPort(req))
	if tl.RemoteAddr != nil {
		attrs = appendHostPort(attrs, "network.peer", tl.RemoteAddr.String())
	}
	sp := trace.Span{Context: s.span, Parent: s.parent, Remote: true, Name: req.Method, Kind: oteltrace.SpanKindClient,
		Start: tl.Start, End: end, Attrs: attrs}
	if r := s.Response; r != nil {
		sp.Attrs = append(sp.Attrs, attribute.Int("http.response.status_code", r.Status),
			attribute.String("network.protocol.version", strings.TrimSuffix(strings.TrimPrefix(r.Proto, "HTTP/"), ".0")))
		if r.Status >= 400 {
			sp.Error = strconv.Itoa(r.Status)
			sp.Attrs = append(sp.Attrs, attribute.String("error.type", sp.Error))
		}
	}
	if err != nil {
		sp.Error = err.Error()
		sp.Attrs = append(sp.Attrs, attribute.String("error.type", "roundtrip.request_failed"))
	}
	for p, st := range tl.stretches() {
		if st[0].IsZero() || st[1].IsZero() || st[1].Before(st[0]) {
			continue
		}
		sp.Children = append(sp.Children, trace.Span{Name: Phase(p).String(), Kind: oteltrace.SpanKindInternal, Start: st[0], End: st[1]})
	}
	s.exporter.Record(&sp)
}

// stretches are the phases' start and end instants, indexed by Phase, as
// Phases measures them.
func (tl Timeline) stretches() [NumPhases][2]time.Time {
	return [NumPhases][2]time.Time{
		DNS: {tl.DNSStart, tl.DNSDone}, Connect: {tl.ConnectStart, tl.ConnectDone}, TLS: {tl.TLSStart, tl.TLSDone},
		Send: {tl.GotConn, tl.WroteRequest}, Wait: {tl.WroteRequest, tl.FirstByte}, Receive: {tl.FirstByte, tl.End},
	}
}

// fullURL is u for url.full, its password left out.
func fullURL(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	c := *u
	c.User = url.User(u.User.Username())
	return c.String()
}

func appendHostPort(attrs []attribute.KeyValue, prefix, hostport string) []attribute.KeyValue {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return append(attrs, attribute.String(prefix+".address", hostport))
	}
	attrs = append(attrs, attribute.String(prefix+".address", host))
	if n, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, attribute.Int(prefix+".port", n))
	}
	return attrs
}
