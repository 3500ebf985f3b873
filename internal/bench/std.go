package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"syscall"
)

// std is one worker's client on net/http, for TLS and HTTP/2. It allocates
// per request, as net/http does; the lean h1 client covers plain HTTP/1.1.
type std struct {
	client *http.Client
	req    *http.Request
	body   []byte
	ctx    context.Context
	cancel context.CancelFunc
	buf    []byte
}

func newStd(ctx context.Context, client *http.Client, t *target) *std {
	ctx, cancel := context.WithCancel(ctx)
	req := t.req.Clone(ctx)
	return &std{client: client, req: req, body: t.body, ctx: ctx, cancel: cancel, buf: make([]byte, 16<<10)}
}

func (c *std) roundTrip() (int, int64, error) {
	if len(c.body) > 0 {
		c.req.Body = io.NopCloser(bytes.NewReader(c.body))
		c.req.ContentLength = int64(len(c.body))
	}
	resp, err := c.client.Do(c.req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.CopyBuffer(io.Discard, resp.Body, c.buf)
	_ = resp.Body.Close()
	if err != nil {
		return 0, n, err
	}
	return resp.StatusCode, n, nil
}

func (c *std) interrupt() { c.cancel() }

func (c *std) close() {
	c.cancel()
	c.client.CloseIdleConnections()
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
