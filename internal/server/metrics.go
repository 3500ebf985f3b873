package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/store"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// metrics are the server's Prometheus metrics, in a registry of its own so
// two Servers in one process (as in tests) never collide. Labels are the
// route pattern, never the raw path, and a closed set of methods, so the
// number of series stays bounded whatever clients send.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
	handler  http.Handler

	// series finds a request's two series by its labels, resolving them
	// once per label set: WithLabelValues hashes and locks on every call,
	// which BenchmarkCapture measures at a third of a microsecond.
	series sync.Map // seriesKey → *series
}

type seriesKey struct {
	route, method string
	status        int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// newMetrics makes the metrics; logs, when not nil, is the log whose
// dropped lines they count, and durable the store they report on.
func newMetrics(logs *accesslog.Log, durable *store.Store, spans *trace.Exporter) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roundtrip_http_requests_total",
			Help: "Requests answered, by route pattern, method and status; status 499 is a client that left before any answer.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "roundtrip_http_request_duration_seconds",
			Help:    "Time from a request's arrival at the handler stack to its handler's return, by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "roundtrip_http_requests_in_flight",
			Help: "Requests being handled now.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.inFlight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if logs != nil {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "roundtrip_log_lines_dropped_total",
			Help: "Log lines (the access log's and the server's own) dropped because stderr did not take them in time: stalled, or too slow.",
		}, func() float64 { return float64(logs.Dropped()) }))
	}
	if spans != nil {
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "roundtrip_trace_spans_exported_total",
				Help: "Spans the OTLP collector took.",
			}, func() float64 { return float64(spans.Exported()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "roundtrip_trace_spans_dropped_total",
				Help: "Spans not delivered to the OTLP collector: the export queue was full, or the collector did not take them in time.",
			}, func() float64 { return float64(spans.Dropped()) }),
		)
	}
	if durable != nil {
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "roundtrip_store_dropped_total",
				Help: "Captures the store did not write: its writer fell behind, or a write failed.",
			}, func() float64 { return float64(durable.Dropped()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "roundtrip_store_degraded",
				Help: "1 while the store cannot write (a full disk, an I/O error); requests are served all the same.",
			}, func() float64 {
				if durable.Degraded() != nil {
					return 1
				}
				return 0
			}),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "roundtrip_store_exchanges",
				Help: "Exchanges in the store.",
			}, func() float64 { return float64(durable.Stats().Count) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "roundtrip_store_bytes",
				Help: "Bytes of the stored records, which --store-max-bytes bounds.",
			}, func() float64 { return float64(durable.Stats().Bytes) }),
		)
	}
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	return m
}

// observe is the metrics' observe.Observer.
func (m *metrics) observe(_ context.Context, ex *observe.Exchange) {
	k := seriesKey{ex.Route, methodLabel(ex.Method), ex.Status}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, &series{
			requests: m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.status)),
			latency:  m.latency.WithLabelValues(k.route),
		})
	}
	s := v.(*series)
	s.requests.Inc()
	s.latency.Observe(ex.Times.End.Seconds())
}

// countInFlight counts the requests inside next.
func (m *metrics) countInFlight(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		next.ServeHTTP(w, r)
	})
}

// methodLabel maps the methods a client may invent onto one label.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

// handleMetrics is GET /metrics, in the Prometheus text format.
func (m *metrics) handleMetrics() http.Handler { return m.handler }
