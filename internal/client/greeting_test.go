package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// newClient returns a Client closed when the test ends.
func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c := New(cfg)
	t.Cleanup(c.Close)
	return c
}

func TestGreeting(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	c := newClient(t, Config{})
	tests := []struct {
		name string
		post bool
		want string
	}{
		{"Alice", false, "Hello, Alice!"},
		{"", false, "Hello, World!"},
		{"Tom & Jerry", false, "Hello, Tom & Jerry!"},
		{"a+b=c?d#e%f", false, "Hello, a+b=c?d#e%f!"},
		{"Zoë 👋", false, "Hello, Zoë 👋!"},
		{"Bob", true, "Hello, Bob!"},
		{"", true, "Hello, World!"},
		{`"quoted" \ name`, true, `Hello, "quoted" \ name!`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s post=%v", tt.name, tt.post), func(t *testing.T) {
			t.Parallel()
			got, resp, err := c.Greeting(context.Background(), base, tt.name, tt.post)
			if err != nil || got != tt.want {
				t.Fatalf("Greeting(%q, post=%v) = %q, %v; want %q", tt.name, tt.post, got, err, tt.want)
			}
			if resp.Status != http.StatusOK {
				t.Errorf("Greeting(%q, post=%v) status = %d; want 200", tt.name, tt.post, resp.Status)
			}
		})
	}
}

func TestGreetingErrors(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("name") {
		case "html":
			io.WriteString(w, "<p>Hello</p>")
		case "array":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `["Hello"]`)
		case "number":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"message":42}`)
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(odd.Close)
	c := newClient(t, Config{})
	tests := []struct {
		test       string
		base, name string
		wantStatus int    // of a *ProblemError or *StatusError; 0 for neither
		wantErr    string // a prefix
	}{
		{"control character", base, "bad\x01name", 400, "400 Bad Request: The name contains the control character"},
		{"too long", base, strings.Repeat("x", 2000), 400, "400 Bad Request: The name is 2000 bytes long"},
		{"500", odd.URL, "boom", 500, "500 Internal Server Error"},
		{"html", odd.URL, "html", 0, `the answer is not a greeting: 200 with Content-Type "text/html; charset=utf-8", not JSON`},
		{"array", odd.URL, "array", 0, "the answer is not a greeting: it is not a JSON object"},
		{"number", odd.URL, "number", 0, `the answer is not a greeting: no "message" string in {"message":42}`},
		{"no scheme", "localhost:3000", "x", 0, `the server must be an http:// or https:// URL, not "localhost:3000"`},
		{"ftp", "ftp://example.com", "x", 0, "the server must be an http:// or https:// URL"},
	}
	for _, tt := range tests {
		t.Run(tt.test, func(t *testing.T) {
			t.Parallel()
			_, _, err := c.Greeting(context.Background(), tt.base, tt.name, false)
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("Greeting(%s, %.20q) error = %v; want %q", tt.base, tt.name, err, tt.wantErr)
			}
			var pe *ProblemError
			var se *StatusError
			gotStatus := 0
			switch {
			case errors.As(err, &pe):
				gotStatus = pe.Status
			case errors.As(err, &se):
				gotStatus = se.Status
			}
			if gotStatus != tt.wantStatus {
				t.Errorf("Greeting(%s, %.20q) error status = %d; want %d", tt.base, tt.name, gotStatus, tt.wantStatus)
			}
		})
	}
}

func TestDo(t *testing.T) {
	t.Parallel()
	var gotUA []string // the rows run in turn, each resetting it
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA = append(gotUA, r.Header.Get("User-Agent"))
		switch r.URL.Path {
		case "/big":
			io.WriteString(w, strings.Repeat("x", 100))
		case "/moved":
			http.Redirect(w, r, "/big", http.StatusFound)
		case "/timed":
			w.Header().Set("Server-Timing", "db;dur=1.5;desc=\"query\", app;dur=2")
			w.WriteHeader(http.StatusTeapot)
		}
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name          string
		cfg           Config
		path          string
		header        http.Header
		wantStatus    int
		wantBody      string
		wantTruncated bool
		wantUA        string
		wantMetrics   int
	}{
		{"truncated", Config{MaxBody: 10, UserAgent: "roundtrip/test"}, "/big", nil, 200, "xxxxxxxxxx", true, "roundtrip/test", 0},
		{"whole", Config{MaxBody: 100}, "/big", nil, 200, strings.Repeat("x", 100), false, "Go-http-client/1.1", 0},
		{"caller's User-Agent", Config{UserAgent: "roundtrip/test"}, "/big", http.Header{"User-Agent": {"mine"}}, 200, strings.Repeat("x", 100), false, "mine", 0},
		{"redirect shown", Config{}, "/moved", nil, 302, "<a href=\"/big\">Found</a>.\n\n", false, "Go-http-client/1.1", 0},
		{"redirect followed", Config{FollowRedirects: true, MaxBody: 3}, "/moved", nil, 200, "xxx", true, "Go-http-client/1.1", 0},
		{"Server-Timing", Config{}, "/timed", nil, 418, "", false, "Go-http-client/1.1", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotUA = nil
			c := newClient(t, tt.cfg)
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := c.Do(context.Background(), req)
			if err != nil {
				t.Fatalf("Do(%s) error %v", tt.path, err)
			}
			if resp.Status != tt.wantStatus || string(resp.Body) != tt.wantBody || resp.Truncated != tt.wantTruncated {
				t.Errorf("Do(%s) = %d %q truncated=%v; want %d %q truncated=%v", tt.path, resp.Status, resp.Body, resp.Truncated, tt.wantStatus, tt.wantBody, tt.wantTruncated)
			}
			if len(gotUA) == 0 || gotUA[len(gotUA)-1] != tt.wantUA {
				t.Errorf("Do(%s) sent User-Agent %q; want %q", tt.path, gotUA, tt.wantUA)
			}
			if len(resp.ServerTiming) != tt.wantMetrics {
				t.Errorf("Do(%s) ServerTiming = %+v; want %d metrics", tt.path, resp.ServerTiming, tt.wantMetrics)
			}
			if resp.Timeline.Total() <= 0 || resp.Timeline.FirstByte.IsZero() {
				t.Errorf("Do(%s) timeline %+v is incomplete", tt.path, resp.Timeline)
			}
			if len(req.Header["User-Agent"]) != len(tt.header["User-Agent"]) {
				t.Errorf("Do(%s) changed the caller's request headers to %v", tt.path, req.Header)
			}
		})
	}
}
