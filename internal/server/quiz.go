package server

import (
	"net/http"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/quiz"
)

// handleQuiz is GET /_roundtrip/api/quiz: the Quick Quiz's table, which
// the page renders and whose checks it sends, as roundtrip quiz does.
func handleQuiz() http.Handler {
	v := struct {
		Questions []quiz.Question `json:"questions"`
	}{quiz.Questions}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		httpjson.Write(w, http.StatusOK, v)
	})
}
