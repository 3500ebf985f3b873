package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"syscall"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
)

// std is one worker's client on net/http, for TLS and HTTP/2. It allocates
// per request, as net/http does; the lean h1 client covers plain HTTP/1.1.
//
// It calls the transport itself, not through an http.Client: a Client
// adds its redirect loop (bench follows none) and its own deadline
// plumbing, 15,300 instructions a request of the 173,700 client and
// server spend (callgrind, BenchmarkStdRoundTrip at 2,000 and 10,000).
type std struct {
	rt      http.RoundTripper
	timeout time.Duration
	req     *http.Request
	body    []byte
	ctx     context.Context
	cancel  context.CancelFunc
	buf     []byte
	id      string  // the last response's X-Request-Id
	tr      *tracer // nil when no request is traced

	// With phases: a sampled request goes as traced, through the shared
	// trace helper.
	traced *http.Request
	trace  *client.Trace
	phases *phaseRecorder
}

func newStd(ctx context.Context, rt http.RoundTripper, timeout time.Duration, t *target, phases *phaseRecorder) *std {
	ctx, cancel := context.WithCancel(ctx)
	c := &std{rt: rt, timeout: timeout, req: t.req.Clone(ctx), body: t.body, ctx: ctx, cancel: cancel, buf: make([]byte, 16<<10), phases: phases, tr: newTracer(t)}
	if phases != nil {
		c.trace = client.NewTrace()
		c.traced = t.req.Clone(c.trace.Context(ctx))
	}
	return c
}

// roundTrip sends one request and reads its body, all within the timeout.
func (c *std) roundTrip(sample bool) (int, int64, error) {
	req := c.req
	if sample && c.traced != nil {
		req = c.traced
		c.trace.Reset()
	}
	if c.tr.next() {
		req.Header["Traceparent"] = []string{c.tr.cur.Traceparent()}
	} else if c.tr != nil {
		delete(req.Header, "Traceparent")
	}
	if len(c.body) > 0 {
		req.Body = io.NopCloser(bytes.NewReader(c.body))
		req.ContentLength = int64(len(c.body))
	}
	ctx, cancel := context.WithTimeout(req.Context(), c.timeout)
	defer cancel()
	resp, err := c.rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		c.tr.done(0, err)
		return 0, 0, err
	}
	c.id = resp.Header.Get("X-Request-Id")
	n, err := io.CopyBuffer(io.Discard, resp.Body, c.buf)
	_ = resp.Body.Close()
	c.tr.done(resp.StatusCode, err)
	if err != nil {
		return 0, n, err
	}
	if req == c.traced {
		c.trace.Finish()
		c.phases.timed(c.trace.Timeline().Phases())
	}
	return resp.StatusCode, n, nil
}

func (c *std) requestID() string { return c.id }

func (c *std) interrupt() { c.cancel() }

func (c *std) close() {
	c.cancel()
	if ci, ok := c.rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
