package web_test

// A browser test of the Quick Quiz: rendered from the API, answered by
// keyboard and by mouse, a live check, progress that survives a reload,
// and Start over.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/roundtrip/roundtrip/internal/quiz"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
)

// quizAPI is the table as GET /_roundtrip/api/quiz serves it.
func quizAPI(t *testing.T, base string) []quiz.Question {
	t.Helper()
	res, err := http.Get(base + "/_roundtrip/api/quiz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct{ Questions []quiz.Question }
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /_roundtrip/api/quiz = %d (%v); want 200 and the table", res.StatusCode, err)
	}
	return v.Questions
}

func TestQuizPage(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	qs := quizAPI(t, base)
	if len(qs) < 3 {
		t.Fatalf("the API has %d questions; the test needs 3", len(qs))
	}
	ctx := newBrowser(t, 90*time.Second)
	card := func(id string) string { return fmt.Sprintf(`#quiz-list li[data-id=%q]`, id) }
	scoreIs := func(want string) string {
		return fmt.Sprintf(`document.getElementById("quiz-score").textContent === %q`, want)
	}
	n := len(qs)
	first, second := qs[0], qs[1]
	var checked quiz.Question // one whose check shows Allow
	for _, q := range qs {
		if q.Check != nil && q.Check.Show == "Allow" && q.Check.Request.Path == "/hello" {
			checked = q
		}
	}
	if checked.ID == "" {
		t.Fatal("no question checks POST /hello's Allow; the test needs one")
	}

	t.Run("renders every question", func(t *testing.T) {
		run(t, ctx, "loading the page",
			chromedp.Navigate(base+"/"),
			waitJS(`document.getElementById("quiz-list").dataset.ready === "true"`),
		)
		ids := eval[[]string](t, ctx, `[...document.querySelectorAll("#quiz-list > li")].map(li => li.dataset.id)`)
		var want []string
		for _, q := range qs {
			want = append(want, q.ID)
		}
		if strings.Join(ids, " ") != strings.Join(want, " ") {
			t.Errorf("the page's questions = %q; want the API's %q", ids, want)
		}
		if got := eval[int](t, ctx, `document.querySelectorAll("#quiz-list input[type=radio]").length`); got < 3*n {
			t.Errorf("the page has %d choices; want at least 3 for each of %d questions", got, n)
		}
		if got, want := text(t, ctx, card(first.ID)+" legend"), "1. "+first.Text; got != want {
			t.Errorf("first legend = %q; want %q", got, want)
		}
		unlabelled := eval[[]string](t, ctx, `[...document.querySelectorAll("#quiz input")].filter(e => e.labels.length === 0).map(e => e.id)`)
		if len(unlabelled) > 0 {
			t.Errorf("quiz controls without a label: %q", unlabelled)
		}
		if got, want := text(t, ctx, "#quiz-score"), fmt.Sprintf("0 of %d answered right (0 answered so far)", n); got != want {
			t.Errorf("score = %q; want %q", got, want)
		}
	})

	t.Run("right by keyboard", func(t *testing.T) {
		// Space picks the first choice, each ↓ the next; Tab reaches Answer.
		run(t, ctx, "answering by keyboard",
			chromedp.Focus(chromedp.CSS(fmt.Sprintf("#quiz-%s-0", first.ID))),
			chromedp.KeyEvent(" "),
			chromedp.KeyEvent(strings.Repeat(kb.ArrowDown, first.Answer)),
			chromedp.KeyEvent(kb.Tab),
			waitJS(`document.activeElement.type === "submit"`),
			chromedp.KeyEvent(kb.Enter),
			waitJS(scoreIs(fmt.Sprintf("1 of %d answered right (1 answered so far)", n))),
		)
		if got := text(t, ctx, card(first.ID)+" .quiz-verdict"); got != "Right." {
			t.Errorf("verdict = %q; want %q", got, "Right.")
		}
		if got := text(t, ctx, card(first.ID)+" .quiz-why"); got != first.Why {
			t.Errorf("explanation = %q; want %q", got, first.Why)
		}
		if got := eval[string](t, ctx, `document.activeElement.id`); got != "quiz-"+first.ID+"-feedback" {
			t.Errorf("focus is on %q; want the feedback, so the keyboard goes on from there", got)
		}
		if !eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).disabled`, card(first.ID)+" fieldset")) {
			t.Error("the answered question can still be changed; want it locked")
		}
		if eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).checkVisibility()`, card(first.ID)+" button[type=submit]")) {
			t.Error("Answer still shows on an answered question")
		}
	})

	t.Run("wrong by mouse", func(t *testing.T) {
		pick := (second.Answer + 1) % len(second.Choices)
		run(t, ctx, "answering wrong",
			click(fmt.Sprintf(`label[for="quiz-%s-%d"]`, second.ID, pick)),
			click(card(second.ID)+` button[type=submit]`),
			waitJS(scoreIs(fmt.Sprintf("1 of %d answered right (2 answered so far)", n))),
		)
		want := fmt.Sprintf("Not quite: the answer is %c) %s.", 'a'+second.Answer, second.Choices[second.Answer].Text)
		if got := text(t, ctx, card(second.ID)+" .quiz-verdict"); got != want {
			t.Errorf("verdict = %q; want %q", got, want)
		}
		feedback := text(t, ctx, card(second.ID)+" .quiz-feedback")
		for _, want := range []string{second.Why, second.Choices[pick].Note} {
			if !strings.Contains(feedback, want) {
				t.Errorf("feedback = %q; want it to contain %q", feedback, want)
			}
		}
		if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-live")`, card(second.ID)+" .quiz-feedback")); got != "polite" {
			t.Errorf("feedback's aria-live = %q; want polite", got)
		}
		if got := text(t, ctx, card(second.ID)+" .quiz-mark.bad"); got != "your answer" {
			t.Errorf("the wrong pick is marked %q; want %q in words", got, "your answer")
		}
	})

	t.Run("check it live", func(t *testing.T) {
		c := card(checked.ID)
		if eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q).checkVisibility()`, c+" .quiz-check-run")) {
			t.Error("Check it live shows before an answer; want it after, so it cannot give the answer away")
		}
		run(t, ctx, "answering and checking",
			click(fmt.Sprintf(`label[for="quiz-%s-%d"]`, checked.ID, checked.Answer)),
			click(c+` button[type=submit]`),
			click(c+" .quiz-check-run"),
			waitJS(fmt.Sprintf(`document.querySelector(%q) !== null`, c+" .quiz-proof")),
		)
		if got, want := text(t, ctx, c+" .quiz-status"), "405 Method Not Allowed"; got != want {
			t.Errorf("status line = %q; want %q", got, want)
		}
		if got, want := text(t, ctx, c+" .quiz-header"), "Allow: GET, HEAD, OPTIONS"; got != want {
			t.Errorf("header = %q; want %q", got, want)
		}
		if got, want := text(t, ctx, c+" .quiz-proof"), "This proves the answer. "+checked.Check.Proves; got != want {
			t.Errorf("proof = %q; want %q", got, want)
		}
		// It was a real request, so the server's live list has it.
		run(t, ctx, "finding it in the live list",
			waitJS(`[...document.querySelectorAll("#live-list .row")].some(r => r.textContent.includes("POST") && r.textContent.includes("/hello"))`))
	})

	t.Run("screenshots, a check shown", func(t *testing.T) {
		for _, width := range []int64{1280, 360} {
			run(t, ctx, fmt.Sprintf("resizing to %d px", width), chromedp.EmulateViewport(width, 900))
			if eval[bool](t, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
				t.Errorf("at %d px the page scrolls sideways", width)
			}
			shot(t, ctx, fmt.Sprintf("quiz-%d", width), "#quiz")
			shot(t, ctx, fmt.Sprintf("quiz-%d-check", width), card(checked.ID))
		}
		run(t, ctx, "resizing back", chromedp.EmulateViewport(1280, 900))
	})

	saved := fmt.Sprintf("2 of %d answered right (3 answered so far)", n)
	t.Run("reload keeps the progress", func(t *testing.T) {
		run(t, ctx, "reloading",
			chromedp.Reload(),
			waitJS(`document.getElementById("quiz-list").dataset.ready === "true"`),
		)
		if got := text(t, ctx, "#quiz-score"); got != saved {
			t.Errorf("score after reload = %q; want %q", got, saved)
		}
		outcomes := eval[[]string](t, ctx, fmt.Sprintf(`[%q, %q, %q].map(s => document.querySelector(s).dataset.outcome || "")`,
			card(first.ID), card(second.ID), card(checked.ID)))
		if strings.Join(outcomes, " ") != "right wrong right" {
			t.Errorf("outcomes after reload = %q; want right, wrong, right", outcomes)
		}
		stored := eval[string](t, ctx, `localStorage.getItem("roundtrip.quiz.v1")`)
		var v struct{ Answers map[string]int }
		if err := json.Unmarshal([]byte(stored), &v); err != nil || len(v.Answers) != 3 || v.Answers[first.ID] != first.Answer {
			t.Errorf("localStorage roundtrip.quiz.v1 = %s (%v); want the 3 answers", stored, err)
		}
	})

	t.Run("start over", func(t *testing.T) {
		run(t, ctx, "starting over",
			click("#quiz-reset"),
			waitJS(scoreIs(fmt.Sprintf("0 of %d answered right (0 answered so far)", n))),
		)
		if got := eval[bool](t, ctx, `localStorage.getItem("roundtrip.quiz.v1") === null`); !got {
			t.Error("localStorage still holds the progress after Start over")
		}
		if got := eval[int](t, ctx, `document.querySelectorAll("#quiz-list li[data-outcome], #quiz-list fieldset:disabled, #quiz-list input:checked").length`); got != 0 {
			t.Errorf("%d answered marks remain after Start over; want none", got)
		}
		if got, want := eval[string](t, ctx, `document.activeElement.id`), fmt.Sprintf("quiz-%s-0", first.ID); got != want {
			t.Errorf("focus after Start over is on %q; want %q, the first choice", got, want)
		}
		run(t, ctx, "reloading", chromedp.Reload(), waitJS(`document.getElementById("quiz-list").dataset.ready === "true"`))
		if got, want := text(t, ctx, "#quiz-score"), fmt.Sprintf("0 of %d answered right (0 answered so far)", n); got != want {
			t.Errorf("score after Start over and a reload = %q; want %q", got, want)
		}
	})
}
