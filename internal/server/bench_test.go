package server

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// discardWriter is a ResponseWriter that keeps only the status, reused
// across iterations so the benchmarks measure the server, not the recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

func (w *discardWriter) reset() {
	clear(w.h)
	w.status = 0
}

// benchRequest is a request whose body can be replayed each iteration.
type benchRequest struct {
	r    *http.Request
	body []byte
	rd   *bytes.Reader
}

func newBenchRequest(method, target, contentType, body string) *benchRequest {
	br := &benchRequest{body: []byte(body), rd: bytes.NewReader(nil)}
	br.r = httptest.NewRequest(method, target, nil)
	br.r.RemoteAddr = "127.0.0.1:40000"
	if body != "" {
		br.r.Header.Set("Content-Type", contentType)
		br.r.ContentLength = int64(len(body))
		br.r.Body = io.NopCloser(br.rd)
	}
	return br
}

func (br *benchRequest) serve(b *testing.B, h http.Handler, w *discardWriter, want int) {
	br.rd.Reset(br.body)
	w.reset()
	h.ServeHTTP(w, br.r)
	if w.status != want && !(w.status == 0 && want == http.StatusOK) {
		b.Fatalf("%s %s = %d; want %d", br.r.Method, br.r.URL, w.status, want)
	}
}

// benchCase is one request a benchmark sends, and the status it must get.
type benchCase struct {
	name string
	req  *benchRequest
	want int
}

// loop runs each case as a sub-benchmark against h.
func loop(b *testing.B, h http.Handler, cases []benchCase) {
	for _, tt := range cases {
		b.Run(tt.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				tt.req.serve(b, h, w, tt.want)
			}
		})
	}
}

var kibBody = `{"name":"Alice","padding":"` + strings.Repeat("x", 1024-29) + `"}`

// BenchmarkRouting is a request through the whole handler stack with capture
// off: the mux, method dispatch, middleware and the handler.
func BenchmarkRouting(b *testing.B) {
	loop(b, New(Config{NoInspector: true}).Handler(), []benchCase{
		{"GET /hello", newBenchRequest("GET", "/hello", "", ""), 200},
		{"GET /api/greeting", newBenchRequest("GET", "/api/greeting?name=Alice", "", ""), 200},
		{"POST /echo 1KiB", newBenchRequest("POST", "/echo", "application/json", kibBody), 200},
		{"GET /status/204", newBenchRequest("GET", "/status/204", "", ""), 204},
		{"GET /nope 404", newBenchRequest("GET", "/nope", "", ""), 404},
		{"DELETE /hello 405", newBenchRequest("DELETE", "/hello", "", ""), 405},
	})
}

// BenchmarkMethods is method dispatch alone, in front of a handler that
// does nothing.
func BenchmarkMethods(b *testing.B) {
	noop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	m := byMethod(map[string]http.Handler{http.MethodGet: noop, http.MethodPost: noop})
	req := newBenchRequest("GET", "/hello", "", "")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		req.serve(b, m, w, http.StatusOK)
	}
}

// BenchmarkGreeting is the lesson's greeting handler on its own.
func BenchmarkGreeting(b *testing.B) {
	loop(b, handleGreeting(), []benchCase{
		{"GET name=Alice", newBenchRequest("GET", "/api/greeting?name=Alice", "", ""), 200},
		{"GET no name", newBenchRequest("GET", "/api/greeting", "", ""), 200},
		{"GET encoded name", newBenchRequest("GET", "/api/greeting?name=Zo%C3%AB%20%26%20Al", "", ""), 200},
		{"GET control character", newBenchRequest("GET", "/api/greeting?name=a%0Ab", "", ""), 400},
	})
	loop(b, handleGreetingJSON(), []benchCase{
		{"POST JSON", newBenchRequest("POST", "/api/greeting", "application/json", `{"name":"Bob"}`), 200},
	})
}
