// Package server is roundtrip's HTTP server: the lesson's greeting API with
// correct HTTP semantics, the challenge's routes and the experiments'
// building blocks.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Limits that protect the server from slow or oversized clients.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 30 * time.Second // above maxDelay, so /delay/10 completes
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// Config configures a Server. The zero value is usable.
type Config struct {
	Logger          *slog.Logger     // access and error log; nil discards
	ShutdownTimeout time.Duration    // how long in-flight requests may finish; default 15s
	Now             func() time.Time // the clock; default time.Now
}

// Server is the roundtrip HTTP server.
type Server struct {
	cfg     Config
	handler http.Handler
}

// deps is what handlers share.
type deps struct {
	now func() time.Time
}

// New returns a Server built from cfg.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	mux := http.NewServeMux()
	addRoutes(mux, deps{now: cfg.Now})
	var h http.Handler = mux
	h = recoverPanics(cfg.Logger)(h)
	h = logRequests(cfg.Logger)(h)
	return &Server{cfg: cfg, handler: h}
}

// Handler returns the server's whole handler stack, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish within
// the shutdown timeout, and returns nil once they have.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: requests still running after %s were cut off", s.cfg.ShutdownTimeout)
	}
	return nil
}
