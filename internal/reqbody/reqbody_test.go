package reqbody_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/reqbody"
)

func TestRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		length     int64 // ContentLength; -1 is unknown (chunked)
		wantStatus int   // 0: read
	}{
		{"empty", "", 0, 0},
		{"small", "hello", 5, 0},
		{"exactly the limit", strings.Repeat("a", reqbody.Max), reqbody.Max, 0},
		{"declared over the limit", "", reqbody.Max + 1, http.StatusRequestEntityTooLarge},
		{"chunked over the limit", strings.Repeat("a", reqbody.Max+1), -1, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			r.ContentLength = tt.length
			got, p := reqbody.Read(httptest.NewRecorder(), r)
			if tt.wantStatus != 0 {
				if p == nil || p.Status != tt.wantStatus {
					t.Fatalf("Read(%s) = %v; want a %d problem", tt.name, p, tt.wantStatus)
				}
				r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
				r.ContentLength = tt.length
				if _, p := reqbody.Discard(httptest.NewRecorder(), r); p == nil || p.Status != tt.wantStatus {
					t.Errorf("Discard(%s) = %v; want a %d problem", tt.name, p, tt.wantStatus)
				}
				return
			}
			if p != nil {
				t.Fatalf("Read(%s): %v", tt.name, p)
			}
			if string(got) != tt.body {
				t.Errorf("Read(%s) = %d bytes; want %d", tt.name, len(got), len(tt.body))
			}
			r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			r.ContentLength = tt.length
			if n, p := reqbody.Discard(httptest.NewRecorder(), r); p != nil || n != int64(len(tt.body)) {
				t.Errorf("Discard(%s) = %d, %v; want %d", tt.name, n, p, len(tt.body))
			}
		})
	}
}
