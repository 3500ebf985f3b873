package inspect

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
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
		ex := &Exchange{Summary: Summary{Method: methods[i%4], Path: paths[i%4], Status: statuses[i%4]}}
		in.Add(ex)
		ids[i] = ex.ID
	}
	return ids
}

func TestRingBounds(t *testing.T) {
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
	in := New(Config{})
	if got := len(in.ring); got != DefaultHistory {
		t.Errorf("ring size with zero Config = %d; want %d", got, DefaultHistory)
	}
	if got := in.MaxBody(); got != DefaultMaxBody {
		t.Errorf("MaxBody() with zero Config = %d; want %d", got, DefaultMaxBody)
	}
	if got := New(Config{MaxBody: -1}).MaxBody(); got != 0 {
		t.Errorf("MaxBody() with MaxBody -1 = %d; want 0", got)
	}
	if got := len(New(Config{History: MaxHistory * 2}).ring); got != MaxHistory {
		t.Errorf("ring size with History %d = %d; want %d", MaxHistory*2, got, MaxHistory)
	}
}

func TestClearKeepsCounting(t *testing.T) {
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
		{"newest first", Filter{}, 0, 3, []uint64{20, 19, 18}, true},
		{"second page", Filter{}, 18, 3, []uint64{17, 16, 15}, true},
		{"last page", Filter{}, 3, 5, []uint64{2, 1}, false},
		{"exact page end", Filter{}, 4, 3, []uint64{3, 2, 1}, false},
		{"before past the newest", Filter{}, 1000, 2, []uint64{20, 19}, true},
		{"method", Filter{Method: "POST"}, 0, 50, []uint64{18, 14, 10, 6, 2}, false},
		{"status", Filter{Status: 404}, 0, 2, []uint64{19, 15}, true},
		{"status class", Filter{Status: 5}, 0, 50, []uint64{20, 16, 12, 8, 4}, false},
		{"2xx", Filter{Status: 2}, 8, 3, []uint64{6, 5, 2}, true},
		{"path prefix", Filter{Path: "/api/"}, 0, 4, []uint64{20, 18, 16, 14}, true},
		{"combined", Filter{Method: "GET", Path: "/status/"}, 0, 50, []uint64{19, 15, 11, 7, 3}, false},
		{"no match", Filter{Method: "PUT"}, 0, 50, nil, false},
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
	in := New(Config{History: 5})
	add(t, in, 8) // the ring holds 4..8
	tests := []struct {
		name     string
		resume   bool
		lastID   uint64
		wantIDs  []uint64
		wantGone int64
	}{
		{"new only", false, 0, nil, 0},
		{"from the start", true, 0, []uint64{4, 5, 6, 7, 8}, 3},
		{"inside the ring", true, 6, []uint64{7, 8}, 0},
		{"just before the ring", true, 3, []uint64{4, 5, 6, 7, 8}, 0},
		{"up to date", true, 8, nil, 0},
		{"from the future", true, 99, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, backlog, gone := in.subscribe(tt.resume, tt.lastID)
			defer in.unsubscribe(s)
			var got []uint64
			for _, ex := range backlog {
				got = append(got, ex.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantIDs) || gone != tt.wantGone {
				t.Errorf("subscribe(%v, %d) = %v, gone %d; want %v, gone %d", tt.resume, tt.lastID, got, gone, tt.wantIDs, tt.wantGone)
			}
		})
	}
	if got := in.Subscribers(); got != 0 {
		t.Errorf("Subscribers() after unsubscribing = %d; want 0", got)
	}
}

// TestSlowSubscriberNeverBlocks adds far more exchanges than a subscriber
// that never reads can buffer: Add must not block, and the subscriber
// counts what it missed.
func TestSlowSubscriberNeverBlocks(t *testing.T) {
	in := New(Config{History: 10})
	s, _, _ := in.subscribe(false, 0)
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
	in := New(Config{History: 64})
	s, _, _ := in.subscribe(false, 0)
	defer in.unsubscribe(s)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				in.Add(&Exchange{Summary: Summary{Method: "GET", Path: "/hello", Status: 200}})
				in.List(Filter{Method: "GET"}, 0, 10)
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

// TestReadOutFinishes checks what Add leaves for read time: secrets are
// redacted unless kept, and Started, DurationMS and Phases come from Times,
// on every way out of the ring.
func TestReadOutFinishes(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 123456789, time.UTC)
	times := Times{Read: t0, Start: t0.Add(10 * time.Microsecond), Routed: 3 * time.Microsecond, Wrote: 203 * time.Microsecond, End: 240 * time.Microsecond}
	for _, keep := range []bool{false, true} {
		in := New(Config{CaptureSecrets: keep})
		s, _, _ := in.subscribe(false, 0)
		reqH := http.Header{"Authorization": {"Bearer s3cret"}, "Accept": {"*/*"}}
		respH := http.Header{"Set-Cookie": {"id=1"}}
		in.Add(&Exchange{Summary: Summary{Method: "GET", Path: "/"}, Request: Message{Headers: reqH}, Response: Message{Headers: respH}, Times: times})
		got, _ := in.Get(1)
		outs := map[string]*Exchange{"Get": got, "List": firstOf(in.List(Filter{}, 0, 10)), "All": in.All()[0], "subscriber": <-s.ch}
		wantAuth, wantCookie := Redacted, Redacted
		if keep {
			wantAuth, wantCookie = "Bearer s3cret", "id=1"
		}
		for way, ex := range outs {
			if a, c := ex.Request.Headers.Get("Authorization"), ex.Response.Headers.Get("Set-Cookie"); a != wantAuth || c != wantCookie {
				t.Errorf("CaptureSecrets %v, %s: Authorization %q, Set-Cookie %q; want %q, %q", keep, way, a, c, wantAuth, wantCookie)
			}
			if ex.Request.Headers.Get("Accept") != "*/*" {
				t.Errorf("CaptureSecrets %v, %s: Accept %q; want */*", keep, way, ex.Request.Headers.Get("Accept"))
			}
			if !ex.Started.Equal(t0.Truncate(time.Microsecond)) || ex.DurationMS != 0.25 || ex.Phases != times.Phases() {
				t.Errorf("CaptureSecrets %v, %s: Started %v, DurationMS %v, Phases %v; want %v, 0.25, %v", keep, way, ex.Started, ex.DurationMS, ex.Phases, t0, times.Phases())
			}
		}
		if reqH.Get("Authorization") != "Bearer s3cret" || respH.Get("Set-Cookie") != "id=1" {
			t.Errorf("CaptureSecrets %v: the live headers changed to %v and %v", keep, reqH, respH)
		}
	}
}

// firstOf is the first exchange of a List page.
func firstOf(page []*Exchange, _ bool) *Exchange { return page[0] }
