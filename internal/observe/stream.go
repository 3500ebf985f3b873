package observe

import (
	"cmp"
	"encoding/base64"
	"slices"
	"time"
	"unicode/utf8"
)

// Stream is what crossed an exchange as a stream of messages, each way:
// sent is client to server, received is server to client, as Upstream
// names a tunnel's. An exchange has it as Upgrade after a protocol switch
// (a 101, such as a WebSocket's: bytes after the switch, messages and
// control frames if WebSocket, nothing more for other protocols) or as
// Stream for a text/event-stream response (protocol sse: the body's bytes
// and the events dispatched, all received).
type Stream struct {
	Protocol      string `json:"protocol"` // the request's Upgrade header, such as websocket; or sse
	BytesSent     int64  `json:"bytes_sent"`
	BytesReceived int64  `json:"bytes_received"`
	// Messages whole: a WebSocket's data message ends with its final frame
	// (FIN) of text or binary, or the continuation that ends a fragmented
	// one; an SSE event is dispatched at the blank line after a data field.
	MessagesSent     int64 `json:"messages_sent,omitempty"`
	MessagesReceived int64 `json:"messages_received,omitempty"`
	// Control frames: ping, pong and close.
	ControlSent     int64 `json:"control_sent,omitempty"`
	ControlReceived int64 `json:"control_received,omitempty"`
	// Messages are the first MaxKept messages each way, whole ones alone,
	// in the order they began, with a WebSocket's first close frame each
	// way beside them. They are kept as bodies are, and only when bodies
	// are (Config.MaxBody): up to MaxMessageBytes each, never redacted.
	Messages []StreamMessage `json:"messages,omitempty"`
}

// StreamMessage is one message a Stream kept.
type StreamMessage struct {
	Dir string `json:"dir"` // sent or received
	// AtMS is when it began (an SSE event: its first field), in
	// milliseconds from when the middleware had the request: the route
	// phase's start, not the first phase's.
	AtMS float64 `json:"at_ms"`
	// Type is text, binary or close for a WebSocket's, event for SSE's.
	Type string `json:"type"`
	// Event is an SSE event's type (message unless the stream named
	// another), ID its last event ID.
	Event string `json:"event,omitempty"`
	ID    string `json:"id,omitempty"`
	Code  int    `json:"code,omitempty"` // a close frame's status code
	// Text is the payload (an SSE event's data, a close frame's reason)
	// when it is UTF-8, Base64 a binary one's or one that is not.
	Text   string `json:"text,omitempty"`
	Base64 string `json:"base64,omitempty"`
	Size   int64  `json:"size"`          // the payload's length, whole
	Cut    bool   `json:"cut,omitempty"` // only its first bytes are kept
	// Compressed marks a WebSocket message sent deflated (RFC 7692's
	// permessage-deflate, its frame's RSV1): its payload is kept as it
	// crossed, in Base64, since inflating it may take every message before.
	Compressed bool `json:"compressed,omitempty"`
}

const (
	// MaxKept is how many messages a stream keeps each way.
	MaxKept = 20
	// MaxMessageBytes is how much of each a stream keeps, at most.
	MaxMessageBytes = 1 << 10
)

// keepLimit is how much of each message a capture keeping maxBody bytes
// of each body keeps: none when it keeps no bodies.
func keepLimit(capture bool, maxBody int) int {
	if !capture {
		return 0
	}
	return max(min(maxBody, MaxMessageBytes), 0)
}

// setPayload fills m's Text or Base64 from b, the first bytes of a payload
// of size bytes: text stays text when it is UTF-8, anything else is base64.
func (m *StreamMessage) setPayload(b []byte, size int64, text bool) {
	m.Size = size
	m.Cut = int64(len(b)) < size
	if len(b) == 0 {
		return
	}
	if text {
		s := string(b)
		if m.Cut {
			s = trimPartialRune(s)
		}
		if utf8.ValidString(s) {
			m.Text = s
			return
		}
	}
	m.Base64 = base64.StdEncoding.EncodeToString(b)
}

// msSince is the milliseconds since start, for a message's AtMS.
func msSince(start time.Time) float64 {
	if start.IsZero() {
		return 0
	}
	return Millis(time.Since(start))
}

// mergeKept is both ways' kept messages, in the order they began: sent
// first at a tie.
func mergeKept(sent, received []StreamMessage) []StreamMessage {
	if len(sent)+len(received) == 0 {
		return nil
	}
	out := make([]StreamMessage, 0, len(sent)+len(received))
	out = append(append(out, sent...), received...)
	slices.SortStableFunc(out, func(a, b StreamMessage) int { return cmp.Compare(a.AtMS, b.AtMS) })
	return out
}

// size is s's share of Exchange.Size.
func (s *Stream) size() int {
	n := 64 + len(s.Protocol)
	for i := range s.Messages {
		m := &s.Messages[i]
		n += 96 + len(m.Event) + len(m.ID) + len(m.Text) + len(m.Base64)
	}
	return n
}
