package server

import (
	"errors"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// connPair is a timedConn accepted from a real loopback socket, with the
// client's end and a sweeper that runs every sweep.
func connPair(t *testing.T, sweep time.Duration, limits *readLimits) (*timedConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := newTimedListener(ln, sweep, limits)
	t.Cleanup(func() { tl.Close(); tl.stop() })
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	c, err := tl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*timedConn), client
}

// background runs f in a goroutine. The wait it returns gives f's error,
// bounded, so a deadline that never fires fails the test instead of hanging.
func background(t *testing.T, f func() error) (wait func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	return func() error {
		t.Helper()
		select {
		case err := <-errc:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("a blocked read or write outlived its deadline by 10s")
			return nil
		}
	}
}

// readResult is one read from c, waited for in the background.
func readResult(t *testing.T, c net.Conn) error {
	t.Helper()
	return background(t, func() error {
		_, err := c.Read(make([]byte, 16))
		return err
	})()
}

func TestConnDeadlines(t *testing.T) {
	t.Run("a future read deadline times out the read", func(t *testing.T) {
		c, _ := connPair(t, 10*time.Millisecond, nil)
		c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
		if err := readResult(t, c); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read = %v; want %v", err, os.ErrDeadlineExceeded)
		}
	})
	t.Run("a past read deadline wakes a blocked read at once", func(t *testing.T) {
		c, _ := connPair(t, time.Hour, nil) // no sweep comes to help
		c.SetReadDeadline(time.Now().Add(time.Hour))
		wait := background(t, func() error {
			_, err := c.Read(make([]byte, 16))
			return err
		})
		time.Sleep(20 * time.Millisecond)  // let the read block
		c.SetReadDeadline(time.Unix(1, 0)) // net/http's aLongTimeAgo
		if err := wait(); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read = %v; want %v", err, os.ErrDeadlineExceeded)
		}
	})
	t.Run("a past deadline fails the next read and write at once, off the socket", func(t *testing.T) {
		c, client := connPair(t, time.Hour, nil)
		client.Write([]byte("GET")) // bytes wait, yet the deadline wins
		c.SetDeadline(time.Unix(1, 0))
		for _, op := range []struct {
			name string
			do   func() error
		}{
			{"Read", func() error { _, err := c.Read(make([]byte, 16)); return err }},
			{"Write", func() error { _, err := c.Write([]byte("HTTP/1.1 200 OK")); return err }},
		} {
			err := op.do()
			var ne net.Error
			if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("%s = %v; want a net.Error timeout wrapping %v", op.name, err, os.ErrDeadlineExceeded)
			}
		}
		for side, name := range []string{"read", "write"} {
			if c.ops[side].Load()&onSocket != 0 {
				t.Errorf("the %s deadline went on the socket; want it kept off, since nothing was blocked", name)
			}
		}
	})
	t.Run("clearing an expired deadline lets reads go on", func(t *testing.T) {
		c, client := connPair(t, 10*time.Millisecond, nil)
		c.SetReadDeadline(time.Unix(1, 0))
		if err := readResult(t, c); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Read = %v; want %v", err, os.ErrDeadlineExceeded)
		}
		c.SetReadDeadline(time.Time{})
		client.Write([]byte("GET"))
		if err := readResult(t, c); err != nil {
			t.Errorf("Read after clearing the deadline = %v; want the bytes", err)
		}
	})
	t.Run("extending a deadline before it passes keeps the read alive", func(t *testing.T) {
		c, client := connPair(t, 10*time.Millisecond, nil)
		c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
		c.SetReadDeadline(time.Now().Add(time.Hour))
		go func() {
			time.Sleep(100 * time.Millisecond) // past the first deadline and several sweeps
			client.Write([]byte("GET"))
		}()
		if err := readResult(t, c); err != nil {
			t.Errorf("Read = %v; want the bytes sent after the first deadline", err)
		}
	})
	t.Run("a write deadline times out a blocked write", func(t *testing.T) {
		c, _ := connPair(t, 10*time.Millisecond, nil) // the client never reads, so the buffers fill
		c.SetWriteDeadline(time.Now().Add(30 * time.Millisecond))
		err := background(t, func() error {
			chunk := make([]byte, 64<<10)
			for range 4096 { // 256 MiB at most, far past any socket buffer
				if _, err := c.Write(chunk); err != nil {
					return err
				}
			}
			return nil
		})()
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Write = %v; want %v", err, os.ErrDeadlineExceeded)
		}
	})
}

func TestSweeperStops(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := newTimedListener(ln, time.Millisecond, nil)
	tl.Close()
	tl.stop()
}

func TestNow(t *testing.T) {
	before := time.Now()
	got := now()
	after := time.Now()
	if got.Before(before) || got.After(after) {
		t.Errorf("now() = %v; want between %v and %v", got, before, after)
	}
	if next := now(); next.Before(got) {
		t.Errorf("now() went back from %v to %v", got, next)
	}

	// An anchor older than reanchorEvery is replaced by a fresh reading.
	old := time.Now().Add(-time.Minute)
	anchor.Store(&old)
	before = time.Now()
	if got := now(); got.Before(before) || anchor.Load() == &old {
		t.Errorf("with a stale anchor, now() = %v; want a fresh reading after %v", got, before)
	}
}

func TestConnReadLimits(t *testing.T) {
	const limit = 50 * time.Millisecond
	short := func(header, idle time.Duration) *readLimits { return &readLimits{header: header, idle: idle} }
	t.Run("the first request's head is timed from the accept", func(t *testing.T) {
		c, _ := connPair(t, 10*time.Millisecond, short(limit, time.Hour))
		if err := readResult(t, c); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read with no head sent = %v; want %v after the header limit", err, os.ErrDeadlineExceeded)
		}
	})
	t.Run("a later head is timed from its first bytes", func(t *testing.T) {
		c, client := connPair(t, 10*time.Millisecond, short(limit, time.Hour))
		connState(c, http.StateActive)
		connState(c, http.StateIdle)
		time.Sleep(3 * limit) // idle, within the idle limit
		client.Write([]byte("G"))
		if err := readResult(t, c); err != nil {
			t.Fatalf("Read of the next head's first byte = %v; want it", err)
		}
		if err := readResult(t, c); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read of a head that stalls = %v; want %v after the header limit", err, os.ErrDeadlineExceeded)
		}
	})
	t.Run("an idle connection times out at the idle limit", func(t *testing.T) {
		c, _ := connPair(t, 10*time.Millisecond, short(time.Hour, limit))
		connState(c, http.StateActive)
		connState(c, http.StateIdle)
		if err := readResult(t, c); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read on an idle connection = %v; want %v after the idle limit", err, os.ErrDeadlineExceeded)
		}
	})
	t.Run("once the head is in, no limit runs", func(t *testing.T) {
		c, client := connPair(t, 10*time.Millisecond, short(limit, limit))
		connState(c, http.StateActive)
		go func() {
			time.Sleep(6 * limit) // past both limits and many sweeps
			client.Write([]byte("body"))
		}()
		if err := readResult(t, c); err != nil {
			t.Errorf("Read of a body after the head = %v; want the bytes, since net/http's ReadTimeout covers it", err)
		}
	})
}
