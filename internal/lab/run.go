package lab

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxBody bounds how much of a response Run keeps; the experiments' answers are small.
const maxBody = 64 << 10

// Result is what one step produced.
type Result struct {
	Step   Step
	Status int
	Proto  string
	Header http.Header
	Body   []byte
	// Mismatches lists how the outcome differs from Step.Want; empty means it matched.
	Mismatches []string
	// Server names the server, from its answer (ServerName); Departs and
	// Differs are Step.Want.Judge's sentences about its answer.
	Server           string
	Departs, Differs []string
	// Err is set when no response arrived at all.
	Err error
}

// OK reports whether the step got a response and it matched.
func (r Result) OK() bool { return r.Err == nil && len(r.Mismatches) == 0 }

// FollowsHTTP reports whether the step got a response and it departs from
// nothing HTTP specifies, whatever it differs in from the lesson's server.
func (r Result) FollowsHTTP() bool { return r.Err == nil && len(r.Departs) == 0 }

// Run sends each step of x to the server at base (such as
// http://127.0.0.1:3000) with c, in order, and checks each response.
func Run(ctx context.Context, c *http.Client, base string, x Experiment) []Result {
	results := make([]Result, 0, len(x.Steps))
	for _, s := range x.Steps {
		results = append(results, runStep(ctx, c, base, s))
	}
	return results
}

func runStep(ctx context.Context, c *http.Client, base string, s Step) Result {
	res := Result{Step: s}
	var body io.Reader
	if s.Request.Body != "" {
		body = strings.NewReader(s.Request.Body)
	}
	req, err := http.NewRequestWithContext(ctx, s.Request.Method, strings.TrimRight(base, "/")+s.Request.Path, body)
	if err != nil {
		res.Err = fmt.Errorf("cannot build the request: %w", err)
		return res
	}
	for k, v := range s.Request.Headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		res.Err = err
		return res
	}
	defer resp.Body.Close()
	res.Status, res.Proto, res.Header = resp.StatusCode, resp.Proto, resp.Header
	res.Body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		res.Err = fmt.Errorf("reading the response body: %w", err)
		return res
	}
	res.Mismatches = s.Want.Check(res.Status, res.Header, res.Body)
	res.Server = ServerName(res.Header)
	res.Departs, res.Differs = s.Want.Judge(res.Server, s.Request, res.Status, res.Header, res.Body)
	return res
}

// Raw is the request as it goes on the wire in HTTP/1.1, less the headers
// the client adds on its own (User-Agent, Accept-Encoding, Content-Length).
func (r Request) Raw(host string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", r.Method, r.Path, host)
	for _, k := range sortedKeys(r.Headers) {
		fmt.Fprintf(&b, "%s: %s\r\n", k, r.Headers[k])
	}
	b.WriteString("\r\n")
	b.WriteString(r.Body)
	return b.String()
}
