package cli

import (
	"context"
	"flag"
	"time"

	"github.com/roundtrip/roundtrip/internal/trace"
)

// traceFlags are tracing's flags: --otlp on every command that makes
// spans, --traceparent on the clients.
type traceFlags struct {
	cmd         string
	otlp        *string
	traceparent *string // nil for serve and proxy, which continue their clients'
}

func addTraceFlags(fs *flag.FlagSet, cmd string, client bool) *traceFlags {
	f := &traceFlags{cmd: cmd}
	f.otlp = fs.String("otlp", "", "export spans over OTLP/HTTP to the collector at `URL`, such as http://localhost:4318 (Jaeger, Tempo, an OpenTelemetry Collector); default $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or $OTEL_EXPORTER_OTLP_ENDPOINT, else off")
	if client {
		f.traceparent = fs.String("traceparent", "", "continue the trace of this W3C `traceparent` (default $TRACEPARENT): the request's span is its child; without one each request starts a trace")
	}
	return f
}

// exportShutdown bounds how long a command waits, as it exits, for the
// collector to take the last spans.
const exportShutdown = time.Second

// exporter starts the span exporter the flags and the environment ask
// for, nil when none (the default), and returns how to stop it: within
// exportShutdown, whatever the collector does.
func (f *traceFlags) exporter(ctx context.Context, e *env) (*trace.Exporter, func(), error) {
	endpoint, err := trace.Endpoint(*f.otlp, e.getenv)
	if err != nil {
		return nil, func() {}, usageError("%s: %v", f.cmd, err)
	}
	exp, err := trace.NewExporter(ctx, trace.Config{Endpoint: endpoint, Service: "roundtrip-" + f.cmd,
		Getenv: e.getenv, Log: e.stderr, Version: version()})
	if err != nil {
		return nil, func() {}, usageError("%s: %v", f.cmd, err)
	}
	return exp, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exportShutdown)
		defer cancel()
		exp.Shutdown(ctx) // what it could not send it has counted and logged
	}, nil
}

// parent is the trace to continue: --traceparent, which must be valid,
// else $TRACEPARENT (with $TRACESTATE), ignored when it is not, as the W3C
// spec says of a header; the zero Context starts a new trace.
func (f *traceFlags) parent(e *env) (trace.Context, error) {
	if f.traceparent == nil {
		return trace.Context{}, nil
	}
	if tp := *f.traceparent; tp != "" {
		c, ok := trace.Parse(tp)
		if !ok {
			return trace.Context{}, usageError("%s: --traceparent %q is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>, lowercase, ids not all zero)", f.cmd, tp)
		}
		c.State = trace.ParseState(e.getenv("TRACESTATE"))
		return c, nil
	}
	c, ok := trace.Parse(e.getenv("TRACEPARENT"))
	if !ok {
		return trace.Context{}, nil
	}
	c.State = trace.ParseState(e.getenv("TRACESTATE"))
	return c, nil
}
