package observe

import (
	"bytes"
	"mime"
	"strings"
	"time"
)

// events counts the events of a text/event-stream body as it streams out,
// in pieces of any size, parsing it as the WHATWG HTML standard's "event
// stream interpretation" does: lines end with CRLF, LF or CR; a blank line
// dispatches the event when it had a data field; a line starting with a
// colon is a comment; a single leading BOM is dropped. With a limit, it
// keeps the first MaxKept events, their data, type and last event ID.
//
// Its memory is bounded whatever the bytes: a field's name is looked at
// for its first five bytes (the longest name it knows), and of a value it
// keeps limit bytes at most, in buffers made that size; the rest of a line
// is only looked through for its end.
type events struct {
	count int64 // events dispatched
	state uint8
	field uint8
	name  uint64 // the field's name so far, a byte at a time from the low end
	nameN int    // its length
	cr    bool   // the last byte ended a line with CR: an LF next ends none
	bom   int    // bytes of a leading BOM matched, or bomDone
	data  bool   // the event has had a data field: a blank line dispatches it

	// What keeping takes, when limit > 0.
	limit  int
	start  time.Time
	kept   []StreamMessage
	began  bool    // the event being read has had a field
	at     float64 // when it did
	buf    []byte  // its data so far, up to limit
	size   int64   // the data's whole length
	event  []byte  // its type
	id     []byte  // the id field being read
	idNUL  bool    // which has a NUL, so the standard ignores it
	lastID []byte
}

const (
	stLine  = iota // at a line's start
	stName         // in a field's name
	stSpace        // after the colon: a space here is not the value's
	stValue        // in a value being kept
	stSkip         // in the rest of a line that matters no more
)

const (
	fieldOther = iota
	fieldData
	fieldEvent
	fieldID
)

const (
	bom     = "\xef\xbb\xbf"
	bomDone = len(bom) + 1
)

func newEvents(limit int, start time.Time) *events {
	return &events{limit: limit, start: start}
}

// isEventStream reports whether a response with these headers is an
// event stream whose bytes are the events: text/event-stream, not
// compressed.
func isEventStream(contentType, contentEncoding string) bool {
	if contentEncoding != "" && !strings.EqualFold(contentEncoding, "identity") {
		return false
	}
	mt, _, _ := strings.Cut(contentType, ";")
	if strings.EqualFold(strings.TrimSpace(mt), "text/event-stream") {
		return true
	}
	if strings.ContainsAny(mt, "\"\\") { // an odd spelling that only a parser reads
		mt, _, _ = mime.ParseMediaType(contentType)
		return mt == "text/event-stream"
	}
	return false
}

// keeping reports whether the event being read is one to keep.
func (e *events) keeping() bool { return e.limit > 0 && len(e.kept) < MaxKept }

// feed reads p, the next bytes of the stream. It keeps none of p.
func (e *events) feed(p []byte) {
	i := 0
	if e.bom != bomDone {
		i = e.skipBOM(p)
	}
	var eol lineEnds
	for i < len(p) {
		c := p[i]
		if e.cr {
			e.cr = false
			if c == '\n' {
				i++
				continue
			}
		}
		switch e.state {
		case stLine:
			switch c {
			case '\r', '\n':
				e.dispatch()
				e.cr = c == '\r'
				i++
				continue
			case ':':
				e.state = stSkip // a comment
				i++
				continue
			}
			e.state, e.name, e.nameN = stName, 0, 0
		case stName:
			for ; i < len(p); i++ {
				c = p[i]
				if c == ':' || c == '\r' || c == '\n' {
					break
				}
				if e.nameN == maxName {
					e.state = stSkip // longer than any name it knows
					break
				}
				e.name = e.name<<8 | uint64(c)
				e.nameN++
			}
			if e.state != stName || i == len(p) {
				continue
			}
			e.field = fieldOf(e.name, e.nameN)
			e.begin()
			i++
			if c == ':' {
				e.state = stSpace
				continue
			}
			// A line without a colon is a name, its value empty.
			if e.keeping() {
				e.end()
			}
			e.state, e.cr = stLine, c == '\r'
		case stSpace:
			e.state = stSkip
			if e.field != fieldOther && e.keeping() {
				e.state = stValue
			}
			if c == ' ' {
				i++
			}
		default: // stValue, stSkip
			end := eol.next(p, i)
			if end < 0 {
				end = len(p)
			}
			if e.state == stValue {
				e.value(p[i:end])
			}
			if end == len(p) {
				return
			}
			if e.state == stValue {
				e.end()
			}
			e.state, e.cr = stLine, p[end] == '\r'
			i = end + 1
		}
	}
}

// lineEnds finds the line ends in one piece of a stream. It remembers
// where the next LF and the next CR are, so that a stream of lines ended
// by one sort is not looked through for the other at every line.
type lineEnds struct {
	lf, cr int // the next at or after where it last looked, or -1
	known  bool
}

// next is where the line at p[i:] ends, at its first CR or LF, or -1 if
// it does not in p.
func (l *lineEnds) next(p []byte, i int) int {
	if !l.known {
		l.lf, l.cr, l.known = indexFrom(p, i, '\n'), indexFrom(p, i, '\r'), true
	}
	if l.lf >= 0 && l.lf < i {
		l.lf = indexFrom(p, i, '\n')
	}
	if l.cr >= 0 && l.cr < i {
		l.cr = indexFrom(p, i, '\r')
	}
	if l.cr >= 0 && (l.lf < 0 || l.cr < l.lf) {
		return l.cr
	}
	return l.lf
}

// indexFrom is the index of the first c in p from i, or -1.
func indexFrom(p []byte, i int, c byte) int {
	if j := bytes.IndexByte(p[i:], c); j >= 0 {
		return i + j
	}
	return -1
}

// skipBOM passes over a BOM at the stream's start, which may come in
// pieces, and returns where p's events begin.
func (e *events) skipBOM(p []byte) int {
	i := 0
	for ; e.bom < len(bom) && i < len(p); i++ {
		if p[i] != bom[e.bom] {
			// No BOM: what matched of one begins a name, none known.
			if e.bom > 0 {
				e.state, e.name, e.nameN = stName, 0, e.bom
				for _, c := range []byte(bom[:e.bom]) {
					e.name = e.name<<8 | uint64(c)
				}
			}
			e.bom = bomDone
			return i
		}
		e.bom++
	}
	if e.bom == len(bom) {
		e.bom = bomDone
	}
	return i
}

// maxName is the longest name it knows: event (and retry).
const maxName = 5

// fieldOf is the field a name of n bytes is. The name is a number, not
// bytes: comparing bytes just stored one at a time took a sixth of the
// parser's time, waiting on the stores.
func fieldOf(name uint64, n int) uint8 {
	switch {
	case n == 4 && name == 'd'<<24|'a'<<16|'t'<<8|'a':
		return fieldData
	case n == 5 && name == 'e'<<32|'v'<<24|'e'<<16|'n'<<8|'t':
		return fieldEvent
	case n == 2 && name == 'i'<<8|'d':
		return fieldID
	}
	return fieldOther // retry too: it changes nothing the record shows
}

// begin starts a field whose name is whole.
func (e *events) begin() {
	keep := e.keeping()
	if keep && !e.began && e.field != fieldOther {
		e.began, e.at = true, msSince(e.start)
	}
	switch e.field {
	case fieldData:
		if e.data { // lines of data are joined by LFs
			e.add([]byte{'\n'})
		}
		e.data = true
	case fieldEvent:
		if keep {
			e.event = e.event[:0]
		}
	case fieldID:
		if keep {
			e.id, e.idNUL = e.id[:0], false
		}
	}
}

// add adds b to the event's data.
func (e *events) add(b []byte) {
	e.size += int64(len(b))
	if e.keeping() {
		e.buf = appendBounded(e.buf, b, e.limit)
	}
}

// value takes the next bytes of a kept field's value.
func (e *events) value(b []byte) {
	switch e.field {
	case fieldData:
		e.add(b)
	case fieldEvent:
		e.event = appendBounded(e.event, b, e.limit)
	case fieldID:
		e.idNUL = e.idNUL || bytes.IndexByte(b, 0) >= 0
		e.id = appendBounded(e.id, b, e.limit)
	}
}

// end ends a kept field's value.
func (e *events) end() {
	if e.field == fieldID && !e.idNUL {
		e.lastID = appendBounded(e.lastID[:0], e.id, e.limit)
	}
}

// dispatch ends the event at a blank line.
func (e *events) dispatch() {
	if e.data {
		if e.keeping() {
			m := StreamMessage{Dir: "received", AtMS: e.at, Type: "event", Event: "message", ID: string(e.lastID)}
			if len(e.event) > 0 {
				m.Event = string(e.event)
			}
			m.setPayload(e.buf, e.size, true)
			if e.kept == nil {
				e.kept = make([]StreamMessage, 0, MaxKept) // one allocation, not five
			}
			e.kept = append(e.kept, m)
		}
		e.count++
	}
	e.data, e.began, e.size = false, false, 0
	e.buf, e.event = e.buf[:0], e.event[:0]
}

// snapshot is the stream as the record has it: bytes is the body's.
func (e *events) snapshot(bytes int64) *Stream {
	return &Stream{Protocol: "sse", BytesReceived: bytes, MessagesReceived: e.count, Messages: e.kept}
}

// appendBounded appends b to buf up to limit bytes in all, in a buffer of
// that capacity made on first use, so that it never grows past it.
func appendBounded(buf, b []byte, limit int) []byte {
	if buf == nil {
		buf = make([]byte, 0, limit)
	}
	return append(buf, b[:min(len(b), limit-len(buf))]...)
}
