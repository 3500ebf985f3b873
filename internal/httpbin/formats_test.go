package httpbin_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/andybalholm/brotli"
	"github.com/roundtrip/roundtrip/internal/httpbin"
	"github.com/roundtrip/roundtrip/internal/observe"
)

func TestFormatDocuments(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	tests := []struct {
		path, contentType string
		check             func([]byte) error
	}{
		{"/json", "application/json", func(b []byte) error {
			var v struct {
				Slideshow struct {
					Title  string `json:"title"`
					Author string `json:"author"`
					Slides []struct {
						Title string `json:"title"`
					} `json:"slides"`
				} `json:"slideshow"`
			}
			if err := json.Unmarshal(b, &v); err != nil {
				return err
			}
			if v.Slideshow.Title != "Sample Slide Show" || v.Slideshow.Author != "Yours Truly" || len(v.Slideshow.Slides) != 2 {
				return fmt.Errorf("slideshow %+v; want httpbin's sample", v.Slideshow)
			}
			return nil
		}},
		{"/xml", "application/xml", func(b []byte) error {
			var v struct {
				XMLName xml.Name `xml:"slideshow"`
				Title   string   `xml:"title,attr"`
				Slides  []struct {
					Title string `xml:"title"`
				} `xml:"slide"`
			}
			if err := xml.Unmarshal(b, &v); err != nil {
				return err
			}
			if v.Title != "Sample Slide Show" || len(v.Slides) != 2 || v.Slides[1].Title != "Overview" {
				return fmt.Errorf("slideshow %+v; want httpbin's sample", v)
			}
			return nil
		}},
		{"/html", "text/html; charset=utf-8", formatHas("<h1>Herman Melville - Moby-Dick</h1>")},
		{"/robots.txt", "text/plain; charset=utf-8", formatIs("User-agent: *\nDisallow: /deny\n")},
		{"/deny", "text/plain; charset=utf-8", formatHas("YOU SHOULDN'T BE HERE")},
		{"/encoding/utf8", "text/html; charset=utf-8", func(b []byte) error {
			if !utf8.Valid(b) {
				return fmt.Errorf("not valid UTF-8")
			}
			for _, s := range []string{"<h1>Unicode Demo</h1>", "Съешь", "いろは", "∀x∈ℝ", "🚀"} {
				if !bytes.Contains(b, []byte(s)) {
					return fmt.Errorf("lacks %q", s)
				}
			}
			return nil
		}},
		{"/forms/post", "text/html; charset=utf-8", formatHas(`<form method="post" action="/post">`, `name="custname"`, `name="topping"`, `name="comments"`)},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+tt.path, nil)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != tt.contentType {
				t.Fatalf("GET %s = %d %q; want 200 %q", tt.path, res.StatusCode, res.Header.Get("Content-Type"), tt.contentType)
			}
			if err := tt.check(body); err != nil {
				t.Errorf("GET %s: %v in %q", tt.path, err, body)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: X-Content-Type-Options %q; want nosniff", tt.path, res.Header.Get("X-Content-Type-Options"))
			}
			head, hbody := get(t, dataClient, "HEAD", base+tt.path, nil)
			if head.StatusCode != http.StatusOK || len(hbody) != 0 || head.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("HEAD %s = %d, %d bytes, %q; want 200, none, %q", tt.path, head.StatusCode, len(hbody), head.Header.Get("Content-Type"), tt.contentType)
			}
		})
	}
	methods := []struct {
		method, path string
		want         int
	}{
		{"POST", "/json", http.StatusOK},
		{"DELETE", "/xml", http.StatusOK},
		{"OPTIONS", "/html", http.StatusNoContent},
		{"POST", "/encoding/utf8", http.StatusMethodNotAllowed},
		{"POST", "/forms/post", http.StatusMethodNotAllowed},
	}
	for _, tt := range methods {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, tt.method, base+tt.path, nil)
			if res.StatusCode != tt.want {
				t.Errorf("%s %s = %d %q; want %d", tt.method, tt.path, res.StatusCode, body, tt.want)
			}
		})
	}
}

func formatHas(subs ...string) func([]byte) error {
	return func(b []byte) error {
		for _, s := range subs {
			if !bytes.Contains(b, []byte(s)) {
				return fmt.Errorf("lacks %q", s)
			}
		}
		return nil
	}
}

func formatIs(want string) func([]byte) error {
	return func(b []byte) error {
		if string(b) != want {
			return fmt.Errorf("is not %q", want)
		}
		return nil
	}
}

func TestFormatJSONL(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	ok := []struct {
		query string
		lines int
		least time.Duration
	}{
		{"", 10, 0},
		{"count=0", 0, 0},
		{"count=3", 3, 0},
		{"count=" + strconv.Itoa(httpbin.MaxCount), httpbin.MaxCount, 0},
		{"count=3&duration=100ms", 3, 100 * time.Millisecond},
		{"count=2&delay=50ms", 2, 50 * time.Millisecond},
		{"count=3&duration=0.1&jitter=0.5&seed=9", 3, 50 * time.Millisecond},
	}
	for _, tt := range ok {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			path := strings.TrimSuffix("/jsonl?"+tt.query, "?")
			start := time.Now()
			res, body := get(t, dataClient, "GET", base+path, nil)
			took := time.Since(start)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/x-ndjson; charset=utf-8" {
				t.Fatalf("GET %s = %d %q; want 200 JSON lines", path, res.StatusCode, res.Header.Get("Content-Type"))
			}
			lines := dataLines(t, "GET "+path, body)
			if len(lines) != tt.lines {
				t.Fatalf("GET %s: %d lines; want %d", path, len(lines), tt.lines)
			}
			for i, l := range lines {
				if l["id"] != float64(i) || l["origin"] != "127.0.0.1" || l["url"] != base+path {
					t.Fatalf("GET %s: line %d = %v; want id %d, origin and URL", path, i, l, i)
				}
			}
			if took < tt.least || took > tt.least+2*time.Second {
				t.Errorf("GET %s took %v; want about %v", path, took, tt.least)
			}
		})
	}
	bad := []struct{ query, param string }{
		{"count=-1", "count"},
		{"count=x", "count"},
		{"count=" + strconv.Itoa(httpbin.MaxCount+1), "count"},
		{"duration=NaN", "duration"},
		{"duration=-1s", "duration"},
		{"duration=11", "duration"},
		{"delay=-1", "delay"},
		{"delay=1h", "delay"},
		{"jitter=2", "jitter"},
		{"jitter=-0.1", "jitter"},
		{"jitter=NaN", "jitter"},
		{"duration=6s&delay=5s", "duration"},
		{"seed=x", "seed"},
	}
	for _, tt := range bad {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, dataClient, "GET", base+"/jsonl?"+tt.query, nil)
			wantProblem(t, "GET /jsonl?"+tt.query, res, body, http.StatusBadRequest, tt.param)
		})
	}
}

func TestFormatCompressed(t *testing.T) {
	t.Parallel()
	base := dataServer(t)
	tests := []struct {
		path, coding, flag string
		decode             func(io.Reader) (io.Reader, error)
	}{
		{"/gzip", "gzip", "gzipped", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{"/deflate", "deflate", "deflated", func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) }},
		{"/brotli", "br", "brotli", func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "POST"} {
			t.Run(method+" "+tt.path, func(t *testing.T) {
				t.Parallel()
				path := tt.path + "?a=1&password=hush"
				h := http.Header{"Cookie": {"session=hush"}, "Accept-Encoding": {"identity"}}
				res, body := get(t, dataClient, method, base+path, h)
				if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != tt.coding || res.Header.Get("Content-Type") != "application/json" {
					t.Fatalf("%s %s = %d, %q, %q; want 200 JSON in %s", method, path, res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Content-Type"), tt.coding)
				}
				if res.Header.Get("Vary") != "Accept-Encoding" || res.ContentLength != int64(len(body)) {
					t.Errorf("%s %s: Vary %q, Content-Length %d of %d; want Accept-Encoding and the length", method, path, res.Header.Get("Vary"), res.ContentLength, len(body))
				}
				zr, err := tt.decode(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				plain, err := io.ReadAll(zr)
				if err != nil {
					t.Fatalf("%s %s: decoding %s: %v", method, path, tt.coding, err)
				}
				var got map[string]any
				if err := json.Unmarshal(plain, &got); err != nil {
					t.Fatalf("%s %s: %q: %v", method, path, plain, err)
				}
				if got[tt.flag] != true || got["method"] != method || got["origin"] != "127.0.0.1" || got["url"] != base+tt.path+"?a=1&password="+observe.Redacted {
					t.Errorf("%s %s = %s; want the request described and %q true", method, path, plain, tt.flag)
				}
				if strings.Contains(string(plain), "hush") {
					t.Errorf("%s %s = %s; want the password and the cookie redacted", method, path, plain)
				}
			})
		}
	}
	t.Run("HEAD", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, dataClient, "HEAD", base+"/gzip", nil)
		if res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("HEAD /gzip = %d, %d bytes, %q; want 200, none, gzip", res.StatusCode, len(body), res.Header.Get("Content-Encoding"))
		}
	})
}
