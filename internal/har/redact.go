package har

import (
	"mime"
	"net/http"

	"github.com/roundtrip/roundtrip/internal/observe"
)

// Redact replaces the secrets in e with observe.Redacted, judged as a
// capture's are without --capture-secrets: the values of secret headers
// (observe.IsSecretHeader, on the canonical name, so HTTP/2's lowercase
// ones too), every cookie's value (Cookie and Set-Cookie are secret
// headers), the URL's secret query parameters and password
// (observe.RedactURL), and HTTP/2's :path likewise. A posted form's
// secret parameters (observe.IsSecretParam) go too, in params and in an
// urlencoded text, since they are a query in a body. Other bodies,
// redirectURL and Referer stay as they are, as in a capture.
func Redact(e *Entry) {
	req := &e.Request
	req.URL = observe.RedactURL(req.URL)
	redactHeaders(req.Headers)
	redactHeaders(e.Response.Headers)
	redactCookies(req.Cookies)
	redactCookies(e.Response.Cookies)
	for i := range req.QueryString {
		if observe.IsSecretParam(req.QueryString[i].Name) {
			req.QueryString[i].Value = observe.Redacted
		}
	}
	if pd := req.PostData; pd != nil {
		for i := range pd.Params {
			if p := &pd.Params[i]; p.Value != nil && observe.IsSecretParam(p.Name) {
				p.Value = new(observe.Redacted)
			}
		}
		if mt, _, _ := mime.ParseMediaType(pd.MimeType); mt == "application/x-www-form-urlencoded" && pd.Text != nil {
			pd.Text = new(observe.RedactURL("?" + *pd.Text)[1:])
		}
	}
}

func redactHeaders(hs []NameValue) {
	for i := range hs {
		h := &hs[i]
		switch {
		case h.Name == ":path":
			h.Value = observe.RedactURL(h.Value)
		case observe.IsSecretHeader(http.CanonicalHeaderKey(h.Name)):
			h.Value = observe.Redacted
		}
	}
}

func redactCookies(cs []Cookie) {
	for i := range cs {
		cs[i].Value = observe.Redacted
	}
}
