// Command fasthttp is the suite's fast peer: the lesson's three routes on
// valyala/fasthttp.
package main

import (
	"encoding/json"
	"flag"
	"log"

	"github.com/valyala/fasthttp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	handler := func(ctx *fasthttp.RequestCtx) {
		switch {
		case ctx.IsGet() && string(ctx.Path()) == "/hello":
			ctx.SetContentType("text/plain; charset=utf-8")
			ctx.WriteString("Hello, World!")
		case ctx.IsGet() && string(ctx.Path()) == "/api/greeting":
			name := string(ctx.QueryArgs().Peek("name"))
			if name == "" {
				name = "World"
			}
			ctx.SetContentType("application/json")
			json.NewEncoder(ctx).Encode(map[string]string{"message": "Hello, " + name + "!"})
		case ctx.IsPost() && string(ctx.Path()) == "/echo":
			var body any
			if err := json.Unmarshal(ctx.PostBody(), &body); err != nil {
				ctx.Error("bad json", fasthttp.StatusBadRequest)
				return
			}
			ctx.SetContentType("application/json")
			json.NewEncoder(ctx).Encode(map[string]any{
				"message": "Echo received",
				"request": map[string]any{"method": "POST", "path": "/echo", "body": body},
			})
		default:
			ctx.Error("Not Found", fasthttp.StatusNotFound)
		}
	}
	log.Fatal(fasthttp.ListenAndServe(*addr, handler))
}
