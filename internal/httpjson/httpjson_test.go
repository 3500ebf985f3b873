package httpjson

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecodePosition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body              string
		wantLine, wantCol int
	}{
		{`{"name": Bob}`, 1, 10},
		{"{\n  \"name\": Bob\n}", 2, 11},
		{"{\"a\":\n\n\nx}", 4, 1},
		{`{"é": é}`, 1, 7}, // columns count characters, not bytes
		{`{"name":`, 1, 9},
		{`{"name":"x"} {}`, 1, 14},
		{`{"name":5}`, 1, 9},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			var v struct {
				Name string `json:"name"`
			}
			var e *Error
			if err := Decode([]byte(tt.body), &v); !errors.As(err, &e) {
				t.Fatalf("Decode(%q) = %v; want an *Error", tt.body, err)
			}
			if e.Line != tt.wantLine || e.Column != tt.wantCol {
				t.Errorf("Decode(%q) at line %d, column %d; want %d, %d (%s)", tt.body, e.Line, e.Column, tt.wantLine, tt.wantCol, e.Detail)
			}
		})
	}
}

func TestDecodeDetail(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, want string }{
		{``, "The body is empty; it must hold a JSON value."},
		{"  \n", "The body is empty; it must hold a JSON value."},
		{"\xff", "The body is not valid UTF-8, which JSON requires (RFC 8259)."},
		{`{"name": Bob}`, "Invalid JSON: invalid character 'B' looking for beginning of value at line 1, column 10."},
		{`{"name":`, "The JSON ends before it is complete at line 1, column 9."},
		{`{"name":5}`, "Invalid JSON field: name cannot be a JSON number at line 1, column 9."},
		{`{} []`, "There is more data after the JSON value at line 1, column 4."},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			var v struct {
				Name string `json:"name"`
			}
			if err := Decode([]byte(tt.body), &v); err == nil || err.Error() != tt.want {
				t.Errorf("Decode(%q) = %v; want %q", tt.body, err, tt.want)
			}
		})
	}
}

func TestDecodeNeverNamesGoTypes(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body string }{
		{"number for a string", `{"name":5}`},
		{"object for a string", `{"name":{}}`},
		{"array", `[1]`},
		{"string", `"x"`},
		{"number out of range", `{"name":1e999}`},
		{"nested too deep", strings.Repeat("[", 20000) + strings.Repeat("]", 20000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var into struct {
				Name string `json:"name"`
			}
			err := Decode([]byte(tt.body), &into)
			if err == nil {
				t.Fatalf("Decode(%.30q) = nil; want an error", tt.body)
			}
			for _, leak := range []string{"Go ", "struct", "json:", "main.", ".go"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("Decode(%.30q) = %q, which names %q", tt.body, err, leak)
				}
			}
		})
	}
}

func TestDecodeKeepsNumbers(t *testing.T) {
	t.Parallel()
	var v any
	if err := Decode([]byte(`{"n":12345678901234567890}`), &v); err != nil {
		t.Fatal(err)
	}
	if got := v.(map[string]any)["n"]; got.(interface{ String() string }).String() != "12345678901234567890" {
		t.Errorf("Decode kept %v; want the number as sent", got)
	}
}

func TestIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ct   string
		want bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"Application/JSON", true},
		{"application/problem+json", true},
		{"application/vnd.api+json", true},
		{"text/json", false},
		{"text/plain", false},
		{"", false},
		{"application/json;;", false},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) {
			t.Parallel()
			if got := Is(tt.ct); got != tt.want {
				t.Errorf("Is(%q) = %v; want %v", tt.ct, got, tt.want)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, preset, wantType string
	}{
		{"default type", "", "application/json"},
		{"type kept", "application/problem+json", "application/problem+json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			if tt.preset != "" {
				w.Header().Set("Content-Type", tt.preset)
			}
			Write(w, 201, map[string]string{"html": "<b>&</b>"})
			if w.Code != 201 || w.Header().Get("Content-Type") != tt.wantType || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("Write = %d, %v; want 201, %s, nosniff", w.Code, w.Header(), tt.wantType)
			}
			if got, want := w.Body.String(), "{\"html\":\"<b>&</b>\"}\n"; got != want {
				t.Errorf("Write body = %q; want %q", got, want)
			}
		})
	}
}

// TestBegin: a streamed answer gets Write's headers, and nothing reaches
// the client until the buffer fills or is flushed.
func TestBegin(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	bw := Begin(w, 200)
	bw.WriteString(`{"a":1}`)
	if w.Body.Len() != 0 {
		t.Errorf("before Flush, the body = %q; want nothing yet", w.Body.String())
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Body.String() != `{"a":1}` {
		t.Errorf("Begin = %d, %v, %q; want 200, application/json, nosniff, the body written", w.Code, w.Header(), w.Body.String())
	}
}
