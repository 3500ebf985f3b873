package cli

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/internal/client"
)

// exchangeJSON is --output json's document.
type exchangeJSON struct {
	Request      requestJSON  `json:"request"`
	Response     responseJSON `json:"response"`
	TLS          *tlsJSON     `json:"tls"`
	Timings      timingsJSON  `json:"timings"`
	ServerTiming []metricJSON `json:"server_timing"`
}

type requestJSON struct {
	Method     string      `json:"method"`
	URL        string      `json:"url"`
	Proto      string      `json:"proto"`
	Headers    http.Header `json:"headers"`
	Body       any         `json:"body"`
	BodyBase64 string      `json:"body_base64,omitempty"`
}

type responseJSON struct {
	Status        int         `json:"status"`
	StatusText    string      `json:"status_text"`
	Proto         string      `json:"proto"`
	Headers       http.Header `json:"headers"`
	Body          any         `json:"body"`
	BodyBase64    string      `json:"body_base64,omitempty"`
	BodyTruncated bool        `json:"body_truncated,omitempty"`
}

type tlsJSON struct {
	Version         string    `json:"version"`
	CipherSuite     string    `json:"cipher_suite"`
	ALPN            string    `json:"alpn"`
	PeerCertificate *certJSON `json:"peer_certificate"`
}

type certJSON struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
	DNSNames []string  `json:"dns_names"`
}

// timingsJSON are the phases in milliseconds; they and stalled_ms add up
// to total_ms.
type timingsJSON struct {
	DNS     float64 `json:"dns_ms"`
	Connect float64 `json:"connect_ms"`
	TLS     float64 `json:"tls_ms"`
	Send    float64 `json:"send_ms"`
	Wait    float64 `json:"wait_ms"`
	Receive float64 `json:"receive_ms"`
	Stalled float64 `json:"stalled_ms"`
	Total   float64 `json:"total_ms"`
}

type metricJSON struct {
	Name  string  `json:"name"`
	DurMS float64 `json:"dur_ms"`
	Desc  string  `json:"desc"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// jsonMaxBody is how much of the answer's body the document holds, as
// body or body_base64; body_truncated says when there was more.
const jsonMaxBody = 10 << 20

// writeExchangeJSON writes the round trip as one JSON document, once
// x.readKept has read the body.
func writeExchangeJSON(w io.Writer, x *exchange, showSecrets bool) error {
	resp := x.resp
	req := resp.Request
	doc := exchangeJSON{
		Request: requestJSON{Method: req.Method, URL: req.URL.String(), Proto: sentProto(resp), Headers: sentHeader(resp, showSecrets)},
		Response: responseJSON{
			Status: resp.Status, StatusText: http.StatusText(resp.Status), Proto: resp.Proto,
			Headers: resp.Header, BodyTruncated: x.truncated(),
		},
		ServerTiming: []metricJSON{},
	}
	doc.Request.Body, doc.Request.BodyBase64 = bodyJSON(x.bodyOf(resp), req.Header.Get("Content-Type"))
	doc.Response.Body, doc.Response.BodyBase64 = bodyJSON(x.kept, resp.Header.Get("Content-Type"))
	if doc.Response.Headers == nil {
		doc.Response.Headers = http.Header{}
	}
	if cs := resp.TLS; cs != nil {
		doc.TLS = &tlsJSON{Version: tls.VersionName(cs.Version), CipherSuite: tls.CipherSuiteName(cs.CipherSuite), ALPN: cs.NegotiatedProtocol}
		if len(cs.PeerCertificates) > 0 {
			c := cs.PeerCertificates[0]
			doc.TLS.PeerCertificate = &certJSON{Subject: c.Subject.String(), Issuer: c.Issuer.String(), NotAfter: c.NotAfter.UTC(), DNSNames: c.DNSNames}
		}
	}
	tl := resp.Timeline
	ph := tl.Phases()
	doc.Timings = timingsJSON{
		DNS: ms(ph[client.DNS]), Connect: ms(ph[client.Connect]), TLS: ms(ph[client.TLS]), Send: ms(ph[client.Send]),
		Wait: ms(ph[client.Wait]), Receive: ms(ph[client.Receive]), Stalled: ms(stalled(tl)), Total: ms(tl.Total()),
	}
	for _, m := range resp.ServerTiming {
		doc.ServerTiming = append(doc.ServerTiming, metricJSON{Name: m.Name, DurMS: ms(m.Dur), Desc: m.Desc})
	}
	return encodeJSON(w, doc)
}

// sentProto is the protocol r's request went in, as its line names it.
func sentProto(r *client.Response) string {
	line := requestLine(r)
	return line[strings.LastIndexByte(line, ' ')+1:]
}

// bodyJSON is a body for the document: parsed when it is JSON, a string
// when it is UTF-8 text, else base64 (the second result).
func bodyJSON(body []byte, contentType string) (any, string) {
	switch {
	case len(body) == 0:
		return "", ""
	case !utf8.Valid(body):
		return nil, base64.StdEncoding.EncodeToString(body)
	case isJSON(contentType) && json.Valid(body):
		return json.RawMessage(body), ""
	}
	return string(body), ""
}

// errorJSON is --output json's document for a round trip that failed.
type errorJSON struct {
	Error string      `json:"error"`
	Kind  client.Kind `json:"kind"`
}

// writeErrorJSON writes a failed round trip as {"error": ..., "kind": ...}.
func writeErrorJSON(w io.Writer, err error) {
	kind := client.KindOther
	var ne *client.NetError
	if errors.As(err, &ne) {
		kind = ne.Kind
	}
	encodeJSON(w, errorJSON{err.Error(), kind})
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
