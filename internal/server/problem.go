package server

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// problem is an RFC 9457 problem details object. It is also the error type
// of the request helpers, so a handler can pass what they return straight to
// writeProblem.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Extension members, present only where they apply.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

func (p *problem) Error() string { return p.Detail }

// newProblem builds an about:blank problem, whose title is by definition the
// status phrase (RFC 9457 §4.2.1).
func newProblem(status int, format string, args ...any) *problem {
	return &problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: fmt.Sprintf(format, args...)}
}

// writeProblem is the one way errors leave the server: problem+json, or a
// small escaped HTML page for a client that prefers HTML.
func writeProblem(w http.ResponseWriter, r *http.Request, p *problem) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	if prefersHTML(r.Header.Get("Accept")) {
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.WriteHeader(p.Status)
		_ = problemPage.Execute(w, p) // a write error means the client left
		return
	}
	h.Set("Content-Type", "application/problem+json")
	writeJSON(w, p.Status, p)
}

var problemPage = template.Must(template.New("problem").Parse(`<!doctype html>
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
func prefersHTML(accept string) bool {
	if accept == "" {
		return false
	}
	html := quality(accept, "text", "html")
	json := max(quality(accept, "application", "problem+json"), quality(accept, "application", "json"))
	return html > json
}

// quality is the q-value that accept gives typ/sub, taken from the most
// specific media range that matches it (RFC 9110 §12.5.1).
func quality(accept, typ, sub string) float64 {
	q, specificity := 0.0, -1
	for part := range strings.SplitSeq(accept, ",") {
		mediaRange, params, _ := strings.Cut(part, ";")
		t, s, _ := strings.Cut(strings.TrimSpace(mediaRange), "/")
		var spec int
		switch {
		case strings.EqualFold(t, typ) && strings.EqualFold(s, sub):
			spec = 2
		case strings.EqualFold(t, typ) && s == "*":
			spec = 1
		case t == "*" && s == "*":
			spec = 0
		default:
			continue
		}
		if spec <= specificity {
			continue
		}
		specificity, q = spec, 1
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
		}
	}
	return q
}
