package observe

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/roundtrip/roundtrip/internal/trace"
)

// Export is the observer that records each exchange as OpenTelemetry
// spans on e: the server's span, with its phases as events, and a
// proxy's upstream leg as a client span beneath it. Attribute names are
// OpenTelemetry's HTTP semantic conventions. roundtrip's own routes are
// left out, and so is an exchange whose client's traceparent said it was
// not sampled. A nil e is no observer at all.
func Export(e *trace.Exporter) Observer {
	if e == nil {
		return nil
	}
	return func(_ context.Context, ex *Exchange) {
		if ex.Internal || ex.TraceID.IsZero() {
			return
		}
		s := ServerSpan(ex)
		e.Record(&s)
	}
}

// ServerSpan is ex as the server's span, with its upstream leg as a child.
func ServerSpan(ex *Exchange) trace.Span {
	t := &ex.Times
	c := trace.Context{TraceID: ex.TraceID, SpanID: ex.SpanID, Flags: trace.Sampled | trace.Random}
	var parent trace.SpanID
	if p, ok := trace.Parse(ex.Traceparent); ok {
		c.Flags, parent = p.Flags, p.SpanID
		c.State = trace.ParseState(ex.Request.Headers["Tracestate"]...)
	}
	route := ex.Route
	if _, path, ok := strings.Cut(route, " "); ok {
		route = path // "GET /greeting" is ServeMux's; the convention's http.route is the path
	}
	if ex.Upstream != nil {
		route = "" // a proxy's: every path goes to the app, which has the routes
	}
	name := ex.Method + " " + route
	if route == "" {
		name = ex.Method // the convention's name when no route is known
	}
	scheme := "http"
	if ex.TLS != "" {
		scheme = "https"
	}
	_, query, _ := strings.Cut(ex.URL, "?") // redacted as the record has it
	// Made to hold them all: a slice grown as it fills was a fifth of the
	// span's cost.
	attrs := make([]attribute.KeyValue, 0, 16)
	attrs = append(attrs,
		attribute.String("http.request.method", ex.Method),
		attribute.String("url.scheme", scheme),
		attribute.String("url.path", ex.Path),
		attribute.Int("http.response.status_code", ex.Status),
		attribute.String("network.protocol.version", protoVersion(ex.Proto)),
		attribute.Int64("http.request.body.size", ex.BytesIn),
		attribute.Int64("http.response.body.size", ex.BytesOut),
		attribute.StringSlice("http.request.header.x-request-id", []string{ex.RequestID}),
	)
	if route != "" {
		attrs = append(attrs, attribute.String("http.route", route))
	}
	if query != "" {
		attrs = append(attrs, attribute.String("url.query", query))
	}
	attrs = appendAddr(attrs, "server", ex.Host)
	attrs = appendAddr(attrs, "client", ex.Client)
	if ua := first(ex.Request.Headers, "User-Agent"); ua != "" {
		attrs = append(attrs, attribute.String("user_agent.original", ua))
	}
	s := trace.Span{
		Context: c, Parent: parent, Remote: true, Name: name, Kind: oteltrace.SpanKindServer,
		Start: t.origin(), End: t.Start.Add(max(t.End, 0)), Attrs: attrs,
	}
	if ex.Status >= 500 {
		s.Error = strconv.Itoa(ex.Status)
		s.Attrs = append(s.Attrs, attribute.String("error.type", strconv.Itoa(ex.Status)))
	}
	origin := t.origin()
	phases := t.Phases()
	s.Events = make([]trace.Event, 0, len(phases))
	for _, p := range phases {
		at := origin.Add(time.Duration(p.StartMS * float64(time.Millisecond)))
		s.Events = append(s.Events, trace.Event{Name: p.Name, At: at, Attrs: []attribute.KeyValue{
			attribute.String("roundtrip.phase", p.Label), attribute.Float64("roundtrip.duration_ms", p.DurationMS),
		}})
	}
	if up := ex.Upstream; up != nil && !up.SpanID.IsZero() && !up.Times.Start.IsZero() {
		s.Children = append(s.Children, upstreamSpan(ex.Method, up))
	}
	return s
}

// upstreamSpan is a proxy's upstream leg as a client span.
func upstreamSpan(method string, up *Upstream) trace.Span {
	ut := &up.Times
	end := ut.End
	if end.IsZero() {
		end = ut.Start
	}
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", method),
		attribute.String("url.full", RedactURL(up.URL)),
	}
	if up.Status != 0 {
		attrs = append(attrs, attribute.Int("http.response.status_code", up.Status))
	}
	if u, err := url.Parse(up.URL); err == nil {
		attrs = appendAddr(attrs, "server", u.Host)
	}
	if up.Remote != "" {
		attrs = appendAddr(attrs, "network.peer", up.Remote)
	}
	if up.Proto != "" {
		attrs = append(attrs, attribute.String("network.protocol.version", protoVersion(up.Proto)))
	}
	s := trace.Span{Context: trace.Context{SpanID: up.SpanID}, Name: method, Kind: oteltrace.SpanKindClient,
		Start: ut.Start, End: end, Attrs: attrs}
	if up.Error != "" || up.Status >= 400 {
		why := up.Error
		if why == "" {
			why = strconv.Itoa(up.Status)
		}
		s.Error = why
		s.Attrs = append(s.Attrs, attribute.String("error.type", why))
	}
	origin := ut.Start
	for _, p := range ut.phases(origin) {
		at := origin.Add(time.Duration(p.StartMS * float64(time.Millisecond)))
		s.Events = append(s.Events, trace.Event{Name: p.Name, At: at, Attrs: []attribute.KeyValue{
			attribute.String("roundtrip.phase", p.Label), attribute.Float64("roundtrip.duration_ms", p.DurationMS),
		}})
	}
	return s
}

// protoVersion is network.protocol.version for a Proto: "1.1" for
// HTTP/1.1, "2" for HTTP/2.0.
func protoVersion(proto string) string {
	v := strings.TrimPrefix(proto, "HTTP/")
	return strings.TrimSuffix(v, ".0")
}

// appendAddr appends prefix.address and prefix.port from hostport.
func appendAddr(attrs []attribute.KeyValue, prefix, hostport string) []attribute.KeyValue {
	if hostport == "" {
		return attrs
	}
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
