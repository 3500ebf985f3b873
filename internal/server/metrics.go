package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/roundtrip/roundtrip/internal/observe"
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
}

func newMetrics() *metrics {
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
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	return m
}

// observe is the metrics' observe.Observer.
func (m *metrics) observe(_ context.Context, ex *observe.Exchange) {
	m.latency.WithLabelValues(ex.Route).Observe(ex.Times.End.Seconds())
	m.requests.WithLabelValues(ex.Route, methodLabel(ex.Method), strconv.Itoa(ex.Status)).Inc()
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
