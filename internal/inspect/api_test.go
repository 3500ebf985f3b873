package inspect

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// newAPI serves in's handlers on the routes the server gives them.
func newAPI(t *testing.T, in *Inspector) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /_roundtrip/api/exchanges", in.HandleList())
	mux.Handle("DELETE /_roundtrip/api/exchanges", in.HandleClear())
	mux.Handle("GET /_roundtrip/api/exchanges/{id}", in.HandleGet())
	mux.Handle("GET /_roundtrip/api/events", in.HandleEvents())
	mux.Handle("GET /_roundtrip/api/har", in.HandleHAR())
	mux.Handle("GET /_roundtrip/api/store", in.HandleStore())
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	t.Cleanup(in.Shutdown) // streams end before the server closes
	return ts
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

func TestListHandler(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	add(t, in, 20)
	ts := newAPI(t, in)
	tests := []struct {
		query      string
		wantStatus int
		wantIDs    string
		wantNext   string
	}{
		{"", 200, "[20 19 18 17 16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1]", "<nil>"},
		{"?limit=2", 200, "[20 19]", "19"},
		{"?limit=2&before=19", 200, "[18 17]", "17"},
		{"?method=get&status=4xx&path=/status/", 200, "[19 15 11 7 3]", "<nil>"},
		{"?status=500&limit=4", 200, "[20 16 12 8]", "8"},
		{"?limit=0", 400, "", ""},
		{"?limit=5000", 400, "", ""},
		{"?before=x", 400, "", ""},
		{"?status=6xx", 400, "", ""},
		{"?status=99", 400, "", ""},
		{"?q=method:get+status:4xx+path:/status/", 200, "[19 15 11 7 3]", "<nil>"},
		{"?q=-status:5xx+-status:404&limit=3", 200, "[18 17 14]", "14"},
		{"?q=method:GET&status=404", 200, "[19 15 11 7 3]", "<nil>"},
		{"?q=status:abc", 400, "", ""},
		{"?q=%22open", 400, "", ""},
	}
	for _, tt := range tests {
		res, body := get(t, ts.URL+"/_roundtrip/api/exchanges"+tt.query)
		if res.StatusCode != tt.wantStatus {
			t.Errorf("GET exchanges%s = %d %s; want %d", tt.query, res.StatusCode, body, tt.wantStatus)
			continue
		}
		if tt.wantStatus != 200 {
			if strings.HasPrefix(tt.query, "?q=") && !strings.Contains(body, `"column":`) {
				t.Errorf("GET exchanges%s = %s; want a problem with the filter's column", tt.query, body)
			}
			continue
		}
		var got struct {
			Exchanges []observe.Summary `json:"exchanges"`
			Next      *uint64           `json:"next_before"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("GET exchanges%s: %v in %s", tt.query, err, body)
		}
		var ids []uint64
		for _, s := range got.Exchanges {
			ids = append(ids, s.ID)
		}
		next := "<nil>"
		if got.Next != nil {
			next = jsonString(t, *got.Next)
		}
		if gotIDs := jsonIDs(ids); gotIDs != tt.wantIDs || next != tt.wantNext {
			t.Errorf("GET exchanges%s = %s, next_before %s; want %s, %s", tt.query, gotIDs, next, tt.wantIDs, tt.wantNext)
		}
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonIDs(ids []uint64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = jsonNum(id)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func jsonNum(n uint64) string { b, _ := json.Marshal(n); return string(b) }

func TestGetAndClearHandlers(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	add(t, in, 3)
	ts := newAPI(t, in)
	res, body := get(t, ts.URL+"/_roundtrip/api/exchanges/2")
	if res.StatusCode != 200 || !strings.Contains(body, `"id":2,`) || !strings.Contains(body, `"phases":[`) {
		t.Errorf("GET exchanges/2 = %d %s; want 200 with exchange 2 and its phases", res.StatusCode, body)
	}
	for _, id := range []string{"9", "x", "0"} {
		if res, body := get(t, ts.URL+"/_roundtrip/api/exchanges/"+id); res.StatusCode != 404 {
			t.Errorf("GET exchanges/%s = %d %s; want 404", id, res.StatusCode, body)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, ts.URL+"/_roundtrip/api/exchanges", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Errorf("DELETE exchanges = %d; want 204", res.StatusCode)
	}
	if res, _ := get(t, ts.URL+"/_roundtrip/api/exchanges/2"); res.StatusCode != 404 {
		t.Errorf("GET exchanges/2 after DELETE = %d; want 404", res.StatusCode)
	}
}

// event is one Server-Sent Event as read off the wire.
type event struct{ id, name, data string }

// readEvents reads n events (comments skipped) from an event stream.
func readEvents(t *testing.T, r *bufio.Reader, n int) []event {
	t.Helper()
	var out []event
	var ev event
	for len(out) < n {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev != (event{}) {
				out = append(out, ev)
			}
			ev = event{}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data = line[6:]
		}
	}
	return out
}

func openStream(t *testing.T, url, lastID string) *bufio.Reader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("GET events = %d %s; want 200 text/event-stream", res.StatusCode, ct)
	}
	return bufio.NewReader(res.Body)
}

func TestEventsResume(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		last string
		want []string // "id" for an exchange, "missed N" for a marker
	}{
		{"Last-Event-ID inside the ring", "/_roundtrip/api/events", "6", []string{"7", "8", "9"}},
		{"query parameter", "/_roundtrip/api/events?last_event_id=7", "", []string{"8", "9"}},
		{"past the ring", "/_roundtrip/api/events", "1", []string{"missed 2", "4", "5", "6", "7", "8", "9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := New(Config{History: 5})
			add(t, in, 8) // the ring holds 4..8; the live exchange will be 9
			ts := newAPI(t, in)
			r := openStream(t, ts.URL+tt.url, tt.last)
			// One live exchange after the backlog; the stream is subscribed
			// once its backlog has arrived, so read that first.
			backlog := readEvents(t, r, len(tt.want)-1)
			in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/live"}})
			evs := append(backlog, readEvents(t, r, 1)...)
			var got []string
			for _, ev := range evs {
				switch ev.name {
				case "exchange":
					var s observe.Summary
					if err := json.Unmarshal([]byte(ev.data), &s); err != nil || jsonNum(s.ID) != ev.id {
						t.Errorf("event %s data = %s (%v); want the summary of exchange %s", ev.id, ev.data, err, ev.id)
					}
					got = append(got, ev.id)
				case "missed":
					var m struct{ Missed int }
					_ = json.Unmarshal([]byte(ev.data), &m)
					got = append(got, "missed "+jsonNum(uint64(m.Missed)))
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("events = %v; want %v", got, tt.want)
			}
		})
	}
}

// stallWriter is a ResponseWriter whose writes block, after the first,
// until release is closed: a subscriber stuck on a slow network.
type stallWriter struct {
	*httptest.ResponseRecorder
	mu      sync.Mutex
	writes  int
	stalled chan struct{} // closed when a write is blocked
	release chan struct{}
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes++
	n := w.writes
	w.mu.Unlock()
	if n == 2 {
		close(w.stalled)
		<-w.release
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ResponseRecorder.Write(p)
}

func (w *stallWriter) body() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ResponseRecorder.Body.String()
}

// TestStuckSubscriberMissesEvents stalls a stream mid-write: adding
// exchanges goes on unblocked, and once the stream moves again it gets the
// queued events and then a marker counting the dropped ones.
func TestStuckSubscriberMissesEvents(t *testing.T) {
	t.Parallel()
	in := New(Config{History: 1000})
	w := &stallWriter{ResponseRecorder: httptest.NewRecorder(), stalled: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/_roundtrip/api/events", nil)
	done := make(chan struct{})
	go func() {
		in.HandleEvents().ServeHTTP(w, req)
		close(done)
	}()
	for in.Subscribers() == 0 {
		time.Sleep(time.Millisecond)
	}
	add(t, in, 1)
	<-w.stalled                     // the stream is stuck writing exchange 1
	add(t, in, subscriberBuffer+44) // all return: Add never waits for it
	close(w.release)
	want := "event: missed\ndata: {\"missed\": 44}\n\n"
	for !strings.Contains(w.body(), want) {
		select {
		case <-done:
			t.Fatalf("stream ended without %q", want)
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	<-done
	body := w.body()
	if got := strings.Count(body, "event: exchange\n"); got != 1+subscriberBuffer {
		t.Errorf("exchange events = %d; want %d", got, 1+subscriberBuffer)
	}
	if i, j := strings.Index(body, "id: 257\n"), strings.Index(body, want); i < 0 || j < i {
		t.Errorf("the missed marker comes before the last queued event (257) or it is absent:\n%s", body[max(0, len(body)-400):])
	}
}

func TestEventsEndOnShutdown(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	ts := newAPI(t, in)
	r := openStream(t, ts.URL+"/_roundtrip/api/events", "")
	if _, err := r.ReadString('\n'); err != nil { // ": connected"
		t.Fatal(err)
	}
	in.Shutdown()
	if _, err := io.ReadAll(r); err != nil {
		t.Errorf("reading the stream after Shutdown: %v; want a clean end", err)
	}
	if got := in.Subscribers(); got != 0 {
		t.Errorf("Subscribers() after Shutdown = %d; want 0", got)
	}
}

// waitFor polls cond for up to d, failing with what it waited for.
func waitFor(t *testing.T, d time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dial opens a raw connection to addr, which the test closes, with every
// read and write bounded by a deadline.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// openFDs counts the process's open file descriptors, or -1 where
// /proc/self/fd is missing (not Linux).
func openFDs() int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(fds)
}

// settle waits up to d for the goroutine and descriptor counts to come
// back to at most base's, and returns the last counts.
func settle(base [2]int, d time.Duration) (goroutines, fds int) {
	deadline := time.Now().Add(d)
	for {
		goroutines, fds = runtime.NumGoroutine(), openFDs()
		if goroutines <= base[0] && fds <= base[1] || time.Now().After(deadline) {
			return goroutines, fds
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readHead reads a response's status line and header off a raw connection.
func readHead(r *bufio.Reader) (string, error) {
	var head strings.Builder
	for {
		line, err := r.ReadString('\n')
		head.WriteString(line)
		if err != nil || line == "\r\n" {
			return head.String(), err
		}
	}
}

// TestEventsEndWhenClientLeaves opens event streams over raw sockets in
// each way a client may ask, closes them from the client, and checks that
// the goroutines and descriptors they held all come back. Not parallel: it
// counts the whole process's, so it runs while the parallel tests wait.
func TestEventsEndWhenClientLeaves(t *testing.T) {
	const conns = 50
	in := New(Config{MaxSubscribers: conns})
	ts := newAPI(t, in)
	const path = "/_roundtrip/api/events"
	tests := []struct{ name, request string }{
		{"HEAD with a body and Connection: close", "HEAD " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"},
		{"GET with a body and Connection: close", "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"},
		{"GET with a chunked body, HTTP/1.0", "GET " + path + " HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
		{"GET HTTP/1.0", "GET " + path + " HTTP/1.0\r\n\r\n"},
		{"GET keep-alive with a body", "GET " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"},
		{"GET", "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := [2]int{runtime.NumGoroutine(), openFDs()}
			open := make([]net.Conn, 0, conns)
			for range conns {
				c := dial(t, ts.Listener.Addr().String())
				open = append(open, c)
				if _, err := io.WriteString(c, tt.request); err != nil {
					t.Fatal(err)
				}
				head, err := readHead(bufio.NewReader(c))
				if err != nil || !strings.Contains(head, " 200 OK\r\n") || !strings.Contains(head, "text/event-stream") {
					t.Fatalf("response = %q, %v; want 200 text/event-stream", head, err)
				}
			}
			for _, c := range open {
				c.Close()
			}
			if g, fds := settle(base, 10*time.Second); g > base[0] || fds > base[1] {
				t.Errorf("10s after %d clients left: %d goroutines, %d fds; want at most %d, %d, as before they came", conns, g, fds, base[0], base[1])
			}
			if got := in.Subscribers(); got != 0 {
				t.Errorf("Subscribers() after the clients left = %d; want 0", got)
			}
		})
	}
}

func TestEventsHEAD(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	ts := newAPI(t, in)
	res, err := http.Head(ts.URL + "/_roundtrip/api/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Errorf("HEAD events = %d %s; want 200 text/event-stream", res.StatusCode, ct)
	}
	if got := in.Subscribers(); got != 0 {
		t.Errorf("Subscribers() after a HEAD = %d; want 0, a HEAD gets no stream", got)
	}
}

// TestEventsRequestBody sends stream requests with bodies over raw
// sockets: a small one is read and ignored, a longer or late one refused.
func TestEventsRequestBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		head, body string
		wantStatus string
	}{
		{"empty", "Content-Length: 0\r\n", "", "200"},
		{"small", "Content-Length: 5\r\n", "hello", "200"},
		{"as long as allowed", "Content-Length: 4096\r\n", strings.Repeat("a", maxStreamBody), "200"},
		{"chunked", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n", "200"},
		{"too long", "Content-Length: 4097\r\n", strings.Repeat("a", maxStreamBody+1), "413"},
		{"too long, chunked", "Transfer-Encoding: chunked\r\n", "1001\r\n" + strings.Repeat("a", maxStreamBody+1) + "\r\n0\r\n\r\n", "413"},
		{"malformed chunks", "Transfer-Encoding: chunked\r\n", "zz\r\nhello\r\n0\r\n\r\n", "400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := New(Config{})
			ts := newAPI(t, in)
			c := dial(t, ts.Listener.Addr().String())
			if _, err := io.WriteString(c, "GET /_roundtrip/api/events HTTP/1.1\r\nHost: x\r\n"+tt.head+"\r\n"+tt.body); err != nil {
				t.Fatal(err)
			}
			head, err := readHead(bufio.NewReader(c))
			if err != nil || !strings.HasPrefix(head, "HTTP/1.1 "+tt.wantStatus+" ") {
				t.Fatalf("response = %q, %v; want %s", head, err, tt.wantStatus)
			}
			if tt.wantStatus != "200" && !strings.Contains(head, "application/problem+json") {
				t.Errorf("response = %q; want a problem+json", head)
			}
		})
	}
}

func TestEventsSubscriberCap(t *testing.T) {
	t.Parallel()
	in := New(Config{MaxSubscribers: 2})
	ts := newAPI(t, in)
	for range 2 {
		openStream(t, ts.URL+"/_roundtrip/api/events", "")
	}
	res, body := get(t, ts.URL+"/_roundtrip/api/events")
	if ct, ra := res.Header.Get("Content-Type"), res.Header.Get("Retry-After"); res.StatusCode != 503 || ct != "application/problem+json" || ra != "5" {
		t.Errorf("a third stream with MaxSubscribers 2 = %d %s, Retry-After %q: %s; want 503 application/problem+json, Retry-After 5", res.StatusCode, ct, ra, body)
	}
	if got := in.Subscribers(); got != 2 {
		t.Errorf("Subscribers() = %d; want 2", got)
	}
}

// TestEventsReplayBounded resumes from 0 over a history far longer than
// the replay bound: the newest maxReplay come back, the rest count as
// missed, and the live stream follows.
func TestEventsReplayBounded(t *testing.T) {
	t.Parallel()
	const history = 5000
	in := New(Config{History: history})
	add(t, in, history)
	ts := newAPI(t, in)
	r := openStream(t, ts.URL+"/_roundtrip/api/events", "0")
	waitFor(t, 10*time.Second, func() bool { return in.Subscribers() == 1 }, "the stream to subscribe")
	in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/live"}})
	var replayed, missed int
	var first uint64
	for {
		ev := readEvents(t, r, 1)[0]
		if ev.name == "missed" {
			var m struct{ Missed int }
			if err := json.Unmarshal([]byte(ev.data), &m); err != nil {
				t.Fatalf("missed event data %q: %v", ev.data, err)
			}
			missed += m.Missed
			continue
		}
		id, _ := strconv.ParseUint(ev.id, 10, 64)
		if id > history {
			break // the live one
		}
		if replayed == 0 {
			first = id
		}
		replayed++
	}
	if want := history - maxReplay; replayed != maxReplay || missed != want || first != uint64(want+1) {
		t.Errorf("resuming from 0 over %d exchanges: %d replayed from id %d, %d missed; want %d from %d, %d missed", history, replayed, first, missed, maxReplay, want+1, want)
	}
}

// smallBuffers shrinks the send buffer of each accepted connection, so a
// client that does not read stalls the server's writes soon.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// TestStalledSubscribersDropped connects subscribers that never read, then
// adds exchanges: every Add returns, and each stalled stream ends once a
// write has taken longer than WriteStall.
func TestStalledSubscribersDropped(t *testing.T) {
	t.Parallel()
	const subs, adds = 20, 5000
	in := New(Config{MaxSubscribers: subs, WriteStall: 200 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: in.HandleEvents(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(smallBuffers{ln})
	t.Cleanup(func() { in.Shutdown(); srv.Close() })
	for range subs {
		c := dial(t, ln.Addr().String())
		_ = c.(*net.TCPConn).SetReadBuffer(4 << 10)
		if _, err := io.WriteString(c, "GET /_roundtrip/api/events HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, func() bool { return in.Subscribers() == subs }, "the subscribers to connect")
	added := make(chan struct{})
	go func() {
		defer close(added)
		path := "/" + strings.Repeat("p", 1<<10) // 1 KiB a summary: the buffers fill fast
		for range adds {
			in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: "GET", URL: path, Path: path, Status: 200}})
		}
	}()
	select {
	case <-added:
	case <-time.After(30 * time.Second):
		t.Fatalf("%d Adds with %d subscribers that never read did not return in 30s", adds, subs)
	}
	waitFor(t, 10*time.Second, func() bool { return in.Subscribers() == 0 }, "the stalled subscribers to be dropped")
}
