package bench

import (
	"bytes"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/roundtrip/roundtrip/internal/trace"
)

// DefaultTraceRate is the share of requests that carry a traceparent
// unless Config.TraceRate says otherwise: 1 in 100, sampled, each a new
// trace's root. The rest carry none, so the load measures the server as
// most clients use it; a sample is enough to find a slow exchange in a
// tracing backend.
const DefaultTraceRate = 0.01

// tracer is one worker's trace sampling: every request whose number is
// a multiple of every carries a sampled traceparent and, with an
// exporter, is recorded as a client span. A nil *tracer samples none.
type tracer struct {
	every, n uint64
	exp      *trace.Exporter
	method   string
	url      string
	wire     []byte // for h1: the request with a traceparent field
	at       int    // where in wire the traceparent's value starts
	cur      trace.Context
	start    time.Time
	active   bool
}

// newTracer is a worker's tracer for t, nil when t samples none.
func newTracer(t *target) *tracer {
	if t.traceRate <= 0 {
		return nil
	}
	tr := &tracer{every: max(uint64(1/t.traceRate+0.5), 1), exp: t.traceExp, method: t.method, url: t.url.String()}
	// The h1 client sends bytes made once: a copy with a traceparent
	// field, whose ids are written over for each sampled request.
	if end := bytes.Index(t.wire, []byte("\r\n\r\n")); end >= 0 {
		field := "\r\nTraceparent: " + trace.New().Traceparent()
		tr.wire = append(append(append([]byte{}, t.wire[:end]...), field...), t.wire[end:]...)
		tr.at = end + len("\r\nTraceparent: ")
	}
	return tr
}

// next reports whether this request is sampled, and if so starts its span.
func (tr *tracer) next() bool {
	if tr == nil {
		return false
	}
	tr.n++
	if tr.n%tr.every != 0 {
		return false
	}
	tr.cur, tr.start, tr.active = trace.New(), time.Now(), true
	if tr.wire != nil {
		tr.cur.Append(tr.wire[tr.at:tr.at])
	}
	return true
}

// done ends the sampled request's span: status 0 with err when no answer came.
func (tr *tracer) done(status int, err error) {
	if tr == nil || !tr.active {
		return
	}
	tr.active = false
	if tr.exp == nil {
		return
	}
	s := trace.Span{Context: tr.cur, Name: tr.method, Kind: oteltrace.SpanKindClient, Start: tr.start, End: time.Now(),
		Attrs: []attribute.KeyValue{attribute.String("http.request.method", tr.method), attribute.String("url.full", tr.url)}}
	if status != 0 {
		s.Attrs = append(s.Attrs, attribute.Int("http.response.status_code", status))
	}
	if err != nil {
		s.Error = err.Error()
	} else if status >= 400 {
		s.Error = strconv.Itoa(status)
	}
	tr.exp.Record(&s)
}
