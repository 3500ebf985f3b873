package lab_test

import (
	"context"
	"fmt"
	"net/http"
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
				if len(r.Mismatches) > 0 {
					t.Errorf("step %d: %s %s: %s", i, r.Step.Request.Method, r.Step.Request.Path, strings.Join(r.Mismatches, "; "))
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
		if x.Title == "" || x.Task == "" || x.Browser == "" || len(x.Steps) == 0 {
			t.Errorf("experiment %q lacks a title, task, browser note or steps", x.Name)
		}
		for i, s := range x.Steps {
			if s.Why == "" || s.Want.Status == 0 || !strings.HasPrefix(s.Request.Path, "/") {
				t.Errorf("experiment %q step %d lacks an explanation, a status or a path", x.Name, i)
			}
			if s.Browse && s.Request.Method != http.MethodGet {
				t.Errorf("experiment %q step %d: the address bar can only browse GET, not %s", x.Name, i, s.Request.Method)
			}
		}
	}
	if labels != "abcd" {
		t.Errorf("labels = %q; want %q, the seed's four exercises in order", labels, "abcd")
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
	rs := lab.Run(context.Background(), http.DefaultClient, "http://"+servetest.FreeAddr(t), lab.Experiments[0])
	if len(rs) != 1 || rs[0].Err == nil || rs[0].OK() {
		t.Errorf("Run against a closed server = %+v; want one result with an error", rs)
	}
}
