package httpbin_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// binClient follows no redirect, so that a test sees each one.
var binClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// startBin runs the real server with cfg and returns its base URL.
func startBin(t *testing.T, cfg server.Config) string {
	t.Helper()
	base := servetest.Roundtrip(t, cfg)
	t.Cleanup(binClient.CloseIdleConnections)
	return base
}

// fetchBin sends one request and returns the response and its body.
func fetchBin(t *testing.T, method, url string, h http.Header, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := binClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return res, string(b)
}
