package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/accesslog"
	"github.com/roundtrip/roundtrip/internal/cert"
	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/observe"
)

// newInspected starts the whole stack with cfg and returns its URL and server.
func newInspected(t *testing.T, cfg Config) (string, *Server) {
	t.Helper()
	srv := New(cfg)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	t.Cleanup(srv.inspectorShutdown)
	return ts.URL, srv
}

func (s *Server) inspectorShutdown() {
	if s.inspector != nil {
		s.inspector.Shutdown()
	}
}

// latest returns the newest captured exchange, in full.
func latest(t *testing.T, base string) observe.Exchange {
	t.Helper()
	res, body := do(t, "GET", base+"/_roundtrip/api/exchanges?limit=1", nil, "")
	var list struct{ Exchanges []observe.Summary }
	if err := json.Unmarshal([]byte(body), &list); err != nil || res.StatusCode != 200 || len(list.Exchanges) != 1 {
		t.Fatalf("GET exchanges?limit=1 = %d %s (%v); want one exchange", res.StatusCode, body, err)
	}
	res, body = do(t, "GET", base+"/_roundtrip/api/exchanges/"+strconv.FormatUint(list.Exchanges[0].ID, 10), nil, "")
	var ex observe.Exchange
	if err := json.Unmarshal([]byte(body), &ex); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET exchanges/%d = %d %s (%v)", list.Exchanges[0].ID, res.StatusCode, body, err)
	}
	return ex
}

// read is there only when measured: on HTTP/1.x through Serve's listener, not under httptest.
var serverTiming = regexp.MustCompile(`^(read;dur=\d+\.\d{3}, )?route;dur=\d+\.\d{3}, handler;dur=\d+\.\d{3}, traceparent;desc="00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]"$`)

func TestEveryResponseCarriesTimingAndID(t *testing.T) {
	t.Parallel()
	base, _ := newInspected(t, Config{})
	tests := []struct {
		method, path string
		clientID     string
		wantStatus   int
		wantKept     bool
	}{
		{"GET", "/hello", "", 200, false},
		{"GET", "/hello", "f47ac10b-58cc-4372-a567-0e02b2c3d479", 200, true},
		{"GET", "/hello", "not valid", 200, false},
		{"GET", "/hello", strings.Repeat("x", 200), 200, false},
		{"HEAD", "/hello", "", 200, false},
		{"OPTIONS", "/hello", "", 204, false},
		{"DELETE", "/hello", "", 405, false},
		{"GET", "/nowhere", "", 404, false},
		{"GET", "/status/204", "", 204, false},
		{"POST", "/echo", "", 200, false},
		{"GET", "/_roundtrip/api/exchanges", "", 200, false},
		{"GET", "/metrics", "", 200, false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		h := http.Header{}
		if tt.clientID != "" {
			h.Set("X-Request-Id", tt.clientID)
		}
		res, _ := do(t, tt.method, base+tt.path, h, "")
		if res.StatusCode != tt.wantStatus {
			t.Errorf("%s %s = %d; want %d", tt.method, tt.path, res.StatusCode, tt.wantStatus)
		}
		if st := res.Header.Get("Server-Timing"); !serverTiming.MatchString(st) {
			t.Errorf("%s %s Server-Timing = %q; want read, route and handler durations and a traceparent", tt.method, tt.path, st)
		}
		if dates := res.Header.Values("Date"); len(dates) != 1 {
			t.Errorf("%s %s Date = %q; want one", tt.method, tt.path, dates)
		} else if d, err := http.ParseTime(dates[0]); err != nil || time.Since(d).Abs() > 5*time.Second {
			t.Errorf("%s %s Date = %q (%v); want now, in the IMF-fixdate format", tt.method, tt.path, dates[0], err)
		}
		id := res.Header.Get("X-Request-Id")
		switch {
		case tt.wantKept && id != tt.clientID:
			t.Errorf("%s %s with X-Request-Id %q answered %q; want it kept", tt.method, tt.path, tt.clientID, id)
		case !tt.wantKept && (id == tt.clientID || !observe.ValidRequestID(id) || seen[id]):
			t.Errorf("%s %s with X-Request-Id %q answered %q; want a fresh generated id", tt.method, tt.path, tt.clientID, id)
		}
		seen[id] = true
	}
}

func TestCaptureRecordsExchange(t *testing.T) {
	t.Parallel()
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	secretHeaders := http.Header{
		"Content-Type":  {"application/json"},
		"Authorization": {"Bearer s3cret"},
		"Cookie":        {"session=abc"},
		"Traceparent":   {tp},
	}
	tests := []struct {
		name       string
		cfg        Config
		wantSecret string
	}{
		{"redacted by default", Config{}, observe.Redacted},
		{"secrets kept", Config{CaptureSecrets: true}, "Bearer s3cret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, _ := newInspected(t, tt.cfg)
			res, body := do(t, "POST", base+"/echo?x=1", secretHeaders, `{"a":1}`)
			ex := latest(t, base)
			checks := []struct {
				field string
				got   any
				want  any
			}{
				{"method", ex.Method, "POST"},
				{"url", ex.URL, "/echo?x=1"},
				{"path", ex.Path, "/echo"},
				{"route", ex.Route, "/echo"},
				{"proto", ex.Proto, "HTTP/1.1"},
				{"status", ex.Status, 200},
				{"bytes_in", ex.BytesIn, int64(7)},
				{"bytes_out", ex.BytesOut, int64(len(body))},
				{"request_id", ex.RequestID, res.Header.Get("X-Request-Id")},
				{"content_type", ex.ContentType, "application/json"},
				{"traceparent", ex.Traceparent, tp},
				{"request.body", ex.Request.Body, `{"a":1}`},
				{"request.body_size", ex.Request.BodySize, int64(7)},
				{"response.body", ex.Response.Body, body},
				{"response.headers Server-Timing", ex.Response.Headers.Get("Server-Timing"), res.Header.Get("Server-Timing")},
				{"request.headers Authorization", ex.Request.Headers.Get("Authorization"), tt.wantSecret},
				{"client is the peer", strings.HasPrefix(ex.Client, "127.0.0.1:"), true},
			}
			for _, c := range checks {
				if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
					t.Errorf("captured %s = %v; want %v", c.field, c.got, c.want)
				}
			}
			if tt.wantSecret == observe.Redacted && ex.Request.Headers.Get("Cookie") != observe.Redacted {
				t.Errorf("captured Cookie = %q; want it redacted", ex.Request.Headers.Get("Cookie"))
			}
			var names []string
			for _, p := range ex.Phases {
				names = append(names, p.Name)
				if p.DurationMS < 0 || p.StartMS < 0 {
					t.Errorf("phase %s = %+v; want no negative times", p.Name, p)
				}
			}
			if got := strings.Join(names, ","); got != "read,route,handler,write" {
				t.Errorf("phases = %s; want read,route,handler,write", got)
			}
		})
	}
}

func TestCaptureTruncatesBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		maxBody       int
		wantReqBody   string
		wantTruncated bool
	}{
		{"under the limit", 1024, `{"name":"Bob"}`, false},
		{"over the limit", 8, `{"name":`, true},
		{"none kept", -1, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, _ := newInspected(t, Config{MaxBodyCapture: tt.maxBody})
			do(t, "POST", base+"/api/greeting", http.Header{"Content-Type": {"application/json"}}, `{"name":"Bob"}`)
			ex := latest(t, base)
			if ex.Request.Body != tt.wantReqBody || ex.Request.BodySize != 14 {
				t.Errorf("captured request body %q, size %d; want %q, 14", ex.Request.Body, ex.Request.BodySize, tt.wantReqBody)
			}
			if ex.Request.BodyTruncated != tt.wantTruncated || ex.Response.BodyTruncated != tt.wantTruncated {
				t.Errorf("captured truncated: request %v, response %v; want %v", ex.Request.BodyTruncated, ex.Response.BodyTruncated, tt.wantTruncated)
			}
			if want := `{"message":"Hello, Bob!"}` + "\n"; ex.Response.BodySize != int64(len(want)) {
				t.Errorf("captured response body_size = %d; want %d", ex.Response.BodySize, len(want))
			}
		})
	}
}

func TestInspectorRequestsAreNotCaptured(t *testing.T) {
	t.Parallel()
	base, srv := newInspected(t, Config{})
	do(t, "GET", base+"/hello", nil, "")
	for _, path := range []string{"/_roundtrip/api/exchanges", "/_roundtrip/api/exchanges/1", "/_roundtrip/api/exchanges/1/as/curl", "/_roundtrip/api/har", "/_roundtrip/elsewhere", "/metrics"} {
		do(t, "GET", base+path, nil, "")
	}
	if got := srv.Inspector().Len(); got != 1 {
		t.Errorf("captured %d exchanges; want 1, only GET /hello", got)
	}
}

func TestNoInspector(t *testing.T) {
	t.Parallel()
	base, srv := newInspected(t, Config{NoInspector: true})
	if srv.Inspector() != nil {
		t.Error("Inspector() = non-nil with NoInspector")
	}
	res, _ := do(t, "GET", base+"/hello", nil, "")
	if res.Header.Get("Server-Timing") == "" || res.Header.Get("X-Request-Id") == "" {
		t.Errorf("GET /hello without the inspector lacks Server-Timing or X-Request-Id: %v", res.Header)
	}
	for _, path := range []string{"/_roundtrip/api/exchanges", "/_roundtrip/api/events", "/_roundtrip/api/har", "/_roundtrip/api/store"} {
		if res, _ := do(t, "GET", base+path, nil, ""); res.StatusCode != 404 {
			t.Errorf("GET %s without the inspector = %d; want 404", path, res.StatusCode)
		}
	}
}

func TestTokenBeyondLoopback(t *testing.T) {
	t.Parallel()
	const token = "test-token-0123456789"
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skipf("cannot listen on 0.0.0.0: %v", err)
	}
	serveOn(t, New(Config{InspectorToken: token, ShutdownTimeout: 5 * time.Second}), ln)
	base := "http://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	tests := []struct {
		method, path string
		header       http.Header
		want         int
	}{
		{"GET", "/hello", nil, 200},
		{"GET", "/_roundtrip/api/exchanges", nil, 401},
		{"GET", "/_roundtrip/api/exchanges", bearer("wrong-token-0123456789"), 401},
		{"GET", "/_roundtrip/api/exchanges", http.Header{"Authorization": {"Basic " + token}}, 401},
		{"GET", "/_roundtrip/api/exchanges", bearer(token), 200},
		{"GET", "/_roundtrip/api/exchanges?token=" + token, nil, 200},
		{"DELETE", "/_roundtrip/api/exchanges", nil, 401},
		{"DELETE", "/_roundtrip/api/exchanges?token=" + token, nil, 401},
		{"DELETE", "/_roundtrip/api/exchanges", bearer(token), 204},
		{"GET", "/_roundtrip/api/exchanges/1", nil, 401},
		{"GET", "/_roundtrip/api/exchanges/1/as/curl", nil, 401},
		{"GET", "/_roundtrip/api/har", nil, 401},
		{"GET", "/_roundtrip/api/har", bearer(token), 200},
		{"GET", "/_roundtrip/api/store", nil, 401},
		{"GET", "/_roundtrip/api/store", bearer(token), 200},
		{"GET", "/_roundtrip/api/info", nil, 401},
		{"GET", "/_roundtrip/api/resolve?name=localhost", nil, 401},
		{"GET", "/_roundtrip/api/info", bearer(token), 200},
		{"GET", "/_roundtrip/api/events", nil, 401},
		{"GET", "/metrics", nil, 401},
		{"GET", "/metrics", bearer(token), 200},
	}
	for _, tt := range tests {
		res, body := do(t, tt.method, base+tt.path, tt.header, "")
		if res.StatusCode != tt.want {
			t.Errorf("%s %s with %v = %d; want %d", tt.method, tt.path, tt.header, res.StatusCode, tt.want)
		}
		if tt.want == 401 {
			if ct, wa := res.Header.Get("Content-Type"), res.Header.Get("WWW-Authenticate"); ct != "application/problem+json" || !strings.HasPrefix(wa, "Bearer") || strings.Contains(body, token) {
				t.Errorf("%s %s 401: Content-Type %q, WWW-Authenticate %q, body %s; want a problem, a Bearer challenge and no token", tt.method, tt.path, ct, wa, body)
			}
		}
	}
	// The events URL takes ?token= because EventSource cannot set headers.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/_roundtrip/api/events?token="+token, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET events?token= = %d; want 200", res.StatusCode)
	}
}

func TestNoTokenOnLoopback(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, New(Config{ShutdownTimeout: 5 * time.Second}), ln)
	for _, path := range []string{"/_roundtrip/api/exchanges", "/metrics"} {
		if res, _ := do(t, "GET", "http://"+ln.Addr().String()+path, nil, ""); res.StatusCode != 200 {
			t.Errorf("GET %s on a loopback listen = %d; want 200 without a token", path, res.StatusCode)
		}
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr net.Addr
		want bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, true},
		{&net.TCPAddr{IP: net.IPv6loopback}, true},
		{&net.TCPAddr{IP: net.IPv4zero}, false},
		{&net.TCPAddr{IP: net.IPv6unspecified}, false},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 2)}, false},
		{&net.UnixAddr{Name: "/tmp/roundtrip.sock", Net: "unix"}, true},
	}
	for _, tt := range tests {
		if got := Loopback(tt.addr); got != tt.want {
			t.Errorf("Loopback(%v) = %v; want %v", tt.addr, got, tt.want)
		}
	}
}

// TestServeRecordsReadPhase goes through the real Serve, whose listener
// stamps when each request's bytes arrive, over one keep-alive connection.
func TestServeRecordsReadPhase(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{ShutdownTimeout: 5 * time.Second})
	serveOn(t, srv, ln)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	for i := range 3 {
		fmt.Fprint(conn, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		ex, ok := srv.Inspector().Get(uint64(i + 1))
		if !ok {
			t.Fatalf("exchange %d not captured", i+1)
		}
		if read, total := ex.Phases[0].DurationMS, ex.DurationMS; read <= 0 || read > total {
			t.Errorf("request %d: read phase %v ms of %v ms; want a positive part of the whole", i+1, read, total)
		}
	}
}

// TestShutdownEndsEventStreams holds an event stream open through a
// graceful shutdown, which must not wait for it.
func TestShutdownEndsEventStreams(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(Config{ShutdownTimeout: 20 * time.Second}).Serve(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/_roundtrip/api/events")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer res.Body.Close()
	line, _ := bufio.NewReader(res.Body).ReadString('\n')
	if line != ": connected\n" {
		t.Errorf("first line of the stream = %q; want \": connected\\n\"", line)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve with an open event stream = %v; want a clean shutdown", err)
	}
}

// TestConcurrentCapture runs clients, readers and a stream at once under
// -race, through a ring smaller than the traffic.
func TestConcurrentCapture(t *testing.T) {
	t.Parallel()
	base, srv := newInspected(t, Config{History: 50})
	stream, err := http.Get(base + "/_roundtrip/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	go io.Copy(io.Discard, stream.Body)

	const clients, each = 6, 40
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				if i%2 == 0 {
					do(t, "GET", base+"/hello", nil, "")
				} else {
					do(t, "POST", base+"/echo", http.Header{"Content-Type": {"text/plain"}}, fmt.Sprintf("client %d request %d", c, i))
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			do(t, "GET", base+"/_roundtrip/api/exchanges?method=POST", nil, "")
			do(t, "GET", base+"/_roundtrip/api/har", nil, "")
		}
	})
	wg.Wait()
	all := srv.Inspector().All()
	if len(all) != 50 {
		t.Fatalf("ring holds %d exchanges; want 50", len(all))
	}
	for i, ex := range all {
		if want := uint64(clients*each - 49 + i); ex.ID != want {
			t.Errorf("All()[%d].ID = %d; want %d", i, ex.ID, want)
		}
		switch ex.Method {
		case "GET":
			if ex.Response.Body != "Hello, World!" {
				t.Errorf("exchange %d: GET /hello captured body %q", ex.ID, ex.Response.Body)
			}
		case "POST":
			if !strings.Contains(ex.Response.Body, ex.Request.Body) || !strings.HasPrefix(ex.Request.Body, "client ") {
				t.Errorf("exchange %d: POST /echo request %q, response %q; want the echo of its own request", ex.ID, ex.Request.Body, ex.Response.Body)
			}
		}
	}
}

// served runs the real Serve with cfg (an access log into logs) on a free
// loopback port, and returns its base URL.
func served(t *testing.T, cfg Config, logs *syncBuffer) (string, *Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.AccessLog = accesslog.New(logs, accesslog.Text, 10*time.Millisecond)
	srv := New(cfg)
	serveOn(t, srv, ln)
	scheme := "http://"
	if cfg.TLS != nil {
		scheme = "https://"
	}
	return scheme + ln.Addr().String(), srv
}

// every view of one exchange: the inspector's API, its HAR entry, the
// access log line and /metrics.
type views struct {
	ex      observe.Exchange
	har     map[string]any // the entry
	logLine string
	metrics string
}

// viewsOf gathers the views of the newest exchange whose path is path,
// waiting for it to reach all of them.
func viewsOf(t *testing.T, hc *http.Client, base string, srv *Server, logs *syncBuffer, path string) views {
	t.Helper()
	var v views
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := filter.Parse(`path:"` + path + `"`)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := srv.Inspector().List(f, 0, 1)
		if len(page) == 1 && strings.Contains(logs.String(), "path="+path+" ") {
			v.ex = *page[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no exchange for %s reached the inspector and the access log; log:\n%s", path, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "path="+path+" ") {
			v.logLine = line
		}
	}
	get := func(path string) []byte {
		res, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s = %d %v", path, res.StatusCode, err)
		}
		return b
	}
	var doc struct {
		Log struct{ Entries []map[string]any }
	}
	if err := json.Unmarshal(get("/_roundtrip/api/har"), &doc); err != nil {
		t.Fatalf("the HAR: %v", err)
	}
	for _, e := range doc.Log.Entries {
		if strings.HasSuffix(e["request"].(map[string]any)["url"].(string), path) {
			v.har = e
		}
	}
	v.metrics = string(get("/metrics"))
	return v
}

// TestHeadRecordsNoBody: a HEAD's body is never sent, and no view says
// otherwise.
func TestHeadRecordsNoBody(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	base, srv := served(t, Config{}, &logs)
	do(t, "HEAD", base+"/hello", nil, "")
	v := viewsOf(t, http.DefaultClient, base, srv, &logs, "/hello")
	if v.ex.BytesOut != 0 || v.ex.Response.BodySize != 0 || v.ex.Response.BodyTruncated {
		t.Errorf("inspector: bytes_out %d, body_size %d, truncated %v; want 0, 0, false", v.ex.BytesOut, v.ex.Response.BodySize, v.ex.Response.BodyTruncated)
	}
	res := v.har["response"].(map[string]any)
	if res["bodySize"] != 0.0 || res["content"].(map[string]any)["size"] != 0.0 {
		t.Errorf("HAR: bodySize %v, content.size %v; want 0", res["bodySize"], res["content"].(map[string]any)["size"])
	}
	if !strings.Contains(v.logLine, " bytes=0 ") {
		t.Errorf("access log: %q; want bytes=0", v.logLine)
	}
}

// TestClientGoneRecorded cuts GET /delay/2 after 0.3 s: every view records
// a client that left before any answer, as 499, and none a 200.
func TestClientGoneRecorded(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	base, srv := served(t, Config{}, &logs)
	hc := &http.Client{Timeout: 300 * time.Millisecond}
	if res, err := hc.Get(base + "/delay/2"); err == nil {
		res.Body.Close()
		t.Fatalf("GET /delay/2 with a 0.3 s timeout = %d; want it cut short", res.StatusCode)
	}
	v := viewsOf(t, http.DefaultClient, base, srv, &logs, "/delay/2")
	if v.ex.Status != 499 || !v.ex.ClientGone || v.ex.BytesOut != 0 {
		t.Errorf("inspector: status %d, client_gone %v, bytes_out %d; want 499, true, 0", v.ex.Status, v.ex.ClientGone, v.ex.BytesOut)
	}
	if res := v.har["response"].(map[string]any); res["status"] != 499.0 || res["statusText"] != "Client Closed Request" || !strings.Contains(v.har["comment"].(string), "closed the connection") {
		t.Errorf("HAR: status %v %q, comment %q; want 499 Client Closed Request, explained", res["status"], res["statusText"], v.har["comment"])
	}
	if !strings.Contains(v.logLine, " status=499 ") {
		t.Errorf("access log: %q; want status=499", v.logLine)
	}
	if !strings.Contains(v.metrics, `roundtrip_http_requests_total{method="GET",route="/delay/{seconds}",status="499"} 1`) || strings.Contains(v.metrics, `route="/delay/{seconds}",status="200"`) {
		t.Errorf("/metrics lacks the 499 of /delay/{seconds}, or counts a 200:\n%s", grepLines(v.metrics, "/delay/"))
	}
}

// TestHandshakeIsAPhase serves TLS: the first exchange on a connection has
// the handshake as a phase of its own, in the inspector and as HAR's ssl;
// the next one on the connection has none.
func TestHandshakeIsAPhase(t *testing.T) {
	t.Parallel()
	crt, pemBytes, err := cert.SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	base, srv := served(t, Config{TLS: &tls.Config{Certificates: []tls.Certificate{crt}}}, &logs)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	base = strings.Replace(base, "127.0.0.1", "localhost", 1) // the certificate's name
	for _, path := range []string{"/hello", "/time"} {
		res, err := hc.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	first, second := viewsOf(t, hc, base, srv, &logs, "/hello"), viewsOf(t, hc, base, srv, &logs, "/time")
	if hs := first.ex.Phases[0]; hs.Name != "tls" || hs.DurationMS <= 0 || first.har["timings"].(map[string]any)["ssl"] != hs.DurationMS {
		t.Errorf("first exchange: phases %+v, HAR timings %v; want a TLS phase first, as ssl", first.ex.Phases, first.har["timings"])
	}
	if p := second.ex.Phases[0]; p.Name == "tls" || second.har["timings"].(map[string]any)["ssl"] != -1.0 {
		t.Errorf("second exchange: phases %+v, HAR timings %v; want no TLS phase, ssl -1", second.ex.Phases, second.har["timings"])
	}
}

// grepLines is the lines of s that contain sub.
func grepLines(s, sub string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestSecretsRedactedEverywhere: credentials in headers, in the query and
// reflected by /echo appear in no view of a capture (list, detail, HAR,
// events, access log) unless CaptureSecrets keeps them.
func TestSecretsRedactedEverywhere(t *testing.T) {
	t.Parallel()
	secrets := []string{"S1-bearer", "S2-cookie", "S3-apikey", "S4-authtoken", "S5-amz", "S6-query", "S7-query", "S8-userpass"}
	send := func(t *testing.T, base string) {
		t.Helper()
		do(t, "POST", base+"/echo?token=S6-query&q=visible", http.Header{
			"Content-Type":         {"application/json"},
			"Authorization":        {"Bearer S1-bearer"},
			"Cookie":               {"c=S2-cookie"},
			"X-Api-Key":            {"S3-apikey"},
			"X-Auth-Token":         {"S4-authtoken"},
			"X-Amz-Security-Token": {"S5-amz"},
		}, `{"a":1}`)
		do(t, "GET", base+"/hello?api_key=S7-query", nil, "")
		// An absolute-form request with a password in it, as a proxy client sends.
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "GET http://user:S8-userpass@%s/hello HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", strings.TrimPrefix(base, "http://"), strings.TrimPrefix(base, "http://"))
		io.Copy(io.Discard, c)
	}
	views := func(t *testing.T, base string, logs *syncBuffer, access *accesslog.Log) map[string]string {
		t.Helper()
		out := map[string]string{}
		_, out["list"] = do(t, "GET", base+"/_roundtrip/api/exchanges", nil, "")
		for id := 1; id <= 3; id++ {
			_, b := do(t, "GET", base+"/_roundtrip/api/exchanges/"+strconv.Itoa(id), nil, "")
			out["detail"] += b
		}
		_, out["har"] = do(t, "GET", base+"/_roundtrip/api/har", nil, "")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/_roundtrip/api/events?last_event_id=0", nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		lines := bufio.NewScanner(res.Body)
		for n := 0; n < 3 && lines.Scan(); {
			if strings.HasPrefix(lines.Text(), "data: ") {
				out["events"] += lines.Text() + "\n"
				n++
			}
		}
		if err := access.Flush(); err != nil {
			t.Fatal(err)
		}
		out["access log"] = logs.String()
		return out
	}
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("CaptureSecrets=%v", keep), func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			access := accesslog.New(logs, accesslog.Text, time.Hour)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			serveOn(t, New(Config{CaptureSecrets: keep, AccessLog: access, ShutdownTimeout: 5 * time.Second}), ln)
			base := "http://" + ln.Addr().String()
			send(t, base)
			got := views(t, base, logs, access)
			for view, text := range got {
				if !strings.Contains(text, "/hello") && !strings.Contains(text, "visible") {
					t.Errorf("%s = %.300s; want the captured exchanges in it", view, text)
				}
				for _, s := range secrets {
					if !keep && strings.Contains(text, s) {
						t.Errorf("%s holds %s: %.400s", view, s, text[max(strings.Index(text, s)-200, 0):])
					}
				}
			}
			if keep {
				for _, s := range secrets {
					if !strings.Contains(got["detail"], s) {
						t.Errorf("with CaptureSecrets, the detail lacks %s", s)
					}
				}
			}
		})
	}
}
