// Package problem is how errors leave roundtrip's servers: RFC 9457 problem
// details as application/problem+json, or, for a client that prefers HTML
// (a browser), the same facts as a small page with every piece of text
// escaped.
package problem

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/roundtrip/roundtrip/internal/accept"
	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/status"
)

// Details is an RFC 9457 problem details object.
type Details struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Extension members, present only where they apply: where in a JSON
	// body the error is.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// Error makes a *Details an error, so request helpers can return one.
func (p *Details) Error() string { return p.Detail }

// New is an about:blank problem, whose title is by definition the status
// phrase (RFC 9457 §4.2.1), here RFC 9110's.
func New(code int, format string, args ...any) *Details {
	return &Details{Type: "about:blank", Title: status.Text(code), Status: code, Detail: fmt.Sprintf(format, args...)}
}

// FromJSON is the 400 for a body that is not the JSON asked for, with its
// line and column when the error has them.
func FromJSON(err error) *Details {
	p := New(http.StatusBadRequest, "%s", err.Error())
	var je *httpjson.Error
	if errors.As(err, &je) {
		p.Line, p.Column = je.Line, je.Column
	}
	return p
}

// Write writes p: problem+json, or an escaped HTML page for a client whose
// Accept ranks text/html above JSON.
func Write(w http.ResponseWriter, r *http.Request, p *Details) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	if prefersHTML(r.Header.Get("Accept")) {
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.WriteHeader(p.Status)
		_ = page.Execute(w, p) // a write error means the client left
		return
	}
	h.Set("Content-Type", "application/problem+json")
	httpjson.Write(w, p.Status, p)
}

var page = template.Must(template.New("problem").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Status}} {{.Title}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#eee;padding:0 .2em}</style>
</head><body>
<h1>{{.Status}} {{.Title}}</h1>
<p>{{.Detail}}</p>
{{if .Line}}<p>At line {{.Line}}, column {{.Column}}.</p>{{end}}
<p>This page is the HTML form of an RFC 9457 problem. Ask with <code>Accept: application/json</code> for the JSON form.</p>
</body></html>
`))

// prefersHTML reports whether an Accept header ranks text/html above JSON,
// as a browser's navigation does and curl's and fetch's */* do not.
func prefersHTML(header string) bool {
	if header == "" {
		return false
	}
	html := accept.Quality(header, "text/html")
	json := max(accept.Quality(header, "application/problem+json"), accept.Quality(header, "application/json"))
	return html > json
}
