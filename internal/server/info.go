package server

import (
	"net/http"

	"github.com/roundtrip/roundtrip/internal/httpjson"
)

// info is GET /_roundtrip/api/info: what this inspector watches, for the
// page to say so and to show only what applies.
type info struct {
	Mode      string `json:"mode"`      // serve, reverse (roundtrip proxy --to) or forward (--forward)
	Listener  string `json:"listener"`  // where the captured requests arrive, "" before Serve
	Target    string `json:"target"`    // a reverse proxy's app
	Intercept bool   `json:"intercept"` // a forward proxy intercepting TLS (--mitm)
	Inspector bool   `json:"inspector"` // false with NoInspector: only /metrics
}

func handleInfo(cfg *Config, origin func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := info{Mode: "serve", Listener: origin(), Inspector: !cfg.NoInspector}
		switch {
		case cfg.Proxy != nil && cfg.Forward:
			v.Mode, v.Intercept = "forward", cfg.Intercept
		case cfg.Proxy != nil:
			v.Mode, v.Target = "reverse", cfg.Target
		}
		w.Header().Set("Cache-Control", "no-store")
		httpjson.Write(w, http.StatusOK, v)
	})
}
