package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/servetest"
	"github.com/roundtrip/roundtrip/internal/trace"
)

// installJaeger is how .ci/run builds Jaeger v1.76.0's all-in-one, whose
// module's replace directive go install pkg@version refuses.
const installJaeger = "go mod download github.com/jaegertracing/jaeger@v1.76.0 && " +
	"(cd $(go env GOMODCACHE)/github.com/jaegertracing/jaeger@v1.76.0 && GOBIN=DIR go install ./cmd/jaeger), DIR on PATH"

// jaegerConfig is the all-in-one's configuration (v1.76.0 is an
// OpenTelemetry Collector): memory storage, the OTLP/HTTP receiver and the
// query API on loopback, no telemetry of its own.
const jaegerConfig = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: mem
    http:
      endpoint: %s
    grpc:
      endpoint: %s
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`

// startJaeger runs Jaeger on free loopback ports and returns its OTLP
// endpoint and query API's base URL, once the API answers.
func startJaeger(t *testing.T) (otlp, query string) {
	t.Helper()
	bin := servetest.Tool(t, "jaeger", installJaeger)
	q, g, o := servetest.FreeAddr(t), servetest.FreeAddr(t), servetest.FreeAddr(t)
	cfg := filepath.Join(t.TempDir(), "jaeger.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, jaegerConfig, q, g, o), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", cfg)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	query = "http://" + q
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(query + "/api/services")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return "http://" + o, query
			}
		}
		select {
		case <-exited:
			t.Fatalf("jaeger exited: %s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("jaeger's query API did not answer in 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startRoundtrip runs this binary as roundtrip with args and env, and
// returns the first line it prints.
func startRoundtrip(t *testing.T, env []string, args ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(append(os.Environ(), asRoundtrip+"=1", "XDG_STATE_HOME="+t.TempDir()), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := bufio.NewReader(stdout)
	first, err := lines.ReadString('\n')
	if err != nil {
		t.Fatalf("roundtrip %v: reading its first line: %v", args, err)
	}
	go io.Copy(io.Discard, lines)
	return strings.TrimSpace(first)
}

// jaegerTrace is what Jaeger's query API answers for one trace.
type jaegerTrace struct {
	Data []struct {
		Spans []struct {
			SpanID        string `json:"spanID"`
			OperationName string `json:"operationName"`
			ProcessID     string `json:"processID"`
			References    []struct {
				RefType string `json:"refType"`
				SpanID  string `json:"spanID"`
			} `json:"references"`
			Tags []struct {
				Key   string `json:"key"`
				Value any    `json:"value"`
			} `json:"tags"`
		} `json:"spans"`
		Processes map[string]struct {
			ServiceName string `json:"serviceName"`
		} `json:"processes"`
	} `json:"data"`
}

// span is one span of a trace as the test checks it.
type span struct{ service, kind, name, id, parent string }

func spansOf(t *testing.T, query string, id trace.ID) []span {
	t.Helper()
	res, err := http.Get(query + "/api/traces/" + id.String())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil // not there yet
	}
	var jt jaegerTrace
	if err := json.NewDecoder(res.Body).Decode(&jt); err != nil {
		t.Fatal(err)
	}
	var out []span
	for _, d := range jt.Data {
		for _, s := range d.Spans {
			sp := span{service: d.Processes[s.ProcessID].ServiceName, name: s.OperationName, id: s.SpanID}
			for _, r := range s.References {
				if r.RefType == "CHILD_OF" {
					sp.parent = r.SpanID
				}
			}
			for _, tag := range s.Tags {
				if tag.Key == "span.kind" {
					sp.kind, _ = tag.Value.(string)
				}
			}
			out = append(out, sp)
		}
	}
	return out
}

// TestJaegerEndToEnd: roundtrip request → roundtrip proxy → roundtrip
// serve, all exporting to a real Jaeger by the standard environment
// variable, make one trace in it: the client's span, the proxy's two legs
// and the server's span, each the child of the one before.
func TestJaegerEndToEnd(t *testing.T) {
	otlp, query := startJaeger(t)
	env := []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + otlp}
	serveURL, ok := strings.CutPrefix(startRoundtrip(t, env, "serve", "--addr", "127.0.0.1:0", "--store", "memory"), "roundtrip listening on ")
	if !ok {
		t.Fatal("serve printed no URL")
	}
	line := startRoundtrip(t, env, "proxy", "--to", serveURL, "--addr", "127.0.0.1:0", "--inspector-addr", "127.0.0.1:0", "--store", "memory")
	proxyURL, _, ok := strings.Cut(strings.TrimPrefix(line, "roundtrip proxy listening on "), ",")
	if !ok {
		t.Fatalf("proxy's first line = %q", line)
	}
	parent := trace.New()
	exe, _ := os.Executable()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := exec.CommandContext(ctx, exe, "request", proxyURL+"/hello")
	req.Env = append(append(os.Environ(), asRoundtrip+"=1", "TRACEPARENT="+parent.Traceparent()), env...)
	if out, err := req.CombinedOutput(); err != nil || !strings.Contains(string(out), "Hello") {
		t.Fatalf("roundtrip request: %v: %s", err, out)
	}

	want := []struct{ service, kind string }{
		{"roundtrip-request", "client"}, {"roundtrip-proxy", "server"}, {"roundtrip-proxy", "client"}, {"roundtrip-serve", "server"},
	}
	var chain []span
	var spans []span
	deadline := time.Now().Add(15 * time.Second) // serve and proxy send a batch a second
	for time.Now().Before(deadline) {
		spans = spansOf(t, query, parent.TraceID)
		chain = chainOf(spans, parent.SpanID.String(), len(want))
		if len(chain) == len(want) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(chain) != len(want) {
		t.Fatalf("trace %s in Jaeger: %+v; want a chain of %v from parent %s", parent.TraceID, spans, want, parent.SpanID)
	}
	for i, w := range want {
		if chain[i].service != w.service || chain[i].kind != w.kind {
			t.Errorf("span %d of the chain = %+v; want service %s, kind %s", i, chain[i], w.service, w.kind)
		}
	}
}

// chainOf follows spans from the one whose parent is root, child by
// child, for at most n spans, taking at each step the child that is not
// an internal phase.
func chainOf(spans []span, root string, n int) []span {
	var chain []span
	at := root
	for len(chain) < n {
		var next *span
		for i := range spans {
			if spans[i].parent == at && spans[i].kind != "internal" {
				next = &spans[i]
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, *next)
		at = next.id
	}
	return chain
}
