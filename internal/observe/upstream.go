package observe

import (
	"net/http"
	"time"

	"github.com/roundtrip/roundtrip/internal/trace"
)

// Upstream is the second leg of a proxied exchange: the request the proxy
// sent on to the app and what came back, timed as a client sees it, on
// the same clock as the exchange's own phases.
type Upstream struct {
	URL          string  `json:"url"`   // the request sent on, absolute
	Proto        string  `json:"proto"` // the app's answer's, such as HTTP/1.1
	Status       int     `json:"status"`
	Remote       string  `json:"remote"` // the app's address
	Reused       bool    `json:"reused"` // on a connection an earlier exchange opened
	ServerTiming string  `json:"server_timing"`
	Error        string  `json:"error"` // why there was no answer, as the 502 or 504 says
	Phases       []Phase `json:"phases"`
	// A CONNECT tunnel's bytes each way: client to app, and back.
	BytesSent     int64 `json:"bytes_sent"`
	BytesReceived int64 `json:"bytes_received"`
	// SpanID is the upstream leg's client span, a child of the exchange's
	// SpanID, as the traceparent sent to the app says.
	SpanID trace.SpanID `json:"span_id"`

	// Times are the client's instants (zero when a phase did not happen),
	// made Phases by Derive.
	Times UpstreamTimes `json:"-"`
}

// UpstreamTimes are the instants of the upstream round trip.
type UpstreamTimes struct {
	Start, DNSStart, DNSDone, ConnectStart, ConnectDone, TLSStart, TLSDone time.Time
	GotConn, WroteRequest, FirstByte, End                                  time.Time
}

// upstreamPhases are the client's phases, as roundtrip request names them.
var upstreamPhases = [...]struct{ name, label string }{
	{"dns", "DNS lookup"}, {"connect", "TCP connect"}, {"tls", "TLS handshake"},
	{"send", "request sent"}, {"wait", "waiting for the app"}, {"receive", "response received"},
}

// phases are t's phases in milliseconds from origin; a phase that did not
// happen is left out.
func (t *UpstreamTimes) phases(origin time.Time) []Phase {
	spans := [...][2]time.Time{
		{t.DNSStart, t.DNSDone}, {t.ConnectStart, t.ConnectDone}, {t.TLSStart, t.TLSDone},
		{t.GotConn, t.WroteRequest}, {t.WroteRequest, t.FirstByte}, {t.FirstByte, t.End},
	}
	out := make([]Phase, 0, len(spans))
	for i, s := range spans {
		if s[0].IsZero() || s[1].IsZero() || s[1].Before(s[0]) {
			continue
		}
		out = append(out, Phase{Name: upstreamPhases[i].name, Label: upstreamPhases[i].label,
			StartMS: Millis(s[0].Sub(origin)), DurationMS: Millis(s[1].Sub(s[0]))})
	}
	return out
}

// SetUpstream records the upstream leg of the exchange being served on w,
// for a proxy's handler to call before it returns. It must not change
// afterwards: the record is the observers'.
func SetUpstream(w http.ResponseWriter, up *Upstream) {
	if rec := recorderOf(w); rec != nil {
		rec.ex.Upstream = up
	}
}
