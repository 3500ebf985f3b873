package server

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/status"
)

// handleStatus answers /status/{code} with that status, as httpbin does,
// with what the status requires or needs to be of use: a Location to
// follow, a challenge to answer, the methods allowed (allow, as the route
// itself sends it), a range.
func handleStatus(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.PathValue("code")
		code, err := strconv.Atoi(raw)
		if err != nil || code < 100 || code > 599 {
			problem.Write(w, r, problem.New(http.StatusBadRequest, "%q is not a status code; use a number from 100 to 599.", raw))
			return
		}
		text := status.Text(code)
		if text == "" {
			text = "Unassigned"
		}
		h := w.Header()
		switch code {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			h.Set("Location", "/hello")
		case http.StatusUnauthorized:
			h.Set("WWW-Authenticate", `Basic realm="roundtrip"`)
		case http.StatusProxyAuthRequired:
			h.Set("Proxy-Authenticate", `Basic realm="roundtrip"`)
		case http.StatusMethodNotAllowed:
			h.Set("Allow", allow)
		case http.StatusRequestedRangeNotSatisfiable:
			h.Set("Content-Range", "bytes */0") // RFC 9110 §15.5.17: the representation's length
		}
		switch {
		case code == http.StatusSwitchingProtocols:
			problem.Write(w, r, problem.New(http.StatusBadRequest, "101 Switching Protocols only answers an Upgrade request; it cannot be sent on demand."))
		case code < 200 && !r.ProtoAtLeast(1, 1):
			// RFC 9110 §15.2: no interim responses to an HTTP/1.0 client.
			writeText(w, http.StatusOK, fmt.Sprintf("%d %s is an informational response, which HTTP/1.0 clients do not understand, so only this 200 was sent.", code, text))
		case code < 200:
			// Other 1xx codes are interim: the client sees them, then the final answer.
			w.WriteHeader(code)
			writeText(w, http.StatusOK, fmt.Sprintf("Sent %d %s as an informational response, then this 200.", code, text))
		case code == http.StatusNoContent || code == http.StatusNotModified || code == http.StatusResetContent:
			w.WriteHeader(code) // these carry no body
		case code >= 400:
			p := problem.New(code, "This %d was asked for at /status/%d.", code, code)
			p.Title = text
			problem.Write(w, r, p)
		case code == http.StatusPartialContent:
			body := "206 Partial Content"
			h.Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", len(body)-1, len(body)))
			writeText(w, code, body)
		default:
			writeText(w, code, fmt.Sprintf("%d %s", code, text))
		}
	})
}
