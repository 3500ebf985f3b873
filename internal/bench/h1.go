package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
)

// h1 is a lean HTTP/1.1 keep-alive client on one raw connection: the request
// is serialised once, the reader's buffer is reused, and the response parser
// reads only the status, the framing headers and past the body. A round trip
// allocates nothing.
type h1 struct {
	addr    string
	req     []byte
	head    bool // a HEAD's response has no body
	timeout time.Duration
	end     time.Time // no read or write waits past it
	dialer  *dialer
	ctx     context.Context // the run's: cancelling it stops a dial

	br *bufio.Reader
	tr *tracer // nil when no request is traced

	// The last response's X-Request-Id, copied so a round trip allocates
	// nothing; longer ids are cut.
	id  [64]byte
	nid int

	// With sample set, try times the send, wait and receive phases into ph.
	sample bool
	ph     client.Phases

	mu          sync.Mutex // guards conn against interrupt; taken only to dial and close
	conn        net.Conn
	interrupted atomic.Bool
}

// errMalformed is a response that is not HTTP/1.x.
var errMalformed = errors.New("malformed response")

func newH1(ctx context.Context, t *target, d *dialer, timeout time.Duration, end time.Time) *h1 {
	return &h1{
		addr:    t.addr,
		req:     t.wire,
		head:    t.method == "HEAD",
		timeout: timeout,
		end:     end,
		dialer:  d,
		ctx:     ctx,
		br:      bufio.NewReaderSize(nil, 16<<10),
		tr:      newTracer(t),
	}
}

// warm opens the connection, before timing starts.
func (c *h1) warm() error {
	if c.conn != nil {
		return nil
	}
	return c.dial()
}

func (c *h1) dial() error {
	conn, err := c.dialer.dial(c.ctx)
	if err != nil {
		return &dialError{err}
	}
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
	c.br.Reset(conn)
	return nil
}

func (c *h1) requestID() string {
	if c.nid == 0 {
		return ""
	}
	return string(c.id[:c.nid])
}

// roundTrip sends the request and reads the response, dialling first if the
// connection is closed. It returns the status and the body's bytes, as net/http
// counts them for the other clients: after the chunked coding, without the
// head. Like net/http, it retries once on a new connection when a
// kept-alive one turns out to have been closed by the server before any
// answer.
func (c *h1) roundTrip(sample bool) (int, int64, error) {
	c.sample, c.nid = sample && c.dialer.phases != nil, 0
	c.ph = client.Phases{}
	reused := c.conn != nil
	status, n, answered, err := c.try()
	if err != nil && reused && !answered && !c.interrupted.Load() &&
		(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)) {
		status, n, _, err = c.try()
	}
	if c.sample && err == nil {
		c.dialer.phases.timed(c.ph)
	}
	return status, n, err
}

// try is one attempt; answered reports whether any of a response arrived.
func (c *h1) try() (status int, n int64, answered bool, err error) {
	if c.conn == nil {
		if err := c.dial(); err != nil {
			return 0, 0, false, err
		}
	}
	deadline := time.Now().Add(c.timeout)
	if deadline.After(c.end) {
		deadline = c.end
	}
	_ = c.conn.SetDeadline(deadline)
	if c.interrupted.Load() { // interrupt may have come before this deadline
		c.close()
		return 0, 0, false, os.ErrDeadlineExceeded
	}
	req := c.req
	if c.tr.next() {
		req = c.tr.wire
	}
	var sent time.Time
	if c.sample {
		sent = time.Now()
	}
	if _, err := c.conn.Write(req); err != nil {
		c.close()
		c.tr.done(0, err)
		return 0, 0, false, err
	}
	if c.sample {
		now := time.Now()
		c.ph[client.Send], sent = now.Sub(sent), now
	}
	status, n, answered, keep, err := c.read(sent)
	c.tr.done(status, err)
	if err != nil {
		c.close()
		return 0, n, answered, err
	}
	if !keep {
		c.close()
	}
	return status, n, true, nil
}

// interrupt makes a blocked round trip return at once.
func (c *h1) interrupt() {
	c.interrupted.Store(true)
	c.mu.Lock()
	if c.conn != nil {
		_ = c.conn.SetDeadline(time.Unix(1, 0))
	}
	c.mu.Unlock()
}

func (c *h1) close() {
	c.mu.Lock()
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
	c.mu.Unlock()
}

// read reads one final response: 1xx interim responses are skipped. n is
// the body's bytes, answered whether any byte of a response came, and keep
// whether the connection may carry another request.
func (c *h1) read(sent time.Time) (status int, n int64, answered, keep bool, err error) {
	var length int64
	var chunked bool
	for {
		status, length, chunked, keep, err = c.readHead(&answered, sent)
		if err != nil {
			return status, 0, answered, false, err
		}
		if status >= 200 || status == 101 {
			break
		}
	}
	switch {
	case c.head || status == 204 || status == 304 || status == 101:
		if status == 101 {
			keep = false // the connection now speaks another protocol
		}
	case chunked:
		m, err := c.readChunked()
		n += m
		if err != nil {
			return status, n, true, false, err
		}
	case length >= 0:
		m, err := c.br.Discard(int(length))
		n += int64(m)
		if err != nil {
			return status, n, true, false, unexpected(err)
		}
	default:
		// No framing: the body ends when the server closes.
		m, err := io.Copy(io.Discard, c.br)
		n += m
		if err != nil {
			return status, n, true, false, err
		}
		keep = false
	}
	if c.sample {
		c.ph[client.Receive] = time.Since(sent.Add(c.ph[client.Wait]))
	}
	return status, n, true, keep, nil
}

// readHead reads a status line and headers, setting *answered once a byte
// of them came. length is -1 when there is no Content-Length.
func (c *h1) readHead(answered *bool, sent time.Time) (status int, length int64, chunked, keep bool, err error) {
	line, err := c.br.ReadSlice('\n')
	if c.sample && !*answered {
		c.ph[client.Wait] = time.Since(sent) // to the first line, as net/http's first byte
	}
	*answered = *answered || len(line) > 0
	if err != nil {
		if len(line) > 0 || err != io.EOF {
			err = unexpected(err)
		}
		return 0, -1, false, false, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, -1, false, false, errMalformed
	}
	for _, d := range line[9:12] {
		if d < '0' || d > '9' {
			return 0, -1, false, false, errMalformed
		}
		status = status*10 + int(d-'0')
	}
	keep = line[7] == '1' // HTTP/1.0 closes unless it says keep-alive
	length = -1
	for {
		line, err = c.br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				err = errMalformed // a header line longer than the buffer
			}
			return status, length, chunked, false, unexpected(err)
		}
		if len(line) <= 2 && (len(line) == 1 || line[0] == '\r') {
			return status, length, chunked, keep, nil
		}
		switch {
		case hasPrefixFold(line, "content-length:"):
			length = parseLength(line[len("content-length:"):])
			if length < 0 {
				return status, length, chunked, false, errMalformed
			}
		case hasPrefixFold(line, "transfer-encoding:"):
			chunked = containsFold(line, "chunked")
		case hasPrefixFold(line, "x-request-id:"):
			v := bytes.TrimSpace(line[len("x-request-id:"):])
			c.nid = copy(c.id[:], v)
		case hasPrefixFold(line, "connection:"):
			if containsFold(line, "close") {
				keep = false
			} else if containsFold(line, "keep-alive") {
				keep = true
			}
		}
	}
}

// readChunked reads past a chunked body and its trailers, and returns the
// bytes of the chunks' data.
func (c *h1) readChunked() (int64, error) {
	var n int64
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return n, unexpected(err)
		}
		size, ok := parseHex(line)
		if !ok {
			return n, errMalformed
		}
		if size == 0 {
			for { // trailers, up to the empty line
				line, err := c.br.ReadSlice('\n')
				if err != nil {
					return n, unexpected(err)
				}
				if len(line) <= 2 && (len(line) == 1 || line[0] == '\r') {
					return n, nil
				}
			}
		}
		m, err := c.br.Discard(int(size) + 2) // the data and its CRLF
		n += min(int64(m), size)
		if err != nil {
			return n, unexpected(err)
		}
	}
}

// unexpected turns an EOF in mid-response into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// hasPrefixFold reports whether line starts with prefix, which is lower case,
// ignoring ASCII case.
func hasPrefixFold(line []byte, prefix string) bool {
	if len(line) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := line[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// containsFold reports whether line contains word, which is lower case,
// ignoring ASCII case.
func containsFold(line []byte, word string) bool {
	for i := 0; i+len(word) <= len(line); i++ {
		if hasPrefixFold(line[i:], word) {
			return true
		}
	}
	return false
}

// parseLength parses a Content-Length value with its spaces and CRLF; -1
// means malformed.
func parseLength(v []byte) int64 {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || len(v) > 18 {
		return -1
	}
	var n int64
	for _, d := range v {
		if d < '0' || d > '9' {
			return -1
		}
		n = n*10 + int64(d-'0')
	}
	return n
}

// parseHex parses a chunk-size line, which may carry extensions after ';'.
func parseHex(line []byte) (int64, bool) {
	var n int64
	digits := 0
	for _, d := range line {
		var v byte
		switch {
		case d >= '0' && d <= '9':
			v = d - '0'
		case d >= 'a' && d <= 'f':
			v = d - 'a' + 10
		case d >= 'A' && d <= 'F':
			v = d - 'A' + 10
		case d == ';' || d == '\r' || d == '\n' || d == ' ' || d == '\t':
			return n, digits > 0
		default:
			return 0, false
		}
		if digits++; digits > 15 {
			return 0, false
		}
		n = n<<4 | int64(v)
	}
	return n, digits > 0
}

// dialError is a failure to connect.
type dialError struct{ err error }

func (e *dialError) Error() string { return "connect: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }
