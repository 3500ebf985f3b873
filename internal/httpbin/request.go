package httpbin

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/roundtrip/roundtrip/internal/httpjson"
	"github.com/roundtrip/roundtrip/internal/observe"
	"github.com/roundtrip/roundtrip/internal/problem"
	"github.com/roundtrip/roundtrip/internal/reqbody"
)

// Get describes the request back: /get, and /head for HEAD.
func (b *Bin) Get() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, b.describe(r))
	})
}

// bodyRequest is go-httpbin's description of a request with a body.
type bodyRequest struct {
	request
	Data  string     `json:"data"`
	Files url.Values `json:"files"`
	Form  url.Values `json:"form"`
	JSON  any        `json:"json"`
}

// Body describes a request and its body back: /post, /put, /patch and
// /delete.
func (b *Bin) Body() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, p := b.describeBody(w, r)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		httpjson.Write(w, http.StatusOK, d)
	})
}

// Anything describes any request back, with its body if it has one, even
// a GET's; HEAD as GET.
func (b *Bin) Anything() http.Handler {
	get, body := b.Get(), b.Body()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			get.ServeHTTP(w, r)
			return
		}
		body.ServeHTTP(w, r)
	})
}

// describeSent is r's description as the endpoints that read a body
// give it: with Transfer-Encoding, which net/http takes out of the header
// and go-httpbin puts back.
func (b *Bin) describeSent(r *http.Request) request {
	d := b.describe(r)
	if len(r.TransferEncoding) > 0 {
		d.Headers.Set("Transfer-Encoding", strings.Join(r.TransferEncoding, ","))
	}
	return d
}

// describeBody reads r's body and describes r with it, parsed as
// go-httpbin parses it: a form, a multipart form with its files, JSON,
// text as it is, and anything else as a data: URL.
func (b *Bin) describeBody(w http.ResponseWriter, r *http.Request) (bodyRequest, *problem.Details) {
	body, p := reqbody.Read(w, r)
	if p != nil {
		return bodyRequest{}, p
	}
	d := bodyRequest{request: b.describeSent(r), Files: url.Values{}, Form: url.Values{}}
	if len(body) == 0 {
		return d, nil
	}
	d.Data = string(body)
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = ""
	}
	switch {
	case mt == "text/plain" || mt == "text/html":
	case mt == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return d, problem.New(http.StatusBadRequest, "The form body is not valid application/x-www-form-urlencoded: %s.", formError(err))
		}
		d.Form = form
	case mt == "multipart/form-data":
		form, files, p := parseMultipart(body, params["boundary"])
		if p != nil {
			return d, p
		}
		d.Form, d.Files = form, files
	case httpjson.Is(ct):
		if err := httpjson.Decode(body, &d.JSON); err != nil {
			return d, problem.FromJSON(err)
		}
	default:
		if mt == "" {
			mt = "application/octet-stream"
		}
		d.Data = "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(body)
	}
	return d, nil
}

// formError words a url.ParseQuery error without Go's names.
func formError(err error) string {
	if e := (url.EscapeError("")); errors.As(err, &e) {
		return "the escape " + string(e) + " is not valid"
	}
	return "a field is malformed"
}

// parseMultipart reads a multipart/form-data body already in memory: its
// fields, and its files' contents as strings, as go-httpbin reports them.
func parseMultipart(body []byte, boundary string) (form, files url.Values, p *problem.Details) {
	if boundary == "" {
		return nil, nil, problem.New(http.StatusBadRequest, "The multipart/form-data Content-Type has no boundary parameter.")
	}
	// The body is at most reqbody.Max: with that much memory allowed,
	// nothing goes to a temporary file.
	mf, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(reqbody.Max)
	if err != nil {
		return nil, nil, problem.New(http.StatusBadRequest, "The multipart/form-data body is malformed.")
	}
	defer mf.RemoveAll()
	form, files = url.Values(mf.Value), url.Values{}
	for name, fhs := range mf.File {
		files[name] = []string{}
		for _, fh := range fhs {
			f, err := fh.Open()
			if err != nil {
				return nil, nil, problem.New(http.StatusBadRequest, "The multipart/form-data body is malformed.")
			}
			content, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, problem.New(http.StatusBadRequest, "The multipart/form-data body is malformed.")
			}
			files[name] = append(files[name], string(content))
		}
	}
	return form, files, nil
}

// Headers answers the request's header.
func (b *Bin) Headers() http.Handler {
	type answer struct {
		Headers http.Header `json:"headers"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, answer{b.headers(r)})
	})
}

// IP answers the client's address: JSON, or text with ?format=text.
func (b *Bin) IP() http.Handler {
	type answer struct {
		Origin string `json:"origin"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r)
		if r.URL.Query().Get("format") == "text" {
			answerText(w, http.StatusOK, ip+"\n")
			return
		}
		httpjson.Write(w, http.StatusOK, answer{ip})
	})
}

// UserAgent answers the request's User-Agent.
func (b *Bin) UserAgent() http.Handler {
	type answer struct {
		UserAgent string `json:"user-agent"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, answer{r.Header.Get("User-Agent")})
	})
}

// DumpRequest answers the request as HTTP/1.x text, as net/http/httputil
// writes it (go-httpbin's answer), its credentials redacted unless
// Config.Secrets is set.
func (b *Bin) DumpRequest() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, p := reqbody.Read(w, r)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		c := r.WithContext(r.Context()) // a shallow copy, to redact
		c.Body = io.NopCloser(bytes.NewReader(body))
		if !b.cfg.Secrets {
			c.Header = observe.Redact(r.Header)
			c.RequestURI = observe.RedactURL(r.RequestURI)
		}
		dump, err := httputil.DumpRequest(c, true)
		if err != nil {
			problem.Write(w, r, problem.New(http.StatusInternalServerError, "The request could not be written out."))
			return
		}
		answerText(w, http.StatusOK, string(dump))
	})
}

// Hostname answers Config.Hostname: like go-httpbin by default, it does
// not tell the machine's name.
func (b *Bin) Hostname() http.Handler {
	type answer struct {
		Hostname string `json:"hostname"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, answer{b.cfg.Hostname})
	})
}

// Env answers no environment variables: go-httpbin's HTTPBIN_ ones are an
// operator's, and roundtrip has none to show.
func (b *Bin) Env() http.Handler {
	type answer struct {
		Env map[string]string `json:"env"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, answer{map[string]string{}})
	})
}

// Version answers the service and Config.Version.
func (b *Bin) Version() http.Handler {
	type answer struct {
		Service string `json:"service"`
		Version string `json:"version"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, answer{"roundtrip", b.cfg.Version})
	})
}

// Upload reads and discards a body of up to reqbody.Max bytes and
// answers the request's description with how many bytes came.
func (b *Bin) Upload() http.Handler {
	type answer struct {
		request
		BytesReceived int64 `json:"bytes_received"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, p := reqbody.Discard(w, r)
		if p != nil {
			problem.Write(w, r, p)
			return
		}
		httpjson.Write(w, http.StatusOK, answer{b.describeSent(r), n})
	})
}
