package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
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

// TestOpenTimeLimits: Timeout bounds the wait for the head, MaxTime the
// whole exchange, the body included.
func TestOpenTimeLimits(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first ")
		http.NewResponseController(w).Flush()
		select { // a pause in the body, past Timeout
		case <-time.After(400 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second")
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name     string
		cfg      Config
		wantBody string
		wantErr  string
	}{
		{"timeout is for the head", Config{Timeout: 150 * time.Millisecond}, "first second", ""},
		{"max time cuts the body", Config{MaxTime: 150 * time.Millisecond}, "first ", "timed out after 150ms (--max-time)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, tt.cfg)
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
			s, err := c.Open(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var got bytes.Buffer
			_, err = io.Copy(&got, s)
			gotErr := ""
			var ne *NetError
			if err != nil {
				gotErr = err.Error()
				if !errors.As(err, &ne) || ne.Kind != KindTimeout {
					t.Errorf("error %v is not a %s NetError", err, KindTimeout)
				}
			}
			if got.String() != tt.wantBody || gotErr != tt.wantErr {
				t.Errorf("reading the body = %q, %q; want %q, %q", got.String(), gotErr, tt.wantBody, tt.wantErr)
			}
		})
	}
}

// TestOpenRedirects: with FollowRedirects, each redirect's head and its
// request as written, oldest first; without, the redirect is the answer.
func TestOpenRedirects(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case "/b":
			http.Redirect(w, r, "/c", http.StatusSeeOther)
		}
	}))
	t.Cleanup(srv.Close)
	for _, follow := range []bool{true, false} {
		c := newClient(t, Config{FollowRedirects: follow})
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/a", nil)
		s, err := c.Open(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		var got []string
		for _, r := range append(s.Redirects, s.Response) {
			got = append(got, fmt.Sprintf("%s %d %s", r.Request.URL.Path, r.Status, r.Sent[0]))
		}
		host := strings.TrimPrefix(srv.URL, "http://")
		want := []string{"/a 302 {Host " + host + "}", "/b 303 {Host " + host + "}", "/c 200 {Host " + host + "}"}
		if !follow {
			want = want[:1]
		}
		if !slices.Equal(got, want) {
			t.Errorf("FollowRedirects %v: hops %q; want %q", follow, got, want)
		}
	}
}

// TestOpenInterrupted: an interrupt during the body says so, not that
// no answer came.
func TestOpenInterrupted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newClient(t, Config{})
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	s, err := c.Open(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := io.ReadFull(s, make([]byte, len("first"))); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = io.Copy(io.Discard, s)
	var ne *NetError
	if !errors.As(err, &ne) || ne.Kind != KindInterrupted || err.Error() != "interrupted" {
		t.Errorf("reading the body after an interrupt = %v; want the %s NetError \"interrupted\"", err, KindInterrupted)
	}
}

// TestProtocol: Config.Protocol picks the HTTP version: HTTP/2 by ALPN by
// default, HTTP/1.1 only, or HTTP/2 with prior knowledge over cleartext.
func TestProtocol(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.EnableHTTP2 = true
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	h2c := servetest.Roundtrip(t, server.Config{H2C: true})
	tests := []struct {
		name     string
		protocol Protocol
		url      string
		want     string
	}{
		{"auto over TLS", ProtocolAuto, tlsSrv.URL, "HTTP/2.0"},
		{"HTTP/1.1 over TLS", ProtocolHTTP1, tlsSrv.URL, "HTTP/1.1"},
		{"h2c over TLS is h2", ProtocolH2C, tlsSrv.URL, "HTTP/2.0"},
		{"auto over cleartext", ProtocolAuto, h2c + "/hello", "HTTP/1.1"},
		{"h2c", ProtocolH2C, h2c + "/hello", "HTTP/2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, Config{Protocol: tt.protocol, Insecure: true})
			req, _ := http.NewRequest(http.MethodGet, tt.url, nil)
			resp, err := c.Do(context.Background(), req)
			if err != nil || resp.Proto != tt.want {
				t.Fatalf("Do(%s) = %v; want an answer over %s", tt.url, err, tt.want)
			}
			if tt.want == "HTTP/2.0" && !slices.ContainsFunc(resp.Sent, func(f Field) bool { return f.Name == ":authority" }) {
				t.Errorf("Do(%s) sent %v; want HTTP/2's pseudo-headers", tt.url, resp.Sent)
			}
		})
	}
}

// TestResolve: Config.Resolve connects to its addresses for a host:port,
// in order, the URL's host kept in the Host header.
func TestResolve(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Host)
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	tests := []struct {
		name    string
		resolve map[string][]string
		host    string
	}{
		{"one address", map[string][]string{"example.test:" + port: {"127.0.0.1"}}, "example.test"},
		{"any host", map[string][]string{"*:" + port: {"127.0.0.1"}}, "Other.Test"},
		{"the second address", map[string][]string{"example.test:" + port: {"127.0.0.2", "127.0.0.1"}}, "example.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, Config{Resolve: tt.resolve})
			u := "http://" + net.JoinHostPort(tt.host, port) + "/"
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			resp, err := c.Do(context.Background(), req)
			if err != nil || string(resp.Body) != net.JoinHostPort(tt.host, port) {
				t.Errorf("Do(%s) with Resolve %v = %v; want the server to see Host %s", u, tt.resolve, err, net.JoinHostPort(tt.host, port))
			}
		})
	}
	// A port Resolve does not map is looked up as usual.
	c := newClient(t, Config{Resolve: map[string][]string{"example.test:1": {"127.0.0.1"}}})
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	if _, err := c.Do(context.Background(), req); err != nil {
		t.Errorf("Do(%s) with another host:port resolved = %v; want the usual dial", srv.URL, err)
	}
}
