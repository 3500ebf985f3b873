// Command roundtrip shows and tests how a client and a server talk.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/roundtrip/roundtrip/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
