package server

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestHostname(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"localhost", true}, {"example.com", true}, {"a-b.c1.example", true}, {"xn--bcher-kva.example", true},
		{strings.Repeat("a", 63) + ".com", true},
		{"", false}, {".", false}, {"a..b", false}, {"-a.com", false}, {"a-.com", false}, {"a_b.com", false},
		{"exa mple.com", false}, {"example.com/x", false}, {"1.2.3.4:80", false}, {"bücher.example", false},
		{strings.Repeat("a", 64) + ".com", false}, {strings.Repeat("a.", 127) + "ab", false},
	}
	for _, tt := range tests {
		if got := hostname(tt.name); got != tt.want {
			t.Errorf("hostname(%q) = %v; want %v", tt.name, got, tt.want)
		}
	}
}

// TestResolve: a name is looked up and timed; what DNS answers (no such
// name, no answer) is a 200 saying so; a name that is not one is a 400.
func TestResolve(t *testing.T) {
	t.Parallel()
	lookup := func(ctx context.Context, host string) ([]net.IPAddr, error) {
		switch host {
		case "found.example":
			return []net.IPAddr{{IP: net.ParseIP("192.0.2.1")}, {IP: net.ParseIP("2001:db8::1")}}, nil
		case "missing.example":
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		case "slow.example":
			return nil, &net.DNSError{Err: "i/o timeout", Name: host, IsTimeout: true}
		}
		return nil, errors.New("dial udp 10.0.0.1:53: connect: internal detail")
	}
	h := handleResolve(lookup)
	tests := []struct {
		query      string
		wantStatus int
		want       resolved
	}{
		{"name=found.example.", 200, resolved{Name: "found.example", Addresses: []string{"192.0.2.1", "2001:db8::1"}}},
		{"name=missing.example", 200, resolved{Name: "missing.example", Addresses: []string{}, Error: "no such name: the resolver says missing.example does not exist"}},
		{"name=slow.example", 200, resolved{Name: "slow.example", Addresses: []string{}, Error: "no answer within 3s: the resolver could not be reached"}},
		{"name=broken.example", 200, resolved{Name: "broken.example", Addresses: []string{}, Error: "the lookup failed: the resolver could not answer"}},
		{"name=", 400, resolved{}},
		{"name=http://x", 400, resolved{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/_roundtrip/api/resolve?"+tt.query, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("GET resolve?%s = %d %s; want %d", tt.query, rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type = %q; want a problem", ct)
				}
				return
			}
			var got resolved
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			got.DurationMS = 0
			if got.Name != tt.want.Name || strings.Join(got.Addresses, ",") != strings.Join(tt.want.Addresses, ",") || got.Error != tt.want.Error {
				t.Errorf("GET resolve?%s = %+v; want %+v", tt.query, got, tt.want)
			}
		})
	}
}

// TestResolveBound: no more than maxLookups lookups at once; the next is
// a 503 at once, and a slot freed is taken again.
func TestResolveBound(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, maxLookups+1)
	h := handleResolve(func(ctx context.Context, host string) ([]net.IPAddr, error) {
		started <- struct{}{}
		if host == "held.example" {
			<-release
		}
		return nil, nil
	})
	var done sync.WaitGroup
	for range maxLookups {
		done.Go(func() {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/?name=held.example", nil))
		})
	}
	for range maxLookups {
		<-started
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?name=one.more.example", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("lookup %d = %d (Retry-After %q); want 503 with Retry-After", maxLookups+1, rec.Code, rec.Header().Get("Retry-After"))
	}
	close(release)
	done.Wait()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?name=after.example", nil))
	if rec.Code != 200 {
		t.Errorf("a lookup after the others ended = %d; want 200", rec.Code)
	}
}

// TestResolveRoute: serve answers /_roundtrip/api/resolve for localhost
// with the real resolver.
func TestResolveRoute(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	res, body := do(t, "GET", ts.URL+"/_roundtrip/api/resolve?name=localhost", nil, "")
	var got resolved
	if err := json.Unmarshal([]byte(body), &got); res.StatusCode != 200 || err != nil || got.Name != "localhost" {
		t.Errorf("GET resolve?name=localhost = %d %q; want 200 naming localhost", res.StatusCode, body)
	}
}
