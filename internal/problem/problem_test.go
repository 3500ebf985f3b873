package problem

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/httpjson"
)

func TestPrefersHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", false},
		{"application/problem+json", false},
		{"text/html", true},
		{"text/*", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true}, // Chrome's navigation
		{"text/html;q=0.5, application/json", false},
		{"application/json;q=0.5, text/html", true},
		{"text/html;q=0, */*", false},
		{"TEXT/HTML", true},
		{"text/html;q=bogus", true},
		{"text/plain", false},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			t.Parallel()
			if got := prefersHTML(tt.accept); got != tt.want {
				t.Errorf("prefersHTML(%q) = %v; want %v", tt.accept, got, tt.want)
			}
		})
	}
}

func TestNewTitles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code      int
		wantTitle string
	}{
		{404, "Not Found"},
		{413, "Content Too Large"},
		{422, "Unprocessable Content"},
	}
	for _, tt := range tests {
		t.Run(tt.wantTitle, func(t *testing.T) {
			t.Parallel()
			if p := New(tt.code, "x"); p.Title != tt.wantTitle || p.Type != "about:blank" || p.Status != tt.code {
				t.Errorf("New(%d) = %+v; want about:blank titled %q", tt.code, p, tt.wantTitle)
			}
		})
	}
}

func TestFromJSON(t *testing.T) {
	t.Parallel()
	var v any
	p := FromJSON(httpjson.Decode([]byte("{\n<b>"), &v))
	if p.Status != 400 || p.Line != 2 || p.Column != 1 {
		t.Errorf("FromJSON = %+v; want a 400 at line 2, column 1", p)
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, accept, wantType string
	}{
		{"curl", "*/*", "application/problem+json"},
		{"fetch", "", "application/problem+json"},
		{"browser", "text/html,*/*;q=0.8", "text/html; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept", tt.accept)
			w := httptest.NewRecorder()
			w.Header().Set("Content-Length", "5") // a handler's guess, wrong for the problem
			Write(w, r, New(http.StatusNotFound, "No route matches %s.", "/<script>"))
			if w.Code != 404 || w.Header().Get("Content-Type") != tt.wantType || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Content-Length") != "" {
				t.Fatalf("Write = %d %v; want 404, %s, no-store and no Content-Length", w.Code, w.Header(), tt.wantType)
			}
			body := w.Body.String()
			if tt.wantType != "application/problem+json" && (strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;")) {
				t.Errorf("Write did not escape the detail in HTML:\n%s", body)
			}
			if tt.wantType == "application/problem+json" {
				var p Details
				if err := json.Unmarshal([]byte(body), &p); err != nil || p.Title != "Not Found" || p.Detail != "No route matches /<script>." {
					t.Errorf("Write body = %s (%v); want the problem as JSON", body, err)
				}
			}
		})
	}
}
