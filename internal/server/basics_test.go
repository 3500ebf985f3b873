package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTimeCarriesUTCNow(t *testing.T) {
	t.Parallel()
	clock := func() time.Time { return time.Date(2026, 11, 25, 10, 30, 0, 0, time.FixedZone("CET", 3600)) }
	h := New(Config{Now: clock}).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/time", nil))
	if got, want := rec.Body.String(), "Current time: 2026-11-25T09:30:00Z"; got != want {
		t.Errorf("GET /time = %q; want %q", got, want)
	}
}

func TestTimeIsCurrent(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	before := time.Now().UTC().Truncate(time.Second)
	_, body := do(t, "GET", ts.URL+"/time", nil, "")
	after := time.Now().UTC()
	got, err := time.Parse(time.RFC3339, body[len("Current time: "):])
	if err != nil {
		t.Fatalf("GET /time = %q: no RFC 3339 time: %v", body, err)
	}
	if got.Before(before) || got.After(after) || got.Location() != time.UTC {
		t.Errorf("GET /time = %v; want a UTC time between %v and %v", got, before, after)
	}
}

func TestNotFoundIsProblem(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	for _, path := range []string{"/nope", "/api", "/api/greeting/x", "/hello/", "/status", "/status/"} {
		res, body := do(t, "GET", ts.URL+path, nil, "")
		if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s = %d %q %s; want a 404 problem", path, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
}
