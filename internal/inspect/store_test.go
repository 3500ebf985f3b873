package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
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

// TestEventsResumeFromStore: after a restart the history is empty, and a
// stream resumed from an old id gets what the store kept, in order, with
// nothing counted missed.
func TestEventsResumeFromStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s := openStore(t, path)
	in := New(Config{History: 3, Store: s})
	for i := range 10 {
		in.Add(ctx, &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: fmt.Sprintf("/p%d", i+1), Status: 200}, Times: observe.Times{Start: time.Now()}})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path)
	t.Cleanup(func() { s.Close() })
	in = New(Config{History: 3, Store: s, Listener: "127.0.0.1:3000"})
	in.Add(ctx, &observe.Exchange{Summary: observe.Summary{Method: "GET", Path: "/p11", Status: 200}, Times: observe.Times{Start: time.Now()}})
	ts := newAPI(t, in)
	events := readEvents(t, openStream(t, ts.URL+"/_roundtrip/api/events", "2"), 9)
	var got []string
	for _, ev := range events {
		got = append(got, ev.name+" "+ev.id)
	}
	want := "[exchange 3 exchange 4 exchange 5 exchange 6 exchange 7 exchange 8 exchange 9 exchange 10 exchange 11]"
	if fmt.Sprint(got) != want {
		t.Errorf("events resumed from 2 after a restart = %v; want %v", got, want)
	}
	if !strings.Contains(events[8].data, `"listener":"127.0.0.1:3000"`) {
		t.Errorf("event 11 = %s; want its listener", events[8].data)
	}
}

// fakeStore is a Store whose health a test sets.
type fakeStore struct {
	dropped  atomic.Uint64
	degraded atomic.Pointer[string]
}

func (f *fakeStore) LastID() uint64 { return 0 }
func (f *fakeStore) Path() string   { return "/state/roundtrip/history.db" }
func (f *fakeStore) Stats() store.Stats {
	return store.Stats{Count: 7, Bytes: 7000, Oldest: 1, Newest: 7, Indexed: 5}
}
func (f *fakeStore) Dropped() uint64 { return f.dropped.Load() }
func (f *fakeStore) Degraded() error {
	if p := f.degraded.Load(); p != nil {
		return errors.New(*p)
	}
	return nil
}
func (f *fakeStore) Put(uint64, *observe.Exchange) {}
func (f *fakeStore) Get(context.Context, uint64) (*observe.Exchange, error) {
	return nil, store.ErrNotFound
}
func (f *fakeStore) List(context.Context, Filter, uint64, int) ([]*observe.Exchange, bool, error) {
	return nil, false, nil
}
func (f *fakeStore) Clear(context.Context) error { return nil }
func (f *fakeStore) Each(context.Context, Filter, uint64, func(store.Record) error) error {
	return nil
}
func (f *fakeStore) Import(context.Context, []*observe.Exchange, [][]byte) ([]uint64, error) {
	return nil, nil
}

// TestEventsTellStoreHealth: a stream is told of captures the store
// dropped, and of a store that cannot write and then can.
func TestEventsTellStoreHealth(t *testing.T) {
	t.Parallel()
	fs := new(fakeStore)
	ts := newAPI(t, New(Config{Store: fs}))
	r := openStream(t, ts.URL+"/_roundtrip/api/events", "")
	fs.dropped.Store(5)
	why := "store /state/roundtrip/history.db: cannot write: database or disk is full"
	fs.degraded.Store(&why)
	got := readEvents(t, r, 2)
	if got[0].name != "missed" || got[0].data != `{"missed": 5, "where": "store"}` {
		t.Errorf("after 5 drops, event %+v; want missed 5 where store", got[0])
	}
	if got[1].name != "store" || !strings.Contains(got[1].data, `"degraded":"store /state/roundtrip/history.db: cannot write: database or disk is full"`) {
		t.Errorf("with the store degraded, event %+v; want store with why", got[1])
	}
	fs.degraded.Store(nil)
	if got := readEvents(t, r, 1); got[0].name != "store" || got[0].data != `{"degraded":null}` {
		t.Errorf("with the store writing again, event %+v; want store degraded null", got[0])
	}
}

func TestHandleStore(t *testing.T) {
	t.Parallel()
	fs := new(fakeStore)
	fs.dropped.Store(3)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"memory", Config{Listener: "127.0.0.1:3000"}, `{"durable":false,"listener":"127.0.0.1:3000","exchanges":0,"bytes":0,"oldest":0,"newest":0,"indexed":0,"dropped":0,"degraded":null,"memory":{"exchanges":0,"bytes":0}}`},
		{"durable", Config{Store: fs}, `{"durable":true,"path":"/state/roundtrip/history.db","exchanges":7,"bytes":7000,"oldest":1,"newest":7,"indexed":5,"dropped":3,"degraded":null,"memory":{"exchanges":0,"bytes":0}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newAPI(t, New(tt.cfg))
			res, body := get(t, ts.URL+"/_roundtrip/api/store")
			if res.StatusCode != 200 || strings.TrimSpace(body) != tt.want {
				t.Errorf("GET store = %d %s; want 200 %s", res.StatusCode, body, tt.want)
			}
		})
	}
}

// TestImportExportRoundTrip posts DevTools' HAR to a store-backed
// inspector, with secrets kept: listed as imported, and exported again
// (with the captures around them) entry for entry as the file had them.
func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, filepath.Join(t.TempDir(), "history.db"))
	t.Cleanup(func() { s.Close() })
	in := New(Config{Store: s, CaptureSecrets: true})
	in.Add(ctx, &observe.Exchange{Summary: observe.Summary{Method: "GET", URL: "/before", Path: "/before", Status: 200}, Times: observe.Times{Start: time.Now()}})
	mux := http.NewServeMux()
	mux.Handle("POST /_roundtrip/api/har", in.HandleImport())
	mux.Handle("GET /_roundtrip/api/har", in.HandleHAR())
	mux.Handle("GET /_roundtrip/api/exchanges", in.HandleList())
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	file, err := os.ReadFile("../har/testdata/devtools.har")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct{ Entries []any }
	}
	if err := json.Unmarshal(file, &doc); err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(ts.URL+"/_roundtrip/api/har", "application/json", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var imp struct{ Imported, First, Last uint64 }
	json.NewDecoder(res.Body).Decode(&imp)
	res.Body.Close()
	if n := uint64(len(doc.Log.Entries)); res.StatusCode != 201 || imp.Imported != n || imp.First != 2 || imp.Last != 1+n {
		t.Fatalf("POST har = %d %+v; want 201, %d imported as 2 to %d", res.StatusCode, imp, n, 1+n)
	}
	in.Add(ctx, &observe.Exchange{Summary: observe.Summary{Method: "GET", URL: "/after", Path: "/after", Status: 200}, Times: observe.Times{Start: time.Now()}})

	_, body := get(t, ts.URL+"/_roundtrip/api/exchanges?limit=100")
	var list struct{ Exchanges []observe.Summary }
	json.Unmarshal([]byte(body), &list)
	if got := len(list.Exchanges); got != len(doc.Log.Entries)+2 || list.Exchanges[0].URL != "/after" || !list.Exchanges[1].Imported || list.Exchanges[len(list.Exchanges)-1].URL != "/before" {
		t.Fatalf("list after the import = %d exchanges %+v; want /after, the imports marked, /before", got, list.Exchanges)
	}

	_, body = get(t, ts.URL+"/_roundtrip/api/har")
	var out struct {
		Log struct{ Entries []any }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("the export is not JSON: %v", err)
	}
	if got, want := len(out.Log.Entries), len(doc.Log.Entries)+2; got != want {
		t.Fatalf("export = %d entries; want %d", got, want)
	}
	for i, want := range doc.Log.Entries {
		if got := out.Log.Entries[i+1]; !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("exported entry %d =\n%s\nwant it as imported:\n%s", i, g, w)
		}
	}
	_, body = get(t, ts.URL+"/_roundtrip/api/har?q=path:/after")
	if n := strings.Count(body, `"startedDateTime"`); n != 1 {
		t.Errorf("export of q=path:/after has %d entries; want 1", n)
	}
}

func TestImportRefused(t *testing.T) {
	t.Parallel()
	s := openStore(t, filepath.Join(t.TempDir(), "history.db"))
	t.Cleanup(func() { s.Close() })
	tests := []struct {
		name string
		in   *Inspector
		body string
		want int
		text string
	}{
		{"no store", New(Config{}), `{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[]}}`, 409, "--store memory"},
		{"not JSON", New(Config{Store: s}), `{"log":`, 400, "nothing was"},
		{"an entry without its url", New(Config{Store: s}), `{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[{"startedDateTime":"2026-12-01T10:00:00Z","time":1,"request":{"method":"GET","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"queryString":[],"headersSize":-1,"bodySize":0},"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"content":{"size":0,"mimeType":"text/plain"},"redirectURL":"","headersSize":-1,"bodySize":0},"cache":{},"timings":{"send":0,"wait":1,"receive":0}}]}}`, 400, "entries[0].request.url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := httptest.NewServer(tt.in.HandleImport())
			t.Cleanup(ts.Close)
			res, err := http.Post(ts.URL, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.want || !strings.Contains(string(b), tt.text) {
				t.Errorf("POST har (%s) = %d %s; want %d with %q", tt.name, res.StatusCode, b, tt.want, tt.text)
			}
		})
	}
	if st := s.Stats(); st.Count != 0 {
		t.Errorf("after refused imports, the store holds %d; want none", st.Count)
	}
}
