package observe

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/cert"
	"golang.org/x/net/nettest"
)

// wrappedPipe is a connection accepted through Listener, and the
// client's end of it.
func wrappedPipe(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := Listener(ln)
	t.Cleanup(func() { tl.Close() })
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = tl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return server, client
}

func TestConnConformance(t *testing.T) {
	t.Parallel()
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		tl := Listener(ln)
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		server, err := tl.Accept()
		if err != nil {
			return nil, nil, nil, err
		}
		return server, client, func() { client.Close(); server.Close(); tl.Close() }, nil
	})
}

func TestConnCloseWrite(t *testing.T) {
	t.Parallel()
	server, client := wrappedPipe(t)
	cw, ok := server.(interface{ CloseWrite() error })
	if !ok {
		t.Fatalf("accepted %T has no CloseWrite; net/http resets the connection instead of half-closing it", server)
	}
	if err := cw.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite = %v", err)
	}
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := client.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("client read after CloseWrite = %d, %v; want EOF", n, err)
	}
}

func TestConnPastDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()
	server, client := wrappedPipe(t)
	if _, err := client.Write([]byte("waiting")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // the bytes are there to read
	server.SetReadDeadline(time.Now())
	if n, err := server.Read(make([]byte, 16)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read after SetReadDeadline(time.Now()) = %d, %v; want %v even with data waiting", n, err, os.ErrDeadlineExceeded)
	}
}

func TestConnDeadlineMovedOut(t *testing.T) {
	t.Parallel()
	server, client := wrappedPipe(t)
	go io.Copy(io.Discard, client)
	for i := range 2000 {
		server.SetWriteDeadline(time.Now().Add(20 * time.Microsecond))
		time.Sleep(30 * time.Microsecond) // that deadline has passed, unused
		server.SetWriteDeadline(time.Now().Add(time.Hour))
		if _, err := server.Write([]byte("x")); err != nil {
			t.Fatalf("write %d under a deadline an hour away = %v; want it written", i, err)
		}
	}
}

// serveTimed serves h behind Middleware on a Listener with the hooks, over
// TLS when tlsCfg is set, and returns its URL.
func serveTimed(t *testing.T, h http.Handler, c *collect, tlsCfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:     Middleware(Config{Observers: []Observer{c.observe}})(h),
		ConnContext: ConnContext,
		ConnState:   ConnState,
	}
	scheme := "http"
	go func() {
		if tlsCfg != nil {
			srv.TLSConfig = TimeHandshakes(tlsCfg)
			srv.ServeTLS(Listener(ln), "", "")
			return
		}
		srv.Serve(Listener(ln))
	}()
	if tlsCfg != nil {
		scheme = "https"
	}
	t.Cleanup(func() { srv.Close() })
	return scheme + "://" + ln.Addr().String()
}

// phase finds a phase by name.
func phaseOf(ex Exchange, name string) (Phase, bool) {
	ex.Derive()
	for _, p := range ex.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return Phase{}, false
}

// TestConnTimesRead sends three requests on one connection: each one's
// read phase starts with its own first bytes, which come in two writes.
func TestConnTimesRead(t *testing.T) {
	t.Parallel()
	c := &collect{}
	base := serveTimed(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), c, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := range 3 {
		io.WriteString(conn, "GET /x HTTP/1.1\r\n")
		time.Sleep(20 * time.Millisecond) // the head arrives in two parts
		io.WriteString(conn, "Host: x\r\n\r\n")
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		read, ok := phaseOf(c.last(t), "read")
		// At least half the gap: the server may take its first bytes
		// late on a busy machine (4.8 ms of a 5 ms gap once in CI), but
		// a phase stamped at the second part would be near zero.
		if !ok || read.DurationMS < 10 || read.DurationMS > 1000 {
			t.Errorf("request %d: read phase %+v; want it to span the 20 ms between the head's parts", i+1, read)
		}
		if !strings.HasPrefix(res.Header.Get("Server-Timing"), "read;dur=") {
			t.Errorf("request %d: Server-Timing = %q; want the read phase first", i+1, res.Header.Get("Server-Timing"))
		}
	}
}

// TestConnTimesHandshake: a TLS connection's first exchange has the
// handshake as a phase of its own, ahead of (not inside) the read phase;
// later exchanges on the connection have none. Over HTTP/1.1 and HTTP/2.
func TestConnTimesHandshake(t *testing.T) {
	t.Parallel()
	crt, _, err := cert.SelfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range []string{"http/1.1", "h2"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			c := &collect{}
			base := serveTimed(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), c,
				&tls.Config{Certificates: []tls.Certificate{crt}, NextProtos: []string{"h2", "http/1.1"}})
			pool := x509.NewCertPool()
			leaf, _ := x509.ParseCertificate(crt.Certificate[0])
			pool.AddCert(leaf)
			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, NextProtos: []string{proto}, ServerName: "localhost"}, ForceAttemptHTTP2: proto == "h2"}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr}
			for i := range 2 {
				res, err := hc.Get(base + "/x")
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.ProtoMajor != map[string]int{"http/1.1": 1, "h2": 2}[proto] {
					t.Fatalf("request %d went over %s; want %s", i+1, res.Proto, proto)
				}
				ex := c.last(t)
				hs, ok := phaseOf(ex, "tls")
				if i > 0 {
					if ok {
						t.Errorf("request %d on the same connection has a TLS phase %+v; want none", i+1, hs)
					}
					continue
				}
				if !ok || hs.DurationMS <= 0 {
					t.Fatalf("first request's phases %+v; want a TLS handshake first", ex.Phases)
				}
				read, _ := phaseOf(ex, "read")
				if read.StartMS < hs.StartMS+hs.DurationMS {
					t.Errorf("read phase %+v starts inside the handshake %+v", read, hs)
				}
				if proto == "http/1.1" && read.DurationMS >= hs.DurationMS {
					t.Errorf("read phase %+v is as long as the handshake %+v; want the handshake outside it", read, hs)
				}
			}
		})
	}
}
