package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// generic is the JSON document b as encoding/json decodes it into any.
func generic(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

// diff lists where the JSON values got and want differ, one path a line.
func diff(path string, got, want any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %v; want an object", path, got)}
		}
		var out []string
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range w {
				if !yield(k) {
					return
				}
			}
			for k := range g {
				if _, ok := w[k]; !ok && !yield(k) {
					return
				}
			}
		}) {
			gv, gok := g[k]
			wv, wok := w[k]
			switch {
			case !gok:
				out = append(out, fmt.Sprintf("%s.%s: missing; want %v", path, k, wv))
			case !wok:
				out = append(out, fmt.Sprintf("%s.%s: got %v; want it absent", path, k, gv))
			default:
				out = append(out, diff(path+"."+k, gv, wv)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %v; want %v", path, got, want)}
		}
		var out []string
		for i := range w {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), g[i], w[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(got, want) {
		return []string{fmt.Sprintf("%s: got %#v; want %#v", path, got, want)}
	}
	return nil
}

// roundTrip is doc decoded and encoded again.
func roundTrip(t *testing.T, doc []byte) []byte {
	t.Helper()
	l, err := Decode(bytes.NewReader(doc), 1<<30)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	var b bytes.Buffer
	if err := Encode(&b, l); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return b.Bytes()
}

// TestRoundTripFiles decodes and encodes each file in testdata, and
// compares what comes out with what went in as JSON values: every field,
// the spec's and the custom ones, is kept with its value. every-field.har
// has each field HAR 1.2 defines; devtools.har is a DevTools export (see
// TestDevTools); exchanges.har is roundtrip's own.
func TestRoundTripFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"every-field.har", "devtools.har", "exchanges.har"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			out := roundTrip(t, in)
			if d := diff("", generic(t, out), generic(t, in)); len(d) > 0 {
				t.Errorf("Decode then Encode of %s differs from it:\n%s", name, strings.Join(d, "\n"))
			}
		})
	}
}

// TestRoundTripPresence covers the fields whose presence, not only their
// value, must survive.
func TestRoundTripPresence(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, old, new string }{
		{"cache empty", `"cache":{}`, `"cache":{}`},
		{"cache entry null", `"cache":{}`, `"cache":{"beforeRequest":null,"afterRequest":{"lastAccess":"","eTag":"","hitCount":0}}`},
		{"timings not applicable", `"timings":{"send":0,`, `"timings":{"blocked":-1,"dns":-1,"connect":-1,"ssl":-1,"send":0,`},
		{"timings zero", `"timings":{"send":0,`, `"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,`},
		{"empty optional strings", `"time":1,`, `"time":1,"pageref":"","serverIPAddress":"","connection":"","comment":"",`},
		{"null optional strings", `"time":1,`, `"time":1,"pageref":null,"comment":null,`},
		{"custom fields", `"time":1,`, `"time":1,"_initiator":{"type":"script","stack":{"callFrames":[]}},"_priority":"High","_resourceType":"fetch","_error":null,`},
		{"custom fields inside", `"bodySize":0},"cache"`, `"bodySize":0,"_transferSize":512,"_fetchedViaServiceWorker":false},"cache"`},
		{"unknown field without an underscore", `"time":1,`, `"time":1,"priority":"high",`},
		{"cookie in full", `"cookies":[],"headers":[],"queryString"`, `"cookies":[{"name":"a","value":"1","path":"/","domain":"x","expires":null,"httpOnly":true,"secure":false,"sameSite":"Lax"}],"headers":[],"queryString"`},
		{"postData text only", `"queryString":[],`, `"queryString":[],"postData":{"mimeType":"application/json","text":"{}"},`},
		{"postData params only", `"queryString":[],`, `"queryString":[],"postData":{"mimeType":"application/x-www-form-urlencoded","params":[]},`},
		{"content text empty", `"mimeType":"text/plain"`, `"mimeType":"text/plain","text":"","encoding":"","compression":-1`},
		{"numbers", `"time":1`, `"time":1.5e-7`},
		{"big numbers", `"time":1`, `"time":1e21`},
		{"negative zero", `"time":1`, `"time":-0`},
		{"whole numbers written otherwise", `"bodySize":0},"response"`, `"bodySize":1.0e3},"response"`},
		{"escapes", `"method":"GET"`, `"method":"G\u0045T\n\"\\\/<>&\u2028\u0000é😀"`},
		{"names escaped", `"method":"GET"`, `"m\u0065thod":"GET","\u005fx":1`},
		{"duplicate names, the last kept", `"method":"GET"`, `"method":"PUT","method":"GET","_x":1,"_x":2`},
		{"a null then a value", `"time":1,`, `"time":1,"comment":null,"comment":"c",`},
		{"a value then a null", `"time":1,`, `"time":1,"comment":"c","comment":null,`},
		{"whitespace", `"time":1,`, "\"time\" :\n 1 ,\t\"_x\" : [ 1 , { } ] ,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := []byte(doc(entry(t, tt.old, tt.new)))
			out := roundTrip(t, in)
			if d := diff("", generic(t, out), generic(t, in)); len(d) > 0 {
				t.Errorf("Decode then Encode of %s =\n%s\ndiffers:\n%s", in, out, strings.Join(d, "\n"))
			}
		})
	}
}

// TestEncodeLikeEncodingJSON holds appendString and float to
// encoding/json's output, byte for byte, with HTML escaping off.
func TestEncodeLikeEncodingJSON(t *testing.T) {
	t.Parallel()
	strs := []string{"", "plain", `"\`, "\b\f\n\r\t\x00\x1f\x7f", "<b>&amp;</b>", "é😀", "\u2028\u2029", "\xff", "a\xc3", "\xed\xa0\x80", "\ufeff"}
	for _, s := range strs {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			t.Parallel()
			if got, want := string(observe.AppendString(nil, s)), stdJSON(t, s); got != want {
				t.Errorf("observe.AppendString(%q) = %s; want %s", s, got, want)
			}
		})
	}
	nums := []float64{0, math.Copysign(0, -1), 1, -1, 0.01, 0.203, 1.5e-7, 1e-6, 1e20, 1e21, 123456789.123, math.MaxFloat64, math.SmallestNonzeroFloat64}
	for _, f := range nums {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			t.Parallel()
			var e encoder
			e.float("f", f)
			if got, want := string(e.b), stdJSON(t, f); got != want || e.err != nil {
				t.Errorf("float(%v) = %s, %v; want %s", f, got, e.err, want)
			}
		})
	}
}

func stdJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// writes records each Write, or fails them once fail is set.
type writes struct {
	calls []string
	fail  error
}

func (w *writes) Write(p []byte) (int, error) {
	if w.fail != nil {
		return 0, w.fail
	}
	w.calls = append(w.calls, string(p))
	return len(p), nil
}

func testLog() *Log {
	return &Log{Version: Version, Creator: Creator{Name: "t", Version: "1"}, Comment: new("c"), Extra: Extra{"_x": json.RawMessage(`1`)}}
}

// TestWriterStreams checks that the Writer writes each entry as it is
// given, in one write, and nothing before.
func TestWriterStreams(t *testing.T) {
	t.Parallel()
	var w writes
	wr := NewWriter(&w, testLog())
	if len(w.calls) != 0 {
		t.Fatalf("NewWriter wrote %q; want nothing yet", w.calls)
	}
	var e Entry
	if err := json.Unmarshal([]byte(minimalEntry), &e); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := wr.Entry(&e); err != nil {
			t.Fatal(err)
		}
		if len(w.calls) != i+1 {
			t.Fatalf("after %d entries, %d writes; want one an entry", i+1, len(w.calls))
		}
	}
	if err := wr.RawEntry([]byte(" {\n\"a\": [1, 2]} ")); err != nil {
		t.Fatal(err)
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[` + "\n" + minimalEntry + "\n",
		"," + minimalEntry + "\n",
		"," + minimalEntry + "\n",
		`,{"a":[1,2]}` + "\n",
		`],"comment":"c","_x":1}}` + "\n",
	}
	if !slices.Equal(w.calls, want) {
		t.Errorf("writes = %q;\nwant %q", w.calls, want)
	}
	if err := wr.Entry(&e); !errors.Is(err, errClosed) {
		t.Errorf("Entry after Close = %v; want %v", err, errClosed)
	}
}

func TestWriterEmpty(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := Encode(&b, testLog()); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), `{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[`+"\n"+`],"comment":"c","_x":1}}`+"\n"; got != want {
		t.Errorf("Encode(no entries) = %s; want %s", got, want)
	}
}

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	var e Entry
	if err := json.Unmarshal([]byte(minimalEntry), &e); err != nil {
		t.Fatal(err)
	}
	t.Run("an entry that cannot be encoded", func(t *testing.T) {
		t.Parallel()
		var w writes
		wr := NewWriter(&w, testLog())
		bad := e
		bad.Time = math.NaN()
		if err := wr.Entry(&bad); err == nil || err.Error() != "har: time is NaN, which JSON cannot hold" {
			t.Errorf("Entry(time NaN) = %v; want an error naming time", err)
		}
		if err := wr.RawEntry([]byte(`[1]`)); err == nil {
			t.Errorf("RawEntry([1]) = nil; want an error: not an object")
		}
		if err := wr.RawEntry([]byte(`{`)); err == nil {
			t.Errorf("RawEntry({) = nil; want an error: not JSON")
		}
		bad.Time, bad.Extra = 1, Extra{"_x": json.RawMessage(`{`)}
		if err := wr.Entry(&bad); err == nil {
			t.Errorf("Entry(Extra not JSON) = nil; want an error")
		}
		if len(w.calls) != 0 {
			t.Errorf("writes = %q; want none for entries that fail", w.calls)
		}
		if err := wr.Entry(&e); err != nil || len(w.calls) != 1 || !strings.HasPrefix(w.calls[0], `{"log":`) {
			t.Errorf("the next entry = %v, writes %q; want it written, with the head", err, w.calls)
		}
	})
	t.Run("a write that fails", func(t *testing.T) {
		t.Parallel()
		gone := errors.New("gone")
		w := writes{fail: gone}
		wr := NewWriter(&w, testLog())
		if err := wr.Entry(&e); !errors.Is(err, gone) {
			t.Errorf("Entry = %v; want %v", err, gone)
		}
		w.fail = nil
		if err := wr.Entry(&e); !errors.Is(err, gone) {
			t.Errorf("Entry after a failed write = %v; want %v again", err, gone)
		}
		if err := wr.Close(); !errors.Is(err, gone) || len(w.calls) != 0 {
			t.Errorf("Close = %v, writes %q; want %v and nothing written", err, w.calls, gone)
		}
	})
}

// TestMarshalJSON checks the encoding/json entry points, which inspect's
// HAR uses.
func TestMarshalJSON(t *testing.T) {
	t.Parallel()
	var e Entry
	if err := json.Unmarshal([]byte(minimalEntry), &e); err != nil {
		t.Fatal(err)
	}
	l := testLog()
	l.Entries = []Entry{e, e}
	b, err := json.Marshal(struct {
		Log *Log `json:"log"`
	}{l})
	if err != nil {
		t.Fatal(err)
	}
	var enc bytes.Buffer
	if err := Encode(&enc, l); err != nil {
		t.Fatal(err)
	}
	if d := diff("", generic(t, b), generic(t, enc.Bytes())); len(d) > 0 {
		t.Errorf("json.Marshal of the log differs from Encode's:\n%s", strings.Join(d, "\n"))
	}
}

// heapObjects is the bytes of heap objects, live or not yet swept.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkWriter streams 256 MiB of entries, 4096 with 64 KiB bodies, as
// an export of a full store would, reporting the heap's peak above the
// one entry it is given: one entry's encoding, not the document's.
func BenchmarkWriter(b *testing.B) {
	line := `{"message":"Hello, Alice!"}` + "\n"
	body := strings.Repeat(line, 64<<10/len(line))
	var e Entry
	if err := json.Unmarshal([]byte(minimalEntry), &e); err != nil {
		b.Fatal(err)
	}
	e.Response.Content.Text, e.Response.Content.Size = &body, int64(len(body))
	runtime.GC()
	base := heapObjects()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if n := heapObjects(); n > peak.Load() {
					peak.Store(n)
				}
			}
		}
	})
	b.SetBytes(4096 << 16)
	b.ReportAllocs()
	for b.Loop() {
		w := NewWriter(io.Discard, testLog())
		for range 4096 {
			if err := w.Entry(&e); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(max(peak.Load(), base)-base)/(1<<20), "peak-heap-MiB")
}
