package cli

import (
	"net"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

func TestEscapeQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"name=Alice", "name=Alice"},
		{"name=Tom%20%26%20Jerry&x=1+1", "name=Tom%20%26%20Jerry&x=1+1"},
		{"name=Zoë 👋", "name=Zo%C3%AB%20%F0%9F%91%8B"},
		{`q="<{|}>"`, "q=%22%3C%7B%7C%7D%3E%22"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := escapeQuery(tt.in); got != tt.want {
				t.Errorf("escapeQuery(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestResolveFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want map[string][]string
		err  string
	}{
		{in: "example.com:443:127.0.0.1", want: map[string][]string{"example.com:443": {"127.0.0.1"}}},
		{in: "Example.COM:80:10.0.0.1,10.0.0.2", want: map[string][]string{"example.com:80": {"10.0.0.1", "10.0.0.2"}}},
		{in: "+example.com:80:[::1]", want: map[string][]string{"example.com:80": {"::1"}}},
		{in: "*:8080:127.0.0.1", want: map[string][]string{"*:8080": {"127.0.0.1"}}},
		{in: "[::1]:443:127.0.0.1", want: map[string][]string{"[::1]:443": {"127.0.0.1"}}},
		{in: "example.com:443", err: `"example.com:443" is not HOST:PORT:ADDRESS, such as example.com:443:127.0.0.1`},
		{in: "example.com:http:127.0.0.1", err: `"example.com:http:127.0.0.1" is not HOST:PORT:ADDRESS, such as example.com:443:127.0.0.1`},
		{in: "example.com:0:127.0.0.1", err: `"example.com:0:127.0.0.1" is not HOST:PORT:ADDRESS, such as example.com:443:127.0.0.1`},
		{in: "example.com:443:localhost", err: `"example.com:443:localhost": "localhost" is not an IP address`},
		{in: "-example.com:443", err: `"-example.com:443" is not HOST:PORT:ADDRESS, such as example.com:443:127.0.0.1`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var f resolveFlag
			err := f.Set(tt.in)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.err || err == nil && !reflect.DeepEqual(f.m, tt.want) {
				t.Errorf("--resolve %q = %v, %q; want %v, %q", tt.in, f.m, gotErr, tt.want, tt.err)
			}
		})
	}
}

// TestRequestProtocols: --http1.1, --http2 and --http2-prior-knowledge,
// against serve over TLS and serve --h2c; -v shows the version used.
func TestRequestProtocols(t *testing.T) {
	t.Parallel()
	h2c := servetest.Roundtrip(t, server.Config{H2C: true})
	tlsSrv := httptest.NewUnstartedServer(server.New(server.Config{}).Handler())
	tlsSrv.EnableHTTP2 = true
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain := servetest.Roundtrip(t, server.Config{})
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantLine   string
		wantStderr string
	}{
		{"h2c", []string{"--http2-prior-knowledge", h2c + "/hello"}, 0, "> GET /hello HTTP/2.0\n", ""},
		{"h1 to an h2c server", []string{h2c + "/hello"}, 0, "> GET /hello HTTP/1.1\n", ""},
		{"TLS negotiates h2", []string{"-k", tlsSrv.URL + "/hello"}, 0, "> GET /hello HTTP/2.0\n", ""},
		{"--http2 over TLS", []string{"--insecure", "--http2", tlsSrv.URL + "/hello"}, 0, "> GET /hello HTTP/2.0\n", ""},
		{"--http1.1 over TLS", []string{"-k", "--http1.1", tlsSrv.URL + "/hello"}, 0, "> GET /hello HTTP/1.1\n", ""},
		{"--http2 over http", []string{"--http2", plain + "/hello"}, 0, "> GET /hello HTTP/1.1\n",
			"roundtrip: --http2 over http:// is HTTP/1.1 here: roundtrip sends no Upgrade: h2c; --http2-prior-knowledge speaks h2c to a server that has it, such as serve --h2c\n"},
		{"--http2 over http, silent", []string{"-s", "--http2", plain + "/hello"}, 0, "> GET /hello HTTP/1.1\n", ""},
		{"two protocols", []string{"--http1.1", "--http2", plain + "/hello"}, 2, "",
			"roundtrip: request: --http1.1, --http2 and --http2-prior-knowledge each choose the protocol: give one\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"request", "-v"}, tt.args...)
			code, stdout, stderr := runMainEnv(t, nil, "", args...)
			if code != tt.wantCode || !strings.HasPrefix(stdout, tt.wantLine) || stderr != tt.wantStderr {
				t.Errorf("Main(%q) = %d, stdout %.60q, stderr %q; want %d, %q first, stderr %q", args, code, stdout, stderr, tt.wantCode, tt.wantLine, tt.wantStderr)
			}
		})
	}
	// An h2c client to a server without h2c gets an error, not a hang.
	args := []string{"request", "--timeout", "5s", "--http2-prior-knowledge", plain + "/hello"}
	// Which of two messages depends on whether the transport read the
	// HTTP/1.1 answer before the connection closed; both name h2c.
	want := []string{
		"roundtrip: the server answered in HTTP/1.1, not HTTP/2: it has no h2c (serve --h2c has)\n",
		"roundtrip: the server closed the connection before HTTP/2 began, as one without h2c does (serve --h2c has it)\n",
	}
	if code, _, stderr := runMainEnv(t, nil, "", args...); code != 1 || !slices.Contains(want, stderr) {
		t.Errorf("Main(%q) = %d, stderr %q; want 1, one of %q", args, code, stderr, want)
	}
	// greet shares the transport's flags.
	args = []string{"greet", "--http2-prior-knowledge", "--server", h2c, "H2C"}
	if code, stdout, stderr := runMainEnv(t, nil, "", args...); code != 0 || stdout != "Hello, H2C!\n" {
		t.Errorf("Main(%q) = %d, %q, stderr %q; want 0, Hello, H2C!", args, code, stdout, stderr)
	}
}

// TestRequestResolveOnTheWire: --resolve connects to its address for the
// URL's host and port, the Host header the URL's; --http1.1 and -k over
// cleartext change nothing sent. -v shows what the raw socket received.
func TestRequestResolveOnTheWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		host     string // the URL's, for the server's port
		args     func(port string) []string
		wantHost string
	}{
		{"--resolve", "example.test", func(port string) []string { return []string{"--resolve", "example.test:" + port + ":127.0.0.1"} }, "example.test"},
		{"--resolve any host", "Other.Test", func(port string) []string { return []string{"--resolve", "*:" + port + ":127.0.0.1"} }, "Other.Test"},
		{"--http1.1", "127.0.0.1", func(string) []string { return []string{"--http1.1"} }, "127.0.0.1"},
		{"-k", "127.0.0.1", func(string) []string { return []string{"-k"} }, "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var port string
			code, stderr, wire := sendWireTo(t, func(base string) (string, []string) {
				_, port, _ = net.SplitHostPort(strings.TrimPrefix(base, "http://"))
				return "http://" + net.JoinHostPort(tt.host, port) + "/x", tt.args(port)
			})
			if code != 0 {
				t.Fatalf("request %s = %d, stderr %q; want 0", tt.name, code, stderr)
			}
			if host, _ := wire.get("Host"); wire.line != "GET /x HTTP/1.1" || host != net.JoinHostPort(tt.wantHost, port) {
				t.Errorf("request %s sent %q, Host %q; want GET /x, Host %s", tt.name, wire.line, host, net.JoinHostPort(tt.wantHost, port))
			}
		})
	}
	args := []string{"request", "--resolve", "example.test:80", "http://example.test/"}
	if code, _, stderr := runMainEnv(t, nil, "", args...); code != 2 || !strings.HasPrefix(stderr, "roundtrip: request: invalid value \"example.test:80\" for flag -resolve: ") {
		t.Errorf("Main(%q) = %d, stderr %q; want 2 and the flag named", args, code, stderr)
	}
}
