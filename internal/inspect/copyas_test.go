package inspect

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/copyas"
	"github.com/roundtrip/roundtrip/internal/observe"
)

func TestCopyAsHandler(t *testing.T) {
	t.Parallel()
	in := New(Config{})
	text := &observe.Exchange{Summary: observe.Summary{Method: "POST", URL: "/echo?x=1", Host: "localhost:3000", Proto: "HTTP/1.1"}}
	text.Request.Headers = http.Header{"Content-Type": {"text/plain"}, "X-Quote": {"it's"}}
	text.Request.SetBody("a 'b' $c", 8, false)
	in.Add(context.Background(), text)
	binary := &observe.Exchange{Summary: observe.Summary{Method: "PUT", URL: "/b", Host: "localhost:3000", Proto: "HTTP/1.1"}}
	binary.Request.Headers = http.Header{}
	binary.Request.SetBody("\xff\x00", 2, false)
	in.Add(context.Background(), binary)
	mux := http.NewServeMux()
	mux.Handle("GET /_roundtrip/api/exchanges/{id}/as/{format}", in.HandleCopyAs())
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	t.Cleanup(in.Shutdown)

	for _, format := range copyas.Formats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, ts.URL+"/_roundtrip/api/exchanges/1/as/"+format)
			want, err := copyas.Render(format, text, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 || body != want {
				t.Errorf("GET exchanges/1/as/%s = %d\n%s\nwant 200 and\n%s", format, res.StatusCode, body, want)
			}
			if got := res.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("GET exchanges/1/as/%s Content-Type = %q; want text/plain; charset=utf-8", format, got)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("GET exchanges/1/as/%s Cache-Control = %q; want no-store", format, got)
			}
		})
	}

	tests := []struct {
		path, wantType, wantDetail string
		wantStatus                 int
	}{
		{"/2/as/http", "application/octet-stream", "", 200},
		{"/2/as/curl", "text/plain; charset=utf-8", "", 200},
		{"/1/as/wget", "application/problem+json", `There is no format "wget"; the formats are curl, httpie, fetch, go, http.`, 404},
		{"/1/as/CURL", "application/problem+json", `There is no format "CURL"`, 404},
		{"/9/as/curl", "application/problem+json", "Exchange 9 is not in the history", 404},
		{"/x/as/curl", "application/problem+json", `There is no exchange "x"; ids are positive numbers.`, 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res, body := get(t, ts.URL+"/_roundtrip/api/exchanges"+tt.path)
			if res.StatusCode != tt.wantStatus || res.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("GET %s = %d %s; want %d %s", tt.path, res.StatusCode, res.Header.Get("Content-Type"), tt.wantStatus, tt.wantType)
			}
			if tt.wantDetail == "" {
				return
			}
			var p struct{ Detail string }
			if err := json.Unmarshal([]byte(body), &p); err != nil || !strings.Contains(p.Detail, tt.wantDetail) {
				t.Errorf("GET %s detail = %q (%v); want %q", tt.path, p.Detail, err, tt.wantDetail)
			}
		})
	}
}
