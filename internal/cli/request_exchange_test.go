package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
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
	if resp.Sent == nil {
		r := *resp // parallel subtests share the fixtures
		r.Sent = written(t, resp.Request)
		resp = &r
	}
	return newExchange(resp, io.NopCloser(bytes.NewReader(resp.Body)), sent, jsonMaxBody)
}

// written is the header fields net/http writes for req over HTTP/1, as
// the client's trace records them.
func written(t *testing.T, req *http.Request) []client.Field {
	t.Helper()
	tr := client.NewTrace()
	tr.KeepSent()
	req = req.WithContext(tr.Context(context.Background()))
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		req.Body = body
	}
	if err := req.Write(io.Discard); err != nil {
		t.Fatal(err)
	}
	return tr.Sent()
}

func TestSentRequest(t *testing.T) {
	t.Parallel()
	h2 := []client.Field{
		{Name: ":authority", Value: "localhost:8443"}, {Name: ":method", Value: "POST"}, {Name: ":path", Value: "/echo?x=1"},
		{Name: ":scheme", Value: "https"}, {Name: "authorization", Value: "Bearer s3cret"}, {Name: "cookie", Value: "a=1"}, {Name: "cookie", Value: "b=2"},
	}
	h1 := []client.Field{{Name: "Host", Value: "vhost.example"}, {Name: "Cookie", Value: "a=1"}, {Name: "X-Lesson", Value: "one"}}
	tests := []struct {
		name       string
		sent       []client.Field
		wantLine   string
		wantFields []field
		wantHeader http.Header
	}{
		{"HTTP/2", h2, "POST /echo?x=1 HTTP/2.0",
			[]field{{":authority", "localhost:8443"}, {":scheme", "https"}, {"authorization", redacted}, {"cookie", redacted}, {"cookie", redacted}},
			http.Header{"Host": {"localhost:8443"}, "Authorization": {redacted}, "Cookie": {redacted, redacted}}},
		{"HTTP/1.1", h1, "POST /echo?x=1 HTTP/1.1",
			[]field{{"Host", "vhost.example"}, {"Cookie", redacted}, {"X-Lesson", "one"}},
			http.Header{"Host": {"vhost.example"}, "Cookie": {redacted}, "X-Lesson": {"one"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &client.Response{Request: sentRequest(t, "POST", "https://localhost:8443/echo?x=1", http.Header{}, ""), Sent: tt.sent}
			if got := requestLine(resp); got != tt.wantLine {
				t.Errorf("requestLine() = %q; want %q", got, tt.wantLine)
			}
			if got := sentFields(resp, false); !reflect.DeepEqual(got, tt.wantFields) {
				t.Errorf("sentFields(false) = %q; want %q", got, tt.wantFields)
			}
			if got := sentHeader(resp, false); !reflect.DeepEqual(got, tt.wantHeader) {
				t.Errorf("sentHeader(false) = %v; want %v", got, tt.wantHeader)
			}
		})
	}
}
