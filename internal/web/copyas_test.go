package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/copyas"
)

// TestPageCopiesAsEveryFormat: the exchange's details offer one labelled
// button for each format the API renders, and no other, with a live
// region to confirm the copy.
func TestPageCopiesAsEveryFormat(t *testing.T) {
	t.Parallel()
	page, err := static.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`<button type="button" data-format="([a-z]+)" aria-label="Copy as [^"]+"`).FindAllSubmatch(page, -1) {
		got = append(got, string(m[1]))
	}
	if strings.Join(got, " ") != strings.Join(copyas.Formats, " ") {
		t.Errorf("the page's Copy as buttons = %q; want %q, each with a label", got, copyas.Formats)
	}
	for _, want := range []string{`id="copyas-status" class="muted" aria-live="polite"`, `role="group" aria-labelledby="copyas-label"`, `aria-keyshortcuts="c"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}
