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
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		cancel() // the first asks for a graceful end
		s := <-signals
		// The second does not wait for the drain, as Caddy does: exit at
		// once, with the shell's code for death by that signal.
		os.Exit(128 + int(s.(syscall.Signal)))
	}()
	code := cli.Main(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}
