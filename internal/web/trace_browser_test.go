package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// TestBrowserBothEnds: an exchange whose client reported its side shows
// its trace id, and, in its Timing tab, both ends on one timeline, the
// server's span inside the client's.
func TestBrowserBothEnds(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	span := trace.New()
	req, _ := http.NewRequest("GET", base+"/delay/0.02", nil)
	req.Header.Set("Traceparent", span.Traceparent())
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	total := observe.Millis(time.Since(start))
	rep := inspect.Report{TraceID: span.TraceID, SpanID: span.SpanID, Method: "GET", URL: base + "/delay/0.02", Start: start,
		SentMS: 0, FirstByteMS: total, TotalMS: total,
		Phases: []observe.Phase{{Name: "wait", Label: "waiting for the answer", StartMS: 0, DurationMS: total}}}
	body, _ := json.Marshal(rep)
	pr, err := http.Post(base+"/_roundtrip/api/reports", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	pr.Body.Close()
	if pr.StatusCode != http.StatusNoContent {
		t.Fatalf("POST the report = %d; want 204", pr.StatusCode)
	}

	ctx := newBrowser(t, 60*time.Second)
	run(t, ctx, "opening the exchange's Timing", chromedp.Navigate(base+"/"), openTab("/delay/0.02", "timing"),
		waitJS(`!document.getElementById("both-ends").hidden`))
	if got := text(t, ctx, "#detail-facts"); !bytes.Contains([]byte(got), []byte(span.TraceID.String())) {
		t.Errorf("the facts = %q; want the trace id %s", got, span.TraceID)
	}
	type bar struct{ Left, Width float64 }
	bars := eval[map[string]bar](t, ctx, `Object.fromEntries([...document.querySelectorAll("#both-ends-rows .wf-row")].map(r => {
		const b = r.querySelector(".wf-bar");
		return [r.dataset.phase, {Left: parseFloat(b.style.left), Width: parseFloat(b.style.width)}];
	}))`)
	client, server := bars["client:total"], bars["server:total"]
	if client.Left != 0 || client.Width < 99.9 {
		t.Errorf("the client's bar = %+v; want the whole timeline", client)
	}
	if server.Width <= 0 || server.Left < 0 || server.Left+server.Width > 100.001 {
		t.Errorf("the server's bar = %+v; want it inside the client's", server)
	}
	if _, ok := bars["server:handler"]; !ok {
		t.Errorf("rows = %v; want the server's phases too", bars)
	}
	if got := text(t, ctx, "#both-ends-sum"); !bytes.Contains([]byte(got), []byte("one machine")) {
		t.Errorf("the summary = %q; want one clock, the client being on loopback", got)
	}
}
