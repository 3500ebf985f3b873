package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/roundtrip/roundtrip/internal/inspect"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/server"
	"github.com/roundtrip/roundtrip/internal/servetest"
	"github.com/roundtrip/roundtrip/internal/trace"
)

const testTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// getJSON decodes the JSON answer of GET url into v.
func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return res.StatusCode
}

// exchangeOfTrace is the one exchange the inspector at base has of trace id.
func exchangeOfTrace(t *testing.T, base string, id trace.ID) observe.Exchange {
	t.Helper()
	var list struct {
		Exchanges []observe.Summary `json:"exchanges"`
	}
	getJSON(t, base+"/_roundtrip/api/exchanges?q=trace:"+id.String(), &list)
	if len(list.Exchanges) != 1 {
		t.Fatalf("exchanges of trace %s = %+v; want one", id, list.Exchanges)
	}
	var ex observe.Exchange
	getJSON(t, base+"/_roundtrip/api/exchanges/"+idText(list.Exchanges[0].ID), &ex)
	return ex
}

func idText(n uint64) string { return strconv.FormatUint(n, 10) }

// TestRequestReportsToServe: request continues --traceparent, serve
// continues request's span, and request, finding serve on this machine,
// reports its side, which the inspector joins with the server's on one
// clock, the server's span inside the client's.
func TestRequestReportsToServe(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	for _, explicit := range []bool{false, true} {
		args := []string{"request", "--traceparent", testTraceparent, base + "/hello"}
		if explicit {
			args = append(args[:1], append([]string{"--report-to", base}, args[1:]...)...)
		}
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("request = exit %d, stderr %q", code, stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("request's stderr = %q; want none", stderr.String())
		}
	}
	parent, _ := trace.Parse(testTraceparent)
	var list struct {
		Exchanges []observe.Summary `json:"exchanges"`
	}
	getJSON(t, base+"/_roundtrip/api/exchanges?q=trace:"+parent.TraceID.String(), &list)
	if len(list.Exchanges) != 2 {
		t.Fatalf("exchanges of the trace = %d; want the 2 requests", len(list.Exchanges))
	}
	for _, s := range list.Exchanges {
		var ex observe.Exchange
		getJSON(t, base+"/_roundtrip/api/exchanges/"+idText(s.ID), &ex)
		client, ok := trace.Parse(ex.Traceparent)
		if !ok || client.TraceID != parent.TraceID || client.SpanID == parent.SpanID || ex.SpanID == client.SpanID || ex.TraceID != parent.TraceID {
			t.Fatalf("exchange %d traceparent %q, span %v; want a child of request's span, itself a child of %s", s.ID, ex.Traceparent, ex.SpanID, testTraceparent)
		}
		var both inspect.Both
		if code := getJSON(t, base+"/_roundtrip/api/exchanges/"+idText(s.ID)+"/client", &both); code != http.StatusOK {
			t.Fatalf("GET exchange %d's client = %d; want 200, the report joined", s.ID, code)
		}
		c := both.Client
		if c.SpanID != client.SpanID || !both.SameClock || both.OffsetMS != 0 || both.UncertaintyMS != 0 {
			t.Errorf("both = %+v; want the client's span %v on one clock", both, client.SpanID)
		}
		if both.ServerStartMS < 0 || both.ServerEndMS > c.TotalMS || both.ServerStartMS > both.ServerEndMS || len(both.Server) == 0 {
			t.Errorf("server span %v..%v ms; want inside the client's 0..%v", both.ServerStartMS, both.ServerEndMS, c.TotalMS)
		}
		for _, p := range both.Server {
			if p.StartMS < 0 || p.StartMS+p.DurationMS > c.TotalMS+0.001 {
				t.Errorf("server phase %+v outside the client's 0..%v ms", p, c.TotalMS)
			}
		}
		if len(c.Phases) == 0 || c.FirstByteMS < c.SentMS {
			t.Errorf("client report = %+v; want phases, sent before the first byte", c)
		}
	}
}

func TestRequestReportFlags(t *testing.T) {
	t.Parallel()
	closed := "http://" + servetest.RefusedAddr(t)
	base := servetest.Roundtrip(t, server.Config{NoInspector: true})
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{"bad report-to", []string{"--report-to", "localhost:4040"}, nil, exitUsage, "--report-to"},
		{"bad traceparent", []string{"--traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}, nil, exitUsage, "--traceparent"},
		{"bad otlp", []string{"--otlp", "grpc://localhost:4317"}, nil, exitUsage, "--otlp"},
		{"bad TRACEPARENT ignored", nil, map[string]string{"TRACEPARENT": "ff-nonsense"}, 0, ""},
		{"unreachable inspector is a note", []string{"--report-to", closed}, nil, 0, "could not report the exchange"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			args := append(append([]string{"request"}, tt.args...), base+"/hello")
			code := Main(context.Background(), args, func(k string) string { return tt.env[k] }, strings.NewReader(""), io.Discard, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) || tt.stderr == "" && stderr.Len() > 0 {
				t.Errorf("request %v = exit %d, stderr %q; want exit %d, stderr with %q", tt.args, code, stderr.String(), tt.code, tt.stderr)
			}
		})
	}
}

// TestRequestTRACEPARENT: the environment's traceparent is continued.
func TestRequestTRACEPARENT(t *testing.T) {
	t.Parallel()
	base := servetest.Roundtrip(t, server.Config{})
	env := map[string]string{"TRACEPARENT": testTraceparent}
	var stderr bytes.Buffer
	if code := Main(context.Background(), []string{"request", base + "/hello"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, &stderr); code != 0 {
		t.Fatalf("request = exit %d, stderr %q", code, stderr.String())
	}
	parent, _ := trace.Parse(testTraceparent)
	ex := exchangeOfTrace(t, base, parent.TraceID)
	if c, _ := trace.Parse(ex.Traceparent); c.TraceID != parent.TraceID {
		t.Errorf("traceparent sent = %q; want one of $TRACEPARENT's trace", ex.Traceparent)
	}
}
