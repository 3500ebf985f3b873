// Package challenge holds a server, any server in any language, to the
// coding challenge's cases (route.Cases) over HTTP: the one check behind
// roundtrip challenge and the lab page's "Check your own server".
package challenge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/roundtrip/roundtrip/route"
)

// Limits on what one case reads and reports.
const (
	maxBody  = 64 << 10 // read of an answer's body; a longer one fails its case
	maxShown = 200      // bytes of a body a result carries
)

// Result is one case's outcome. A case not sent has Skip; one that got no
// answer, Error.
type Result struct {
	Case   route.Case `json:"case"`
	Skip   string     `json:"skip,omitempty"`
	Error  string     `json:"error,omitempty"`
	Status int        `json:"status,omitempty"`
	Body   string     `json:"body,omitempty"` // trimmed of one trailing newline, cut to maxShown bytes
	Pass   bool       `json:"pass"`
}

// Hint is a failed rule and what to do about it.
type Hint struct {
	Rule string `json:"rule"`
	Hint string `json:"hint"`
}

// Report is a whole check: every case's result in the table's order, and
// the hints for the rules some case failed, each once.
type Report struct {
	Server  string   `json:"server"`
	Results []Result `json:"results"`
	Sent    int      `json:"sent"`
	Passed  int      `json:"passed"`
	Hints   []Hint   `json:"hints"`
}

// OK reports whether every case sent passed.
func (r *Report) OK() bool { return r.Sent > 0 && r.Passed == r.Sent }

// Unreachable is a check that could not connect to the server at all.
type Unreachable struct {
	Server string
	Err    error
}

func (e *Unreachable) Error() string { return fmt.Sprintf("cannot reach %s: %v", e.Server, e.Err) }
func (e *Unreachable) Unwrap() error { return e.Err }

// Skip says why c cannot be sent over HTTP as the case means it, or "".
// A function can be handed any method and path; a request line needs a
// method and a path that starts with /, and servers answer some requests
// before the learner's code sees them or in ways the lesson allows.
func Skip(c route.Case) string {
	switch {
	case c.Method == "":
		return "an HTTP request always has a method"
	case !strings.HasPrefix(c.Path, "/"):
		return "an HTTP request's path starts with /"
	case c.Path == "/":
		return "a server's root is often its home page (roundtrip's is the lab page), which the lesson does not forbid"
	case c.Method == http.MethodHead:
		return "HTTP servers answer HEAD wherever GET is, with no body (RFC 9110 §9.3.2)"
	case strings.ToUpper(c.Method) != c.Method:
		return "many servers (Node's among them) refuse a method that is not upper case before your code sees it"
	}
	return ""
}

// Says reports whether body, trimmed of one trailing newline, says want:
// it is want; or it is a JSON object whose message or title is want (as
// Express's res.json({message}) and an RFC 9457 problem put it); or it is
// want, a colon and more (roundtrip's /time adds the time).
func Says(body, want string) bool {
	body = trimNewline(body)
	if body == want || strings.HasPrefix(body, want+": ") {
		return true
	}
	var obj struct {
		Message *string `json:"message"`
		Title   *string `json:"title"`
	}
	if json.Unmarshal([]byte(body), &obj) != nil {
		return false
	}
	return (obj.Message != nil && *obj.Message == want) || (obj.Title != nil && *obj.Title == want)
}

func trimNewline(s string) string {
	if t, ok := strings.CutSuffix(s, "\r\n"); ok {
		return t
	}
	return strings.TrimSuffix(s, "\n")
}

// Target parses the server to check: an http:// or https:// URL of a host,
// with no path, query or user, since the cases' paths are sent as they are.
// It returns the URL without a trailing slash.
func Target(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("the server must be an http:// or https:// URL such as http://localhost:8080, not %q", raw)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("the server's URL must be scheme, host and port only, such as http://localhost:8080: the cases' paths are sent as they are, not %q", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// Loopback refuses a target that is not this machine: the host must be
// localhost or a loopback IP literal. No name is resolved to decide, and a
// client from NewClient with loopback set also refuses to dial any other
// address, whatever localhost resolves to.
func Loopback(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("the check sends requests only to this machine: localhost or a loopback address such as 127.0.0.1 or [::1], not %q", host)
}

// NewClient is the check's client: no proxy, no redirects followed (a 3xx
// is the answer), timeout for each case. With loopback it dials only
// loopback addresses.
func NewClient(timeout time.Duration, loopback bool) *http.Client {
	d := &net.Dialer{Timeout: timeout}
	if loopback {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("%s is not a loopback address", host)
			}
			return nil
		}
	}
	return &http.Client{
		Transport:     &http.Transport{Proxy: nil, DialContext: d.DialContext, MaxIdleConnsPerHost: 1},
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Check sends every case that can be sent (Skip) to target, a URL from
// Target, in the table's order. It stops with an *Unreachable when a case
// cannot connect; a case that connects but gets no answer in time fails.
func Check(ctx context.Context, hc *http.Client, target string) (*Report, error) {
	rep := &Report{Server: target, Results: []Result{}, Hints: []Hint{}}
	failed := map[string]bool{}
	for _, c := range route.Cases() {
		r := Result{Case: c, Skip: Skip(c)}
		if r.Skip == "" {
			if err := send(ctx, hc, target, &r); err != nil {
				return nil, err
			}
			rep.Sent++
			if r.Pass {
				rep.Passed++
			} else if !failed[c.Rule] {
				failed[c.Rule] = true
				rep.Hints = append(rep.Hints, Hint{c.Rule, route.Hint(c.Rule)})
			}
		}
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

// send sends r's case and fills in its answer.
func send(ctx context.Context, hc *http.Client, target string, r *Result) error {
	req, err := http.NewRequestWithContext(ctx, r.Case.Method, target+r.Case.Path, nil)
	if err != nil || req.URL.RequestURI() != r.Case.Path {
		r.Skip = "the request cannot be sent as written"
		return nil
	}
	req.Header.Set("User-Agent", "roundtrip-challenge")
	res, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		cause := err
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			cause = ue.Err
		}
		if op := (*net.OpError)(nil); errors.As(cause, &op) && op.Op == "dial" {
			return &Unreachable{Server: target, Err: op.Err}
		}
		if ue := (*url.Error)(nil); errors.As(err, &ue) && ue.Timeout() {
			r.Error = "no answer in time"
		} else {
			r.Error = cause.Error()
		}
		return nil
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	r.Status = res.StatusCode
	r.Body = shown(trimNewline(string(body)))
	switch {
	case err != nil:
		r.Error = "the body was cut off: " + err.Error()
	case len(body) > maxBody:
		r.Error = fmt.Sprintf("the body is over %d KiB", maxBody>>10)
	default:
		r.Pass = res.StatusCode == r.Case.Want.Status && Says(string(body), r.Case.Want.Body)
	}
	return nil
}

// shown is s cut to maxShown bytes at a character's start, valid UTF-8.
func shown(s string) string {
	if len(s) > maxShown {
		n := maxShown
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
