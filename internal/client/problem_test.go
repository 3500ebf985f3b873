package client

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestResponseErr(t *testing.T) {
	t.Parallel()
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   error // nil, *ProblemError or *StatusError
	}{
		{"200", 200, nil, "ok", nil},
		{"204", 204, nil, "", nil},
		{"302", 302, http.Header{"Location": {"/x"}}, "", nil},
		{"404 problem", 404, problem, `{"type":"about:blank","title":"Not Found","status":404,"detail":"No route for /nope."}`,
			&ProblemError{Status: 404, Type: "about:blank", Title: "Not Found", Detail: "No route for /nope."}},
		{"problem with a charset", 400, http.Header{"Content-Type": {"application/problem+json; charset=utf-8"}}, `{"title":"Bad Request","detail":"Invalid JSON."}`,
			&ProblemError{Status: 400, Type: "about:blank", Title: "Bad Request", Detail: "Invalid JSON."}},
		{"problem with a type", 503, problem, `{"type":"https://example.com/busy","title":"Busy"}`,
			&ProblemError{Status: 503, Type: "https://example.com/busy", Title: "Busy"}},
		// Not a problem: a plain status error.
		{"404 html", 404, http.Header{"Content-Type": {"text/html"}}, "<h1>Cannot GET /nope</h1>", &StatusError{Status: 404}},
		{"500 without a body", 500, nil, "", &StatusError{Status: 500}},
		{"json that is no problem", 400, http.Header{"Content-Type": {"application/json"}}, `{"title":"x"}`, &StatusError{Status: 400}},
		// A problem type that lies about its body.
		{"problem that is html", 502, problem, "<html>", &StatusError{Status: 502}},
		{"problem that is an array", 502, problem, `["not","an","object"]`, &StatusError{Status: 502}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := &Response{Status: tt.status, Header: tt.header, Body: []byte(tt.body)}
			if r.Header == nil {
				r.Header = http.Header{}
			}
			got := r.Err()
			switch want := tt.want.(type) {
			case nil:
				if got != nil {
					t.Errorf("Err() for %d %q = %v; want nil", tt.status, tt.body, got)
				}
			case *ProblemError:
				var p *ProblemError
				if !errors.As(got, &p) || *p != *want {
					t.Errorf("Err() for %d %q = %#v; want %#v", tt.status, tt.body, got, want)
				}
			case *StatusError:
				var s *StatusError
				if !errors.As(got, &s) || *s != *want {
					t.Errorf("Err() for %d %q = %#v; want %#v", tt.status, tt.body, got, want)
				}
			}
		})
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{&ProblemError{Status: 404, Title: "Not Found", Detail: "No route for /nope."}, "404 Not Found: No route for /nope."},
		{&ProblemError{Status: 418}, "418 I'm a teapot"},
		{&ProblemError{Status: 400, Title: "Bad\nRequest", Detail: "line one\r\nline two\x1b[31m"}, "400 Bad Request: line one  line two [31m"},
		{&StatusError{Status: 500}, "500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
		})
	}
	long := (&ProblemError{Status: 400, Detail: strings.Repeat("é", 400)}).Error()
	if len(long) > 400 || !strings.HasSuffix(long, "...") {
		t.Errorf("a long detail gives a %d-byte error %q; want it cut short with ...", len(long), long)
	}
}
