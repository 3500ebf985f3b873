package inspect

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/reqbody"
)

// ReplayOf is the header a replayed request carries, naming the exchange
// it replays: the new exchange's headers link it to the original.
const ReplayOf = "X-Roundtrip-Replay-Of"

// replayTimeout bounds a replay's round trip, its body included.
const replayTimeout = 30 * time.Second

// maxEdit bounds an edited replay's JSON.
const maxEdit = 1 << 20

// edit is what a replay may change: empty fields keep the original's.
type edit struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"` // a request-target, or an absolute URL elsewhere
	Headers http.Header `json:"headers"`
	Body    *string     `json:"body"`
}

// replayed is HandleReplay's answer.
type replayed struct {
	Of        uint64 `json:"replay_of"`
	RequestID string `json:"request_id"` // the new exchange's, as its X-Request-Id says
	Status    int    `json:"status"`
	URL       string `json:"url"`
}

// hopByHop are the fields a replay does not copy: the connection's own
// (RFC 9110 §7.6.1) and the ones the client works out again.
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Content-Length": true, "Host": true, "X-Request-Id": true,
}

// HandleReplay is POST /_roundtrip/api/exchanges/{id}/replay: the exchange's
// request sent again, to where it went (this server, or through the proxy
// to the app), or to ?to=URL, and captured as a new exchange whose
// X-Roundtrip-Replay-Of names the original. A JSON body edits it first
// (method, url, headers, body). A secret the capture redacted cannot be
// sent blind: the replay is refused until the edit gives its value.
func (in *Inspector) HandleReplay() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("id")
		id, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			writeProblem(w, r, http.StatusNotFound, "There is no exchange "+strconv.Quote(raw)+"; ids are positive numbers.")
			return
		}
		var e edit
		if r.ContentLength != 0 {
			dec := json.NewDecoder(reqbody.Limit(w, r, maxEdit))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil && !errors.Is(err, io.EOF) {
				writeProblem(w, r, http.StatusBadRequest, "The edit must be JSON with method, url, headers and body, each optional.")
				return
			}
		}
		ex, ok := in.Lookup(r.Context(), id)
		if !ok {
			writeProblem(w, r, http.StatusNotFound, "Exchange "+raw+" is not in the history: it never happened, or it was cleared or pushed out by newer ones.")
			return
		}
		base := ""
		if in.cfg.Origin != nil {
			base = in.cfg.Origin()
		}
		if to := r.URL.Query().Get("to"); to != "" {
			u, err := url.Parse(to)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
				writeProblem(w, r, http.StatusBadRequest, "to must be an http:// or https:// URL of a server, such as http://localhost:8080.")
				return
			}
			base = strings.TrimSuffix(u.String(), "/")
		}
		if base == "" {
			writeProblem(w, r, http.StatusConflict, "This inspector does not know where exchange "+raw+" went; give it with ?to=URL.")
			return
		}
		req, err := replayRequest(r.Context(), ex, e, base, r.URL.Query().Get("to") == "")
		if err != nil {
			writeProblem(w, r, http.StatusConflict, sentence(err.Error()))
			return
		}
		res, err := in.replayClient(req.URL.Scheme+"://"+req.URL.Host == base && r.URL.Query().Get("to") == "").Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // without the method and URL it repeats
			}
			writeProblem(w, r, http.StatusBadGateway, "The replay to "+req.URL.Host+" got no answer: "+err.Error()+".")
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<20))
		res.Body.Close()
		writeJSON(w, http.StatusCreated, replayed{Of: id, RequestID: res.Header.Get("X-Request-Id"), Status: res.StatusCode, URL: req.URL.String()})
	})
}

// replayClient sends replays: to this server itself (own), whose
// certificate with --tls is its own, self-signed, without verifying it;
// elsewhere, verifying.
func (in *Inspector) replayClient(own bool) *http.Client {
	in.replayOnce.Do(func() {
		newClient := func(insecure bool) *http.Client {
			return &http.Client{
				Timeout: replayTimeout,
				Transport: &http.Transport{
					Proxy:              nil,
					TLSClientConfig:    &tls.Config{InsecureSkipVerify: insecure}, //nolint:gosec // only to this server itself
					DisableCompression: true,
					ForceAttemptHTTP2:  true,
				},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
		}
		in.replay = [2]*http.Client{newClient(false), newClient(true)}
	})
	if own {
		return in.replay[1]
	}
	return in.replay[0]
}

// ReplayRequest is ex's request as a new one to base (scheme://host), for
// replaying it elsewhere (roundtrip replay): its method, target, headers
// (but for the connection's own) and body, with X-Roundtrip-Replay-Of. A
// secret its capture redacted, or a body kept in part, is an error saying
// so.
func ReplayRequest(ctx context.Context, ex *observe.Exchange, base string) (*http.Request, error) {
	return replayRequest(ctx, ex, edit{}, base, false)
}

// replayRequest is ex's request, edited by e, to base (scheme://host) for
// a request-target; with keepHost, to the original's Host.
func replayRequest(ctx context.Context, ex *observe.Exchange, e edit, base string, keepHost bool) (*http.Request, error) {
	method := ex.Method
	if e.Method != "" {
		method = e.Method
	}
	target := ex.URL
	if e.URL != "" {
		target = e.URL
	}
	if strings.HasPrefix(target, "/_roundtrip/") {
		// An imported entry may name roundtrip's own API: replaying a replay
		// of a replay would hold a connection at each turn.
		return nil, errors.New("roundtrip's own routes (/_roundtrip/) are not replayed")
	}
	u := target
	if strings.HasPrefix(target, "/") || target == "*" {
		u = base + target
	}
	var body []byte
	switch {
	case e.Body != nil:
		body = []byte(*e.Body)
	case ex.Request.BodyTruncated:
		return nil, errors.New("exchange " + strconv.FormatUint(ex.ID, 10) + "'s request body was kept only in part (" + strconv.Itoa(len(ex.Request.Body)+len(ex.Request.BodyBase64)) + " of " + strconv.FormatInt(ex.Request.BodySize, 10) + " bytes); give the body in the edit to replay it")
	case ex.Request.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(ex.Request.BodyBase64)
		if err != nil {
			return nil, errors.New("exchange's body cannot be decoded")
		}
		body = b
	default:
		body = []byte(ex.Request.Body)
	}
	if strings.Contains(u, observe.Redacted) || strings.Contains(u, url.QueryEscape(observe.Redacted)) {
		return nil, errors.New("the URL of exchange " + strconv.FormatUint(ex.ID, 10) + " had a secret, redacted in the capture; give the url in the edit to replay it")
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("the replay's request cannot be made: " + strings.TrimPrefix(err.Error(), "net/http: "))
	}
	if len(body) == 0 {
		req.Body = http.NoBody
	}
	for k, vs := range ex.Request.Headers {
		if hopByHop[k] || strings.HasPrefix(k, ":") {
			continue
		}
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range e.Headers {
		k = http.CanonicalHeaderKey(k)
		if len(vs) == 0 || len(vs) == 1 && vs[0] == "" {
			delete(req.Header, k) // an empty value removes it, as curl's -H 'Name:'
			continue
		}
		req.Header[k] = vs
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			if v == observe.Redacted {
				return nil, errors.New("exchange " + strconv.FormatUint(ex.ID, 10) + "'s " + k + " was a secret, redacted in the capture; give its value in the edit's headers to replay it")
			}
		}
	}
	if keepHost && ex.Host != "" && e.URL == "" {
		req.Host = ex.Host // the same Host as the original, whatever address the replay dials
	}
	req.Header.Set(ReplayOf, strconv.FormatUint(ex.ID, 10))
	return req, nil
}

// sentence is an error's message as a problem's detail: capitalised, with
// its full stop.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}
