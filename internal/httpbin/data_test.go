package httpbin_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/httpbin"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// dataClient sees answers as sent: no redirect followed, no body
// decompressed.
var dataClient = &http.Client{
	Timeout:       10 * time.Second,
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// dataServer runs a roundtrip server for one test.
func dataServer(t *testing.T) string {
	t.Helper()
	base := servetest.Roundtrip(t, server.Config{})
	t.Cleanup(dataClient.CloseIdleConnections)
	return base
}

func TestDataBytes(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	for _, n := range []int{0, 1, 7, 8, 9, 1000, httpbin.MaxBytes} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			url := fmt.Sprintf("%s/bytes/%d?seed=42", base, n)
			res, body := get(t, dataClient, "GET", url, nil)
			if res.StatusCode != http.StatusOK || len(body) != n {
				t.Fatalf("GET /bytes/%d = %d with %d bytes; want 200 with %d", n, res.StatusCode, len(body), n)
			}
			if got := res.Header.Get("Content-Type"); got != "application/octet-stream" {
				t.Errorf("GET /bytes/%d: Content-Type %q; want application/octet-stream", n, got)
			}
			if got := res.ContentLength; got != int64(n) {
				t.Errorf("GET /bytes/%d: Content-Length %d; want %d", n, got, n)
			}
			_, again := get(t, dataClient, "GET", url, nil)
			if !bytes.Equal(body, again) {
				t.Errorf("GET /bytes/%d?seed=42 twice gave different bytes; want the same", n)
			}
		})
	}
	t.Run("seeds differ", func(t *testing.T) {
		t.Parallel()
		_, a := get(t, dataClient, "GET", base+"/bytes/64?seed=1", nil)
		_, b := get(t, dataClient, "GET", base+"/bytes/64?seed=2", nil)
		_, c := get(t, dataClient, "GET", base+"/bytes/64", nil)
		_, d := get(t, dataClient, "GET", base+"/bytes/64", nil)
		if bytes.Equal(a, b) || bytes.Equal(c, d) {
			t.Errorf("GET /bytes/64 with seeds 1 and 2, or unseeded twice, gave the same bytes; want different")
		}
	})
	bad := []struct{ path, param string }{
		{"/bytes/-1", "n"},
		{"/bytes/x", "n"},
		{"/bytes/1.5", "n"},
		{"/bytes/" + strconv.Itoa(httpbin.MaxBytes+1), "n"},
		{"/bytes/99999999999999999999", "n"},
		{"/bytes/10?seed=-1", "seed"},
		{"/bytes/10?seed=x", "seed"},
	}
	for _, tt := range bad {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+tt.path, nil)
			wantProblem(t, "GET "+tt.path, res, body, http.StatusBadRequest, tt.param)
		})
	}
}

func TestDataStreamBytes(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	t.Run("the bytes of /bytes, chunked", func(t *testing.T) {
		t.Parallel()
		_, want := get(t, dataClient, "GET", base+"/bytes/30000?seed=7", nil)
		for _, q := range []string{"", "&chunk_size=1", "&chunk_size=3", "&chunk_size=1048576"} { // 30000 chunks at most
			res, body := get(t, dataClient, "GET", base+"/stream-bytes/30000?seed=7"+q, nil)
			if res.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
				t.Errorf("GET /stream-bytes/30000?seed=7%s = %d, %d bytes; want 200 with /bytes' 30000", q, res.StatusCode, len(body))
			}
			if len(res.TransferEncoding) != 1 || res.TransferEncoding[0] != "chunked" || res.ContentLength != -1 {
				t.Errorf("GET /stream-bytes/30000%s: Transfer-Encoding %q, Content-Length %d; want chunked and none", q, res.TransferEncoding, res.ContentLength)
			}
		}
	})
	t.Run("zero", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "GET", base+"/stream-bytes/0", nil)
		if res.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("GET /stream-bytes/0 = %d with %d bytes; want 200 and none", res.StatusCode, len(body))
		}
	})
	t.Run("one chunk a flush", func(t *testing.T) {
		t.Parallel()
		sizes := dataChunkSizes(t, base, "/stream-bytes/10?chunk_size=4")
		if want := []int{4, 4, 2}; fmt.Sprint(sizes) != fmt.Sprint(want) {
			t.Errorf("GET /stream-bytes/10?chunk_size=4: chunks of %v bytes; want %v", sizes, want)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "HEAD", base+"/stream-bytes/100", nil)
		if res.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD /stream-bytes/100 = %d with %d bytes; want 200 and none", res.StatusCode, len(body))
		}
	})
	bad := []struct{ path, param string }{
		{"/stream-bytes/-1", "n"},
		{"/stream-bytes/" + strconv.Itoa(httpbin.MaxBytes+1), "n"},
		{"/stream-bytes/10?chunk_size=0", "chunk_size"},
		{"/stream-bytes/10?chunk_size=-5", "chunk_size"},
		{"/stream-bytes/10?chunk_size=x", "chunk_size"},
		{"/stream-bytes/10?chunk_size=" + strconv.Itoa(httpbin.MaxBytes+1), "chunk_size"},
		{"/stream-bytes/" + strconv.Itoa(httpbin.MaxBytes) + "?chunk_size=15", "chunk_size"}, // 69906 chunks
		{"/stream-bytes/10?seed=1e3", "seed"},
	}
	for _, tt := range bad {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+tt.path, nil)
			wantProblem(t, "GET "+tt.path, res, body, http.StatusBadRequest, tt.param)
		})
	}
}

// dataChunkSizes sends GET path on a raw connection and returns the sizes
// of the chunks of its chunked answer.
func dataChunkSizes(t *testing.T, base, path string) []int {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
	br := bufio.NewReader(c)
	tp := textproto.NewReader(br)
	if status, err := tp.ReadLine(); err != nil || !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Fatalf("GET %s: status line %q, %v; want 200", path, status, err)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil || h.Get("Transfer-Encoding") != "chunked" {
		t.Fatalf("GET %s: header %v, %v; want chunked", path, h, err)
	}
	var sizes []int
	for {
		line, err := tp.ReadLine()
		if err != nil {
			t.Fatalf("GET %s: chunk size line: %v", path, err)
		}
		n, err := strconv.ParseInt(line, 16, 64)
		if err != nil {
			t.Fatalf("GET %s: chunk size %q: %v", path, line, err)
		}
		if n == 0 {
			return sizes
		}
		sizes = append(sizes, int(n))
		if _, err := io.CopyN(io.Discard, br, n+2); err != nil {
			t.Fatalf("GET %s: chunk: %v", path, err)
		}
	}
}

// dataLines reads a body of JSON lines.
func dataLines(t *testing.T, what string, body []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.SplitSeq(strings.TrimSuffix(string(body), "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: line %q: %v", what, line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestDataStream(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	for _, n := range []int{0, 1, 5, httpbin.MaxCount} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			path := fmt.Sprintf("/stream/%d?a=1&token=hush", n)
			res, body := get(t, dataClient, "GET", base+path, http.Header{"Authorization": {"Bearer hush"}})
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/x-ndjson; charset=utf-8" {
				t.Fatalf("GET %s = %d, %q; want 200 JSON lines", path, res.StatusCode, res.Header.Get("Content-Type"))
			}
			lines := dataLines(t, "GET "+path, body)
			if len(lines) != n {
				t.Fatalf("GET %s: %d lines; want %d", path, len(lines), n)
			}
			for i, l := range lines {
				wantURL := fmt.Sprintf("%s/stream/%d?a=1&token=%s", base, n, observe.Redacted)
				if l["id"] != float64(i) || l["url"] != wantURL || l["origin"] != "127.0.0.1" || strings.Contains(fmt.Sprint(l), "hush") {
					t.Fatalf("GET %s: line %d = %v; want id %d, origin, URL %s, the token and Authorization redacted", path, i, l, i, wantURL)
				}
			}
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "HEAD", base+"/stream/5", nil)
		if res.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD /stream/5 = %d with %d bytes; want 200 and none", res.StatusCode, len(body))
		}
	})
	for _, path := range []string{"/stream/-1", "/stream/x", "/stream/" + strconv.Itoa(httpbin.MaxCount+1), "/stream/1000000"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+path, nil)
			wantProblem(t, "GET "+path, res, body, http.StatusBadRequest, "n")
		})
	}
}

func TestDataRange(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	const letters = "abcdefghijklmnopqrstuvwxyzabcd" // /range/30
	tests := []struct {
		name         string
		header       http.Header
		wantStatus   int
		wantBody     string
		contentRange string
	}{
		{"whole", nil, http.StatusOK, letters, ""},
		{"first bytes", http.Header{"Range": {"bytes=0-3"}}, http.StatusPartialContent, "abcd", "bytes 0-3/30"},
		{"past the alphabet", http.Header{"Range": {"bytes=25-27"}}, http.StatusPartialContent, "zab", "bytes 25-27/30"},
		{"open", http.Header{"Range": {"bytes=27-"}}, http.StatusPartialContent, "bcd", "bytes 27-29/30"},
		{"suffix", http.Header{"Range": {"bytes=-2"}}, http.StatusPartialContent, "cd", "bytes 28-29/30"},
		{"end past the end", http.Header{"Range": {"bytes=28-100"}}, http.StatusPartialContent, "cd", "bytes 28-29/30"},
		{"unsatisfiable", http.Header{"Range": {"bytes=30-"}}, http.StatusRequestedRangeNotSatisfiable, "", "bytes */30"},
		{"another unit", http.Header{"Range": {"pages=1-2"}}, http.StatusOK, letters, ""},
		{"the unit in capitals", http.Header{"Range": {"BYTES=1-2"}}, http.StatusPartialContent, "bc", "bytes 1-2/30"},
		{"not ranges", http.Header{"Range": {"bytes=x-y"}}, http.StatusRequestedRangeNotSatisfiable, "", "bytes */30"},
		{"If-Range matches", http.Header{"Range": {"bytes=0-1"}, "If-Range": {`"range30"`}}, http.StatusPartialContent, "ab", "bytes 0-1/30"},
		{"If-Range is stale", http.Header{"Range": {"bytes=0-1"}, "If-Range": {`"range29"`}}, http.StatusOK, letters, ""},
		{"If-Range weak", http.Header{"Range": {"bytes=0-1"}, "If-Range": {`W/"range30"`}}, http.StatusOK, letters, ""},
		{"If-None-Match", http.Header{"If-None-Match": {`"range30"`}}, http.StatusNotModified, "", ""},
		{"If-Match fails", http.Header{"If-Match": {`"other"`}}, http.StatusPreconditionFailed, "", ""},
		{"If-Match holds", http.Header{"If-Match": {`"range30"`}, "Range": {"bytes=1-1"}}, http.StatusPartialContent, "b", "bytes 1-1/30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+"/range/30", tt.header)
			what := fmt.Sprintf("GET /range/30 with %v", tt.header)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("%s = %d %q; want %d", what, res.StatusCode, body, tt.wantStatus)
			}
			if got := res.Header.Get("Content-Range"); got != tt.contentRange {
				t.Errorf("%s: Content-Range %q; want %q", what, got, tt.contentRange)
			}
			if got := res.Header.Get("Accept-Ranges"); got != "bytes" {
				t.Errorf("%s: Accept-Ranges %q; want bytes", what, got)
			}
			switch {
			case tt.wantStatus >= 400:
				wantProblem(t, what, res, body, tt.wantStatus, "range")
			case tt.wantStatus != http.StatusNotModified:
				if string(body) != tt.wantBody {
					t.Errorf("%s: body %q; want %q", what, body, tt.wantBody)
				}
				if got := res.Header.Get("ETag"); got != `"range30"` {
					t.Errorf("%s: ETag %s; want \"range30\"", what, got)
				}
				if got := res.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
					t.Errorf("%s: Content-Type %q; want text/plain; charset=utf-8", what, got)
				}
			}
		})
	}
	t.Run("several ranges", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "GET", base+"/range/30", http.Header{"Range": {"bytes=0-1, 26-"}})
		mt, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
		if res.StatusCode != http.StatusPartialContent || err != nil || mt != "multipart/byteranges" {
			t.Fatalf("GET /range/30 with two ranges = %d, %q; want 206 multipart/byteranges", res.StatusCode, res.Header.Get("Content-Type"))
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		var got []string
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(part)
			got = append(got, part.Header.Get("Content-Range")+" "+string(b))
		}
		if want := []string{"bytes 0-1/30 ab", "bytes 26-29/30 abcd"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("GET /range/30 with two ranges: parts %q; want %q", got, want)
		}
	})
	t.Run("POST", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "POST", base+"/range/30", http.Header{"Range": {"bytes=0-3"}})
		if res.StatusCode != http.StatusOK || string(body) != letters {
			t.Errorf("POST /range/30 with a range = %d %q; want 200 with it all: Range is a GET's", res.StatusCode, body)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "HEAD", base+"/range/30", http.Header{"Range": {"bytes=0-3"}})
		if res.StatusCode != http.StatusPartialContent || len(body) != 0 || res.Header.Get("Content-Range") != "bytes 0-3/30" {
			t.Errorf("HEAD /range/30 with a range = %d, %d bytes, %q; want 206, none, bytes 0-3/30", res.StatusCode, len(body), res.Header.Get("Content-Range"))
		}
	})
	t.Run("the largest", func(t *testing.T) {
		t.Parallel()
		last := strconv.Itoa(httpbin.MaxBytes - 1)
		res, body := get(t, dataClient, "GET", base+"/range/"+strconv.Itoa(httpbin.MaxBytes), http.Header{"Range": {"bytes=-1"}})
		if res.StatusCode != http.StatusPartialContent || string(body) != string(rune('a'+(httpbin.MaxBytes-1)%26)) {
			t.Errorf("GET /range/%d, its last byte = %d %q; want 206 and that letter", httpbin.MaxBytes, res.StatusCode, body)
		}
		if want := "bytes " + last + "-" + last + "/" + strconv.Itoa(httpbin.MaxBytes); res.Header.Get("Content-Range") != want {
			t.Errorf("GET /range/%d: Content-Range %q; want %q", httpbin.MaxBytes, res.Header.Get("Content-Range"), want)
		}
	})
	t.Run("paced", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		res, body := get(t, dataClient, "GET", base+"/range/30?duration=150ms&chunk_size=10", http.Header{"Range": {"bytes=0-19"}})
		took := time.Since(start)
		if res.StatusCode != http.StatusPartialContent || string(body) != letters[:20] {
			t.Errorf("GET /range/30?duration=150ms = %d %q; want 206 with 20 letters", res.StatusCode, body)
		}
		// 20 of 30 bytes: two thirds of the duration.
		if took < 90*time.Millisecond || took > 2*time.Second {
			t.Errorf("GET /range/30?duration=150ms for 20 bytes took %v; want about 100ms", took)
		}
	})
	t.Run("a fine pace is batched", func(t *testing.T) {
		t.Parallel()
		const path = "/range/100000?duration=150ms&chunk_size=1"
		start := time.Now()
		res, body := get(t, dataClient, "GET", base+path, nil)
		// A write a byte would be 100000 sleeps of 1.5µs, each far longer.
		if took := time.Since(start); res.StatusCode != http.StatusOK || len(body) != 100000 || took < 150*time.Millisecond || took > 2*time.Second {
			t.Errorf("GET %s = %d with %d bytes in %v; want 200 with 100000 in about 150ms", path, res.StatusCode, len(body), took)
		}
	})
	bad := []struct{ path, param string }{
		{"/range/0", "n"},
		{"/range/-1", "n"},
		{"/range/x", "n"},
		{"/range/" + strconv.Itoa(httpbin.MaxBytes+1), "n"},
		{"/range/10?duration=x", "duration"},
		{"/range/10?duration=-1", "duration"},
		{"/range/10?duration=NaN", "duration"},
		{"/range/10?duration=11", "duration"},
		{"/range/10?chunk_size=0", "chunk_size"},
		{"/range/10?chunk_size=y", "chunk_size"},
	}
	for _, tt := range bad {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+tt.path, nil)
			wantProblem(t, "GET "+tt.path, res, body, http.StatusBadRequest, tt.param)
		})
	}
}

func TestDataDrip(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	t.Run("a byte a write", func(t *testing.T) {
		t.Parallel()
		const path = "/drip?numbytes=3&duration=100ms&delay=0"
		start := time.Now()
		res, err := dataClient.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK || res.ContentLength != 3 || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("GET %s = %d, Content-Length %d, %q; want 200 with 3 bytes of text", path, res.StatusCode, res.ContentLength, res.Header.Get("Content-Type"))
		}
		buf := make([]byte, 64)
		var reads []string
		for {
			n, err := res.Body.Read(buf)
			if n > 0 {
				reads = append(reads, string(buf[:n]))
			}
			if err != nil {
				break
			}
		}
		if want := []string{"*", "*", "*"}; fmt.Sprint(reads) != fmt.Sprint(want) {
			t.Errorf("GET %s: reads %q; want %q", path, reads, want)
		}
		if took := time.Since(start); took < 100*time.Millisecond {
			t.Errorf("GET %s took %v; want at least 100ms", path, took)
		}
		tm := timings(res.Header.Values("Server-Timing"))
		for name, want := range map[string]time.Duration{"total_duration": 100 * time.Millisecond, "initial_delay": 0, "write_duration": 100 * time.Millisecond, "pause_per_write": 50 * time.Millisecond} {
			if m, ok := tm[name]; !ok || m.Dur != want || m.Desc == "" {
				t.Errorf("GET %s: Server-Timing %s = %+v (present %v); want %v with a desc", path, name, m, ok, want)
			}
		}
	})
	t.Run("fast drips are batched", func(t *testing.T) {
		t.Parallel()
		const path = "/drip?numbytes=1000&duration=100ms&delay=20ms"
		start := time.Now()
		res, body := get(t, dataClient, "GET", base+path, nil)
		if res.StatusCode != http.StatusOK || string(body) != strings.Repeat("*", 1000) {
			t.Errorf("GET %s = %d, %d bytes; want 200 with 1000 asterisks", path, res.StatusCode, len(body))
		}
		if took := time.Since(start); took < 120*time.Millisecond {
			t.Errorf("GET %s took %v; want at least 120ms", path, took)
		}
		if m := timings(res.Header.Values("Server-Timing"))["pause_per_write"]; m.Dur != 5*time.Millisecond {
			t.Errorf("GET %s: pause_per_write %v; want 5ms (21 writes over 100ms)", path, m.Dur)
		}
	})
	codes := []struct {
		query    string
		status   int
		wantBody string
	}{
		{"code=404", http.StatusNotFound, "**"},
		{"code=599", 599, "**"},
		{"code=204", http.StatusNoContent, ""},
		{"code=304", http.StatusNotModified, ""},
		{"code=103", http.StatusOK, "**"}, // the client reads past the interim answer
	}
	for _, tt := range codes {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			path := "/drip?numbytes=2&duration=0&delay=0&" + tt.query
			res, body := get(t, dataClient, "GET", base+path, nil)
			if res.StatusCode != tt.status || string(body) != tt.wantBody {
				t.Errorf("GET %s = %d %q; want %d %q", path, res.StatusCode, body, tt.status, tt.wantBody)
			}
		})
	}
	interim := []struct{ proto, want, final string }{
		{"HTTP/1.1", "HTTP/1.1 103 Early Hints", "HTTP/1.1 200 OK"},
		{"HTTP/1.0", "HTTP/1.0 200 OK", "HTTP/1.0 200 OK"}, // no interim answer for HTTP/1.0 (RFC 9110 §15.2)
	}
	for _, tt := range interim {
		t.Run("code=103 on "+tt.proto, func(t *testing.T) {
			t.Parallel()
			c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "GET /drip?code=103&numbytes=1&duration=0&delay=0 %s\r\nHost: x\r\nConnection: close\r\n\r\n", tt.proto)
			all, _ := io.ReadAll(c)
			first, _, _ := strings.Cut(string(all), "\r\n")
			if first != tt.want || !strings.Contains(string(all), tt.final+"\r\n") || !strings.HasSuffix(string(all), "\r\n\r\n*") {
				t.Errorf("%s GET /drip?code=103 = %q; want %q first, then a 200 with the drip", tt.proto, all, tt.want)
			}
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		res, body := get(t, dataClient, "HEAD", base+"/drip?numbytes=5&duration=5s&delay=0", nil)
		if res.StatusCode != http.StatusOK || len(body) != 0 || res.ContentLength != 5 {
			t.Errorf("HEAD /drip = %d, %d bytes, Content-Length %d; want 200, none, 5", res.StatusCode, len(body), res.ContentLength)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("HEAD /drip?duration=5s took %v; want no drip for a HEAD", took)
		}
	})
	t.Run("the client leaves", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/drip?numbytes=10&duration=900ms&delay=0", nil)
		res, err := dataClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err == nil || len(body) == 0 || len(body) >= 10 {
			t.Errorf("GET /drip cut at 150ms: %q, %v; want part of the body and an error", body, err)
		}
	})
	bad := []struct{ query, param string }{
		{"duration=1m", "duration"},
		{"duration=-1ms", "duration"},
		{"duration=NaN", "duration"},
		{"duration=foo", "duration"},
		{"delay=11", "delay"},
		{"delay=-1", "delay"},
		{"delay=Inf", "delay"},
		{"numbytes=0", "numbytes"},
		{"numbytes=-1", "numbytes"},
		{"numbytes=0xff", "numbytes"},
		{"numbytes=" + strconv.Itoa(httpbin.MaxBytes+1), "numbytes"},
		{"code=foo", "code"},
		{"code=25", "code"},
		{"code=600", "code"},
		{"code=101", "code"},
		{"duration=6s&delay=5s", "duration"},
	}
	for _, tt := range bad {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+"/drip?"+tt.query, nil)
			wantProblem(t, "GET /drip?"+tt.query, res, body, http.StatusBadRequest, tt.param)
		})
	}
}

func TestDataDelay(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	ok := []struct {
		method, arg string
		want        time.Duration
	}{
		{"GET", "0", 0},
		{"GET", "0.05", 50 * time.Millisecond},
		{"GET", "50ms", 50 * time.Millisecond},
		{"POST", "0.01", 10 * time.Millisecond},
		{"DELETE", "1ms", time.Millisecond},
	}
	for _, tt := range ok {
		t.Run(tt.method+" "+tt.arg, func(t *testing.T) {
			t.Parallel()
			path := "/delay/" + tt.arg + "?api_key=hush"
			start := time.Now()
			res, body := get(t, dataClient, tt.method, base+path, nil)
			if took := time.Since(start); res.StatusCode != http.StatusOK || took < tt.want {
				t.Fatalf("%s %s = %d %q after %v; want 200 after %v", tt.method, path, res.StatusCode, body, took, tt.want)
			}
			var got struct {
				Args    map[string][]string `json:"args"`
				Headers map[string][]string `json:"headers"`
				Method  string              `json:"method"`
				Origin  string              `json:"origin"`
				URL     string              `json:"url"`
				Message string              `json:"message"`
				Seconds float64             `json:"seconds"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%s %s: %q: %v", tt.method, path, body, err)
			}
			if got.Method != tt.method || got.Origin != "127.0.0.1" || got.URL != base+"/delay/"+tt.arg+"?api_key="+observe.Redacted || got.Seconds != tt.want.Seconds() || got.Message == "" || got.Headers["Host"] == nil || fmt.Sprint(got.Args["api_key"]) != "["+observe.Redacted+"]" {
				t.Errorf("%s %s = %s; want the request described, redacted, and seconds %g", tt.method, path, body, tt.want.Seconds())
			}
			if m, ok := timings(res.Header.Values("Server-Timing"))["initial_delay"]; !ok || m.Dur != tt.want || m.Desc != "initial delay" {
				t.Errorf("%s %s: Server-Timing %q; want initial_delay of %v", tt.method, path, res.Header.Values("Server-Timing"), tt.want)
			}
		})
	}
	for _, arg := range []string{"-1", "-1ms", "NaN", "Inf", "10.5", "11s", "1m", "x", "1e400"} {
		t.Run(arg, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+"/delay/"+arg, nil)
			wantProblem(t, "GET /delay/"+arg, res, body, http.StatusBadRequest, "seconds")
		})
	}
	t.Run("the client leaves", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/delay/10", nil)
		start := time.Now()
		if res, err := dataClient.Do(req); err == nil {
			res.Body.Close()
			t.Fatalf("GET /delay/10 with a 50ms timeout = %d; want it cut short", res.StatusCode)
		}
		// The server's shutdown at cleanup waits for the handler: it must
		// have ended with the client, not 10s later.
		if took := time.Since(start); took > time.Second {
			t.Errorf("GET /delay/10 cut at 50ms took %v", took)
		}
	})
}

func TestDataLinks(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	redirects := []struct{ path, want string }{
		{"/links/3", "/links/3/0"},
		{"/links/3?x=1", "/links/3/0?x=1"},
		{"/links/007", "/links/7/0"},
	}
	for _, tt := range redirects {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, _ := get(t, dataClient, "GET", base+tt.path, nil)
			if res.StatusCode != http.StatusFound || res.Header.Get("Location") != tt.want {
				t.Errorf("GET %s = %d to %q; want 302 to %q", tt.path, res.StatusCode, res.Header.Get("Location"), tt.want)
			}
		})
	}
	pages := []struct{ path, want string }{
		{"/links/3/1", `<html><head><title>Links</title></head><body><a href="/links/3/0">0</a> 1 <a href="/links/3/2">2</a> </body></html>`},
		{"/links/2/5", `<html><head><title>Links</title></head><body><a href="/links/2/0">0</a> <a href="/links/2/1">1</a> </body></html>`},
		{"/links/0/0", `<html><head><title>Links</title></head><body></body></html>`},
	}
	for _, tt := range pages {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+tt.path, nil)
			if res.StatusCode != http.StatusOK || string(body) != tt.want || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("GET %s = %d %q %q; want 200 HTML %q", tt.path, res.StatusCode, res.Header.Get("Content-Type"), body, tt.want)
			}
		})
	}
	t.Run("the most", func(t *testing.T) {
		t.Parallel()
		path := fmt.Sprintf("/links/%d/0", httpbin.MaxLinks)
		res, body := get(t, dataClient, "GET", base+path, nil)
		if res.StatusCode != http.StatusOK || strings.Count(string(body), "<a ") != httpbin.MaxLinks-1 {
			t.Errorf("GET %s = %d with %d links; want 200 with %d", path, res.StatusCode, strings.Count(string(body), "<a "), httpbin.MaxLinks-1)
		}
	})
	bad := []struct{ path, param string }{
		{"/links/-1", "n"},
		{"/links/x/0", "n"},
		{fmt.Sprintf("/links/%d", httpbin.MaxLinks+1), "n"},
		{"/links/3/x", "offset"},
		{"/links/3/1.5", "offset"},
	}
	for _, tt := range bad {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+tt.path, nil)
			wantProblem(t, "GET "+tt.path, res, body, http.StatusBadRequest, tt.param)
		})
	}
}

func TestDataBase64(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	ok := []struct {
		path, want, contentType string
		sandboxed               bool
	}{
		{"/base64/dmFsaWRfYmFzZTY0X2VuY29kZWRfc3RyaW5n", "valid_base64_encoded_string", "text/plain; charset=utf-8", false},
		{"/base64/decode/dmFsaWRfYmFzZTY0X2VuY29kZWRfc3RyaW5n", "valid_base64_encoded_string", "text/plain; charset=utf-8", false},
		{"/base64/encode/valid_base64_encoded_string", "dmFsaWRfYmFzZTY0X2VuY29kZWRfc3RyaW5n", "text/plain; charset=utf-8", false},
		{"/base64/dGVzdC1pbWFnZQ==", "test-image", "text/plain; charset=utf-8", false},
		{"/base64/decode/YWJjMTIzIT8kKiYoKSctPUB-", "abc123!?$*&()'-=@~", "text/plain; charset=utf-8", false},
		{"/base64/decode/8J+Ziywg8J+MjSEK4oCm", "🙋, 🌍!\n…", "text/plain; charset=utf-8", false},
		{"/base64/encode/abc123%21%3F%24%2A%26%28%29%27-%3D%40~", "YWJjMTIzIT8kKiYoKSctPUB-", "text/plain; charset=utf-8", false},
		{"/base64/eyJzZXJ2ZXIiOiAiZ28taHR0cGJpbiJ9Cg==?content-type=application/json", `{"server": "go-httpbin"}` + "\n", "application/json", false},
		{"/base64/PGltZy9zcmMvb25lcnJvcj1hbGVydCgneHNzJyk+?content-type=text/html", "&lt;img/src/onerror=alert(&#39;xss&#39;)&gt;", "text/html", true},
		{"/base64/PHN2Zz4=?content-type=IMAGE/SVG%2BXML", "&lt;svg&gt;", "image/svg+xml", true},
		{"/base64/PGI+?content-type=text/plain%3B%20charset=utf-8", "<b>", "text/plain; charset=utf-8", false},
	}
	for _, tt := range ok {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+tt.path, nil)
			if res.StatusCode != http.StatusOK || string(body) != tt.want || res.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("GET %s = %d %q %q; want 200 %q %q", tt.path, res.StatusCode, res.Header.Get("Content-Type"), body, tt.contentType, tt.want)
			}
			if csp := res.Header.Get("Content-Security-Policy"); strings.Contains(csp, "sandbox") != tt.sandboxed {
				t.Errorf("GET %s: Content-Security-Policy %q; want sandboxed %v", tt.path, csp, tt.sandboxed)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: X-Content-Type-Options %q; want nosniff", tt.path, res.Header.Get("X-Content-Type-Options"))
			}
		})
	}
	bad := []struct {
		path   string
		status int
		param  string
	}{
		{"/base64/invalid_base64_encoded_string", 400, "data"},
		{"/base64/decode/invalid_base64_encoded_string", 400, "data"},
		{"/base64/unknown/dmFsaWRfYmFzZTY0X2VuY29kZWRfc3RyaW5n", 400, "operation"},
		{"/base64/YWxlcnQoMSk=?content-type=application/javascript", 400, "content-type"},
		{"/base64/YWxlcnQoMSk=?content-type=Text/JavaScript%3B%20charset=utf-8", 400, "content-type"},
		{"/base64/YWxlcnQoMSk=?content-type=text/javascript1.5", 400, "content-type"},
		{"/base64/Ym9keXt9?content-type=text/css", 400, "content-type"},
		{"/base64/YQ==?content-type=application/wasm", 400, "content-type"},
		{"/base64/YQ==?content-type=not%20a%20type", 400, "content-type"},
		{"/base64/YQ==?content-type=text", 400, "content-type"},
		{"/base64/", 404, ""},
		{"/base64/decode/", 404, ""},
		{"/base64/decode/YQ==/extra", 404, ""},
	}
	for _, tt := range bad {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+tt.path, nil)
			wantProblem(t, "GET "+tt.path, res, body, tt.status, tt.param)
		})
	}
	t.Run("longer than a URL may be", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "GET", base+"/base64/encode/"+strings.Repeat("X", httpbin.MaxBytes+1), nil)
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("GET /base64/encode/ with %d bytes = %d %.80q; want a 4xx", httpbin.MaxBytes+1, res.StatusCode, body)
		}
	})
}

func TestDataUUID(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 3 {
		res, body := get(t, dataClient, "GET", base+"/uuid", nil)
		var got struct {
			UUID string `json:"uuid"`
		}
		if err := json.Unmarshal(body, &got); res.StatusCode != http.StatusOK || err != nil || !v4.MatchString(got.UUID) {
			t.Fatalf("GET /uuid = %d %q (%v); want 200 and a version 4 UUID", res.StatusCode, body, err)
		}
		if seen[got.UUID] {
			t.Errorf("GET /uuid gave %s twice; want a new one each time", got.UUID)
		}
		seen[got.UUID] = true
	}
}

// TestDataMethods: the data endpoints answer any method with a meaning,
// OPTIONS with the methods, and others with a 405.
func TestDataMethods(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	tests := []struct {
		method, path string
		want         int
	}{
		{"POST", "/bytes/3", http.StatusOK},
		{"PUT", "/stream/1", http.StatusOK},
		{"PATCH", "/range/3", http.StatusOK},
		{"DELETE", "/links/1/0", http.StatusOK},
		{"POST", "/uuid", http.StatusOK},
		{"OPTIONS", "/drip", http.StatusNoContent},
		{"OPTIONS", "/base64/YQ==", http.StatusNoContent},
		{"TRACE", "/delay/0", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, tt.method, base+tt.path, nil)
			if res.StatusCode != tt.want {
				t.Errorf("%s %s = %d %q; want %d", tt.method, tt.path, res.StatusCode, body, tt.want)
			}
			if tt.method == "OPTIONS" && !strings.Contains(res.Header.Get("Allow"), "GET") {
				t.Errorf("%s %s: Allow %q; want the methods", tt.method, tt.path, res.Header.Get("Allow"))
			}
		})
	}
}
