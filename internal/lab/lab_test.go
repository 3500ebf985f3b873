package lab_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/lab"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// TestExperimentsAgainstServer runs the table against the real server: every
// outcome the lab promises is what the server does.
func TestExperimentsAgainstServer(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	for _, x := range lab.Experiments {
		t.Run(x.Name, func(t *testing.T) {
			t.Parallel()
			for i, r := range lab.Run(context.Background(), hc, base, x) {
				if r.Err != nil {
					t.Fatalf("step %d: %s %s: %v", i, r.Step.Request.Method, r.Step.Request.Path, r.Err)
				}
				if len(r.Mismatches) > 0 || len(r.Departs) > 0 || len(r.Differs) > 0 {
					t.Errorf("step %d: %s %s: %q, departs %q, differs %q", i, r.Step.Request.Method, r.Step.Request.Path, r.Mismatches, r.Departs, r.Differs)
				}
			}
		})
	}
}

func TestTableIsComplete(t *testing.T) {
	t.Parallel()
	labels := ""
	names := map[string]bool{}
	for _, x := range lab.Experiments {
		labels += x.Label
		if names[x.Name] {
			t.Errorf("experiment name %q is used twice", x.Name)
		}
		names[x.Name] = true
		if x.Title == "" || x.Task == "" || x.Browser == "" || x.Terminal == "" || len(x.Steps) == 0 {
			t.Errorf("experiment %q lacks a title, task, browser note, terminal note or steps", x.Name)
		}
		// What a terminal shows too must not send its reader to the page.
		for _, text := range append([]string{x.Task, x.Terminal}, whys(x)...) {
			for _, w := range lab.PageWords {
				if strings.Contains(strings.ToLower(text), w) {
					t.Errorf("experiment %q: %q, which roundtrip lab prints, has the page's %q", x.Name, text, w)
				}
			}
		}
		for i, s := range x.Steps {
			if s.Why == "" || s.Want.Status == 0 || !strings.HasPrefix(s.Request.Path, "/") {
				t.Errorf("experiment %q step %d lacks an explanation, a status or a path", x.Name, i)
			}
			if claim := claims.FindString(s.Why); claim != "" {
				t.Errorf("experiment %q step %d: Why says %q, which a server that answered otherwise contradicts", x.Name, i, claim)
			}
			if s.Want.Spec != "" && !strings.HasPrefix(s.Want.Spec, "RFC ") {
				t.Errorf("experiment %q step %d: Spec %q names no RFC", x.Name, i, s.Want.Spec)
			}
			for _, h := range s.Want.Required {
				if _, ok := s.Want.Headers[h]; !ok || s.Want.Spec == "" {
					t.Errorf("experiment %q step %d: required %s is not among the headers, or has no Spec", x.Name, i, h)
				}
			}
			if s.Browse && s.Request.Method != http.MethodGet {
				t.Errorf("experiment %q step %d: the address bar can only browse GET, not %s", x.Name, i, s.Request.Method)
			}
		}
	}
	if labels != "abcd" {
		t.Errorf("labels = %q; want %q, the seed's four exercises in order", labels, "abcd")
	}
	// The list of the page's words means something: the page's notes use them.
	used := map[string]bool{}
	for _, x := range lab.Experiments {
		for _, w := range lab.PageWords {
			used[w] = used[w] || strings.Contains(strings.ToLower(x.Browser), w)
		}
	}
	for _, w := range lab.PageWords {
		if !used[w] {
			t.Errorf("PageWords has %q, which no Browser note uses", w)
		}
	}
}

// claims are what a Why must not say: what the server, any server, did.
var claims = regexp.MustCompile(`(?i)\bthe server (answered|sent|refused|replied|listed|returned|matched)\b`)

func whys(x lab.Experiment) []string {
	var out []string
	for _, s := range x.Steps {
		out = append(out, s.Why)
	}
	return out
}

// TestJudge holds a response to what HTTP specifies, and sets apart what
// only the lesson's server does: never the one for the other.
func TestJudge(t *testing.T) {
	t.Parallel()
	method := lab.Want{Status: 405, Headers: map[string]string{"Allow": "GET, HEAD"}, Spec: "RFC 9110 §15.5.6", Required: []string{"Allow"}}
	own := lab.Want{Status: 200, Body: []string{`"message"`}}
	problem := lab.Want{Status: 400, Headers: map[string]string{"Content-Type": "application/problem+json"}, Spec: "RFC 9110 §15.5.1"}
	post := lab.Request{Method: "POST", Path: "/api/greeting?x=1"}
	tests := []struct {
		name                  string
		want                  lab.Want
		status                int
		header                http.Header
		body                  string
		wantDeparts, wantDiff []string
	}{
		{"as specified", method, 405, http.Header{"Allow": {"GET, HEAD"}}, "", nil, nil},
		{"404 for 405", method, 404, nil, "", []string{"Express answers 404 here; RFC 9110 §15.5.6 says 405"}, nil},
		{"no allow", method, 405, nil, "", []string{"Express sends no Allow header with its 405; RFC 9110 §15.5.6 requires one"}, nil},
		{"other allow", method, 405, http.Header{"Allow": {"GET"}}, "", nil, []string{`Express sends Allow: "GET" here, where roundtrip serve's has "GET, HEAD"`}},
		{"own route missing", own, 404, nil, "", nil, []string{"Express answers 404 here: it has no route for POST /api/greeting, which roundtrip serve answers with 200"}},
		{"own route, other method", own, 405, nil, "", nil, []string{"Express answers 405 here: it takes no POST at /api/greeting, which roundtrip serve answers with 200"}},
		{"own route, other status", own, 201, nil, `"message"`, nil, []string{"Express answers 201 here, where roundtrip serve answers 200"}},
		{"own body", own, 200, nil, "{}", nil, []string{`Express's body lacks "\"message\"", which roundtrip serve's has`}},
		{"specified, route missing", problem, 404, nil, "", nil, []string{"Express answers 404 here: it has no route for POST /api/greeting, which roundtrip serve answers with 400"}},
		{"specified, other status", problem, 500, nil, "", []string{"Express answers 500 here; RFC 9110 §15.5.1 says 400"}, nil},
		{"specified, other type", problem, 400, http.Header{"Content-Type": {"text/html"}}, "", nil, []string{`Express sends Content-Type: "text/html" here, where roundtrip serve's has "application/problem+json"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			departs, differs := tt.want.Judge("Express", post, tt.status, tt.header, []byte(tt.body))
			if !slices.Equal(departs, tt.wantDeparts) || !slices.Equal(differs, tt.wantDiff) {
				t.Errorf("Judge(%d, %v, %q) = %q, %q; want %q, %q", tt.status, tt.header, tt.body, departs, differs, tt.wantDeparts, tt.wantDiff)
			}
		})
	}
}

func TestServerName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"express", http.Header{"X-Powered-By": {"Express"}}, "Express"},
		{"nginx", http.Header{"Server": {"nginx/1.27.0"}}, "nginx"},
		{"server first", http.Header{"Server": {"Apache/2.4 (Debian)"}, "X-Powered-By": {"PHP/8.2"}}, "Apache"},
		{"none", http.Header{}, "this server"},
		{"control characters", http.Header{"Server": {"\x1b[31mred"}}, "this server"},
		{"too long", http.Header{"Server": {strings.Repeat("a", 50)}}, "this server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := lab.ServerName(tt.header); got != tt.want {
				t.Errorf("ServerName(%v) = %q; want %q", tt.header, got, tt.want)
			}
		})
	}
}

func TestWantCheck(t *testing.T) {
	t.Parallel()
	want := lab.Want{Status: 405, Headers: map[string]string{"Allow": "GET"}, Body: []string{"line"}}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   int // mismatches
	}{
		{"match", 405, http.Header{"Allow": {"GET, HEAD"}}, `{"line":1}`, 0},
		{"wrong status", 404, http.Header{"Allow": {"GET"}}, "line", 1},
		{"missing header", 405, http.Header{}, "line", 1},
		{"missing body", 405, http.Header{"Allow": {"GET"}}, "", 1},
		{"all wrong", 200, nil, "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := want.Check(tt.status, tt.header, []byte(tt.body))
			if len(got) != tt.want {
				t.Errorf("Check(%d, %v, %q) = %q; want %d mismatches", tt.status, tt.header, tt.body, got, tt.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code int
		want string
	}{
		{200, "OK:"},
		{404, "Not Found:"},
		{405, "Allow header"},
		{299, "Success"},
		{451, "Client error"},
		{599, "Server error"},
		{99, "Not a standard"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			t.Parallel()
			if got := lab.Explain(tt.code); !strings.Contains(got, tt.want) {
				t.Errorf("Explain(%d) = %q; want it to contain %q", tt.code, got, tt.want)
			}
		})
	}
	if got := lab.Statuses()["4xx"]; got != lab.Explain(499) {
		t.Errorf("Statuses()[4xx] = %q; want %q", got, lab.Explain(499))
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"b", "method", true},
		{"invalid-json", "invalid-json", true},
		{"z", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x, ok := lab.Lookup(tt.name)
			if x.Name != tt.want || ok != tt.ok {
				t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.name, x.Name, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRaw(t *testing.T) {
	t.Parallel()
	r := lab.Request{Method: "POST", Path: "/api/greeting", Headers: map[string]string{"Content-Type": "application/json"}, Body: `{}`}
	got := r.Raw("localhost:3000")
	want := "POST /api/greeting HTTP/1.1\r\nHost: localhost:3000\r\nContent-Type: application/json\r\n\r\n{}"
	if got != want {
		t.Errorf("Raw(%q) = %q; want %q", "localhost:3000", got, want)
	}
}

func TestRunUnreachable(t *testing.T) {
	t.Parallel()
	rs := lab.Run(context.Background(), http.DefaultClient, "http://"+servetest.RefusedAddr(t), lab.Experiments[0])
	if len(rs) != 1 || rs[0].Err == nil || rs[0].OK() {
		t.Errorf("Run against a closed server = %+v; want one result with an error", rs)
	}
}
