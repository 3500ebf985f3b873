// Command nethttp is the suite's baseline: the lesson's three routes on
// net/http, with no middleware, logging or validation. Bare, it has no
// timeouts; with -hardened it has roundtrip serve's timeouts and header
// limit, so that serve is compared with a server that protects itself alike.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	hardened := flag.Bool("hardened", false, "set roundtrip serve's timeouts and header limit")
	flag.Parse()
	log.Fatal(newServer(*addr, *hardened).ListenAndServe())
}

// newServer is the lesson's routes on addr. Bare is what http.ListenAndServe
// builds; hardened differs only in the limits, copied from internal/server's
// constants (this module cannot import them).
func newServer(addr string, hardened bool) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hello, World!")
	})
	mux.HandleFunc("GET /api/greeting", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "World"
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"message": "Hello, " + name + "!"})
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		var body any
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"message": "Echo received",
			"request": map[string]any{"method": r.Method, "path": r.URL.Path, "body": body},
		})
	})
	srv := &http.Server{Addr: addr, Handler: mux}
	if hardened {
		srv.ReadHeaderTimeout = 5 * time.Second
		srv.ReadTimeout = 30 * time.Second
		srv.WriteTimeout = 30 * time.Second
		srv.IdleTimeout = 120 * time.Second
		srv.MaxHeaderBytes = 32 << 10
	}
	return srv
}
