package cli

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/roundtrip/roundtrip/internal/client"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the output of this run")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run go test ./internal/cli -run %s -update to create it", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// sentRequest is a request as client.Do would return it.
func sentRequest(t *testing.T, method, url string, header http.Header, body string) *http.Request {
	t.Helper()
	var r *bytes.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	var req *http.Request
	var err error
	if r != nil {
		req, err = http.NewRequest(method, url, r)
	} else {
		req, err = http.NewRequest(method, url, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	return req
}

// testExchange is resp as request's outputs get it: resp.Body still to be
// read, the body its request was made with (by sentRequest) as sent.
func testExchange(t *testing.T, resp *client.Response) *exchange {
	t.Helper()
	var sent []byte
	if req := resp.Request; req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		if sent, err = io.ReadAll(body); err != nil {
			t.Fatal(err)
		}
	}
	return newExchange(resp, io.NopCloser(bytes.NewReader(resp.Body)), sent, jsonMaxBody)
}
