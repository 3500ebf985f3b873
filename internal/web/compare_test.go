package web

import (
	"strings"
	"testing"
)

// TestPageHasCompare: the detail view has its Compare section, and the
// script asks the diff API.
func TestPageHasCompare(t *testing.T) {
	t.Parallel()
	page := string(assets["index.html"].body)
	detail := strings.Index(page, `id="live-detail"`)
	section := strings.Index(page, `<section id="compare"`)
	end := strings.Index(page, `</main>`)
	if detail < 0 || section < detail || section > end {
		t.Errorf("the Compare section is at %d; want it inside the detail view, after %d and before %d", section, detail, end)
	}
	for _, want := range []string{`id="compare-pick" aria-pressed="false"`, `<label for="compare-id">`, `id="compare-id"`, `id="compare-form"`, `id="compare-state" class="note" role="status"`, `id="compare-result"`} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	if js := string(assets["compare.js"].body); !strings.Contains(js, `apiFetch('/diff?a=`) {
		t.Error("compare.js does not ask GET /_roundtrip/api/diff")
	}
}
