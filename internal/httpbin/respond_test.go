package httpbin_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/httpbin"
	"github.com/roundtrip/roundtrip/internal/server"
)

// respondClient sees bodies as they cross: no transparent gzip.
var respondClient = &http.Client{
	Timeout:       10 * time.Second,
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func respondServer(t *testing.T, cfg server.Config) string {
	t.Helper()
	base := streamServer(t, cfg)
	t.Cleanup(respondClient.CloseIdleConnections)
	return base
}

// respondDelay is the delay Server-Timing reports for /respond's wait.
func respondDelay(t *testing.T, res *http.Response) time.Duration {
	t.Helper()
	m, ok := timings(res.Header.Values("Server-Timing"))["delay"]
	if !ok {
		t.Fatalf("no delay in Server-Timing %q", res.Header.Values("Server-Timing"))
	}
	return m.Dur
}

func TestRespondEach(t *testing.T) {
	t.Parallel()
	base := respondServer(t, server.Config{})
	for _, c := range []struct {
		query string
		check func(t *testing.T, res *http.Response, body []byte, took time.Duration)
	}{
		{"", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if res.StatusCode != 200 || len(body) != 0 || res.Header.Get("Content-Length") != "0" {
				t.Errorf("= %d %q, Content-Length %q; want an empty 200", res.StatusCode, body, res.Header.Get("Content-Length"))
			}
		}},
		{"status=503", func(t *testing.T, res *http.Response, _ []byte, _ time.Duration) {
			if res.StatusCode != 503 {
				t.Errorf("= %d; want 503", res.StatusCode)
			}
		}},
		{"status=204", func(t *testing.T, res *http.Response, _ []byte, _ time.Duration) {
			if res.StatusCode != 204 || res.Header.Get("Content-Length") != "" || res.Header.Get("Content-Type") != "" {
				t.Errorf("= %d %v; want a bare 204", res.StatusCode, res.Header)
			}
		}},
		{"delay=100ms", func(t *testing.T, res *http.Response, _ []byte, took time.Duration) {
			if d := respondDelay(t, res); d != 100*time.Millisecond || took < 100*time.Millisecond {
				t.Errorf("delay %v, took %v; want 100ms", d, took)
			}
		}},
		{"delay=50ms&jitter=20ms", func(t *testing.T, res *http.Response, _ []byte, took time.Duration) {
			if d := respondDelay(t, res); d < 30*time.Millisecond || d > 70*time.Millisecond || took < d {
				t.Errorf("delay %v, took %v; want 50ms ± 20ms", d, took)
			}
		}},
		{"jitter=20ms", func(t *testing.T, res *http.Response, _ []byte, _ time.Duration) {
			if d := respondDelay(t, res); d < 0 || d > 20*time.Millisecond {
				t.Errorf("delay %v; want 0 to 20ms", d)
			}
		}},
		{"header=Retry-After:5&header=X-A:1&header=x-a:%202%20&header=Location:/get", func(t *testing.T, res *http.Response, _ []byte, _ time.Duration) {
			if res.Header.Get("Retry-After") != "5" || strings.Join(res.Header.Values("X-A"), ",") != "1,2" || res.Header.Get("Location") != "/get" {
				t.Errorf("headers %v; want Retry-After 5, X-A 1 and 2, Location /get", res.Header)
			}
		}},
		{"body=hello", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if string(body) != "hello" || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
				res.Header.Get("Content-Length") != "5" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("= %q %v; want hello as text/plain, Content-Length 5, nosniff", body, res.Header)
			}
		}},
		{"content-type=application/json&body=%3C%22a%22%3E", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if string(body) != `<"a">` || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Content-Security-Policy") != "" {
				t.Errorf("= %q %v; want the body as sent, as application/json", body, res.Header)
			}
		}},
		{"content-type=text/html&body=%3Cscript%3Ealert(1)%3C/script%3E", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if string(body) != "&lt;script&gt;alert(1)&lt;/script&gt;" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("= %q %v; want the HTML escaped and sandboxed", body, res.Header)
			}
		}},
		{"content-type=text/plain", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if len(body) != 0 || res.Header.Get("Content-Type") != "text/plain" {
				t.Errorf("= %q %v; want an empty text/plain", body, res.Header)
			}
		}},
		{"gzip=true&body=hello", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("the body is not gzip: %v", err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || string(plain) != "hello" || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
				t.Errorf("= %q, %v, %v; want hello gzip-coded with its length", plain, err, res.Header)
			}
		}},
		{"gzip", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if res.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("?gzip alone: %v; want gzip", res.Header)
			}
		}},
		{"drip=5x30ms&body=hello", func(t *testing.T, res *http.Response, body []byte, took time.Duration) {
			if string(body) != "hello" || res.Header.Get("Content-Length") != "5" || took < 120*time.Millisecond {
				t.Errorf("= %q in %v, %v; want hello over 120ms", body, took, res.Header)
			}
			if d := timings(res.Header.Values("Server-Timing"))["drip"].Dur; d != 120*time.Millisecond {
				t.Errorf("Server-Timing drip = %v; want 120ms", d)
			}
		}},
		{"drip=3x0s", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if string(body) != "***" {
				t.Errorf("= %q; want ***", body)
			}
		}},
		{"trailer=X-T:1&trailer=X-T:2&trailer=Grpc-Status:0&body=abc", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if string(body) != "abc" || len(res.TransferEncoding) == 0 || strings.Join(res.Trailer.Values("X-T"), ",") != "1,2" || res.Trailer.Get("Grpc-Status") != "0" {
				t.Errorf("= %q, %v, trailers %v; want abc chunked, X-T 1 and 2, Grpc-Status 0", body, res.TransferEncoding, res.Trailer)
			}
		}},
		{"failure_rate=1", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if res.StatusCode != 500 || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("= %d %q; want a 500 problem", res.StatusCode, body)
			}
		}},
		{"failure_rate=1&failure_status=503&header=Retry-After:1&body=never&delay=10ms", func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if res.StatusCode != 503 || res.Header.Get("Retry-After") != "1" || bytes.Contains(body, []byte("never")) || respondDelay(t, res) != 10*time.Millisecond {
				t.Errorf("= %d %q %v; want a 503 problem with Retry-After, after 10ms", res.StatusCode, body, res.Header)
			}
		}},
		{"failure_rate=0&status=201", func(t *testing.T, res *http.Response, _ []byte, _ time.Duration) {
			if res.StatusCode != 201 {
				t.Errorf("= %d; want 201", res.StatusCode)
			}
		}},
		{"seed=1", func(t *testing.T, res *http.Response, _ []byte, _ time.Duration) {
			if res.StatusCode != 200 {
				t.Errorf("= %d; want 200", res.StatusCode)
			}
		}},
		{"body=" + strings.Repeat("x", 8000), func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if len(body) != 8000 {
				t.Errorf("= %d bytes; want 8000", len(body))
			}
		}},
		{"body=" + strings.Repeat("x", 8<<10), func(t *testing.T, res *http.Response, body []byte, _ time.Duration) {
			if res.StatusCode != http.StatusRequestURITooLong {
				t.Errorf("a body of 8 KiB in the URL = %d; want 414: the request target's bound comes first", res.StatusCode)
			}
		}},
	} {
		t.Run(shortQuery(c.query), func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			res, body := get(t, respondClient, "GET", base+"/respond?"+c.query, nil)
			c.check(t, res, body, time.Since(start))
		})
	}

	t.Run("HEAD", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, respondClient, "HEAD", base+"/respond?body=hello&drip=5x1s", nil)
		if res.StatusCode != 200 || len(body) != 0 || res.ContentLength != 5 {
			t.Errorf("HEAD = %d, %d bytes, length %d; want 200, none, 5", res.StatusCode, len(body), res.ContentLength)
		}
	})
	t.Run("POST with a body", func(t *testing.T) {
		t.Parallel()
		res, err := respondClient.Post(base+"/respond?status=202", "text/plain", strings.NewReader("payload"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 202 {
			t.Errorf("POST = %d; want 202", res.StatusCode)
		}
	})
}

func shortQuery(q string) string {
	if len(q) > 60 {
		return q[:60] + "…"
	}
	if q == "" {
		return "no parameters"
	}
	return q
}

// TestRespondCombined sends every parameter in one request.
func TestRespondCombined(t *testing.T) {
	t.Parallel()
	base := respondServer(t, server.Config{})
	// failure_rate=0.1 fails some seeds' first answers; take the first
	// seed that does not, and the first that does.
	q := "status=503&delay=20ms&jitter=10ms&header=Retry-After:5&header=X-Test:combined&body=hello%20world&drip=4x10ms" +
		"&failure_rate=0.1&content-type=text/plain&gzip=true&trailer=X-Done:yes&trailer=X-Pieces:4&seed="
	var ok, failed bool
	for seed := 1000; seed < 1100 && !(ok && failed); seed++ {
		start := time.Now()
		res, body := get(t, respondClient, "GET", fmt.Sprintf("%s/respond?%s%d", base, q, seed), nil)
		took := time.Since(start)
		if d := respondDelay(t, res); d < 10*time.Millisecond || d > 30*time.Millisecond {
			t.Errorf("seed %d: delay %v; want 20ms ± 10ms", seed, d)
		}
		if res.Header.Get("Retry-After") != "5" || res.Header.Get("X-Test") != "combined" {
			t.Errorf("seed %d: headers %v; want Retry-After and X-Test", seed, res.Header)
		}
		switch res.StatusCode {
		case 500:
			failed = true
			continue
		case 503:
			ok = true
		default:
			t.Fatalf("seed %d: %d; want 503, or a 500 failure", seed, res.StatusCode)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("seed %d: not gzip: %v", seed, err)
		}
		plain, _ := io.ReadAll(zr)
		if string(plain) != "hello world" || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Content-Type") != "text/plain" {
			t.Errorf("seed %d: %q %v; want hello world, gzip-coded text/plain", seed, plain, res.Header)
		}
		if res.Trailer.Get("X-Done") != "yes" || res.Trailer.Get("X-Pieces") != "4" {
			t.Errorf("seed %d: trailers %v; want X-Done and X-Pieces", seed, res.Trailer)
		}
		if took < respondDelay(t, res)+30*time.Millisecond {
			t.Errorf("seed %d: took %v; want the delay and three 10ms pauses", seed, took)
		}
	}
	if !ok || !failed {
		t.Errorf("over 100 seeds: a 503 %v, a failure %v; want both", ok, failed)
	}
}

// answer is what a seeded /respond answered: its status and its wait.
type respondAnswer struct {
	status int
	delay  time.Duration
}

func respondSeq(t *testing.T, base string, seed, n int) []respondAnswer {
	t.Helper()
	var seq []respondAnswer
	for range n {
		res, _ := get(t, respondClient, "GET", fmt.Sprintf("%s/respond?failure_rate=0.5&delay=1ms&jitter=1ms&seed=%d", base, seed), nil)
		seq = append(seq, respondAnswer{res.StatusCode, respondDelay(t, res)})
	}
	return seq
}

// TestRespondSeedSequence holds that the nth request with a seed gets the
// nth answer of its sequence, on any server.
func TestRespondSeedSequence(t *testing.T) {
	t.Parallel()
	one, two := respondServer(t, server.Config{}), respondServer(t, server.Config{})
	a := respondSeq(t, one, 42, 12)
	// Another seed's requests in between leave seed 42's sequence alone.
	respondSeq(t, two, 43, 3)
	b := append(respondSeq(t, two, 42, 6), respondSeq(t, two, 42, 6)...)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("seed 42 on two servers:\n%v\n%v\nwant the same sequence", a, b)
	}
	statuses, delays := map[int]bool{}, map[time.Duration]bool{}
	for _, x := range a {
		statuses[x.status], delays[x.delay] = true, true
		if x.delay > 2*time.Millisecond {
			t.Errorf("delay %v; want 1ms ± 1ms", x.delay)
		}
	}
	if len(statuses) != 2 || len(delays) < 10 {
		t.Errorf("seed 42's 12 answers %v: want both 200 and 500 and a different delay each: a sequence, not one answer repeated", a)
	}
	if c := respondSeq(t, one, 44, 12); fmt.Sprint(c) == fmt.Sprint(a) {
		t.Errorf("seeds 42 and 44 gave the same sequence %v", c)
	}
}

// TestRespondSeedBound holds that the server remembers 1,000 seeds: one
// unused while 1,000 others are used restarts its sequence, and one unused
// while 999 are does not.
func TestRespondSeedBound(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		others  int
		restart bool
	}{{999, false}, {1000, true}} {
		t.Run(fmt.Sprint(c.others, " others"), func(t *testing.T) {
			t.Parallel()
			base := respondServer(t, server.Config{})
			first := respondSeq(t, base, 7, 1)[0]
			var wg sync.WaitGroup
			seeds := make(chan int)
			for range 4 {
				wg.Go(func() {
					for s := range seeds {
						res, err := respondClient.Get(fmt.Sprintf("%s/respond?seed=%d", base, s))
						if err != nil {
							t.Error(err)
							continue
						}
						res.Body.Close()
					}
				})
			}
			for s := range c.others {
				seeds <- 100000 + s
			}
			close(seeds)
			wg.Wait()
			again := respondSeq(t, base, 7, 1)[0]
			if restarted := again == first; restarted != c.restart {
				t.Errorf("seed 7 after %d other seeds: first %v, then %v; restarted %v, want %v", c.others, first, again, restarted, c.restart)
			}
		})
	}
}

// TestRespondClose holds that close= gives a Go client the failure it
// tests: an unexpected EOF on HTTP/1.1, a stream reset on HTTP/2.
func TestRespondClose(t *testing.T) {
	t.Parallel()
	base := respondServer(t, server.Config{H2C: true})
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	h2 := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Protocols: &protocols}}
	t.Cleanup(h2.CloseIdleConnections)

	for _, c := range []struct {
		query string
		got   string // the body read before the failure
	}{
		{"close=after-headers", ""},
		{"close=after-headers&body=0123456789", ""},
		{"close=mid-body&body=0123456789", "01234"},
		{"close=mid-body&body=0123456789&drip=10x5ms", "01234"},
		{"close=mid-body&body=0123456789&trailer=X-Never:1", "01234"},
	} {
		t.Run("HTTP/1.1 "+c.query, func(t *testing.T) {
			t.Parallel()
			res, err := respondClient.Get(base + "/respond?status=202&header=X-Seen:1&" + c.query)
			if err != nil {
				t.Fatalf("the head did not come: %v", err)
			}
			defer res.Body.Close()
			if res.StatusCode != 202 || res.Header.Get("X-Seen") != "1" {
				t.Errorf("head = %d %v; want 202 with X-Seen", res.StatusCode, res.Header)
			}
			body, err := io.ReadAll(res.Body)
			if !errors.Is(err, io.ErrUnexpectedEOF) || string(body) != c.got {
				t.Errorf("body = %q, %v; want %q, then unexpected EOF", body, err, c.got)
			}
		})
		t.Run("HTTP/2 "+c.query, func(t *testing.T) {
			t.Parallel()
			res, err := h2.Get(base + "/respond?status=202&" + c.query)
			if err != nil {
				t.Fatalf("the head did not come: %v", err)
			}
			defer res.Body.Close()
			if res.ProtoMajor != 2 || res.StatusCode != 202 {
				t.Fatalf("head = %s %d; want HTTP/2 202", res.Proto, res.StatusCode)
			}
			body, err := io.ReadAll(res.Body)
			if err == nil || !strings.Contains(err.Error(), "INTERNAL_ERROR") || string(body) != c.got {
				t.Errorf("body = %q, %v; want %q, then a stream reset (INTERNAL_ERROR)", body, err, c.got)
			}
		})
	}

	t.Run("the connection after it is gone, the server is not", func(t *testing.T) {
		t.Parallel()
		res, body := get(t, respondClient, "GET", base+"/respond?body=fine", nil)
		if res.StatusCode != 200 || string(body) != "fine" {
			t.Errorf("= %d %q; want 200 fine", res.StatusCode, body)
		}
	})
}

func TestRespondBadParams(t *testing.T) {
	t.Parallel()
	base := respondServer(t, server.Config{})
	many := func(name string, n int) string {
		q := make([]string, n)
		for i := range q {
			q[i] = fmt.Sprintf("%s=X-H%d:1", name, i)
		}
		return strings.Join(q, "&")
	}
	for _, c := range []struct{ query, param string }{
		{"unknown=1", "unknown"},
		{"Status=200", "Status"},
		{"status=200&status=201", "status"},
		{"status=x", "status"},
		{"status=99", "status"},
		{"status=101", "status"},
		{"status=600", "status"},
		{"delay=-1", "delay"},
		{"delay=NaN", "delay"},
		{"delay=11s", "delay"},
		{"jitter=x", "jitter"},
		{"delay=9s&jitter=2s", "jitter"},
		{"header=NoColon", "header"},
		{"header=Bad%20Name:x", "header"},
		{"header=X-A:a%0d%0aInjected:%201", "header"},
		{"header=Content-Length:5", "header"},
		{"header=Transfer-Encoding:chunked", "header"},
		{"header=Connection:close", "header"},
		{"header=Trailer:X", "header"},
		{"header=Content-Type:text/html", "header"},
		{"header=Content-Encoding:gzip", "header"},
		{"header=X-Request-Id:mine", "header"},
		{"header=Location:https://evil.example/", "header"},
		{"header=Location://evil.example/", "header"},
		{"header=Location:/%5Cevil.example/", "header"},
		{"header=Location:/%09/evil.example/", "header"}, // a browser drops the tab: //evil.example
		{"header=Location:/a%5Cb", "header"},
		{"header=Refresh:0%3Burl=/get", "header"},
		{"header=Refresh:0;url=/get", ""}, // a semicolon would drop the parameter: the query is refused
		{"header=Server-Timing:x", "header"},
		{"body=%zz", ""},
		{many("header", httpbin.MaxCount+1), "header"},
		{"body=x&status=204", "body"},
		{"drip=2x0s&status=304", "drip"},
		{"trailer=X:1&status=205", "trailer"},
		{"drip=0x10ms", "drip"},
		{"drip=101x0s", "drip"},
		{"drip=5", "drip"},
		{"drip=5xsoon", "drip"},
		{"drip=3x6s", "drip"},
		{"delay=5s&drip=11x600ms", "drip"},
		{"drip=5x0s&body=abc", "drip"},
		{"failure_rate=2", "failure_rate"},
		{"failure_rate=NaN", "failure_rate"},
		{"failure_rate=-0.1", "failure_rate"},
		{"failure_status=200", "failure_status"},
		{"failure_status=600", "failure_status"},
		{"seed=-1", "seed"},
		{"seed=18446744073709551616", "seed"},
		{"close=later", "close"},
		{"close=mid-body&body=x", "close"},
		{"close=mid-body", "close"},
		{"gzip=maybe", "gzip"},
		{"content-type=nonsense", "content-type"},
		{"content-type=text/javascript&body=alert(1)", "content-type"},
		{"content-type=text/css", "content-type"},
		{"trailer=Content-Type:x", "trailer"},
		{"trailer=Set-Cookie:a=1", "trailer"},
		{"trailer=bad", "trailer"},
		{many("trailer", httpbin.MaxCount+1), "trailer"},
	} {
		t.Run(shortQuery(c.query), func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			res, body := get(t, respondClient, "GET", base+"/respond?"+c.query, nil)
			wantProblem(t, "GET /respond?"+shortQuery(c.query), res, body, 400, c.param)
			if d := time.Since(start); d > time.Second {
				t.Errorf("the 400 took %v; want it before any wait", d)
			}
		})
	}

	t.Run("the limits are taken", func(t *testing.T) {
		t.Parallel()
		for _, q := range []string{
			many("header", httpbin.MaxCount),
			many("trailer", httpbin.MaxCount),
			fmt.Sprintf("drip=%dx0s", httpbin.MaxCount),
			"drip=1x10s", // one piece: no pause
			"status=599&failure_status=599&failure_rate=0",
			"seed=18446744073709551615",
		} {
			res, body := get(t, respondClient, "GET", base+"/respond?"+q, nil)
			if res.StatusCode == 400 {
				t.Errorf("GET /respond?%s = %d %s; want it taken", shortQuery(q), res.StatusCode, body)
			}
		}
	})
	t.Run("a request body over the bound", func(t *testing.T) {
		t.Parallel()
		res, err := respondClient.Post(base+"/respond", "application/octet-stream", bytes.NewReader(make([]byte, 1<<20+1)))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Errorf("POST of 1 MiB + 1 = %d; want 413", res.StatusCode)
		}
	})
}
