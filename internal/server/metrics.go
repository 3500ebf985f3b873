package server

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
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
	inFlight atomic.Int64 // read by a GaugeFunc at scrape time: Add is cheaper than a float gauge's Inc
	handler  http.Handler

	// routes resolves labels once per series, not per request. It is
	// copied on write: a new series is rare, a lookup is every request.
	mu     sync.Mutex // serializes writers
	routes atomic.Pointer[map[string]*routeSeries]
}

// routeSeries are one route pattern's series.
type routeSeries struct {
	latency  prometheus.Observer
	requests atomic.Pointer[[]requestSeries] // copied on write, few per route
}

type requestSeries struct {
	method string
	status int
	prometheus.Counter
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "roundtrip_http_requests_total",
			Help: "Requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "roundtrip_http_request_duration_seconds",
			Help:    "Time from a request's arrival at the handler stack to its handler's return, by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	m.routes.Store(new(map[string]*routeSeries))
	inFlight := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "roundtrip_http_requests_in_flight",
		Help: "Requests being handled now.",
	}, func() float64 { return float64(m.inFlight.Load()) })
	reg.MustRegister(m.requests, m.latency, inFlight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	method = methodLabel(method)
	rs := (*m.routes.Load())[route]
	if rs == nil {
		rs = m.route(route)
	}
	rs.latency.Observe(d.Seconds())
	for _, s := range *rs.requests.Load() {
		if s.status == status && s.method == method {
			s.Inc()
			return
		}
	}
	m.request(rs, route, method, status).Inc()
}

// route returns route's series, adding them if they are new.
func (m *metrics) route(route string) *routeSeries {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.routes.Load()
	if rs := old[route]; rs != nil {
		return rs // a racing writer added it
	}
	rs := &routeSeries{latency: m.latency.WithLabelValues(route)}
	rs.requests.Store(new([]requestSeries))
	routes := make(map[string]*routeSeries, len(old)+1)
	maps.Copy(routes, old)
	routes[route] = rs
	m.routes.Store(&routes)
	return rs
}

// request returns the request counter of route, method and status,
// adding it if it is new.
func (m *metrics) request(rs *routeSeries, route, method string, status int) prometheus.Counter {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *rs.requests.Load()
	for _, s := range old {
		if s.status == status && s.method == method {
			return s.Counter // a racing writer added it
		}
	}
	s := requestSeries{method, status, m.requests.WithLabelValues(route, method, statusLabel(status))}
	rs.requests.Store(new(append(slices.Clip(old), s)))
	return s.Counter
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
