package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
	mu       sync.RWMutex
	series   map[seriesKey]*series // resolving labels once, not per request
}

type seriesKey struct {
	route, method string
	status        int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		series: make(map[seriesKey]*series),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roundtrip_http_requests_total",
			Help: "Requests answered, by route pattern, method and status.",
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

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	k := seriesKey{route, methodLabel(method), status}
	m.mu.RLock()
	s := m.series[k] // a typed map: sync.Map would hash the key through an interface
	m.mu.RUnlock()
	if s == nil {
		s = &series{
			requests: m.requests.WithLabelValues(k.route, k.method, statusLabel(status)),
			latency:  m.latency.WithLabelValues(route),
		}
		m.mu.Lock()
		m.series[k] = s // a racing writer stores the same series: WithLabelValues returns it
		m.mu.Unlock()
	}
	s.requests.Inc()
	s.latency.Observe(d.Seconds())
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

// statusLabels avoids formatting a status on every request.
var statusLabels = func() (s [600]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func statusLabel(code int) string {
	if code >= 0 && code < len(statusLabels) {
		return statusLabels[code]
	}
	return strconv.Itoa(code)
}

// handleMetrics is GET /metrics, in the Prometheus text format.
func (m *metrics) handleMetrics() http.Handler { return m.handler }
