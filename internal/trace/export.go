package trace

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// Endpoint is where spans go: flag (--otlp) when set, else the standard
// environment's OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, used as it is, or
// OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces added, as the OpenTelemetry
// specification says. "" is off, the default, and also what
// OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none make it. A flag's URL
// without a path gets /v1/traces too, so --otlp http://localhost:4318
// works. The error says what is wrong with a URL.
func Endpoint(flag string, getenv func(string) string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return "", nil
	}
	from, raw, base := "--otlp", flag, true
	switch {
	case flag != "":
	case getenv("OTEL_TRACES_EXPORTER") == "none":
		return "", nil
	case getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "":
		from, raw, base = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), false
	case getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "":
		from, raw = "OTEL_EXPORTER_OTLP_ENDPOINT", getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	default:
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("%s %q is not an http or https URL of an OTLP collector, such as http://localhost:4318", from, raw)
	}
	if base && (flag == "" || u.Path == "" || u.Path == "/") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	}
	return u.String(), nil
}

// Config configures an Exporter.
type Config struct {
	Endpoint string // the collector's OTLP/HTTP traces URL, from Endpoint
	Service  string // service.name, unless OTEL_SERVICE_NAME says otherwise
	Getenv   func(string) string
	Log      io.Writer // where drops are reported, a line at most every LogEvery; nil discards
	Version  string    // service.version, when known

	// Bounds, each with a default: the spans waiting (QueueSize, 2,048),
	// the spans a request to the collector carries (BatchSize, 512), how
	// long a batch waits to fill (Interval, 1s), how long one request may
	// take (Timeout, 5s) and how often drops are logged (LogEvery, 10s).
	QueueSize, BatchSize int
	Interval, Timeout    time.Duration
	LogEvery             time.Duration
}

// Exporter records spans and sends them to an OTLP collector, in batches,
// from a queue of its own: a span that finds the queue full is dropped and
// counted, as is every span of a batch the collector did not take in time,
// so a slow or absent collector never holds a request up. A nil *Exporter
// is off: it records nothing, at no cost.
type Exporter struct {
	provider *sdktrace.TracerProvider
	tracer   oteltrace.Tracer
	queue    *queue
	sampler  sampler
}

// NewExporter starts an exporter to cfg.Endpoint, or returns nil when
// cfg.Endpoint is "": tracing off. It does not connect until a batch is
// sent.
func NewExporter(ctx context.Context, cfg Config) (*Exporter, error) {
	if cfg.Endpoint == "" {
		return nil, nil
	}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 2048
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 512
	}
	cfg.BatchSize = min(cfg.BatchSize, cfg.QueueSize)
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.LogEvery <= 0 {
		cfg.LogEvery = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	// Retries off: a batch the collector refuses is dropped and counted,
	// rather than held while newer spans queue behind it.
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.Endpoint),
		otlptracehttp.WithTimeout(cfg.Timeout), otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		return nil, fmt.Errorf("otlp exporter: %w", err)
	}
	service := cfg.Service
	if s := cfg.Getenv("OTEL_SERVICE_NAME"); s != "" {
		service = s
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", service)}
	if cfg.Version != "" {
		attrs = append(attrs, attribute.String("service.version", cfg.Version))
	}
	smp, err := newSampler(cfg.Getenv("OTEL_TRACES_SAMPLER"), cfg.Getenv("OTEL_TRACES_SAMPLER_ARG"))
	if err != nil {
		return nil, err
	}
	q := newQueue(exp, cfg)
	e := &Exporter{queue: q, sampler: smp}
	e.provider = sdktrace.NewTracerProvider(
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
		sdktrace.WithSampler(sdktrace.AlwaysSample()), // Record skips the unsampled
		sdktrace.WithIDGenerator(presetIDs{}),
		sdktrace.WithSpanProcessor(q),
	)
	e.tracer = e.provider.Tracer("github.com/roundtrip/roundtrip")
	return e, nil
}

// Dropped is how many spans were not delivered: the queue was full, or
// the collector did not take their batch. Exported is how many were.
func (e *Exporter) Dropped() uint64 {
	if e == nil {
		return 0
	}
	return e.queue.dropped.Load()
}

// Exported is how many spans the collector took.
func (e *Exporter) Exported() uint64 {
	if e == nil {
		return 0
	}
	return e.queue.exported.Load()
}

// Shutdown sends what is queued, for as long as ctx allows, then gives
// up on the rest (counted as dropped): a process exits on time whatever
// the collector does.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if e == nil {
		return nil
	}
	return e.provider.Shutdown(ctx)
}

// Span is one finished span to record, with its own ids and instants:
// roundtrip records an exchange once it is over, from its timings.
type Span struct {
	Context Context // its trace, its own span id, its flags and tracestate
	Parent  SpanID  // zero for a trace's root
	Remote  bool    // the parent is another process's
	Name    string
	Kind    oteltrace.SpanKind
	Start   time.Time
	End     time.Time
	Attrs   []attribute.KeyValue
	Events  []Event
	Error   string // when set, the span's status is Error with this description
	// Children are recorded after it, as its children: their trace and
	// parent are set from it, and a zero span id is made.
	Children []Span
}

// Event is a timed point in a span.
type Event struct {
	Name  string
	At    time.Time
	Attrs []attribute.KeyValue
}

// Record sends s, and its children, to the collector, unless the sampler
// leaves it out (by default, when its parent was not sampled). It
// returns at once.
func (e *Exporter) Record(s *Span) {
	if e == nil || !s.Context.Valid() || !e.sampler.keep(s) {
		return
	}
	ctx := context.Background()
	if !s.Parent.IsZero() {
		state, _ := oteltrace.ParseTraceState(s.Context.State)
		ctx = oteltrace.ContextWithSpanContext(ctx, oteltrace.NewSpanContext(oteltrace.SpanContextConfig{
			TraceID: oteltrace.TraceID(s.Context.TraceID), SpanID: oteltrace.SpanID(s.Parent),
			TraceFlags: oteltrace.TraceFlags(s.Context.Flags), TraceState: state, Remote: s.Remote,
		}))
	}
	ctx = context.WithValue(ctx, presetKey{}, s.Context)
	_, span := e.tracer.Start(ctx, s.Name, oteltrace.WithTimestamp(s.Start), oteltrace.WithSpanKind(s.Kind),
		oteltrace.WithAttributes(s.Attrs...))
	for _, ev := range s.Events {
		span.AddEvent(ev.Name, oteltrace.WithTimestamp(ev.At), oteltrace.WithAttributes(ev.Attrs...))
	}
	if s.Error != "" {
		span.SetStatus(codes.Error, s.Error)
	}
	span.End(oteltrace.WithTimestamp(s.End))
	for i := range s.Children {
		c := s.Children[i]
		c.Context.TraceID, c.Context.Flags, c.Context.State = s.Context.TraceID, s.Context.Flags, s.Context.State
		if c.Context.SpanID.IsZero() {
			c.Context.SpanID = NewSpanID()
		}
		c.Parent, c.Remote = s.Context.SpanID, false
		e.Record(&c)
	}
}

// sampler is OTEL_TRACES_SAMPLER's choice of the spans recorded: the
// specification's samplers, parentbased_always_on by default. ratio is
// the share of traces a root keeps: 1, 0, or OTEL_TRACES_SAMPLER_ARG's.
type sampler struct {
	parentBased bool
	ratio       float64
}

func newSampler(name, arg string) (sampler, error) {
	ratio := 1.0
	if strings.HasSuffix(name, "traceidratio") {
		ratio = 1 // the specification's default argument
		if arg != "" {
			r, err := strconv.ParseFloat(arg, 64)
			if err != nil || r < 0 || r > 1 {
				return sampler{}, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG %q is not a ratio from 0 to 1", arg)
			}
			ratio = r
		}
	}
	switch name {
	case "", "parentbased_always_on":
		return sampler{parentBased: true, ratio: 1}, nil
	case "parentbased_always_off":
		return sampler{parentBased: true, ratio: 0}, nil
	case "parentbased_traceidratio":
		return sampler{parentBased: true, ratio: ratio}, nil
	case "always_on":
		return sampler{ratio: 1}, nil
	case "always_off":
		return sampler{ratio: 0}, nil
	case "traceidratio":
		return sampler{ratio: ratio}, nil
	}
	return sampler{}, fmt.Errorf("OTEL_TRACES_SAMPLER %q is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio", name)
}

// keep decides for s: a span with a parent follows the parent's sampled
// flag when parent-based; a root keeps a ratio of the traces, by the
// trace id's last 8 bytes as the SDK's TraceIDRatioBased does, so every
// process of a trace decides alike.
func (smp sampler) keep(s *Span) bool {
	if smp.parentBased && !s.Parent.IsZero() {
		return s.Context.IsSampled()
	}
	switch smp.ratio {
	case 1:
		return true
	case 0:
		return false
	}
	return binary.BigEndian.Uint64(s.Context.TraceID[8:])>>1 < uint64(smp.ratio*(1<<63))
}

// presetIDs makes the SDK use the ids roundtrip chose, which went out in
// traceparent and Server-Timing headers before the span was recorded.
type presetIDs struct{}

type presetKey struct{}

func (presetIDs) NewIDs(ctx context.Context) (oteltrace.TraceID, oteltrace.SpanID) {
	if c, ok := ctx.Value(presetKey{}).(Context); ok {
		return oteltrace.TraceID(c.TraceID), oteltrace.SpanID(c.SpanID)
	}
	c := New()
	return oteltrace.TraceID(c.TraceID), oteltrace.SpanID(c.SpanID)
}

func (presetIDs) NewSpanID(ctx context.Context, _ oteltrace.TraceID) oteltrace.SpanID {
	if c, ok := ctx.Value(presetKey{}).(Context); ok {
		return oteltrace.SpanID(c.SpanID)
	}
	return oteltrace.SpanID(NewSpanID())
}

// queue is the Exporter's span processor: a bounded channel that OnEnd
// never waits on, and one goroutine sending batches. The SDK's
// BatchSpanProcessor is the same idea, but counts its drops where no
// caller can read them.
type queue struct {
	exp      sdktrace.SpanExporter
	spans    chan sdktrace.ReadOnlySpan
	cfg      Config
	dropped  atomic.Uint64
	exported atomic.Uint64

	ctx    context.Context // canceled when Shutdown runs out of time
	cancel context.CancelFunc
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once

	logged  uint64 // drops already logged; the goroutine's alone
	lastLog time.Time
	lastErr error
}

func newQueue(exp sdktrace.SpanExporter, cfg Config) *queue {
	q := &queue{exp: exp, spans: make(chan sdktrace.ReadOnlySpan, cfg.QueueSize), cfg: cfg,
		stop: make(chan struct{}), done: make(chan struct{})}
	q.ctx, q.cancel = context.WithCancel(context.Background())
	go q.run()
	return q
}

func (q *queue) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (q *queue) OnEnd(s sdktrace.ReadOnlySpan) {
	select {
	case q.spans <- s:
	default:
		q.dropped.Add(1)
	}
}

func (q *queue) ForceFlush(context.Context) error { return nil }

func (q *queue) Shutdown(ctx context.Context) error {
	q.once.Do(func() { close(q.stop) })
	var err error
	select {
	case <-q.done:
	case <-ctx.Done():
		q.cancel() // the export under way gives up; its spans count as dropped
		select {
		case <-q.done:
		case <-time.After(100 * time.Millisecond):
		}
		err = errors.New("trace: the collector did not take the last spans in time")
	}
	q.cancel()
	sctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	return errors.Join(err, q.exp.Shutdown(sctx))
}

func (q *queue) run() {
	defer close(q.done)
	tick := time.NewTicker(q.cfg.Interval)
	defer tick.Stop()
	batch := make([]sdktrace.ReadOnlySpan, 0, q.cfg.BatchSize)
	for {
		select {
		case s := <-q.spans:
			if batch = append(batch, s); len(batch) < cap(batch) {
				continue
			}
		case <-tick.C:
		case <-q.stop:
			for {
				select {
				case s := <-q.spans:
					if batch = append(batch, s); len(batch) < cap(batch) {
						continue
					}
					batch = q.export(batch)
					continue
				default:
				}
				break
			}
			q.export(batch)
			q.report(true)
			return
		}
		batch = q.export(batch)
		q.report(false)
	}
}

// export sends batch, counts it exported or dropped, and returns it
// emptied for reuse.
func (q *queue) export(batch []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	if len(batch) == 0 {
		return batch
	}
	if q.ctx.Err() != nil {
		q.dropped.Add(uint64(len(batch)))
		return batch[:0]
	}
	ctx, cancel := context.WithTimeout(q.ctx, q.cfg.Timeout)
	err := q.exp.ExportSpans(ctx, batch)
	cancel()
	if err != nil {
		q.dropped.Add(uint64(len(batch)))
		q.lastErr = err
	} else {
		q.exported.Add(uint64(len(batch)))
	}
	clear(batch) // let the spans go
	return batch[:0]
}

// report logs the drops since the last line, at most every LogEvery, and
// at the end whatever is left.
func (q *queue) report(last bool) {
	n := q.dropped.Load()
	if n == q.logged || !last && time.Since(q.lastLog) < q.cfg.LogEvery {
		return
	}
	why := "the queue was full"
	if q.lastErr != nil {
		why = "the collector did not take them: " + q.lastErr.Error()
	}
	fmt.Fprintf(q.cfg.Log, "trace: %d spans dropped (%d in all): %s\n", n-q.logged, n, why)
	q.logged, q.lastLog, q.lastErr = n, time.Now(), nil
}
