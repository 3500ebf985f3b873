package proxy_test

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/proxy"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// front puts the proxy in front of app, with capture on, and returns the
// proxy's URL and the server, whose inspector holds the exchanges.
func front(t *testing.T, app string, cfg proxy.Config) (string, *server.Server) {
	t.Helper()
	to, err := url.Parse(app)
	if err != nil {
		t.Fatal(err)
	}
	cfg.To = to
	p, _, srv := servetest.Proxy(t, server.Config{Proxy: proxy.New(cfg)})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	return p, srv
}

// newest is the inspector's newest exchange, waited for.
func newest(t *testing.T, srv *server.Server) *observe.Exchange {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if page, _ := srv.Inspector().List(inspect.Filter{}, 0, 1); len(page) == 1 {
			return page[0]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no exchange reached the inspector")
	return nil
}

// TestBothLegs: an exchange through the proxy is captured with its
// upstream leg, timed within the exchange, and the app's Server-Timing;
// the app gets the exchange's request id and the client gets it once;
// hop-by-hop headers stop at the proxy.
func TestBothLegs(t *testing.T) {
	t.Parallel()
	var got http.Header
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("X-Request-Id", r.Header.Get("X-Request-Id"))
		w.Header().Set("Server-Timing", "db;dur=12.5")
		fmt.Fprintf(w, "hello from %s", r.URL.Path)
	}))
	t.Cleanup(app.Close)
	base, srv := front(t, app.URL+"/prefix", proxy.Config{})

	req, _ := http.NewRequest("GET", base+"/hello?token=s3cret&x=1", nil)
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "stops here")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "hello from /prefix/hello" {
		t.Fatalf("GET through the proxy = %d %q; want 200 from the app under its prefix", res.StatusCode, body)
	}
	if ids := res.Header.Values("X-Request-Id"); len(ids) != 1 || ids[0] != got.Get("X-Request-Id") {
		t.Errorf("X-Request-Id to the client %q, to the app %q; want the one id, once", ids, got.Get("X-Request-Id"))
	}
	if st := res.Header.Values("Server-Timing"); len(st) != 2 || st[0] != "db;dur=12.5" {
		t.Errorf("Server-Timing = %q; want the app's, then the proxy's", st)
	}
	if got.Get("X-Hop") != "" || got.Get("X-Forwarded-For") == "" || got.Get("X-Forwarded-Host") == "" {
		t.Errorf("the app got X-Hop %q, X-Forwarded-For %q, X-Forwarded-Host %q; want no hop-by-hop header, and X-Forwarded-*", got.Get("X-Hop"), got.Get("X-Forwarded-For"), got.Get("X-Forwarded-Host"))
	}

	ex := newest(t, srv)
	up := ex.Upstream
	if up == nil {
		t.Fatalf("the exchange has no upstream leg: %+v", ex)
	}
	if want := app.URL + "/prefix/hello?token=" + observe.Redacted + "&x=1"; up.URL != want || up.Status != 200 || up.Proto != "HTTP/1.1" || up.ServerTiming != "db;dur=12.5" || up.Remote != strings.TrimPrefix(app.URL, "http://") {
		t.Errorf("upstream = %+v; want %s, 200 HTTP/1.1, the app's Server-Timing and address, the token redacted", up, want)
	}
	names := map[string]observe.Phase{}
	for _, p := range up.Phases {
		names[p.Name] = p
	}
	for _, n := range []string{"connect", "send", "wait", "receive"} {
		p, ok := names[n]
		if !ok {
			t.Errorf("upstream phases %+v lack %s", up.Phases, n)
			continue
		}
		if p.StartMS < 0 || p.StartMS+p.DurationMS > ex.DurationMS+0.001 {
			t.Errorf("upstream %s at %.3f for %.3f ms; want within the exchange's %.3f ms", n, p.StartMS, p.DurationMS, ex.DurationMS)
		}
	}
	if string(ex.Response.Body) != "hello from /prefix/hello" {
		t.Errorf("captured response body %q; want the app's", ex.Response.Body)
	}
}

// TestStreamsPassThrough: an event stream reaches the client as the app
// sends it, not once it ends.
func TestStreamsPassThrough(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release: // the client has the first event
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
		fmt.Fprint(w, "data: last\n\n")
	}))
	t.Cleanup(app.Close)
	base, srv := front(t, app.URL, proxy.Config{})
	res, err := http.Get(base + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	first := make(chan string, 1)
	go func() { line, _ := r.ReadString('\n'); first <- line }()
	select {
	case line := <-first:
		if line != "data: first\n" {
			t.Errorf("first line = %q; want the first event", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event did not arrive while the stream was open: the proxy buffered it")
	}
	close(release)
	rest, _ := io.ReadAll(r)
	if !strings.Contains(string(rest), "data: last") {
		t.Errorf("rest of the stream = %q; want the last event", rest)
	}
	if ex := newest(t, srv); !strings.Contains(ex.Response.Body, "data: first") || !strings.Contains(ex.Response.Body, "data: last") {
		t.Errorf("captured stream %q; want both events", ex.Response.Body)
	}
}

// TestAppFailures: the app down or slow is a 502 or 504 problem naming
// the cause, recorded on the upstream leg.
func TestAppFailures(t *testing.T) {
	t.Parallel()
	down := servetest.RefusedAddr(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	// It answers the request with a line that is not HTTP, and keeps the
	// connection. (One that spoke first, as sshd does, would be an
	// unsolicited answer, which net/http drops with the connection.)
	notHTTP := servetest.Conns(t, func(c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		c.Write([]byte("SSH-2.0-OpenSSH\r\n"))
		io.Copy(io.Discard, c)
	})
	tests := []struct {
		name, app string
		want      int
		detail    string
	}{
		{"down", "http://" + down, 502, "connection refused"},
		{"slow", slow.URL, 504, "timed out after 200ms"},
		{"not HTTP", "http://" + notHTTP, 502, "not HTTP"},
		{"TLS to plain", "https://" + strings.TrimPrefix(slow.URL, "http://"), 502, "TLS error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, srv := front(t, tt.app, proxy.Config{Timeout: 200 * time.Millisecond})
			res, err := http.Get(base + "/x")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.want || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(b), tt.detail) {
				t.Errorf("GET with the app %s = %d %s %s; want a %d problem with %q", tt.name, res.StatusCode, res.Header.Get("Content-Type"), b, tt.want, tt.detail)
			}
			if ex := newest(t, srv); ex.Status != tt.want || ex.Upstream == nil || !strings.Contains(ex.Upstream.Error, tt.detail) {
				t.Errorf("captured %d, upstream %+v; want %d with the error", ex.Status, ex.Upstream, tt.want)
			}
		})
	}
}

// TestUploadTeed: a body larger than the capture limit reaches the app
// whole, and the capture keeps its first bytes.
func TestUploadTeed(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	}))
	t.Cleanup(app.Close)
	to, _ := url.Parse(app.URL)
	base, _, srv := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to}), MaxBodyCapture: 1024})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	const size = 3 << 20
	res, err := http.Post(base+"/upload", "application/octet-stream", strings.NewReader(strings.Repeat("u", size)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != fmt.Sprint(size) {
		t.Errorf("the app read %s bytes; want %d", b, size)
	}
	ex := newest(t, srv)
	if len(ex.Request.Body) != 1024 || !ex.Request.BodyTruncated || ex.BytesIn != size {
		t.Errorf("captured %d bytes, truncated %v, bytes_in %d; want 1024 of %d", len(ex.Request.Body), ex.Request.BodyTruncated, ex.BytesIn, size)
	}
}

// TestUpgradeTunnelled: a protocol switch (a WebSocket's handshake) goes
// through, and the bytes after it flow both ways.
func TestUpgradeTunnelled(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "want Upgrade: echo", 400)
			return
		}
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "echo")
		w.WriteHeader(http.StatusSwitchingProtocols)
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		line, _ := rw.ReadString('\n')
		rw.WriteString("echo: " + line)
		rw.Flush()
	}))
	t.Cleanup(app.Close)
	base, srv := front(t, app.URL, proxy.Config{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	r := bufio.NewReader(conn)
	res, err := http.ReadResponse(r, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade through the proxy = %v, %v; want 101", res, err)
	}
	fmt.Fprint(conn, "ping\n")
	if line, err := r.ReadString('\n'); err != nil || line != "echo: ping\n" {
		t.Errorf("after the switch, got %q, %v; want the app's echo", line, err)
	}
	conn.Close()
	if ex := newest(t, srv); ex.Status != http.StatusSwitchingProtocols || ex.Upstream == nil || ex.Upstream.Status != 101 {
		t.Errorf("captured %d, upstream %+v; want the 101 with its leg", ex.Status, ex.Upstream)
	}
}

// TestInspectorOwnListener: the proxy's listener forwards every path, the
// inspector's included, and the inspector answers on its own.
func TestInspectorOwnListener(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "app:"+r.URL.Path) }))
	t.Cleanup(app.Close)
	to, _ := url.Parse(app.URL)
	base, insp, _ := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to})})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	for _, path := range []string{"/_roundtrip/api/exchanges", "/metrics", "/"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != "app:"+path {
			t.Errorf("GET %s on the proxy = %q; want the app's answer", path, b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", insp+"/_roundtrip/api/exchanges", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Exchanges []observe.Summary }
	json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if res.StatusCode != 200 || len(list.Exchanges) != 3 {
		t.Errorf("GET exchanges on the inspector = %d with %d exchanges; want 200 with the 3 proxied", res.StatusCode, len(list.Exchanges))
	}
	if res, err := http.Get(insp + "/hello"); err != nil || res.StatusCode != 404 {
		t.Errorf("GET /hello on the inspector = %v, %v; want 404: serve's routes are not there", res, err)
	} else {
		res.Body.Close()
	}
}

// TestReplayThroughProxy: a replay from the inspector goes through the
// proxy to the app again, captured with its own upstream leg.
func TestReplayThroughProxy(t *testing.T) {
	t.Parallel()
	hits := make(chan string, 4)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("X-Roundtrip-Replay-Of")
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(app.Close)
	to, _ := url.Parse(app.URL)
	base, insp, srv := servetest.Proxy(t, server.Config{Proxy: proxy.New(proxy.Config{To: to})})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	res, err := http.Post(base+"/orders?n=1", "application/json", strings.NewReader(`{"item":"tea"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	first := newest(t, srv)
	res, err = http.Post(fmt.Sprintf("%s/_roundtrip/api/exchanges/%d/replay", insp, first.ID), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		RequestID string `json:"request_id"`
	}
	json.NewDecoder(res.Body).Decode(&got)
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("replay = %d; want 201", res.StatusCode)
	}
	if h1, h2 := <-hits, <-hits; h1 != "POST /orders?n=1 " || h2 != fmt.Sprintf("POST /orders?n=1 %d", first.ID) {
		t.Errorf("the app got %q then %q; want the request, then its replay naming %d", h1, h2, first.ID)
	}
	ex := newest(t, srv)
	if ex.RequestID != got.RequestID || ex.Upstream == nil || ex.Upstream.Status != 200 || ex.Request.Body != `{"item":"tea"}` {
		t.Errorf("the replay's exchange = %s, upstream %+v, body %q; want it captured with its leg", ex.RequestID, ex.Upstream, ex.Request.Body)
	}
}

// boundApp is an app for the bounds: a request with Upgrade: echo
// switches and has each line echoed until the connection closes; GET
// /stream is an event stream that sends its first event at once and its
// last once release closes (or the client leaves); anything else is
// "plain".
func boundApp(t testing.TB, release <-chan struct{}) string {
	t.Helper()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Upgrade") == "echo":
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Upgrade", "echo")
			w.WriteHeader(http.StatusSwitchingProtocols)
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			for {
				line, err := rw.ReadString('\n')
				if err != nil {
					return // the proxy closed its side
				}
				rw.WriteString(line)
				rw.Flush()
			}
		case r.URL.Path == "/stream":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "data: first\n\n")
			w.(http.Flusher).Flush()
			select {
			case <-release:
				fmt.Fprint(w, "data: last\n\n")
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
		default:
			fmt.Fprint(w, "plain")
		}
	}))
	t.Cleanup(app.Close)
	return app.URL
}

// dial opens a raw connection to the proxy at base and sends head, a
// request's head without its final blank line; it returns the
// connection, its reader and the answer, whose body is left unread.
func dial(t testing.TB, base, head string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, head+"\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		conn.Close()
		t.Fatalf("the answer to %q = %v", head, err)
	}
	return conn, r, res
}

const (
	upgradeHead = "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n"
	streamHead  = "GET /stream HTTP/1.1\r\nHost: x\r\n"
)

// echoes reports whether a line sent on a switched connection comes back.
func echoes(t testing.TB, conn net.Conn, r *bufio.Reader) bool {
	t.Helper()
	fmt.Fprint(conn, "ping\n")
	line, err := r.ReadString('\n')
	return err == nil && line == "ping\n"
}

// refused checks that res is the 503 problem a bound answers.
func refused(t *testing.T, what string, res *http.Response) {
	t.Helper()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(b), "as many as it keeps") {
		t.Errorf("%s = %d, Retry-After %q, %s %s; want a 503 problem with Retry-After: 1", what, res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"), b)
	}
}

// until retries try, which opens something, until it is accepted, for 5 s
// at most.
func until(t *testing.T, what string, try func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !try() {
		if time.Now().After(deadline) {
			t.Fatalf("%s was still refused after 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestUpgradeBound: protocol switches beyond MaxUpgrades are refused with
// a 503 problem, the ones open still carry bytes, other requests still
// go, and one that closes makes room.
func TestUpgradeBound(t *testing.T) {
	t.Parallel()
	const max = 4
	base, _ := front(t, boundApp(t, nil), proxy.Config{MaxUpgrades: max})
	type switched struct {
		conn net.Conn
		r    *bufio.Reader
	}
	var open []switched
	defer func() {
		for _, s := range open {
			s.conn.Close()
		}
	}()
	for i := range max {
		conn, r, res := dial(t, base, upgradeHead)
		open = append(open, switched{conn, r})
		if res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade %d of %d = %d; want 101", i+1, max, res.StatusCode)
		}
	}
	conn, _, res := dial(t, base, upgradeHead)
	refused(t, "an upgrade beyond MaxUpgrades", res)
	conn.Close()
	if res, err := http.Get(base + "/plain"); err != nil || res.StatusCode != 200 {
		t.Errorf("a GET with the upgrades full = %v, %v; want 200: they are counted apart", res, err)
	} else {
		res.Body.Close()
	}
	for i, s := range open {
		if !echoes(t, s.conn, s.r) {
			t.Errorf("upgrade %d after the refusal does not echo; want it open", i+1)
		}
	}
	open[0].conn.Close()
	until(t, "an upgrade after one closed", func() bool {
		conn, r, res := dial(t, base, upgradeHead)
		if res.StatusCode != http.StatusSwitchingProtocols {
			conn.Close()
			return false
		}
		open[0] = switched{conn, r}
		return echoes(t, conn, r)
	})
}

// TestInFlightBound: requests beyond MaxInFlight are refused with a 503
// problem while streams hold every slot, the streams open still carry
// their events, upgrades still go, and a stream the client leaves makes
// room.
func TestInFlightBound(t *testing.T) {
	t.Parallel()
	const max = 4
	release := make(chan struct{})
	var once sync.Once
	done := func() { once.Do(func() { close(release) }) }
	base, _ := front(t, boundApp(t, release), proxy.Config{MaxInFlight: max})
	t.Cleanup(done) // before the app's Close, which waits for the streams
	var streams []net.Conn
	var readers []*bufio.Reader
	defer func() {
		for _, c := range streams {
			c.Close()
		}
	}()
	for i := range max {
		conn, _, res := dial(t, base, streamHead)
		streams, readers = append(streams, conn), append(readers, bufio.NewReader(res.Body))
		if res.StatusCode != 200 {
			t.Fatalf("stream %d of %d = %d; want 200", i+1, max, res.StatusCode)
		}
		if line, err := readers[i].ReadString('\n'); err != nil || line != "data: first\n" {
			t.Fatalf("stream %d's first line = %q, %v; want its first event", i+1, line, err)
		}
	}
	for _, head := range []string{streamHead, "GET /plain HTTP/1.1\r\nHost: x\r\n"} {
		conn, _, res := dial(t, base, head)
		refused(t, "a request beyond MaxInFlight", res)
		conn.Close()
	}
	conn, r, res := dial(t, base, upgradeHead)
	if res.StatusCode != http.StatusSwitchingProtocols || !echoes(t, conn, r) {
		t.Errorf("an upgrade with the requests in flight full = %d; want 101 and its echo: they are counted apart", res.StatusCode)
	}
	conn.Close()

	streams[0].Close() // the client leaves: the proxy's request ends
	until(t, "a stream after one ended", func() bool {
		conn, _, res := dial(t, base, streamHead)
		if res.StatusCode != http.StatusOK {
			conn.Close()
			return false
		}
		streams[0], readers[0] = conn, bufio.NewReader(res.Body)
		line, err := readers[0].ReadString('\n')
		return err == nil && line == "data: first\n"
	})
	done()
	for i, r := range readers {
		rest, _ := r.ReadString('\n')
		if rest != "\n" {
			t.Errorf("stream %d after its first event read %q; want the event's blank line", i+1, rest)
			continue
		}
		if line, err := r.ReadString('\n'); err != nil || line != "data: last\n" {
			t.Errorf("stream %d's last event = %q, %v; want it delivered", i+1, line, err)
		}
	}
}

// TestHTTP2BothSides: a client speaking cleartext HTTP/2 (the proxy with
// H2C, roundtrip proxy --h2c) through the proxy to an https:// app that
// speaks HTTP/2: each leg is recorded with its own protocol.
func TestHTTP2BothSides(t *testing.T) {
	t.Parallel()
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "app got ", r.Proto)
	}))
	app.EnableHTTP2 = true
	app.StartTLS()
	t.Cleanup(app.Close)
	to, _ := url.Parse(app.URL)
	roots := x509.NewCertPool()
	roots.AddCert(app.Certificate())
	base, _, srv := servetest.Proxy(t, server.Config{H2C: true, Proxy: proxy.New(proxy.Config{To: to, RootCAs: roots})})
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &protocols}
	t.Cleanup(tr.CloseIdleConnections)
	res, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(base + "/h2")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Proto != "HTTP/2.0" || string(body) != "app got HTTP/2.0" {
		t.Errorf("through the proxy: %s %q; want HTTP/2.0 on both legs", res.Proto, body)
	}
	if ex := newest(t, srv); ex.Proto != "HTTP/2.0" || ex.Upstream == nil || ex.Upstream.Proto != "HTTP/2.0" || ex.TLS != "" {
		t.Errorf("captured proto %q, upstream %+v; want HTTP/2.0 each way", ex.Proto, ex.Upstream)
	}
}
