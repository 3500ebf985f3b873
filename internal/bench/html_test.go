package bench

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/servetest"
)

func TestNiceMax(t *testing.T) {
	t.Parallel()
	tests := []struct{ v, want float64 }{{0, 1}, {0.7, 1}, {1, 1}, {1.1, 2}, {2.2, 2.5}, {3, 5}, {7, 10}, {204, 250}, {-3, 1}}
	for _, tt := range tests {
		if got := niceMax(tt.v); got != tt.want {
			t.Errorf("niceMax(%v) = %v; want %v", tt.v, got, tt.want)
		}
	}
}

// TestWriteHTMLEscapes: the URL is the user's text, and reaches the page
// escaped, in the title, the heading and the summary.
func TestWriteHTMLEscapes(t *testing.T) {
	t.Parallel()
	s := summaryOf(t, time.Second, 2, time.Millisecond, 3*time.Millisecond)
	s.Run = Run{URL: `http://x/?q=</title><script>alert(1)</script>`, Method: "GET", Protocol: "HTTP/1.1", Conns: 1}
	var b strings.Builder
	if err := WriteHTML(&b, Page{Summary: s}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script") || strings.Count(page, "&lt;script&gt;alert(1)") != 3 {
		t.Errorf("page = %q; want the URL escaped three times and no script", page)
	}
	for _, banned := range []string{"http://x/?q", "https://", "src=", "<link"} {
		if banned == "http://x/?q" {
			continue
		}
		if strings.Contains(page, banned) {
			t.Errorf("page holds %q; want it self-contained", banned)
		}
	}
}

// TestReportInBrowser opens a ramp's report in chromium: it renders its
// four charts, each with its lines drawn, and no request leaves the page.
func TestReportInBrowser(t *testing.T) {
	t.Parallel()
	ctx := servetest.Browser(t, 60*time.Second)
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	steps, err := Ramp(context.Background(), Config{URL: srv.URL + "/ramp?name=<b>", Conns: 2, Interval: 100 * time.Millisecond}, Rates(200, 600, 3), 250*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, Page{Summary: Union(steps), Steps: steps, Knee: FindKnee(steps, 3), Step: 250 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	f.Close()

	if _, err := chromedp.Run(ctx, chromedp.Navigate("file://"+file)); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Title, Heading                 string
		Bold, Charts, Drawn, Resources int
	}
	// A line is drawn when it has points and a box of some size on the page.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[page](`({
		title: document.title,
		heading: document.querySelector("h1").textContent,
		bold: document.querySelectorAll("b").length,
		charts: document.querySelectorAll("section.chart svg").length,
		drawn: [...document.querySelectorAll("polyline")].filter(p => { const b = p.getBBox(); return p.points.length > 1 && (b.width > 0 || b.height > 0) }).length,
		resources: performance.getEntriesByType("resource").length,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	title, heading, charts, drawn, resources := got.Title, got.Heading, got.Charts, got.Drawn, got.Resources
	// The URL's "<b>" is text on the page, not an element.
	if !strings.HasSuffix(title, "/ramp?name=<b>") || !strings.HasSuffix(heading, "/ramp?name=<b>") || got.Bold != 0 {
		t.Errorf("title, heading, <b> elements = %q, %q, %d; want the URL as text, no element", title, heading, got.Bold)
	}
	// The spectrum (2 lines, the ramp's union is open loop), over time (3),
	// latency by rate (3), achieved by rate (2).
	if charts != 4 || drawn != 10 {
		t.Errorf("charts, lines drawn = %d, %d; want 4, 10", charts, drawn)
	}
	if resources != 0 {
		t.Errorf("the page loaded %d resources; want none: it is self-contained", resources)
	}
}
