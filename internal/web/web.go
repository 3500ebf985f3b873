// Package web serves the lab page: the lesson's visual model, a request
// builder, the live exchanges and the experiments, as plain HTML, CSS and
// JS embedded from static/ with no build step and no CDN.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/roundtrip/roundtrip/internal/lab"
	"github.com/roundtrip/roundtrip/internal/status"
)

//go:embed static
var static embed.FS

// StaticPrefix is where the page's assets are served.
const StaticPrefix = "/_roundtrip/static/"

// csp allows the page its own scripts, styles and API and nothing else:
// no inline script, no third party. Its fetches may also go to names
// under localhost, this machine (RFC 6761): the tour's request goes to
// one, for a connection of its own.
const csp = "default-src 'self'; connect-src 'self' http://*.localhost:* https://*.localhost:*; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// workerCSP is the challenge worker's own policy (challenge-worker.js). A
// dedicated worker is governed by the policy of its script's response, not
// the page's, and the worker must turn the learner's code into a function:
// 'unsafe-eval', which the page's policy rightly withholds, is allowed
// here, to that file alone. default-src 'none' leaves the code no network
// (connect-src falls back to it) and a worker has no DOM, so it can only
// compute and answer the page.
const workerCSP = "default-src 'none'; script-src 'self' 'unsafe-eval'"

// workerAsset is the one asset served with workerCSP.
const workerAsset = "challenge-worker.js"

type asset struct {
	body  []byte
	ctype string
	etag  string
	csp   string
}

// assets is every file under static/, read once.
var assets = func() map[string]asset {
	m := map[string]asset{}
	_ = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		name := strings.TrimPrefix(p, "static/")
		policy := csp
		if name == workerAsset {
			policy = workerCSP
		}
		m[name] = asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, csp: policy}
		return nil
	})
	return m
}()

func serveAsset(w http.ResponseWriter, r *http.Request, a asset) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache") // revalidate, so a new build shows at once
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", a.csp)
	h.Set("Referrer-Policy", "no-referrer")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// Page serves the lab page at / to browsers. Other clients, such as curl,
// get a short text guide instead of a page they cannot run.
func Page() http.Handler {
	page := assets["index.html"]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		if !strings.Contains(r.Header.Get("Accept"), "text/html") {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			// The commands name this server as the client reached it; the
			// page answers only its allowed Hosts, so r.Host is one of them.
			base := "http://" + r.Host
			if r.TLS != nil {
				base = "https://" + r.Host
			}
			_, _ = io.WriteString(w, strings.ReplaceAll(guide, "http://HOST", base))
			return
		}
		serveAsset(w, r, page)
	})
}

const guide = `roundtrip: the lesson's server. Open this URL in a browser for the lab page:
the request builder, the live exchanges, the tour and the four experiments.

Try:
  curl 'http://HOST/api/greeting?name=Alice'
  curl -X POST http://HOST/hello                  (405, see Allow)
  curl http://HOST/no/such/route                  (404)
  curl -H 'Content-Type: application/json' -d '{"name": Bob}' http://HOST/api/greeting   (400)
Or run: roundtrip lab
`

// Assets serves the page's files under StaticPrefix; a name that is not
// one of them goes to notFound.
func Assets(notFound http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[strings.TrimPrefix(r.URL.Path, StaticPrefix)]
		if !ok || !strings.HasPrefix(r.URL.Path, StaticPrefix) {
			notFound.ServeHTTP(w, r)
			return
		}
		serveAsset(w, r, a)
	})
}

// Experiments serves the experiments table, the status explanations and
// the reason phrases as
// JSON: the page runs the same table as roundtrip lab.
func Experiments() http.Handler {
	reasons := map[string]string{}
	for code := 100; code < 600; code++ {
		if t := status.Text(code); t != "" {
			reasons[strconv.Itoa(code)] = t
		}
	}
	body, err := json.Marshal(struct {
		Experiments []lab.Experiment  `json:"experiments"`
		Statuses    map[string]string `json:"statuses"`
		Reasons     map[string]string `json:"reasons"` // RFC 9110's phrases, for the page to name a status
	}{lab.Experiments, lab.Statuses(), reasons})
	if err != nil {
		panic("web: the experiments table does not encode: " + err.Error()) // a programming error, caught by tests
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	})
}
