package client

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// ProblemError is a 4xx or 5xx answer that explained itself as an RFC 9457
// problem (application/problem+json).
type ProblemError struct {
	Status int
	Type   string // "about:blank" when the server left it out
	Title  string
	Detail string
}

// Error is "404 Not Found: DETAIL", with the title the problem gave.
func (e *ProblemError) Error() string {
	title := e.Title
	if title == "" {
		title = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("%d %s", e.Status, oneLine(title))
	if e.Detail != "" {
		s += ": " + oneLine(e.Detail)
	}
	return s
}

// StatusError is a 4xx or 5xx answer that is not a problem.
type StatusError struct {
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
}

// Err returns nil for a 1xx, 2xx or 3xx answer, a *ProblemError for a 4xx
// or 5xx problem+json answer, and a *StatusError for any other.
func (r *Response) Err() error { return AnswerError(r.Status, r.Header, r.Body) }

// AnswerError is Response.Err for an answer of status and header whose
// body is body: for a Stream, the body as read.
func AnswerError(status int, header http.Header, body []byte) error {
	if status < 400 {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(header.Get("Content-Type")); err == nil && mt == "application/problem+json" {
		var p struct {
			Type   string `json:"type"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		if json.Unmarshal(body, &p) == nil {
			if p.Type == "" {
				p.Type = "about:blank" // RFC 9457 §3.1.1
			}
			return &ProblemError{Status: status, Type: p.Type, Title: p.Title, Detail: p.Detail}
		}
	}
	return &StatusError{Status: status}
}

// oneLine keeps a server's text from breaking a one-line error: control
// characters become spaces and the length is bounded.
func oneLine(s string) string {
	const limit = 300
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xc0 == 0x80 {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}
