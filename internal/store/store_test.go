package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/trace"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if benchDir != "" {
			os.RemoveAll(benchDir)
		}
	}))
}

var (
	methods  = []string{"GET", "POST", "GET", "DELETE"}
	paths    = []string{"/hello", "/api/greeting", "/status/404", "/api/other"}
	statuses = []int{200, 201, 404, 500}
)

// exchange is the i-th of a cycle of small captures, like GET /hello:
// five request headers and a 13-byte body.
func exchange(i int) *observe.Exchange {
	p := paths[i%len(paths)]
	return &observe.Exchange{
		Summary: observe.Summary{
			Client: "127.0.0.1:54321", Method: methods[i%len(methods)], URL: p, Path: p, Route: "GET " + p,
			Host: "127.0.0.1:3000", Proto: "HTTP/1.1", Status: statuses[i%len(statuses)], BytesOut: 13,
			RequestID: fmt.Sprintf("req-%d", i),
		},
		Request: observe.Message{Headers: http.Header{
			"Accept":          {"*/*"},
			"Accept-Encoding": {"gzip, deflate"},
			"Connection":      {"keep-alive"},
			"User-Agent":      {"curl/8.5.0"},
			"X-Request-Id":    {fmt.Sprintf("req-%d", i)},
		}},
		Response: observe.Message{
			Headers: http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Length": {"13"}},
			Body:    "Hello, world!", BodySize: 13,
		},
		Times: observe.Times{Start: time.Now(), Routed: 3 * time.Microsecond, Wrote: 20 * time.Microsecond, End: 25 * time.Microsecond},
	}
}

// captured is GET /hello as the observation middleware records it, with
// five request headers and a 13-byte answer: the record serve hands its
// observers, its Size worked out.
func captured(t testing.TB) *observe.Exchange {
	t.Helper()
	var ex *observe.Exchange
	h := observe.Middleware(observe.Config{
		MaxBody:   64 << 10,
		Observers: []observe.Observer{func(_ context.Context, e *observe.Exchange) { ex = e }},
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hello, world!")
	}))
	r := httptest.NewRequest("GET", "/hello", nil)
	r.Header = http.Header{
		"Accept":          {"*/*"},
		"Accept-Encoding": {"gzip, deflate"},
		"Connection":      {"keep-alive"},
		"User-Agent":      {"curl/8.5.0"},
		"Accept-Language": {"en"},
	}
	h.ServeHTTP(httptest.NewRecorder(), r)
	if ex == nil || ex.Status != 200 || ex.Response.Body != "Hello, world!" {
		t.Fatalf("the middleware captured %+v; want GET /hello, 200", ex)
	}
	return ex
}

// open opens a store in a new temporary directory, closed at the test's
// end. cfg.Path, if empty, is history.db there.
func open(t testing.TB, cfg Config) *Store {
	t.Helper()
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "history.db")
	}
	if cfg.Share == 0 {
		cfg.Share = 1 // at the writer's pace: the race detector slows it tenfold
	}
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// put puts exchanges first to last as their ids.
func put(t testing.TB, s *Store, first, last int) {
	t.Helper()
	for i := first; i <= last; i++ {
		s.Put(uint64(i), exchange(i))
	}
}

// waitFor polls cond until it holds, failing the test after a bounded
// wait.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// reopen closes s and opens its file again.
func reopen(t testing.TB, s *Store) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	cfg := s.cfg
	return open(t, cfg)
}

func TestDurableAcrossClose(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 511, 512, 513, 3000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			s := open(t, Config{FlushEvery: time.Hour}) // only Close writes
			put(t, s, 1, n)
			s = reopen(t, s)
			if got := s.LastID(); got != uint64(n) {
				t.Errorf("LastID() = %d; want %d", got, n)
			}
			if got := s.Stats().Count; got != int64(n) {
				t.Errorf("Stats().Count = %d; want %d", got, n)
			}
			if got := s.Dropped(); got != 0 {
				t.Errorf("Dropped() = %d; want 0", got)
			}
			for _, id := range []int{1, n / 2, n} {
				if id == 0 || id > n {
					continue
				}
				ex, err := s.Get(context.Background(), uint64(id))
				if err != nil {
					t.Fatalf("Get(%d): %v", id, err)
				}
				if ex.ID != uint64(id) || ex.RequestID != fmt.Sprintf("req-%d", id) {
					t.Errorf("Get(%d) = id %d, request id %q; want id %d, req-%d", id, ex.ID, ex.RequestID, id, id)
				}
			}
		})
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	s := open(t, Config{})
	want := exchange(0)
	want.Request.Body = "caf\u00e9"
	want.Response.SetBody("\xff\xfe", 2, false)
	want.Upgrade = &observe.Stream{Protocol: "websocket", BytesSent: 1 << 40, BytesReceived: 9, MessagesSent: 3, ControlReceived: 1,
		Messages: []observe.StreamMessage{{Dir: "sent", AtMS: 0.5, Type: "text", Text: "hi", Size: 2}, {Dir: "received", Type: "close", Code: 1000}}}
	// Stored as the record's JSON, as every field is: no column, no migration.
	want.Stream = &observe.Stream{Protocol: "sse", BytesReceived: 12, MessagesReceived: 1,
		Messages: []observe.StreamMessage{{Dir: "received", AtMS: 3, Type: "event", Event: "tick", ID: "9", Base64: "/w==", Size: 1 << 20, Cut: true}}}
	s.Put(7, want)
	s = reopen(t, s)

	got, err := s.Get(context.Background(), 7)
	if err != nil {
		t.Fatalf("Get(7): %v", err)
	}
	d := *want
	d.Derive()
	if got.ID != 7 || got.Method != d.Method || got.URL != d.URL || got.Status != d.Status || got.RequestID != d.RequestID {
		t.Errorf("Get(7) = %+v; want %+v", got.Summary, d.Summary)
	}
	if !got.Started.Equal(d.Started) || got.DurationMS != d.DurationMS || got.ContentType != d.ContentType {
		t.Errorf("Get(7) derived started %v, duration %v, type %q; want %v, %v, %q", got.Started, got.DurationMS, got.ContentType, d.Started, d.DurationMS, d.ContentType)
	}
	if len(got.Phases) != len(d.Phases) || got.Phases[3] != d.Phases[3] {
		t.Errorf("Get(7) phases %v; want %v", got.Phases, d.Phases)
	}
	if got.Request.Body != "café" || got.Response.BodyBase64 != d.Response.BodyBase64 || got.Request.Headers.Get("User-Agent") != "curl/8.5.0" {
		t.Errorf("Get(7) messages %+v, %+v; want %+v, %+v", got.Request, got.Response, d.Request, d.Response)
	}
	if !reflect.DeepEqual(got.Upgrade, want.Upgrade) || !reflect.DeepEqual(got.Stream, want.Stream) {
		t.Errorf("Get(7) upgrade %+v, stream %+v; want %+v, %+v", got.Upgrade, got.Stream, want.Upgrade, want.Stream)
	}
	if want.Phases != nil || want.ContentType != "" {
		t.Errorf("Put changed its exchange: phases %v, content type %q", want.Phases, want.ContentType)
	}

	for _, id := range []uint64{0, 6, 8, 1 << 63, 1<<64 - 1} {
		if _, err := s.Get(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%d) error = %v; want ErrNotFound", id, err)
		}
	}
}

func TestPutSkips(t *testing.T) {
	t.Parallel()
	s := open(t, Config{})
	internal := exchange(1)
	internal.Internal = true
	s.Put(1, internal)
	s.Put(2, nil)
	s.Put(3, exchange(3))
	s = reopen(t, s)
	if got := s.Stats(); got.Count != 1 || got.Oldest != 3 {
		t.Errorf("Stats() = %+v; want the one exchange, 3", got)
	}
	if got := s.Dropped(); got != 0 {
		t.Errorf("Dropped() = %d; want 0", got)
	}
}

func TestPutAfterClose(t *testing.T) {
	t.Parallel()
	s := open(t, Config{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Put(1, exchange(1))
	if got := s.Dropped(); got != 1 {
		t.Errorf("Dropped() after a Put on a closed store = %d; want 1", got)
	}
	if err := s.Clear(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Clear() on a closed store = %v; want ErrClosed", err)
	}
	if _, err := s.Get(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Get() on a closed store = %v; want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v; want nil", err)
	}
}

// TestCommitted shows that what a killed process loses is bounded by
// FlushEvery: queued captures are committed, and visible to a second
// store on the file, without Close.
func TestCommitted(t *testing.T) {
	t.Parallel()
	const n = 1000
	s := open(t, Config{FlushEvery: 50 * time.Millisecond})
	start := time.Now()
	put(t, s, 1, n)
	other := open(t, Config{Path: s.cfg.Path, busyTimeout: 20 * time.Second}) // the writer's transactions come back to back: on a loaded machine, 5 s can pass before a gap
	waitFor(t, "the captures to be committed", func() bool {
		_, err := other.Get(context.Background(), n)
		return err == nil
	})
	t.Logf("%d captures visible to another store after %v", n, time.Since(start))
	page, _, err := other.List(context.Background(), flt(""), 0, MaxLimit)
	if err != nil {
		t.Fatalf("List() from the other store: %v", err)
	}
	if got := ids(page); len(got) != MaxLimit || got[0] != n {
		t.Errorf("List() from the other store = %d exchanges from %v; want %d from %d", len(got), got[:min(len(got), 1)], MaxLimit, n)
	}
}

// ids are the ids of page.
func ids(page []*observe.Exchange) []uint64 {
	out := make([]uint64, len(page))
	for i, ex := range page {
		out[i] = ex.ID
	}
	return out
}

func TestList(t *testing.T) {
	t.Parallel()
	s := open(t, Config{})
	put(t, s, 1, 40)    // id i is GET /hello 200, POST /api/greeting 201, GET /status/404 404 or DELETE /api/other 500 as i%4
	odd := exchange(41) // POST 201
	odd.Path = "/caf\xc3\xa9/\xff"
	s.Put(41, odd)
	s = reopen(t, s)

	// want is the ids of exchange(i) from 40 down below before that match,
	// at most limit.
	want := func(limit int, before uint64, match func(i int) bool) []uint64 {
		var out []uint64
		for i := 40; i >= 1 && len(out) < limit; i-- {
			if (before == 0 || uint64(i) < before) && match(i) {
				out = append(out, uint64(i))
			}
		}
		return out
	}
	all := func(int) bool { return true }
	mod := func(r int) func(int) bool { return func(i int) bool { return i%4 == r } }
	tests := []struct {
		name     string
		f        filter.Filter
		before   uint64
		limit    int
		want     []uint64
		wantMore bool
	}{
		{name: "newest first", limit: 5, want: append([]uint64{41}, want(4, 0, all)...), wantMore: true},
		{name: "before", before: 10, limit: 3, want: []uint64{9, 8, 7}, wantMore: true},
		{name: "last page", before: 3, limit: 5, want: []uint64{2, 1}},
		{name: "exact page", before: 3, limit: 2, want: []uint64{2, 1}},
		{name: "method", f: flt("method:DELETE"), limit: 3, want: want(3, 0, mod(3)), wantMore: true},
		{name: "status exact", f: flt("status:404"), limit: 100, want: want(100, 0, mod(2))},
		{name: "status class", f: flt("status:2xx"), limit: 4, want: append([]uint64{41}, want(3, 0, func(i int) bool { return i%4 < 2 })...), wantMore: true},
		{name: "status class 5", f: flt("status:5xx"), before: 9, limit: 5, want: []uint64{7, 3}},
		{name: "path prefix", f: flt("path:/api/"), limit: 4, want: want(4, 0, func(i int) bool { return i%2 == 1 }), wantMore: true},
		{name: "path and method", f: flt("method:GET path:/api/"), limit: 5},
		{name: "path bytes", f: flt("path:/caf\xc3\xa9/\xff"), limit: 5, want: []uint64{41}},
		{name: "path half a character", f: flt("path:/caf\xc3"), limit: 5, want: []uint64{41}},
		{name: "everything", f: flt("method:POST status:201 path:/api/greeting"), before: 7, limit: 9, want: []uint64{5, 1}},
		{name: "nothing below 1", before: 1, limit: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page, more, err := s.List(context.Background(), tt.f, tt.before, tt.limit)
			if err != nil {
				t.Fatalf("List(%+v, %d, %d): %v", tt.f, tt.before, tt.limit, err)
			}
			if got := ids(page); fmt.Sprint(got) != fmt.Sprint(tt.want) || more != tt.wantMore {
				t.Errorf("List(%+v, %d, %d) = %v, %v; want %v, %v", tt.f, tt.before, tt.limit, got, more, tt.want, tt.wantMore)
			}
			for _, ex := range page {
				if ex.Method == "" || ex.Started.IsZero() || ex.ContentType == "" {
					t.Errorf("List(...) exchange %d = %+v; want its summary", ex.ID, ex.Summary)
				}
			}
		})
	}
}

func TestListErrors(t *testing.T) {
	t.Parallel()
	s := open(t, Config{})
	tests := []struct {
		f     filter.Filter
		limit int
		want  string
	}{
		{limit: 0, want: "list limit 0"},
		{limit: MaxLimit + 1, want: "list limit 1001"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			_, _, err := s.List(context.Background(), tt.f, 0, tt.limit)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("List(%+v, 0, %d) error = %v; want one with %q", tt.f, tt.limit, err, tt.want)
			}
		})
	}
}

func TestClear(t *testing.T) {
	t.Parallel()
	s := open(t, Config{FlushEvery: time.Hour})
	put(t, s, 1, 600) // 512 written, 88 in the batch
	if err := s.Clear(context.Background()); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	if got := s.Stats(); got != (Stats{}) {
		t.Errorf("Stats() after Clear = %+v; want none", got)
	}
	put(t, s, 601, 602)
	s = reopen(t, s)
	if got, want := s.Stats(), (Stats{Count: 2, Bytes: s.Stats().Bytes, Oldest: 601, Newest: 602}); got != want {
		t.Errorf("Stats() after Clear and two Puts = %+v; want %+v", got, want)
	}
	if got := s.LastID(); got != 602 {
		t.Errorf("LastID() = %d; want 602", got)
	}
	if err := s.Clear(context.Background()); err != nil {
		t.Fatalf("Clear: %v", err)
	}
	s = reopen(t, s)
	if got := s.LastID(); got != 602 {
		t.Errorf("LastID() after Clear and a restart = %d; want 602: ids keep increasing", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Clear(ctx); !errors.Is(err, context.Canceled) && err != nil {
		t.Errorf("Clear(cancelled) = %v; want context.Canceled or nil", err)
	}
}

// lock holds the write lock of the file at path until the test ends, or
// until the returned func is called, as another serve process writing would.
func lock(t testing.TB, path string) (unlock func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)") // the writer may be indexing
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			db.Exec(`ROLLBACK`)
			db.Close()
		})
	}
	t.Cleanup(unlock)
	return unlock
}

// TestPutNeverBlocks stalls the writer on another connection's lock: Put
// keeps returning, drops what the queue cannot hold and counts it, and a
// log line says so once.
func TestPutNeverBlocks(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	s := open(t, Config{Queue: 16, FlushEvery: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil)), busyTimeout: 20 * time.Second})
	unlock := lock(t, s.cfg.Path)
	// The writer takes it and 1 ms on waits for the lock, or is already
	// waiting for it in its first index step, with 1 left in the queue:
	// the drops below count either way.
	put(t, s, 1, 1)
	time.Sleep(20 * time.Millisecond)
	put(t, s, 2, 1001)
	if got := s.Dropped(); got < 1000-16 {
		t.Errorf("Dropped() = %d with the writer stalled and a queue of 16; want %d or more", got, 1000-16)
	}
	unlock()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := uint64(s.Stats().Count) + s.Dropped(); got != 1001 {
		t.Errorf("stored %d + dropped %d = %d; want the 1001 put", s.Stats().Count, s.Dropped(), got)
	}
	if got := strings.Count(logs.String(), "fell behind"); got != 1 {
		t.Errorf("log has %d lines about falling behind; want 1:\n%s", got, logs.String())
	}
}

// syncBuffer is a bytes.Buffer for a logger on another goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestTwoStores writes from two stores on one file at once, as two serve
// processes would, with the same ids: SQLite's locks take turns, nothing
// is lost, and each row records its listener.
func TestTwoStores(t *testing.T) {
	t.Parallel()
	const n = 1000
	path := filepath.Join(t.TempDir(), "history.db")
	// At the writers' default share, as serve runs them: with none, one
	// writer's back-to-back index steps could keep the other waiting past
	// its busy timeout under the race detector.
	a := open(t, Config{Path: path, Listener: "127.0.0.1:3000", FlushEvery: 5 * time.Millisecond, Share: DefaultShare})
	b := open(t, Config{Path: path, Listener: "127.0.0.1:3001", FlushEvery: 5 * time.Millisecond, Share: DefaultShare})
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b} {
		wg.Go(func() {
			for i := 1; i <= n; i++ {
				s.Put(uint64(i), exchange(i))
				if i%100 == 0 {
					time.Sleep(time.Millisecond) // let the writers interleave
				}
			}
		})
	}
	wg.Wait()
	for _, s := range []*Store{a, b} {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if got := s.Dropped(); got != 0 {
			t.Errorf("Dropped() = %d; want 0", got)
		}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT listener, count(*), count(DISTINCT json_extract(record, '$.request_id')) FROM exchanges GROUP BY listener ORDER BY listener`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var l string
		var count, distinct int
		if err := rows.Scan(&l, &count, &distinct); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %d %d", l, count, distinct))
	}
	want := []string{fmt.Sprintf("127.0.0.1:3000 %d %d", n, n), fmt.Sprintf("127.0.0.1:3001 %d %d", n, n)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows by listener, count, distinct captures = %v; want %v", got, want)
	}
	s := open(t, Config{Path: path})
	if got := s.LastID(); got != 2*n {
		t.Errorf("LastID() = %d; want %d", got, 2*n)
	}
}

// BenchmarkPut is what a capture costs the request that made it: a Put
// the queue takes (drained, timer stopped, each time it is full), Puts
// from every core with a goroutine taking them as fast as it can (most are
// dropped: Put outruns any writer), and a Put dropped on a full queue.
func BenchmarkPut(b *testing.B) {
	ex := captured(b)
	const queue = 16 << 10 // 16 Ki captures of this size are under maxQueueBytes
	if ex.Size()*queue > maxQueueBytes {
		b.Fatalf("%d captures of %d bytes are more than maxQueueBytes", queue, ex.Size())
	}
	b.Run("taken", func(b *testing.B) {
		s := &Store{queue: make(chan item, queue)}
		b.ReportAllocs()
		for i := range b.N {
			if len(s.queue) == queue {
				b.StopTimer()
				for range queue {
					it := <-s.queue
					s.queued.Add(-it.size)
				}
				b.StartTimer()
			}
			s.Put(uint64(i+1), ex)
		}
		if got := s.Dropped(); got != 0 {
			b.Fatalf("Dropped() = %d; want 0", got)
		}
	})
	b.Run("contended", func(b *testing.B) {
		s := &Store{queue: make(chan item, DefaultQueue), quit: make(chan struct{}), done: make(chan struct{})}
		go func() {
			defer close(s.done)
			for {
				select {
				case it := <-s.queue:
					s.queued.Add(-it.size)
				case <-s.quit:
					return
				}
			}
		}()
		defer func() { close(s.quit); <-s.done }()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s.Put(1, ex)
			}
		})
		b.ReportMetric(float64(s.Dropped())/float64(b.N), "dropped/op")
	})
	b.Run("dropped", func(b *testing.B) {
		s := &Store{queue: make(chan item)} // no writer: always full
		b.ReportAllocs()
		for i := range b.N {
			s.Put(uint64(i+1), ex)
		}
	})
}

// benchRows is the size of the store BenchmarkGet and BenchmarkList read.
const benchRows = 100_000

var (
	benchOnce sync.Once
	benchDir  string
	benchPath string
)

// benchStore opens a store of benchRows small exchanges, made once for
// every benchmark of the run.
// benchTrace is benchStore's trace id of exchange i.
func benchTrace(i int) trace.ID {
	return trace.ID{0: 1, 12: byte(i >> 24), 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "storebench")
		if err != nil {
			b.Fatal(err)
		}
		benchDir, benchPath = dir, filepath.Join(dir, "history.db")
		s, err := Open(context.Background(), Config{Path: benchPath})
		if err != nil {
			b.Fatal(err)
		}
		for i := 1; i <= benchRows; i++ {
			ex := exchange(i)
			// A body of its own: search has something to tell apart.
			ex.Response.Body = fmt.Sprintf(`{"order": %d, "customer": "%s", "note": "Hello, world!"}`, i, customers[i%len(customers)])
			ex.TraceID = benchTrace(i)
			s.queued.Add(ex.Size())
			s.queue <- item{id: uint64(i), ex: ex, size: ex.Size()}
		}
		for st := s.Stats(); st.Indexed < st.Newest || st.Newest < benchRows; st = s.Stats() {
			time.Sleep(10 * time.Millisecond)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	})
	if benchPath == "" {
		b.Fatal("no store to read")
	}
	return open(b, Config{Path: benchPath})
}

func BenchmarkGet(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		id := uint64(i*7919%benchRows + 1)
		if _, err := s.Get(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// customers are benchStore's bodies' names: customer-7 is in 1% of them.
var customers = func() []string {
	out := make([]string, 100)
	for i := range out {
		out[i] = fmt.Sprintf("customer-%d", i)
	}
	return out
}()

// BenchmarkList pages through benchRows exchanges: the newest page and one
// deep down, a filter that half the exchanges match, one that a quarter
// match, and one that none do, which reads them all.
func BenchmarkList(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	tests := []struct {
		name   string
		f      filter.Filter
		before uint64
	}{
		{name: "newest"},
		{name: "deep", before: benchRows / 2},
		{name: "method", f: flt("method:GET")},
		{name: "status and path", f: flt("status:4xx path:/status/")},
		{name: "no match", f: flt("path:/nowhere")},
		{name: "text in 1%", f: flt(`"customer-7"`)},
		{name: "text in all", f: flt("hello")},
		{name: "text in none", f: flt("nobody")},
		{name: "text and status", f: flt(`"customer-7" -status:200`)},
		{name: "trace", f: flt("trace:" + benchTrace(benchRows/3).String())},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				page, _, err := s.List(ctx, tt.f, tt.before, 50)
				if err != nil || len(page) == 0 && !strings.Contains(tt.name, "no") {
					b.Fatalf("List: %d, %v", len(page), err)
				}
			}
		})
	}
}

// TestMatchAgreesWithList: the inspector's history (filter.Match) and
// the store (List, in SQL and FTS5) select the same exchanges for one
// filter, every term and its negation.
func TestMatchAgreesWithList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, Config{Path: filepath.Join(t.TempDir(), "h.db"), FlushEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	methods, paths, statuses := []string{"GET", "POST", "DELETE"}, []string{"/hello", "/api/greeting?name=Ada&q=%3Cb%3Ebold+move%3C%2Fb%3E", "/api"}, []int{200, 201, 404, 500}
	hosts := []string{"localhost:3000", "api.example.com", "[::1]:8080", "Example.COM"}
	bodies := []string{"", `{"greeting": "Hello, World!"}`, "Grüße aus Köln", "hello hello world", "\xff binary? no"}
	all := map[uint64]*observe.Exchange{}
	for i := range 60 {
		path := paths[i%3*7%3]
		ex := &observe.Exchange{
			Summary:  observe.Summary{Method: methods[i%3], URL: path, Path: strings.Split(path, "?")[0], Host: hosts[i%4], Status: statuses[i%4], BytesOut: int64(i * 400)},
			Request:  observe.Message{Headers: http.Header{"Content-Type": {[]string{"application/json", "text/plain; charset=utf-8", "TEXT/HTML"}[i%3]}}, Body: bodies[i%5]},
			Response: observe.Message{Headers: http.Header{"X-Trace": {[]string{"alpha beta", "gamma"}[i%2]}}, Body: bodies[(i+2)%5]},
			Times:    observe.Times{Start: time.Now(), End: time.Duration(i) * 10 * time.Millisecond},
		}
		if i%7 == 0 {
			ex.Response.Headers["Set-Cookie"] = []string{"id=1"}
		}
		switch i % 11 {
		case 3:
			ex.Stream = &observe.Stream{Protocol: "sse", Messages: []observe.StreamMessage{{Dir: "received", Type: "event", Text: "tick 1"}, {Dir: "received", Type: "event", Text: "tock"}}}
		case 5:
			ex.Upgrade = &observe.Stream{Protocol: "websocket", Messages: []observe.StreamMessage{{Dir: "sent", Type: "text", Text: "ping pong"}, {Dir: "received", Type: "binary", Base64: "dGljaw=="}, {Dir: "received", Type: "close", Code: 1000, Text: "bye"}}}
		}
		if i%5 != 4 { // and some with none, as an import may be
			ex.TraceID = trace.ID{15: byte(i % 3)}
		}
		s.Put(uint64(i+1), ex)
		v := *ex
		v.Derive()
		all[uint64(i+1)] = &v
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	terms := []string{"", "method:POST", "status:404", "status:5xx", "path:/api", "path:/api/", "host:localhost", "host:*.example.com",
		"host:example.com", "host:::1", "header:content-type=json", "header:content-type=text", "header:set-cookie", "header:x-trace=BETA",
		"duration>100ms", "duration<=0.05s", "larger-than:10k", "smaller-than:2k", "hello", `"hello world"`, "wor", "grüße", "köln",
		"ada", "greeting", "alpha", `"beta gamma"`, "binary", "json", "hello -world", "-hello -alpha", `"bold move"`, "3cb",
		"tick", "tock", `"tick 1 tock"`, "pong", "bye", "dGljaw", // the messages' text, not a binary one's Base64
		"trace:00000000000000000000000000000001", "trace:00000000000000000000000000000002"}
	// Once with every exchange in the search index, once with none, as
	// when the writer has not had the time to index them.
	for _, indexed := range []bool{true, false} {
		if !indexed {
			rawExec(t, path, `INSERT INTO search (search) VALUES ('delete-all')`, `UPDATE meta SET indexed = 0`)
		}
		s, err := Open(ctx, Config{Path: path, noIndex: !indexed})
		if err != nil {
			t.Fatal(err)
		}
		if indexed {
			waitFor(t, "the index", func() bool { st := s.Stats(); return st.Indexed >= st.Newest })
		}
		for _, term := range terms {
			for _, q := range []string{term, "-" + term, term + " method:GET"} {
				if q == "-" || strings.HasPrefix(q, "--") {
					continue
				}
				t.Run(fmt.Sprintf("%s indexed %v", q, indexed), func(t *testing.T) {
					f := flt(q)
					page, _, err := s.List(ctx, f, 0, MaxLimit)
					if err != nil {
						t.Fatal(err)
					}
					var got, want []uint64
					for _, ex := range page {
						got = append(got, ex.ID)
					}
					for id := uint64(60); id > 0; id-- {
						if f.Match(all[id]) {
							want = append(want, id)
						}
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("List(%q) = %v; Match selects %v", q, got, want)
					}
					rng, err := s.Range(ctx, f, 0, MaxLimit)
					if err != nil {
						t.Fatal(err)
					}
					got = got[:0]
					for _, r := range rng {
						got = append([]uint64{r.ID}, got...)
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("Range(%q) = %v (reversed); Match selects %v", q, got, want)
					}
				})
			}
		}
		s.Close()
	}
}

// flt is s parsed, for tests.
func flt(s string) filter.Filter {
	f, err := filter.Parse(s)
	if err != nil {
		panic(err)
	}
	return f
}

// TestImport stores exchanges with their HAR entries in one transaction:
// listed and searched as imported, given back whole by Range with their
// entry, kept through a reopen, and not aged out.
func TestImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, Config{MaxAge: time.Hour})
	s.Put(1, exchange(1))
	old := exchange(2)
	old.Times = observe.Times{} // an import has no Times
	old.Started = time.Now().Add(-48 * time.Hour)
	old.Phases = []observe.Phase{{Name: "wait", Label: "waiting", StartMS: 1, DurationMS: 5}}
	old.Response.Body = "imported body with a marmot"
	ids, err := s.Import(ctx, []*observe.Exchange{old, exchange(3)}, [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`)})
	if err != nil || len(ids) != 2 || ids[0] != 2 || ids[1] != 3 {
		t.Fatalf("Import = %v, %v; want ids [2 3]", ids, err)
	}
	s = reopen(t, s)
	page, _, err := s.List(ctx, flt("marmot"), 0, 10)
	if err != nil || len(page) != 1 || page[0].ID != 2 || !page[0].Imported {
		t.Fatalf("List(marmot) = %+v, %v; want the import, marked", page, err)
	}
	recs, err := s.Range(ctx, filter.Filter{}, 0, 10)
	if err != nil || len(recs) != 3 {
		t.Fatalf("Range = %d records, %v; want 3", len(recs), err)
	}
	if r := recs[1]; string(r.HAR) != `{"a":1}` || len(r.Phases) != 1 || r.Phases[0].Name != "wait" || r.Listener != "" {
		t.Errorf("Range's import = HAR %s, phases %+v; want its entry and its own phases", r.HAR, r.Phases)
	}
	if recs[0].HAR != nil || recs[0].Imported {
		t.Errorf("Range's capture = HAR %s, imported %v; want none", recs[0].HAR, recs[0].Imported)
	}
}

// TestImportAllOrNothing: an import past MaxBytes stores none of it.
func TestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, Config{MaxBytes: 64 << 10})
	s.Put(1, exchange(1))
	exs := []*observe.Exchange{big(2, 40<<10), big(3, 40<<10)}
	if _, err := s.Import(ctx, exs, [][]byte{[]byte(`{}`), []byte(`{}`)}); err == nil || !strings.Contains(err.Error(), "--store-max-bytes") {
		t.Fatalf("Import of 80 KiB into 64 KiB = %v; want an error naming --store-max-bytes", err)
	}
	s = reopen(t, s)
	if st := s.Stats(); st.Count != 1 {
		t.Errorf("after a refused import, Stats() = %+v; want the one capture", st)
	}
}

func TestEachAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, Config{})
	for i := 1; i <= 700; i++ {
		s.Put(uint64(i), exchange(i))
	}
	s = reopen(t, s)
	var n int
	var last uint64
	if err := s.Each(ctx, flt("status:404"), 0, func(r Record) error {
		if r.ID <= last || r.Status != 404 {
			t.Fatalf("Each gave %d (%d) after %d; want 404s in order", r.ID, r.Status, last)
		}
		n, last = n+1, r.ID
		return nil
	}); err != nil || n != 175 {
		t.Errorf("Each(status:404) = %d records, %v; want 175", n, err)
	}
	gone, err := s.Delete(ctx, flt("status:404"))
	if err != nil || gone != 175 {
		t.Fatalf("Delete(status:404) = %d, %v; want 175", gone, err)
	}
	if page, _, _ := s.List(ctx, flt("status:404"), 0, 10); len(page) != 0 {
		t.Errorf("after Delete, List(status:404) = %d exchanges; want none", len(page))
	}
	waitFor(t, "the stats", func() bool { return s.Stats().Count == 525 })
	if gone, err := s.Delete(ctx, filter.Filter{}); err != nil || gone != 525 {
		t.Errorf("Delete(everything) = %d, %v; want 525", gone, err)
	}
}

// TestEachBoundsChunks: a chunk of Each stops once its records take
// exportBytes, so an export of large bodies holds a few of them at once.
func TestEachBoundsChunks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, Config{})
	for i := 1; i <= 12; i++ {
		s.Put(uint64(i), big(i, 1<<20))
	}
	s = reopen(t, s)
	recs, cut, err := s.rangeBytes(ctx, filter.Filter{}, 0, exportChunk, 3<<20)
	if err != nil || !cut || len(recs) != 3 {
		t.Errorf("rangeBytes(3 MiB) of 1 MiB records = %d records, cut %v, %v; want 3, cut", len(recs), cut, err)
	}
	n := 0
	if err := s.Each(ctx, filter.Filter{}, 0, func(Record) error { n++; return nil }); err != nil || n != 12 {
		t.Errorf("Each = %d records, %v; want all 12", n, err)
	}
}

// TestIDsNeverReused: after a Clear, an exchange stored with id 0 (an
// import's, `roundtrip history import`'s) takes an id past every one used.
func TestIDsNeverReused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, Config{})
	for i := 1; i <= 13; i++ {
		s.Put(uint64(i), exchange(i))
	}
	s = reopen(t, s)
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	ids, err := s.Import(ctx, []*observe.Exchange{exchange(1), exchange(2)}, [][]byte{[]byte(`{}`), []byte(`{}`)})
	if err != nil || fmt.Sprint(ids) != "[14 15]" {
		t.Errorf("Import after a Clear of ids 1 to 13 = %v, %v; want [14 15]", ids, err)
	}
}

// BenchmarkEach reads benchRows exchanges whole, as an export does,
// oldest first, a chunk at a time.
func BenchmarkEach(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	var n, bytes int64
	for b.Loop() {
		n, bytes = 0, 0
		if err := s.Each(ctx, filter.Filter{}, 0, func(r Record) error {
			n++
			bytes += r.Size()
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "exchanges/s")
	b.ReportMetric(float64(bytes)*float64(b.N)/b.Elapsed().Seconds()/(1<<20), "MiB/s")
}
