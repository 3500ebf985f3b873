package server

import (
	"io"
	"net"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestCopyAsReplays sends a hostile request over a raw socket, copies its
// capture as curl and as raw HTTP, sends each again, and finds the
// server captured the same request: method, target, Host, every header
// value and the body, byte for byte.
func TestCopyAsReplays(t *testing.T) {
	t.Parallel()
	base, _ := newInspected(t, Config{})
	addr := strings.TrimPrefix(base, "http://")
	body := "it's \"q\" $HOME `id` \\\n"
	for i := range 256 {
		body += string([]byte{byte(i)}) // every byte value, NUL among them
	}
	request := "POST /echo?q=[x]{y}&s=%zz&d=$HOME HTTP/1.1\r\n" +
		"Host: " + addr + "\r\n" +
		"User-Agent: hostile/1\r\n" +
		"Accept: */*\r\n" +
		"X-Quote: it's \"q\" $HOME `id` \\\r\n" +
		"X-Empty:\r\n" +
		"X-Dup: a\r\n" +
		"X-Dup: b\r\n" +
		"Content-Type: application/octet-stream\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"Connection: close\r\n\r\n" + body
	send := func(t *testing.T, s string) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, s); err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(c) // the answer, to the close
	}
	send(t, request)
	first := latest(t, base)
	if first.Request.Headers.Get("X-Quote") == "" || first.Request.BodySize != int64(len(body)) {
		t.Fatalf("the capture = %+v; want the hostile request", first.Request)
	}
	tests := []struct {
		format string
		replay func(t *testing.T, out string)
	}{
		{"curl", func(t *testing.T, out string) {
			if _, err := exec.LookPath("curl"); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatal("curl is not installed; on Debian: apt-get install curl")
				}
				t.Skip("curl is not installed; on Debian: apt-get install curl")
			}
			if b, err := exec.Command("sh", "-c", out).CombinedOutput(); err != nil {
				t.Fatalf("sh -c the curl command: %v\n%s\n%s", err, b, out)
			}
		}},
		{"http", func(t *testing.T, out string) { send(t, out) }},
	}
	for _, tt := range tests {
		// One after another: each finds its replay as the newest capture.
		t.Run(tt.format, func(t *testing.T) {
			res, out := do(t, "GET", base+"/_roundtrip/api/exchanges/"+strconv.FormatUint(first.ID, 10)+"/as/"+tt.format, nil, "")
			if res.StatusCode != 200 {
				t.Fatalf("GET as/%s = %d %s", tt.format, res.StatusCode, out)
			}
			tt.replay(t, out)
			again := latest(t, base)
			if again.ID == first.ID {
				t.Fatalf("%s: no new capture", tt.format)
			}
			got, want := again.Request, first.Request
			delete(want.Headers, "Connection") // hop-by-hop: curl sends none
			delete(got.Headers, "Connection")
			if again.Method != first.Method || again.URL != first.URL || again.Host != first.Host || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: captured again %s %s (Host %s) %+v; want %s %s (Host %s) %+v\n%s", tt.format,
					again.Method, again.URL, again.Host, got, first.Method, first.URL, first.Host, want, out)
			}
		})
	}
}
