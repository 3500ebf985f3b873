package diff

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// exchange is a made-up exchange: GET /x answered 200 with a text body.
func exchange(edit func(ex *observe.Exchange)) *observe.Exchange {
	ex := &observe.Exchange{
		Summary: observe.Summary{ID: 1, Method: "GET", URL: "/x", Host: "localhost:3000", Status: 200, DurationMS: 2},
		Request: observe.Message{Headers: http.Header{"Accept": {"*/*"}}},
		Response: observe.Message{
			Headers: http.Header{"Content-Type": {"text/plain"}},
		},
		Phases: []observe.Phase{{Name: "read", Label: "headers read", DurationMS: 0.5}, {Name: "handler", Label: "handler ran", DurationMS: 1}},
	}
	ex.Response.SetBody("hello\n", 6, false)
	if edit != nil {
		edit(ex)
	}
	return ex
}

func TestExchangesLineAndStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		edit       func(*observe.Exchange)
		wantStatus Status
		wantMethod *Change
		wantURL    *Change
		wantEqual  bool
	}{
		{"the same", nil, Status{200, 200, true}, nil, nil, true},
		{"status", func(ex *observe.Exchange) { ex.Status = 500 }, Status{200, 500, false}, nil, nil, false},
		{"method", func(ex *observe.Exchange) { ex.Method = "POST" }, Status{200, 200, true}, &Change{"GET", "POST"}, nil, false},
		{"url", func(ex *observe.Exchange) { ex.URL = "/x?y=1" }, Status{200, 200, true}, nil, &Change{"/x", "/x?y=1"}, false},
		{"host and id are not compared", func(ex *observe.Exchange) { ex.ID, ex.Host = 2, "staging.example" }, Status{200, 200, true}, nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := Exchanges(exchange(nil), exchange(tt.edit), Options{})
			if r.Status != tt.wantStatus {
				t.Errorf("Status = %+v; want %+v", r.Status, tt.wantStatus)
			}
			if !reflect.DeepEqual(r.Method, tt.wantMethod) || !reflect.DeepEqual(r.URL, tt.wantURL) {
				t.Errorf("Method, URL = %+v, %+v; want %+v, %+v", r.Method, r.URL, tt.wantMethod, tt.wantURL)
			}
			if got := r.Equal(); got != tt.wantEqual {
				t.Errorf("Equal() = %v; want %v", got, tt.wantEqual)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		a, b   http.Header
		ignore []string
		want   []Header
	}{
		{"the same", http.Header{"A": {"1"}}, http.Header{"A": {"1"}}, nil, []Header{}},
		{"added", http.Header{}, http.Header{"X-New": {"1"}}, nil, []Header{{Name: "X-New", Kind: Added, A: []string{}, B: []string{"1"}}}},
		{"removed", http.Header{"X-Old": {"1", "2"}}, http.Header{}, nil, []Header{{Name: "X-Old", Kind: Removed, A: []string{"1", "2"}, B: []string{}}}},
		{"changed", http.Header{"Content-Type": {"text/plain"}}, http.Header{"Content-Type": {"application/json"}}, nil,
			[]Header{{Name: "Content-Type", Kind: Changed, A: []string{"text/plain"}, B: []string{"application/json"}}}},
		{"values in another order", http.Header{"Vary": {"Accept", "Origin"}}, http.Header{"Vary": {"Origin", "Accept"}}, nil, []Header{}},
		{"a value repeated", http.Header{"Vary": {"Accept", "Accept"}}, http.Header{"Vary": {"Accept"}}, nil,
			[]Header{{Name: "Vary", Kind: Changed, A: []string{"Accept", "Accept"}, B: []string{"Accept"}}}},
		{"names in any case", http.Header{"x-thing": {"1"}}, http.Header{"X-Thing": {"1"}}, nil, []Header{}},
		{"sorted by name", http.Header{"B": {"1"}, "A": {"1"}}, http.Header{}, nil,
			[]Header{{Name: "A", Kind: Removed, A: []string{"1"}, B: []string{}}, {Name: "B", Kind: Removed, A: []string{"1"}, B: []string{}}}},
		{"ignored by default", http.Header{"Date": {"Mon"}, "X-Request-Id": {"a"}, "Server-Timing": {"x;dur=1"}},
			http.Header{"Date": {"Tue"}, "X-Request-Id": {"b"}, "Traceparent": {"00-1-2-01"}}, nil, []Header{}},
		{"Content-Length is compared", http.Header{"Content-Length": {"5"}}, http.Header{"Content-Length": {"6"}}, nil,
			[]Header{{Name: "Content-Length", Kind: Changed, A: []string{"5"}, B: []string{"6"}}}},
		{"ignore in any case", http.Header{"X-Trace": {"1"}, "Date": {"Mon"}}, http.Header{"X-Trace": {"2"}, "Date": {"Tue"}}, []string{"x-TRACE"},
			[]Header{{Name: "Date", Kind: Changed, A: []string{"Mon"}, B: []string{"Tue"}}}},
		{"ignore none", http.Header{"Date": {"Mon"}}, http.Header{"Date": {"Tue"}}, []string{},
			[]Header{{Name: "Date", Kind: Changed, A: []string{"Mon"}, B: []string{"Tue"}}}},
		{"nil headers", nil, nil, nil, []Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := exchange(func(ex *observe.Exchange) { ex.Response.Headers = tt.a })
			b := exchange(func(ex *observe.Exchange) { ex.Response.Headers = tt.b })
			r := Exchanges(a, b, Options{Ignore: tt.ignore})
			if !reflect.DeepEqual(r.Response.Headers, tt.want) {
				t.Errorf("Response.Headers = %+v; want %+v", r.Response.Headers, tt.want)
			}
			if len(r.Request.Headers) != 0 {
				t.Errorf("Request.Headers = %+v; want none", r.Request.Headers)
			}
			if got, want := r.Equal(), len(tt.want) == 0; got != want {
				t.Errorf("Equal() = %v; want %v", got, want)
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	a := exchange(nil)
	b := exchange(func(ex *observe.Exchange) { ex.Request.Headers = http.Header{"Accept": {"text/html"}} })
	r := Exchanges(a, b, Options{})
	want := []Header{{Name: "Accept", Kind: Changed, A: []string{"*/*"}, B: []string{"text/html"}}}
	if !reflect.DeepEqual(r.Request.Headers, want) {
		t.Errorf("Request.Headers = %+v; want %+v", r.Request.Headers, want)
	}
}

func TestIgnored(t *testing.T) {
	t.Parallel()
	p, err := ParsePath("$.id")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opts Options
		want Ignored
	}{
		{Options{}, Ignored{Headers: []string{"Date", "X-Request-Id", "Server-Timing", "Traceparent", "Tracestate"}, Paths: []string{}}},
		{Options{Ignore: []string{"x-a", " X-A ", "", "etag"}, IgnorePaths: []Path{p}}, Ignored{Headers: []string{"X-A", "Etag"}, Paths: []string{"$.id"}}},
		{Options{Ignore: []string{}}, Ignored{Headers: []string{}, Paths: []string{}}},
	}
	for _, tt := range tests {
		if got := Exchanges(exchange(nil), exchange(nil), tt.opts).Ignored; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Exchanges(%+v).Ignored = %+v; want %+v", tt.opts, got, tt.want)
		}
	}
}

func TestTiming(t *testing.T) {
	t.Parallel()
	a := exchange(func(ex *observe.Exchange) {
		ex.DurationMS = 12.3
		ex.Phases = []observe.Phase{{Name: "tls", Label: "TLS handshake", DurationMS: 3}, {Name: "read", Label: "headers read", DurationMS: 0.1}, {Name: "handler", Label: "handler ran", DurationMS: 9}}
	})
	b := exchange(func(ex *observe.Exchange) {
		ex.DurationMS = 15.1
		ex.Phases = []observe.Phase{{Name: "read", Label: "headers read", DurationMS: 0.3}, {Name: "handler", Label: "handler ran", DurationMS: 7.5}, {Name: "write", Label: "response written", DurationMS: 0.2}}
	})
	got := Exchanges(a, b, Options{}).Timing
	f := func(v float64) *float64 { return &v }
	want := Timing{A: 12.3, B: 15.1, Delta: 2.8, Phases: []Phase{
		{Name: "tls", Label: "TLS handshake", A: f(3)},
		{Name: "read", Label: "headers read", A: f(0.1), B: f(0.3), Delta: f(0.2)},
		{Name: "handler", Label: "handler ran", A: f(9), B: f(7.5), Delta: f(-1.5)},
		{Name: "write", Label: "response written", B: f(0.2)},
	}}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("Timing = %s; want %s", g, w)
	}
	if !Exchanges(a, b, Options{}).Equal() {
		t.Error("Equal() = false for exchanges that differ only in timing; want true")
	}
}

func TestNilExchanges(t *testing.T) {
	t.Parallel()
	r := Exchanges(nil, exchange(nil), Options{})
	if r.Status != (Status{0, 200, false}) || r.Response.Body.Kind != Text || r.Equal() {
		t.Errorf("Exchanges(nil, GET /x) = status %+v, body %s, equal %v; want 0 → 200, text, not equal", r.Status, r.Response.Body.Kind, r.Equal())
	}
	if !Exchanges(nil, nil, Options{}).Equal() {
		t.Error("Exchanges(nil, nil).Equal() = false; want true")
	}
}

// TestJSONShape pins the API's field names: the page reads them.
func TestJSONShape(t *testing.T) {
	t.Parallel()
	a := exchange(nil)
	b := exchange(func(ex *observe.Exchange) { ex.Status = 404; ex.Response.Headers.Set("X-New", "1") })
	raw, err := json.Marshal(Exchanges(a, b, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), `{"equal":false,"a":{"id":1,`) {
		t.Errorf("the result's JSON begins %.40s; want the verdict first", raw)
	}
	for _, key := range []string{"a", "b", "status", "method", "url", "request", "response", "timing", "ignored"} {
		if _, ok := got[key]; !ok {
			t.Errorf("the result's JSON lacks %q: %s", key, raw)
		}
	}
	res := got["response"].(map[string]any)
	if h := res["headers"].([]any)[0].(map[string]any); h["name"] != "X-New" || h["kind"] != "added" {
		t.Errorf("response.headers[0] = %v; want X-New added", h)
	}
	if body := res["body"].(map[string]any); body["kind"] != "text" || body["equal"] != true {
		t.Errorf("response.body = %v; want kind text, equal", body)
	}
}
