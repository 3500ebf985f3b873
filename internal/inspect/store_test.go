package inspect

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/store"
)

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{Path: path, FlushEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStoreBehindHistory: what the history lets go is still found in the
// store, lists run on into it, and ids go on from the store's last after a
// restart.
func TestStoreBehindHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s := openStore(t, path)
	in := New(Config{History: 3, Store: s})
	for i := range 10 {
		in.Add(ctx, &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/p", Status: 200 + i}, Times: observe.Times{Start: time.Now()}})
	}
	if err := s.Close(); err != nil { // every capture on disk
		t.Fatal(err)
	}
	s = openStore(t, path)
	t.Cleanup(func() { s.Close() })
	in = New(Config{History: 3, Store: s})
	if got, want := in.next, uint64(11); got != want {
		t.Errorf("after a restart, the next id = %d; want %d", got, want)
	}
	in.Add(ctx, &observe.Exchange{Summary: observe.Summary{Method: "POST", Path: "/q", Status: 201}, Times: observe.Times{Start: time.Now()}})

	ex, ok := in.Lookup(ctx, 2)
	if !ok || ex.ID != 2 || ex.Status != 201 {
		t.Errorf("Lookup(2) = %+v, %v; want the second exchange, status 201, from the store", ex, ok)
	}
	if ex, ok := in.Lookup(ctx, 11); !ok || ex.Method != "POST" {
		t.Errorf("Lookup(11) = %+v, %v; want the POST the history holds", ex, ok)
	}
	if _, ok := in.Lookup(ctx, 99); ok {
		t.Error("Lookup(99) found an exchange that never was")
	}
	var ids []uint64
	before := uint64(0)
	for range 10 {
		page, more := in.Page(ctx, flt(""), before, 4)
		for _, ex := range page {
			ids = append(ids, ex.ID)
		}
		if !more || len(page) == 0 {
			break
		}
		before = page[len(page)-1].ID
	}
	if len(ids) != 11 || ids[0] != 11 || ids[10] != 1 {
		t.Errorf("paging newest first through history and store = %v; want 11 down to 1", ids)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Errorf("ids out of order or twice: %v", ids)
			break
		}
	}
	if page, _ := in.Page(ctx, flt("status:205"), 0, 10); len(page) != 1 || page[0].ID != 6 {
		t.Errorf("Page(status 205) = %v; want exchange 6, from the store", page)
	}
}
