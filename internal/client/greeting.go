package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Greeting is the lesson's getGreeting: it asks the server at base (such as
// http://localhost:3000) for /api/greeting with name and returns the
// answer's message. Unlike the lesson's template string, it percent-encodes
// the name, so "Tom & Jerry" arrives whole. With post, it sends
// {"name":NAME} as JSON instead of the query string. An empty name is left
// out, and the server says World.
func (c *Client) Greeting(ctx context.Context, base, name string, post bool) (string, *Response, error) {
	u, err := ParseURL(base)
	if err != nil {
		return "", nil, fmt.Errorf("the server must be an http:// or https:// URL, not %q", base)
	}
	u = u.JoinPath("api", "greeting")
	var req *http.Request
	if post {
		payload := []byte("{}")
		if name != "" {
			payload, _ = json.Marshal(map[string]string{"name": name}) // a map of strings always encodes
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(payload))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		if name != "" {
			// %20 rather than +: every server reads it as a space.
			u.RawQuery = "name=" + strings.ReplaceAll(url.QueryEscape(name), "+", "%20")
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	}
	if err != nil {
		return "", nil, fmt.Errorf("cannot build the request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(ctx, req)
	if err != nil {
		return "", nil, err
	}
	if err := resp.Err(); err != nil {
		return "", resp, err
	}
	msg, err := decodeGreeting(resp)
	return msg, resp, err
}

// decodeGreeting reads {"message": "..."} from a JSON answer.
func decodeGreeting(r *Response) (string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return "", fmt.Errorf("the answer is not a greeting: %d with Content-Type %q, not JSON", r.Status, r.Header.Get("Content-Type"))
	}
	// Decoded in two steps so that no error names a Go type.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &fields); err != nil {
		return "", fmt.Errorf("the answer is not a greeting: it is not a JSON object")
	}
	var msg string
	if raw, ok := fields["message"]; !ok || json.Unmarshal(raw, &msg) != nil {
		return "", fmt.Errorf("the answer is not a greeting: no \"message\" string in %s", oneLine(string(r.Body)))
	}
	return msg, nil
}
