package server

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestJSONProblemPosition(t *testing.T) {
	tests := []struct {
		body              string
		off               int
		wantLine, wantCol int
	}{
		{"abc", 0, 1, 1},
		{"abc", 2, 1, 3},
		{"a\nbc", 2, 2, 1},
		{"a\nbc", 3, 2, 2},
		{"a\n\n\nx", 4, 4, 1},
		{"ééx", 4, 1, 3}, // columns count characters, not bytes
		{"abc", 99, 1, 4},
		{"abc", -5, 1, 1},
	}
	for _, tt := range tests {
		p := jsonProblem([]byte(tt.body), tt.off, "x")
		if p.Line != tt.wantLine || p.Column != tt.wantCol {
			t.Errorf("jsonProblem(%q, %d) = line %d, column %d; want %d, %d", tt.body, tt.off, p.Line, p.Column, tt.wantLine, tt.wantCol)
		}
	}
}

func TestDecodeJSONNeverLeaksGoTypes(t *testing.T) {
	var into struct {
		Name string `json:"name"`
	}
	for _, body := range []string{`{"name":5}`, `{"name":{}}`, `[1]`, `"x"`, `{"name":1e999}`, strings.Repeat("[", 20000) + strings.Repeat("]", 20000)} {
		p := decodeJSON([]byte(body), &into)
		if p == nil {
			t.Errorf("decodeJSON(%.30q) = nil; want a problem", body)
			continue
		}
		for _, leak := range []string{"Go ", "struct", "json:", "main.", ".go"} {
			if strings.Contains(p.Detail, leak) {
				t.Errorf("decodeJSON(%.30q) detail %q leaks %q", body, p.Detail, leak)
			}
		}
	}
}

// TestTooLargeAnswersBeforeReading sends only the head of a request that
// declares a 2 MiB body: the 413 must come without the body being sent.
func TestTooLargeAnswersBeforeReading(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/api/greeting", "/echo"} {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"name\":", path, 2<<20)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("POST %s with a 2 MiB Content-Length and no body: %v; want a 413 at once", path, err)
		}
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s with a 2 MiB Content-Length = %d; want 413", path, res.StatusCode)
		}
		res.Body.Close()
		conn.Close()
	}
}

// TestTooLargeChunked streams a chunked body past the limit: the server
// stops at the limit and answers 413.
func TestTooLargeChunked(t *testing.T) {
	ts := newTestServer(t)
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
	chunk := strings.Repeat("a", 64<<10)
	go func() {
		for range 40 { // 2.5 MiB, past the 1 MiB limit
			if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
				return
			}
		}
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked POST /echo past 1 MiB = %d; want 413", res.StatusCode)
	}
}
