package cli

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roundtrip/roundtrip/internal/client"
	"github.com/roundtrip/roundtrip/internal/servertiming"
)

func TestWriteExchangeJSONGolden(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	cert := &x509.Certificate{
		Subject:  pkix.Name{CommonName: "localhost", Organization: []string{"roundtrip"}},
		Issuer:   pkix.Name{CommonName: "roundtrip test CA"},
		NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), DNSNames: []string{"localhost"},
	}
	resp := &client.Response{
		Request: sentRequest(t, "POST", "https://localhost:8443/api/greeting", http.Header{
			"Content-Type": {"application/json"}, "Accept": {"application/json"}, "Authorization": {"Bearer s3cret"},
		}, `{"name":"Zoë & <Bob>"}`),
		Sent: []client.Field{
			{Name: ":authority", Value: "localhost:8443"}, {Name: ":method", Value: "POST"}, {Name: ":path", Value: "/api/greeting"},
			{Name: ":scheme", Value: "https"}, {Name: "content-type", Value: "application/json"}, {Name: "accept", Value: "application/json"},
			{Name: "authorization", Value: "Bearer s3cret"}, {Name: "content-length", Value: "23"}, {Name: "user-agent", Value: "Go-http-client/2.0"},
		},
		Proto: "HTTP/2.0", Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}, "Server-Timing": {`handler;dur=0.5;desc="greeting"`}},
		Body:   []byte(`{"message":"Hello, Zoë & <Bob>!"}`),
		TLS: &tls.ConnectionState{
			Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256, NegotiatedProtocol: "h2",
			PeerCertificates: []*x509.Certificate{cert},
		},
		Timeline: client.Timeline{
			Start: at(0), DNSStart: at(10), DNSDone: at(110), ConnectStart: at(120), ConnectDone: at(320),
			TLSStart: at(320), TLSDone: at(1320), GotConn: at(1330), WroteRequest: at(1400), FirstByte: at(2400), End: at(2500),
			TLSVersion: tls.VersionTLS13,
		},
		ServerTiming: []servertiming.Metric{{Name: "handler", Dur: 500 * time.Microsecond, Desc: "greeting"}},
	}
	binary := &client.Response{
		Request: sentRequest(t, "GET", "http://localhost:3000/logo.png", http.Header{}, ""),
		Proto:   "HTTP/1.1", Status: 404, Header: http.Header{"Content-Type": {"image/png"}},
		Body: []byte("\x89PNG\xff"),
	}
	tests := []struct {
		name string
		resp *client.Response
	}{
		{"request_exchange.json", resp},
		{"request_exchange_binary.json", binary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			x := testExchange(t, tt.resp)
			if err := x.readKept(); err != nil {
				t.Fatal(err)
			}
			if err := writeExchangeJSON(&out, x, false); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, out.String())
		})
	}
}

// TestREADMEOutputJSONSchema: README's schema tables name every field of
// --output json's two documents, and no other.
func TestREADMEOutputJSONSchema(t *testing.T) {
	t.Parallel()
	section := readmeSection(t, "#### `--output json`'s schema")
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(section, -1) {
		documented = append(documented, m[1])
	}
	fields := append(jsonPaths("", reflect.TypeFor[exchangeJSON]()), jsonPaths("", reflect.TypeFor[errorJSON]())...)
	slices.Sort(documented)
	slices.Sort(fields)
	if !slices.Equal(documented, fields) {
		t.Errorf("README's schema documents\n%q\nbut the documents have\n%q", documented, fields)
	}
}

// jsonPaths lists a struct's JSON fields as dotted paths, an array's
// elements' as name[].field, the nested ones after their parent.
func jsonPaths(prefix string, typ reflect.Type) []string {
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
		if typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.Struct {
			prefix += "[]"
		}
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct || typ == reflect.TypeFor[time.Time]() {
		return nil
	}
	var paths []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if prefix != "" {
			name = prefix + "." + name
		}
		paths = append(paths, name)
		paths = append(paths, jsonPaths(name, f.Type)...)
	}
	return paths
}
