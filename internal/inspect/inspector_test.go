package inspect

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
	"weak"

	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/observe"
)

// add puts n exchanges into in, cycling through a few methods, paths and
// statuses, and returns the ids it got.
func add(t *testing.T, in *Inspector, n int) []uint64 {
	t.Helper()
	methods := []string{"GET", "POST", "GET", "DELETE"}
	paths := []string{"/hello", "/api/greeting", "/status/404", "/api/other"}
	statuses := []int{200, 201, 404, 500}
	ids := make([]uint64, n)
	for i := range n {
		in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: methods[i%4], Path: paths[i%4], Status: statuses[i%4]}})
		ids[i] = in.next - 1
	}
	return ids
}

func TestRingBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		history, added int
		wantLen        int
		wantFirst      uint64
	}{
		{history: 10, added: 0, wantLen: 0, wantFirst: 1},
		{history: 10, added: 3, wantLen: 3, wantFirst: 1},
		{history: 10, added: 10, wantLen: 10, wantFirst: 1},
		{history: 10, added: 11, wantLen: 10, wantFirst: 2},
		{history: 10, added: 2500, wantLen: 10, wantFirst: 2491},
		{history: 1, added: 5, wantLen: 1, wantFirst: 5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("history %d, added %d", tt.history, tt.added), func(t *testing.T) {
			in := New(Config{History: tt.history})
			add(t, in, tt.added)
			if got := in.Len(); got != tt.wantLen {
				t.Errorf("Len() = %d; want %d", got, tt.wantLen)
			}
			if tt.wantFirst > 1 {
				if _, ok := in.Get(tt.wantFirst - 1); ok {
					t.Errorf("Get(%d) found an exchange the ring should have dropped", tt.wantFirst-1)
				}
			}
			for id := tt.wantFirst; id <= uint64(tt.added); id++ {
				ex, ok := in.Get(id)
				if !ok || ex.ID != id {
					t.Fatalf("Get(%d) = %v, %v; want exchange %d", id, ex, ok, id)
				}
			}
			if _, ok := in.Get(uint64(tt.added) + 1); ok {
				t.Errorf("Get(%d) found an exchange that was never added", tt.added+1)
			}
			if got := len(in.All()); got != tt.wantLen {
				t.Errorf("len(All()) = %d; want %d", got, tt.wantLen)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	if in.cfg.History != DefaultHistory || in.cfg.MaxBytes != DefaultMaxBytes {
		t.Errorf("zero Config = %+v; want history %d, %d bytes", in.cfg, DefaultHistory, DefaultMaxBytes)
	}
	if len(in.ring) != 0 {
		t.Errorf("ring of an empty inspector holds %d slots; want none until exchanges come", len(in.ring))
	}
	if got := New(Config{History: MaxHistory * 2}).cfg.History; got != MaxHistory {
		t.Errorf("history with History %d = %d; want %d", MaxHistory*2, got, MaxHistory)
	}
}

// sized is an exchange whose Size is about n bytes.
func sized(n int) *observe.Exchange {
	ex := &observe.Exchange{Summary: observe.Summary{Method: "POST", Path: "/echo", Status: 200}}
	ex.Request.Body = strings.Repeat("a", n-int((&observe.Exchange{}).Size())-len("POST/echo"))
	return ex
}

func TestBytesBound(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	tests := []struct {
		name      string
		maxBytes  int64
		sizes     []int // each exchange's Size, in order
		wantIDs   []uint64
		wantBytes int64
	}{
		{"all fit", 4 * mib, []int{mib, mib, mib}, []uint64{1, 2, 3}, 3 * mib},
		{"oldest go first", 2 * mib, []int{mib, mib, mib}, []uint64{2, 3}, 2 * mib},
		{"a big one pushes out several", 3 * mib, []int{mib, mib, mib, 2 * mib}, []uint64{3, 4}, 3 * mib},
		{"too big to keep at all", 2 * mib, []int{mib, 3 * mib, mib}, []uint64{3}, mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := New(Config{MaxBytes: tt.maxBytes})
			for _, n := range tt.sizes {
				in.Add(context.Background(), sized(n))
			}
			var got []uint64
			for _, ex := range in.All() {
				got = append(got, ex.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantIDs) || in.Bytes() != tt.wantBytes {
				t.Errorf("after adding sizes %v under %d bytes: ids %v holding %d bytes; want %v, %d", tt.sizes, tt.maxBytes, got, in.Bytes(), tt.wantIDs, tt.wantBytes)
			}
		})
	}
}

// TestRingGrows adds past several growths of the ring, with drops between:
// every id must come back as itself.
func TestRingGrows(t *testing.T) {
	t.Parallel()
	in := New(Config{History: 100, MaxBytes: 80 << 10})
	for i := range 300 {
		in.Add(context.Background(), sized(2<<10+i%3*512)) // 2 to 3 KiB: the byte bound drops some
		for _, ex := range in.All() {
			if got, ok := in.Get(ex.ID); !ok || got.ID != ex.ID {
				t.Fatalf("after %d adds, Get(%d) = %v, %v", i+1, ex.ID, got, ok)
			}
		}
	}
	if in.Bytes() > 80<<10 || in.Len() < 20 {
		t.Errorf("after 300 adds: %d exchanges, %d bytes; want 20 or more, within 80 KiB", in.Len(), in.Bytes())
	}
}

func TestInternalLeftOut(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Path: "/_roundtrip/api/exchanges"}, Internal: true})
	if in.Len() != 0 {
		t.Errorf("Len() after adding an internal exchange = %d; want 0", in.Len())
	}
}

func TestClearKeepsCounting(t *testing.T) {
	t.Parallel()
	in := New(Config{History: 5})
	add(t, in, 3)
	in.Clear()
	if got := in.Len(); got != 0 {
		t.Errorf("Len() after Clear = %d; want 0", got)
	}
	if _, ok := in.Get(3); ok {
		t.Error("Get(3) after Clear found an exchange")
	}
	if got := add(t, in, 1)[0]; got != 4 {
		t.Errorf("id after Clear = %d; want 4, ids never repeat", got)
	}
}

func TestListPagingAndFilters(t *testing.T) {
	t.Parallel()
	in := New(Config{History: 100})
	add(t, in, 20) // ids 1..20; id%4: 1 GET /hello 200, 2 POST /api/greeting 201, 3 GET /status/404 404, 0 DELETE /api/other 500
	tests := []struct {
		name     string
		filter   Filter
		before   uint64
		limit    int
		wantIDs  []uint64
		wantMore bool
	}{
		{"newest first", flt(""), 0, 3, []uint64{20, 19, 18}, true},
		{"second page", flt(""), 18, 3, []uint64{17, 16, 15}, true},
		{"last page", flt(""), 3, 5, []uint64{2, 1}, false},
		{"exact page end", flt(""), 4, 3, []uint64{3, 2, 1}, false},
		{"before past the newest", flt(""), 1000, 2, []uint64{20, 19}, true},
		{"method", flt("method:POST"), 0, 50, []uint64{18, 14, 10, 6, 2}, false},
		{"status", flt("status:404"), 0, 2, []uint64{19, 15}, true},
		{"status class", flt("status:5xx"), 0, 50, []uint64{20, 16, 12, 8, 4}, false},
		{"2xx", flt("status:2xx"), 8, 3, []uint64{6, 5, 2}, true},
		{"path prefix", flt("path:/api/"), 0, 4, []uint64{20, 18, 16, 14}, true},
		{"combined", flt("method:GET path:/status/"), 0, 50, []uint64{19, 15, 11, 7, 3}, false},
		{"no match", flt("method:PUT"), 0, 50, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, more := in.List(tt.filter, tt.before, tt.limit)
			var got []uint64
			for _, ex := range page {
				got = append(got, ex.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantIDs) || more != tt.wantMore {
				t.Errorf("List(%+v, %d, %d) = %v, %v; want %v, %v", tt.filter, tt.before, tt.limit, got, more, tt.wantIDs, tt.wantMore)
			}
		})
	}
}

func TestSubscribeResume(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		history    int
		added      int
		resume     bool
		lastID     uint64
		wantFrom   uint64 // the first id replayed
		wantN      int    // how many
		wantMissed int64
	}{
		{"new only", 5, 8, false, 0, 0, 0, 0},
		{"from the start", 5, 8, true, 0, 4, 5, 3}, // the ring holds 4..8
		{"inside the ring", 5, 8, true, 6, 7, 2, 0},
		{"just before the ring", 5, 8, true, 3, 4, 5, 0},
		{"up to date", 5, 8, true, 8, 0, 0, 0},
		{"from the future", 5, 8, true, 99, 0, 0, 0},
		{"from the last id there is", 5, 8, true, math.MaxUint64, 0, 0, 0},
		{"an empty history", 5, 0, true, 0, 0, 0, 0},
		{"past the replay bound", 5000, 5000, true, 0, 5000 - maxReplay + 1, maxReplay, 5000 - maxReplay},
		{"past the bound and the ring", 2000, 5000, true, 10, 5000 - maxReplay + 1, maxReplay, 5000 - maxReplay - 10},
		{"just within the bound", 5000, 5000, true, 5000 - maxReplay, 5000 - maxReplay + 1, maxReplay, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := New(Config{History: tt.history})
			add(t, in, tt.added)
			s, rp := in.subscribe(tt.resume, tt.lastID)
			defer in.unsubscribe(s)
			var from uint64
			if len(rp.records) > 0 {
				from = rp.from
			}
			for i, ex := range rp.records {
				if want, _ := in.Get(rp.from + uint64(i)); want.Path != ex.Path {
					t.Fatalf("replayed record %d is not exchange %d", i, rp.from+uint64(i))
				}
			}
			if from != tt.wantFrom || len(rp.records) != tt.wantN || rp.missed != tt.wantMissed {
				t.Errorf("subscribe(%v, %d) = %d records from %d, %d missed; want %d from %d, %d missed", tt.resume, tt.lastID, len(rp.records), from, rp.missed, tt.wantN, tt.wantFrom, tt.wantMissed)
			}
		})
	}
}

func TestSubscriberCap(t *testing.T) {
	t.Parallel()
	in := New(Config{MaxSubscribers: 2})
	a, _ := in.subscribe(false, 0)
	b, _ := in.subscribe(true, 0)
	if c, _ := in.subscribe(false, 0); a == nil || b == nil || c != nil {
		t.Fatalf("subscribe three times with MaxSubscribers 2 = %v, %v, %v; want two subscribers and nil", a, b, c)
	}
	in.unsubscribe(a)
	c, _ := in.subscribe(false, 0)
	if c == nil {
		t.Fatal("subscribe after one of two left = nil; want a subscriber")
	}
	in.unsubscribe(b)
	in.unsubscribe(c)
	if got := in.Subscribers(); got != 0 {
		t.Errorf("Subscribers() after unsubscribing = %d; want 0", got)
	}
	if got := New(Config{}).cfg.MaxSubscribers; got != DefaultMaxSubscribers {
		t.Errorf("MaxSubscribers of a zero Config = %d; want %d", got, DefaultMaxSubscribers)
	}
}

// TestSlowSubscriberNeverBlocks adds far more exchanges than a subscriber
// that never reads can buffer: Add must not block, and the subscriber
// counts what it missed.
func TestSlowSubscriberNeverBlocks(t *testing.T) {
	t.Parallel()
	in := New(Config{History: 10})
	s, _ := in.subscribe(false, 0)
	defer in.unsubscribe(s)
	const n = subscriberBuffer + 100
	add(t, in, n)
	if got := len(s.ch); got != subscriberBuffer {
		t.Errorf("queued events = %d; want %d", got, subscriberBuffer)
	}
	if got := s.missed.Load(); got != 100 {
		t.Errorf("missed = %d; want 100", got)
	}
}

func TestConcurrentAdd(t *testing.T) {
	t.Parallel()
	in := New(Config{History: 64})
	s, _ := in.subscribe(false, 0)
	defer in.unsubscribe(s)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/hello", Status: 200}})
				in.List(flt("method:GET"), 0, 10)
			}
		})
	}
	wg.Wait()
	if got := in.Len(); got != 64 {
		t.Errorf("Len() = %d; want 64", got)
	}
	seen := map[uint64]bool{}
	for _, ex := range in.All() {
		if seen[ex.ID] || ex.ID < 1600-63 || ex.ID > 1600 {
			t.Errorf("All() holds id %d twice or outside 1537..1600", ex.ID)
		}
		seen[ex.ID] = true
	}
	if got := int64(len(s.ch)) + s.missed.Load(); got != 1600 {
		t.Errorf("queued + missed = %d; want 1600", got)
	}
}

// TestReadOutDerives checks what Add leaves for read time: Started,
// DurationMS and Phases come from Times, on every way out of the ring, and
// the headers are as given (the middleware has redacted them).
func TestReadOutDerives(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 123456789, time.UTC)
	times := observe.Times{Read: t0, Start: t0.Add(10 * time.Microsecond), Routed: 3 * time.Microsecond, Wrote: 203 * time.Microsecond, End: 240 * time.Microsecond}
	in := New(Config{})
	s, _ := in.subscribe(false, 0)
	reqH := http.Header{"Authorization": {observe.Redacted}, "Accept": {"*/*"}}
	in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/"}, Request: observe.Message{Headers: reqH}, Times: times})
	got, _ := in.Get(1)
	outs := map[string]*observe.Exchange{"Get": got, "List": firstOf(in.List(flt(""), 0, 10)), "All": in.All()[0]}
	for way, ex := range outs {
		if ex.ID != 1 || ex.Request.Headers.Get("Authorization") != observe.Redacted || ex.Request.Headers.Get("Accept") != "*/*" {
			t.Errorf("%s: id %d, headers %v; want id 1 and the headers as added", way, ex.ID, ex.Request.Headers)
		}
		if !ex.Started.Equal(t0.Truncate(time.Microsecond)) || ex.DurationMS != 0.25 || fmt.Sprint(ex.Phases) != fmt.Sprint(times.Phases()) {
			t.Errorf("%s: Started %v, DurationMS %v, Phases %v; want %v, 0.25, %v", way, ex.Started, ex.DurationMS, ex.Phases, t0, times.Phases())
		}
	}
	// Subscribers get the summary alone.
	if sum := <-s.ch; sum.ID != 1 || !sum.Started.Equal(t0.Truncate(time.Microsecond)) || sum.DurationMS != 0.25 {
		t.Errorf("subscriber: id %d, Started %v, DurationMS %v; want 1, %v, 0.25", sum.ID, sum.Started, sum.DurationMS, t0)
	}
}

// firstOf is the first exchange of a List page.
func firstOf(page []*observe.Exchange, _ bool) *observe.Exchange { return page[0] }

// TestQueuedEventsHoldNoBodies fills a history of one past an exchange
// with a big body while a subscriber does not read: once the history lets
// the exchange go, its body must go too, though the subscriber has its
// event queued.
func TestQueuedEventsHoldNoBodies(t *testing.T) {
	t.Parallel()
	in := New(Config{History: 1})
	s, _ := in.subscribe(false, 0)
	defer in.unsubscribe(s)
	body := addBig(in)
	add(t, in, 1) // pushes it out of the history
	for range 10 {
		if body.Value() == nil {
			break
		}
		runtime.GC()
	}
	if body.Value() != nil {
		t.Error("the body of an exchange the history let go is still alive, held by a queued event")
	}
	if got := len(s.ch); got != 2 {
		t.Errorf("queued events = %d; want 2", got)
	}
}

// addBig adds an exchange with a 1 MiB body and returns a weak pointer to
// the body's bytes, keeping no other reference to them.
func addBig(in *Inspector) weak.Pointer[byte] {
	b := make([]byte, 1<<20)
	in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: "POST", Path: "/echo"}, Request: observe.Message{Body: unsafe.String(&b[0], len(b))}})
	return weak.Make(&b[0])
}

// flt is s parsed, for tests.
func flt(s string) Filter {
	f, err := filter.Parse(s)
	if err != nil {
		panic(err)
	}
	return f
}

// TestListByDuration: the history's records have no DurationMS until a
// view derives it; a duration filter reads it from their Times.
func TestListByDuration(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	now := time.Now()
	for _, d := range []time.Duration{20 * time.Millisecond, 150 * time.Millisecond} {
		in.Add(context.Background(), &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/d"}, Times: observe.Times{Start: now, End: d}})
	}
	for q, want := range map[string]int{"duration>100ms": 1, "duration<100ms": 1, "duration>1s": 0, "duration>=20ms": 2} {
		if page, _ := in.List(flt(q), 0, 10); len(page) != want {
			t.Errorf("List(%s) = %d exchanges; want %d", q, len(page), want)
		}
	}
	if page, _ := in.List(flt("duration>100ms"), 0, 10); len(page) == 1 && page[0].DurationMS < 149 {
		t.Errorf("List(duration>100ms)'s exchange has duration %v ms; want 150", page[0].DurationMS)
	}
}
