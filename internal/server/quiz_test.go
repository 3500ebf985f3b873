package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/roundtrip/roundtrip/internal/quiz"
)

// TestQuizRoute: the quiz's table is served whole as JSON, for this
// server's own names only, and its loads are not captured.
func TestQuizRoute(t *testing.T) {
	t.Parallel()
	base, srv := newInspected(t, Config{})
	target := base + "/_roundtrip/api/quiz"

	res, body := do(t, "GET", target, nil, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s; want 200", target, res.StatusCode, body)
	}
	if got, want := res.Header.Get("Content-Type"), "application/json"; got != want {
		t.Errorf("Content-Type = %q; want %q", got, want)
	}
	var v struct{ Questions []quiz.Question }
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("GET %s: %v; body %s", target, err, body)
	}
	if got, want := len(v.Questions), len(quiz.Questions); got != want {
		t.Errorf("GET %s has %d questions; want %d, the table's", target, got, want)
	}
	for i, q := range v.Questions {
		if i < len(quiz.Questions) && (q.ID != quiz.Questions[i].ID || q.Answer != quiz.Questions[i].Answer) {
			t.Errorf("question %d = %s (answer %d); want %s (answer %d)", i, q.ID, q.Answer, quiz.Questions[i].ID, quiz.Questions[i].Answer)
		}
	}

	tests := []struct {
		name   string
		method string
		header http.Header
		want   int
	}{
		{"POST", "POST", nil, http.StatusMethodNotAllowed},
		{"another site's name", "GET", http.Header{"Host": {"attacker.example"}}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if res, _ := do(t, tt.method, target, tt.header, ""); res.StatusCode != tt.want {
				t.Errorf("%s %s = %d; want %d", tt.method, target, res.StatusCode, tt.want)
			}
		})
	}
	if got := srv.Inspector().Len(); got != 0 {
		t.Errorf("captured %d exchanges; want 0, the quiz's own loads not among them", got)
	}
}
