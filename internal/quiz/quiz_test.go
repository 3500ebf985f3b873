package quiz_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/lab"
	"github.com/roundtrip/roundtrip/internal/quiz"
	"github.com/roundtrip/roundtrip/internal/server"
)

var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// TestQuestions holds the table to its shape: the page saves progress by
// id and shows choices by index, so a bad id or index loses an answer.
func TestQuestions(t *testing.T) {
	t.Parallel()
	if got, want := len(quiz.Questions), 12; got < want {
		t.Fatalf("len(Questions) = %d; want at least %d", got, want)
	}
	seen := map[string]bool{}
	for i, q := range quiz.Questions {
		t.Run(q.ID, func(t *testing.T) {
			if !slug.MatchString(q.ID) {
				t.Errorf("Questions[%d].ID = %q; want a slug (lowercase words joined by -)", i, q.ID)
			}
			if seen[q.ID] {
				t.Errorf("Questions[%d].ID = %q; want it unique", i, q.ID)
			}
			seen[q.ID] = true
			if strings.TrimSpace(q.Text) == "" || strings.TrimSpace(q.Why) == "" {
				t.Errorf("Questions[%d] (%s): text %q, why %q; want both written", i, q.ID, q.Text, q.Why)
			}
			if n := len(q.Choices); n < 3 || n > 4 {
				t.Errorf("%s has %d choices; want 3 or 4", q.ID, n)
			}
			if q.Answer < 0 || q.Answer >= len(q.Choices) {
				t.Fatalf("%s: Answer = %d; want an index below %d", q.ID, q.Answer, len(q.Choices))
			}
			texts := map[string]bool{}
			for j, c := range q.Choices {
				key := strings.ToLower(strings.TrimSpace(c.Text))
				if key == "" || texts[key] {
					t.Errorf("%s: choice %d %q is empty or repeats another", q.ID, j, c.Text)
				}
				texts[key] = true
			}
			if note := q.Choices[q.Answer].Note; note != "" {
				t.Errorf("%s: the right choice has the note %q; want notes only on wrong choices, the right one has Why", q.ID, note)
			}
			if c := q.Check; c != nil {
				if c.Request.Method == "" || !strings.HasPrefix(c.Request.Path, "/") || c.Want.Status == 0 || c.Proves == "" {
					t.Errorf("%s: check %+v; want a method, a path, a status and what it proves", q.ID, *c)
				}
				if _, ok := c.Want.Headers[c.Show]; c.Show != "" && !ok {
					t.Errorf("%s: check shows %s, which its Want.Headers %v does not hold", q.ID, c.Show, c.Want.Headers)
				}
			}
		})
	}
	// The right answer is not always in the same place.
	at := map[int]bool{}
	for _, q := range quiz.Questions {
		at[q.Answer] = true
	}
	if len(at) < 3 {
		t.Errorf("right answers sit at %d positions; want them spread over at least 3", len(at))
	}
}

// TestChecksProveTheirAnswers runs every check against the real server's
// handler: what a question claims is what roundtrip serve does.
func TestChecksProveTheirAnswers(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(server.New(server.Config{}).Handler())
	t.Cleanup(ts.Close)
	hc := &http.Client{Timeout: 10 * time.Second}
	checks := 0
	for _, q := range quiz.Questions {
		if q.Check == nil {
			continue
		}
		checks++
		t.Run(q.ID, func(t *testing.T) {
			t.Parallel()
			r := q.Check.Run(context.Background(), hc, ts.URL)
			if r.Err != nil {
				t.Fatalf("%s %s: %v", q.Check.Request.Method, q.Check.Request.Path, r.Err)
			}
			if !r.OK() {
				t.Errorf("%s %s = %d; mismatches %q; want status %d, headers %v, body %q",
					q.Check.Request.Method, q.Check.Request.Path, r.Status, r.Mismatches, q.Check.Want.Status, q.Check.Want.Headers, q.Check.Want.Body)
			}
			if q.Check.Show != "" && r.Header.Get(q.Check.Show) == "" {
				t.Errorf("%s %s: header %s is absent; want it to show", q.Check.Request.Method, q.Check.Request.Path, q.Check.Show)
			}
		})
	}
	if checks < len(quiz.Questions)/2 {
		t.Errorf("%d of %d questions have a live check; want at least half", checks, len(quiz.Questions))
	}
}

// TestCheckRunMismatch: a check against a server that answers otherwise
// reports how, so a wrong claim cannot pass.
func TestCheckRunMismatch(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("anything"))
	}))
	t.Cleanup(ts.Close)
	c := quiz.Check{
		Request: lab.Request{Method: http.MethodPost, Path: "/hello"},
		Want:    lab.Want{Status: http.StatusMethodNotAllowed, Headers: map[string]string{"Allow": "GET"}},
	}
	r := c.Run(context.Background(), ts.Client(), ts.URL)
	want := []string{"status is 200; want 405", `Allow is ""; want it to contain "GET"`}
	if r.Err != nil || strings.Join(r.Mismatches, "|") != strings.Join(want, "|") {
		t.Errorf("Run = err %v, mismatches %q; want %q", r.Err, r.Mismatches, want)
	}
}
