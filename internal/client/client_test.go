package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOpen: a Stream's body comes whole, past Config.MaxBody, and the
// timeline is complete once it is closed.
func TestOpen(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789", 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, Config{MaxBody: 10})
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	s, err := c.Open(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != 200 || s.Body != nil || !s.Timeline.End.IsZero() {
		t.Errorf("Open = %d, body %q, end %v; want 200 with the body and its end still to come", s.Status, s.Body, s.Timeline.End)
	}
	got, err := io.ReadAll(s)
	if err != nil || string(got) != body {
		t.Errorf("reading the Stream = %d bytes, %v; want the %d served", len(got), err, len(body))
	}
	if err := s.Close(); err != nil || s.Close() != nil {
		t.Errorf("Close = %v; want nil, twice", err)
	}
	if tl := s.Timeline; tl.End.IsZero() || tl.Phases()[Receive] <= 0 {
		t.Errorf("after Close, timeline %+v; want it to end, with a receive phase", tl)
	}
}

// TestOpenBodyBreaksOff: a body that stops short is a *NetError, after
// the bytes that came.
func TestOpenBodyBreaksOff(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijacking: %v", err)
			return
		}
		defer conn.Close()
		fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
		buf.Flush()
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, Config{})
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	s, err := c.Open(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got bytes.Buffer
	_, err = io.Copy(&got, s)
	var ne *NetError
	if got.String() != "only ten b" || !errors.As(err, &ne) || ne.Kind != KindClosed {
		t.Errorf("reading a cut body = %q, %v; want %q and a %s NetError", got.String(), err, "only ten b", KindClosed)
	}
}
