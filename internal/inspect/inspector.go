// Package inspect is roundtrip's inspector: it keeps the server's recent
// exchanges in a history bounded by count and by bytes, streams them as
// Server-Sent Events, exports them as HAR and serves them under
// /_roundtrip/api/. It is the server-side twin of the browser's Network
// tab, for every client.
package inspect

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roundtrip/roundtrip/internal/filter"
	"github.com/roundtrip/roundtrip/internal/har"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/store"
)

// Defaults and limits for Config.
const (
	DefaultHistory  = 1000
	MaxHistory      = 100_000
	DefaultMaxBytes = 256 << 20
	// DefaultMaxSubscribers bounds the event streams open at once: each
	// costs every captured request an event to encode and write, so
	// thousands of them would throttle capture.
	DefaultMaxSubscribers = 64
	// DefaultWriteStall is how long one write to an event stream may take
	// before its subscriber is dropped as stuck.
	DefaultWriteStall = 10 * time.Second
	// subscriberBuffer is how many events a subscriber may fall behind
	// before it starts missing them.
	subscriberBuffer = 256
	// maxReplay bounds what a resumed stream is sent from the history:
	// the newest maxReplay exchanges after its last id; older ones count
	// as missed. Replaying a 100,000-exchange history to each of 50
	// streams took 7.85 GiB.
	maxReplay = 1000
	// maxExports bounds the HAR exports running at once, each a pass over
	// the whole history.
	maxExports = 2
)

// Config configures an Inspector. The zero value is usable.
type Config struct {
	History        int           // exchanges kept at most; default DefaultHistory, at most MaxHistory
	MaxBytes       int64         // bytes they may hold (observe.Exchange.Size); default DefaultMaxBytes
	MaxSubscribers int           // event streams open at once; default DefaultMaxSubscribers
	WriteStall     time.Duration // a stream write taking longer drops its subscriber; default DefaultWriteStall

	// Origin is where the exchanges were sent, scheme://host:port, for a
	// replay to send them again: serve's own listener, or the proxy's.
	// Nil until known.
	Origin func() string

	// CaptureSecrets keeps the secrets of imported HAR files, as of
	// captures (--capture-secrets); otherwise they are redacted.
	CaptureSecrets bool

	// Listener is the address of the listener whose exchanges these are,
	// shown with each: a store may be shared by more than one.
	Listener string

	// Store, when set, keeps exchanges beyond the history and across
	// restarts: it is given every exchange captured, ids go on from its
	// last, and lookups and lists read from it what the history let go.
	Store Store
}

// Store is a durable history (internal/store), as the inspector uses it.
type Store interface {
	LastID() uint64
	Path() string
	Stats() store.Stats
	Dropped() uint64
	Degraded() error
	Put(id uint64, ex *observe.Exchange)
	Get(ctx context.Context, id uint64) (*observe.Exchange, error)
	List(ctx context.Context, f filter.Filter, before uint64, limit int) ([]*observe.Exchange, bool, error)
	Each(ctx context.Context, f filter.Filter, after uint64, fn func(store.Record) error) error
	Import(ctx context.Context, exs []*observe.Exchange, entries [][]byte) ([]uint64, error)
	Clear(ctx context.Context) error
}

// Inspector keeps the latest exchanges, oldest dropped first when either
// bound is reached, and fans them out to subscribers. Adding never blocks
// on a subscriber.
type Inspector struct {
	cfg Config

	mu    sync.Mutex
	ring  []*observe.Exchange // exchange id is ring[(id-1)%len(ring)]; the records themselves, never changed
	bytes int64               // the sum of their Size
	next  uint64              // the id the next exchange gets
	first uint64              // the oldest id still held
	subs  map[*subscriber]struct{}

	exports chan struct{} // a token for each HAR export running
	reports reports       // clients' reports of their side (report.go)

	replayOnce sync.Once
	replay     [2]*http.Client // elsewhere, and to this server itself

	done     chan struct{} // closed by Shutdown: streams end
	shutdown sync.Once
}

// subscriber is one event stream. It is sent summaries, not whole
// exchanges, so that a stream that falls behind holds no bodies the
// history has let go.
type subscriber struct {
	ch     chan *observe.Summary
	missed atomic.Int64
}

// New returns an Inspector built from cfg.
func New(cfg Config) *Inspector {
	if cfg.History <= 0 {
		cfg.History = DefaultHistory
	}
	cfg.History = min(cfg.History, MaxHistory)
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxSubscribers <= 0 {
		cfg.MaxSubscribers = DefaultMaxSubscribers
	}
	if cfg.WriteStall <= 0 {
		cfg.WriteStall = DefaultWriteStall
	}
	next := uint64(1)
	if cfg.Store != nil {
		next = cfg.Store.LastID() + 1 // event ids keep increasing across restarts
	}
	return &Inspector{
		cfg:     cfg,
		next:    next,
		first:   next,
		subs:    make(map[*subscriber]struct{}),
		exports: make(chan struct{}, maxExports),
		done:    make(chan struct{}),
	}
}

// Add is the inspector's observe.Observer. It keeps ex as the next id,
// dropping the oldest exchanges past either bound, and offers its summary
// to every subscriber without waiting: a full subscriber misses it.
// Exchanges of roundtrip's own routes are left out.
func (in *Inspector) Add(_ context.Context, ex *observe.Exchange) {
	if ex.Internal {
		return
	}
	size := ex.Size()
	in.mu.Lock()
	defer in.mu.Unlock()
	id := in.next
	in.next++
	if in.cfg.Store != nil {
		in.cfg.Store.Put(id, ex) // queued, never waited for
	}
	for in.first < id && (id-in.first >= uint64(in.cfg.History) || in.bytes+size > in.cfg.MaxBytes) {
		in.drop()
	}
	if size > in.cfg.MaxBytes {
		in.first = in.next // too big to keep alone: the stream still sees it
	} else {
		in.put(id, ex, size)
	}
	if len(in.subs) == 0 {
		return
	}
	c := summary(id, ex)
	c.Listener = in.cfg.Listener
	for s := range in.subs {
		select {
		case s.ch <- c:
		default:
			s.missed.Add(1)
		}
	}
}

// put stores ex as id, growing the ring up to the history's count.
// Callers hold in.mu, and id is in.next-1.
func (in *Inspector) put(id uint64, ex *observe.Exchange, size int64) {
	held := int(id - in.first) // before ex
	if held == len(in.ring) && len(in.ring) < in.cfg.History {
		in.grow(held)
	}
	in.ring[in.slot(id)] = ex
	in.bytes += size
}

// grow doubles the ring (up to the history's count), moving the held
// exchanges so that each id's slot stays id-1 modulo the new length.
func (in *Inspector) grow(held int) {
	n := min(max(2*len(in.ring), 16), in.cfg.History)
	ring := make([]*observe.Exchange, n)
	for id := in.first; id < in.first+uint64(held); id++ {
		ring[(id-1)%uint64(n)] = in.ring[in.slot(id)]
	}
	in.ring = ring
}

// drop forgets the oldest exchange. Callers hold in.mu.
func (in *Inspector) drop() {
	i := in.slot(in.first)
	in.bytes -= in.ring[i].Size()
	in.ring[i] = nil
	in.first++
}

func (in *Inspector) slot(id uint64) int { return int((id - 1) % uint64(len(in.ring))) }

// at copies out the exchange with id, which the ring must hold, as views
// show it. Callers hold in.mu.
func (in *Inspector) at(id uint64) *observe.Exchange {
	v := view(id, in.ring[in.slot(id)])
	v.Listener = in.cfg.Listener
	return v
}

// view is a copy of ex, as id, with its derived figures filled in.
func view(id uint64, ex *observe.Exchange) *observe.Exchange {
	v := *ex
	v.ID = id
	v.Derive()
	return &v
}

// summary is ex's summary, as id, with its derived figures filled in.
func summary(id uint64, ex *observe.Exchange) *observe.Summary {
	v := *ex
	v.ID = id
	v.DeriveSummary() // not the phases, which a summary leaves out
	s := v.Summary    // a copy: a pointer into v would keep v's bodies alive
	return &s
}

// Get returns the exchange with id, if the history still holds it.
func (in *Inspector) Get(id uint64) (*observe.Exchange, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if id < in.first || id >= in.next {
		return nil, false
	}
	return in.at(id), true
}

// Lookup is Get, then the store for an exchange the history let go.
func (in *Inspector) Lookup(ctx context.Context, id uint64) (*observe.Exchange, bool) {
	if ex, ok := in.Get(id); ok || in.cfg.Store == nil {
		return ex, ok
	}
	ex, err := in.cfg.Store.Get(ctx, id)
	return ex, err == nil
}

// Page is List, continued from the store once the history runs out. more
// may be true with nothing after: the store is not asked until it is
// needed.
func (in *Inspector) Page(ctx context.Context, f Filter, before uint64, limit int) ([]*observe.Exchange, bool) {
	page, more := in.List(f, before, limit)
	if in.cfg.Store == nil || more {
		return page, more
	}
	if len(page) == limit {
		return page, true
	}
	// Below the last id listed (or the history's first), the history
	// matched nothing more: what the store holds there is the rest.
	from := before
	if len(page) > 0 {
		from = page[len(page)-1].ID
	} else {
		in.mu.Lock()
		if first := in.first; from == 0 || from > first {
			from = first
		}
		in.mu.Unlock()
	}
	rest, more, err := in.cfg.Store.List(ctx, f, from, limit-len(page))
	if err != nil {
		return page, false
	}
	return append(page, rest...), more
}

// Import stores l's entries, all or none, marked as imported, with the
// next ids, and returns them. The history in memory starts again after
// them, since its ids run without gaps; what it held is in the store
// already, or queued before the import. It needs a store.
func (in *Inspector) Import(ctx context.Context, l *har.Log) ([]uint64, error) {
	if in.cfg.Store == nil {
		return nil, errors.New("inspect: import needs a store")
	}
	exs, raws, err := har.Prepare(l, in.cfg.CaptureSecrets)
	if err != nil {
		return nil, err
	}
	in.mu.Lock()
	first := in.next
	for i, ex := range exs {
		ex.ID = first + uint64(i)
	}
	in.next += uint64(len(exs))
	in.ring, in.bytes, in.first = nil, 0, in.next
	in.mu.Unlock()
	return in.cfg.Store.Import(ctx, exs, raws)
}

// Clear forgets every exchange, in the store too. Ids keep counting, so
// a resumed stream never sees an id twice.
func (in *Inspector) Clear() {
	in.mu.Lock()
	in.ring, in.bytes = nil, 0
	in.first = in.next
	in.mu.Unlock()
	if in.cfg.Store != nil {
		_ = in.cfg.Store.Clear(context.Background()) // a failing store reports itself Degraded
	}
}

// Len is how many exchanges the history holds.
func (in *Inspector) Len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return int(in.next - in.first)
}

// Bytes is how many bytes (observe.Exchange.Size) the history holds.
func (in *Inspector) Bytes() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.bytes
}

// Filter selects exchanges, in the one syntax the store also reads.
type Filter = filter.Filter

// List returns up to limit exchanges matching f, newest first, with ids
// below before (0 means from the newest). more reports whether older
// matches remain.
func (in *Inspector) List(f Filter, before uint64, limit int) (page []*observe.Exchange, more bool) {
	if f.HasText() {
		return in.listText(f, before, limit)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	id := in.next
	if before != 0 && before < id {
		id = before
	}
	for id > in.first {
		id--
		if !f.Match(in.ring[in.slot(id)]) {
			continue
		}
		if len(page) == limit {
			return page, true
		}
		page = append(page, in.at(id))
	}
	return page, false
}

// listText is List for a filter with free text, which reads bodies: the
// records are taken under the lock, a pointer each, and matched outside
// it, so that Add, which every request takes it for, never waits on a
// search.
func (in *Inspector) listText(f Filter, before uint64, limit int) (page []*observe.Exchange, more bool) {
	in.mu.Lock()
	from := in.first
	upto := in.next
	if before != 0 && before < upto {
		upto = before
	}
	var recs []*observe.Exchange
	if upto > from {
		recs = in.span(from)[:upto-from]
	}
	in.mu.Unlock()
	for i := len(recs) - 1; i >= 0; i-- {
		if !f.Match(recs[i]) {
			continue
		}
		if len(page) == limit {
			return page, true
		}
		v := view(from+uint64(i), recs[i])
		v.Listener = in.cfg.Listener
		page = append(page, v)
	}
	return page, false
}

// All returns every exchange held, oldest first.
func (in *Inspector) All() []*observe.Exchange {
	first, recs := in.records()
	for i, ex := range recs {
		recs[i] = view(first+uint64(i), ex)
		recs[i].Listener = in.cfg.Listener
	}
	return recs
}

// records returns the records held, oldest first, and the id of the
// first. Only pointers are copied under the lock; callers make views of
// them outside it.
func (in *Inspector) records() (first uint64, recs []*observe.Exchange) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.first, in.span(in.first)
}

// span is the records with ids from (held) to the newest. Callers hold in.mu.
func (in *Inspector) span(from uint64) []*observe.Exchange {
	recs := make([]*observe.Exchange, 0, in.next-from)
	for id := from; id < in.next; id++ {
		recs = append(recs, in.ring[in.slot(id)])
	}
	return recs
}

// replay is what a resumed stream is sent before live events: records,
// whose ids run from from, and how many exchanges after its last id it can
// no longer have (cleared, pushed out, or older than maxReplay).
type replay struct {
	from    uint64
	records []*observe.Exchange
	missed  int64
}

// subscribe registers a subscriber and returns, in the same instant, the
// newest maxReplay held exchanges after lastID and how many others after
// lastID it misses. With resume false there is no replay. s is nil when
// MaxSubscribers streams are open already.
func (in *Inspector) subscribe(resume bool, lastID uint64) (s *subscriber, rp replay) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.subs) >= in.cfg.MaxSubscribers {
		return nil, rp
	}
	s = &subscriber{ch: make(chan *observe.Summary, subscriberBuffer)}
	in.subs[s] = struct{}{}
	if !resume || lastID >= in.next-1 { // up to date, or from the future
		return s, rp
	}
	rp.from = max(lastID+1, in.first)
	if in.next-rp.from > maxReplay {
		rp.from = in.next - maxReplay
	}
	rp.missed = int64(rp.from - (lastID + 1))
	rp.records = in.span(rp.from)
	return s, rp
}

func (in *Inspector) unsubscribe(s *subscriber) {
	in.mu.Lock()
	delete(in.subs, s)
	in.mu.Unlock()
}

// Subscribers is how many event streams are open.
func (in *Inspector) Subscribers() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.subs)
}

// Shutdown ends every event stream, so a graceful server shutdown does not
// wait for them. It is safe to call more than once.
func (in *Inspector) Shutdown() {
	in.shutdown.Do(func() { close(in.done) })
}
