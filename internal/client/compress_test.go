package client

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	io.WriteString(w, s)
	w.Close()
	return b.Bytes()
}

// TestDecompress: with Config.Decompress the request asks for gzip and
// deflate, and a body coded with either (zlib or raw deflate, or both
// codings in turn) is read decoded; the header keeps its Content-Encoding.
// Without it, nothing is asked and the bytes come as sent.
func TestDecompress(t *testing.T) {
	t.Parallel()
	const text = "hello, compressed world\n"
	var zl, raw bytes.Buffer
	zw := zlib.NewWriter(&zl)
	io.WriteString(zw, text)
	zw.Close()
	fw, _ := flate.NewWriter(&raw, flate.BestCompression)
	io.WriteString(fw, text)
	fw.Close()
	var twice bytes.Buffer
	tw := gzip.NewWriter(&twice)
	zw = zlib.NewWriter(tw)
	io.WriteString(zw, text)
	zw.Close()
	tw.Close()
	bodies := map[string]struct {
		coding string
		body   []byte
	}{
		"/gzip":     {"gzip", gzipped(t, text)},
		"/x-gzip":   {"x-gzip", gzipped(t, text)},
		"/zlib":     {"deflate", zl.Bytes()},
		"/raw":      {"deflate", raw.Bytes()},
		"/twice":    {"deflate, gzip", twice.Bytes()},
		"/identity": {"identity", []byte(text)},
		"/br":       {"br", []byte("\x0b\x03\x80hi\x03")},
		"/empty":    {"gzip", nil},
		"/bad":      {"gzip", []byte("not gzip at all")},
		"/cut":      {"gzip", gzipped(t, text)[:20]},
	}
	var mu sync.Mutex
	var asked []string // Accept-Encoding, request by request
	last := func() string {
		mu.Lock()
		defer mu.Unlock()
		return asked[len(asked)-1]
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.Header.Get("Accept-Encoding"))
		mu.Unlock()
		b := bodies[r.URL.Path]
		w.Header().Set("Content-Encoding", b.coding)
		w.Write(b.body)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		path, want, wantErr, wantUndecoded string
	}{
		{"/gzip", text, "", ""},
		{"/x-gzip", text, "", ""},
		{"/zlib", text, "", ""},
		{"/raw", text, "", ""},
		{"/twice", text, "", ""},
		{"/identity", text, "", ""},
		{"/br", "\x0b\x03\x80hi\x03", "", "br"},
		{"/empty", "", "", ""},
		{"/bad", "", "the gzip-coded body does not decode: invalid header", ""},
		{"/cut", "", "the gzip-coded body does not decode: it ends early", ""},
	}
	c := newClient(t, Config{Decompress: true})
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
		s, err := c.Open(context.Background(), req)
		if err != nil {
			t.Fatalf("Open(%s) = %v", tt.path, err)
		}
		got, err := io.ReadAll(s)
		s.Close()
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
			var ne *NetError
			if !errors.As(err, &ne) || ne.Kind != KindOther {
				t.Errorf("reading %s: %T %v; want a NetError of kind other", tt.path, err, err)
			}
		}
		if tt.wantErr == "" && string(got) != tt.want || gotErr != tt.wantErr || s.Undecoded != tt.wantUndecoded {
			t.Errorf("reading %s = %q, %q, undecoded %q; want %q, %q, %q", tt.path, got, gotErr, s.Undecoded, tt.want, tt.wantErr, tt.wantUndecoded)
		}
		if got := s.Header.Get("Content-Encoding"); got != bodies[tt.path].coding {
			t.Errorf("%s: Content-Encoding %q; want %q, as received", tt.path, got, bodies[tt.path].coding)
		}
	}
	if got := last(); got != "gzip, deflate" {
		t.Errorf("Accept-Encoding sent = %q; want %q", got, "gzip, deflate")
	}

	// The request's own Accept-Encoding is sent instead.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/gzip", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(context.Background(), req)
	if err != nil || string(resp.Body) != text || last() != "gzip" {
		t.Errorf("with the request's Accept-Encoding: %q, %v, sent %q; want %q and gzip", resp.Body, err, last(), text)
	}

	plain := newClient(t, Config{})
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/gzip", nil)
	resp, err = plain.Do(context.Background(), req)
	if err != nil || !bytes.Equal(resp.Body, bodies["/gzip"].body) || last() != "" {
		t.Errorf("without Decompress: %q, %v, Accept-Encoding %q; want the gzip bytes as sent, none asked", resp.Body, err, last())
	}
}
