package inspect

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Defaults and limits for Config.
const (
	DefaultHistory = 1000
	MaxHistory     = 100_000
	DefaultMaxBody = 64 << 10
	// subscriberBuffer is how many events a subscriber may fall behind
	// before it starts missing them.
	subscriberBuffer = 256
)

// Config configures an Inspector. The zero value is usable.
type Config struct {
	History        int  // exchanges kept; default DefaultHistory
	MaxBody        int  // body bytes kept per side; default DefaultMaxBody, negative keeps none
	CaptureSecrets bool // keep Authorization, Cookie and their kin instead of redacting them
	// Problem writes an error response; the server passes its RFC 9457
	// writer. The default writes plain text.
	Problem func(w http.ResponseWriter, r *http.Request, status int, detail string)
}

// Inspector keeps the latest exchanges in a ring and fans them out to
// subscribers. Adding never blocks on a subscriber.
type Inspector struct {
	cfg Config

	mu    sync.Mutex
	ring  []Exchange // exchange id lives at ring[(id-1)%len(ring)]; values, so adding allocates nothing
	next  uint64     // the id the next exchange gets
	first uint64     // the oldest id still held
	subs  map[*subscriber]struct{}

	done     chan struct{} // closed by Shutdown: streams end
	shutdown sync.Once
}

type subscriber struct {
	ch     chan *Exchange
	missed atomic.Int64
}

// New returns an Inspector built from cfg.
func New(cfg Config) *Inspector {
	if cfg.History <= 0 {
		cfg.History = DefaultHistory
	}
	cfg.History = min(cfg.History, MaxHistory)
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	cfg.MaxBody = max(cfg.MaxBody, 0)
	if cfg.Problem == nil {
		cfg.Problem = func(w http.ResponseWriter, r *http.Request, status int, detail string) {
			http.Error(w, detail, status)
		}
	}
	return &Inspector{
		cfg:   cfg,
		ring:  make([]Exchange, cfg.History),
		next:  1,
		first: 1,
		subs:  make(map[*subscriber]struct{}),
		done:  make(chan struct{}),
	}
}

// MaxBody is how many bytes of each body a capture keeps.
func (in *Inspector) MaxBody() int { return in.cfg.MaxBody }

// CaptureSecrets reports whether secret headers are kept as sent.
func (in *Inspector) CaptureSecrets() bool { return in.cfg.CaptureSecrets }

// Add gives ex the next id and keeps a copy of it, so that the caller's
// exchange need not reach the heap; it offers a copy to every subscriber.
// The ring may drop the oldest exchange; a full subscriber misses ex.
// The header maps ex refers to must not change afterwards. Add does the
// least it can, since it runs on every request: secret headers are
// redacted, and the figures derived from ex.Times, as exchanges are read.
func (in *Inspector) Add(ex *Exchange) {
	in.mu.Lock()
	ex.ID = in.next
	in.ring[(in.next-1)%uint64(len(in.ring))] = *ex
	in.next++
	if in.next-in.first > uint64(len(in.ring)) {
		in.first = in.next - uint64(len(in.ring))
	}
	if len(in.subs) > 0 {
		c := new(Exchange)
		*c = *ex
		in.finish(c)
		for s := range in.subs {
			select {
			case s.ch <- c:
			default:
				s.missed.Add(1)
			}
		}
	}
	in.mu.Unlock()
}

// at copies out the exchange with id, which the ring must hold. Callers
// hold in.mu.
func (in *Inspector) at(id uint64) *Exchange {
	ex := in.ring[(id-1)%uint64(len(in.ring))]
	in.finish(&ex)
	return &ex
}

// finish makes a copy read from the ring whole: derived figures filled in
// and secrets redacted unless the config keeps them.
func (in *Inspector) finish(ex *Exchange) {
	ex.derive()
	if !in.cfg.CaptureSecrets {
		ex.Request.Headers, ex.Response.Headers = Redact(ex.Request.Headers), Redact(ex.Response.Headers)
	}
}

// Get returns the exchange with id, if the ring still holds it.
func (in *Inspector) Get(id uint64) (*Exchange, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if id < in.first || id >= in.next {
		return nil, false
	}
	return in.at(id), true
}

// Clear forgets every exchange. Ids keep counting, so a resumed stream
// never sees an id twice.
func (in *Inspector) Clear() {
	in.mu.Lock()
	clear(in.ring)
	in.first = in.next
	in.mu.Unlock()
}

// Len is how many exchanges the ring holds.
func (in *Inspector) Len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return int(in.next - in.first)
}

// Filter selects exchanges. Zero fields match everything.
type Filter struct {
	Method string // exact, such as GET
	Status int    // an exact status such as 404, or a class 1 to 5 (4 is 4xx)
	Path   string // a prefix of the path
}

func (f Filter) match(ex *Exchange) bool {
	if f.Method != "" && ex.Method != f.Method {
		return false
	}
	switch {
	case f.Status == 0:
	case f.Status < 10:
		if ex.Status/100 != f.Status {
			return false
		}
	case ex.Status != f.Status:
		return false
	}
	return strings.HasPrefix(ex.Path, f.Path)
}

// List returns up to limit exchanges matching f, newest first, with ids
// below before (0 means from the newest). more reports whether older
// matches remain.
func (in *Inspector) List(f Filter, before uint64, limit int) (page []*Exchange, more bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	id := in.next
	if before != 0 && before < id {
		id = before
	}
	for id > in.first {
		id--
		if !f.match(&in.ring[(id-1)%uint64(len(in.ring))]) {
			continue
		}
		if len(page) == limit {
			return page, true
		}
		page = append(page, in.at(id))
	}
	return page, false
}

// All returns every exchange held, oldest first.
func (in *Inspector) All() []*Exchange {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]*Exchange, 0, in.next-in.first)
	for id := in.first; id < in.next; id++ {
		out = append(out, in.at(id))
	}
	return out
}

// subscribe registers a subscriber and returns, in the same instant, the
// held exchanges after lastID (oldest first) and how many after lastID the
// ring no longer holds. With resume false it returns no backlog.
func (in *Inspector) subscribe(resume bool, lastID uint64) (s *subscriber, backlog []*Exchange, gone int64) {
	s = &subscriber{ch: make(chan *Exchange, subscriberBuffer)}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.subs[s] = struct{}{}
	if !resume {
		return s, nil, 0
	}
	from := lastID + 1
	if from < in.first {
		gone = int64(in.first - from)
		from = in.first
	}
	for id := from; id < in.next; id++ {
		backlog = append(backlog, in.at(id))
	}
	return s, backlog, gone
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
