package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/roundtrip/roundtrip/internal/client"
)

const greetSummary = `The lesson's fetch client: ask the server's /api/greeting for NAME's greeting
and print its message, as getGreeting("Alice") logs "Hello, Alice!". Unlike
the lesson's template string, the name is percent-encoded, so
roundtrip greet 'Tom & Jerry' arrives whole. Several words make one name.
Redirects are followed, as fetch does.

Exit status: 0 for a greeting, 4 when the server answers 4xx, 5 for 5xx,
1 when no greeting came (the reason on stderr), 2 for a wrong command line.`

func runGreet(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "greet", "[flags] [NAME...]", greetSummary)
	serverURL := fs.String("server", defaultServer, "`URL` of the server: roundtrip serve, or the lesson's Express server")
	post := fs.Bool("post", false, `send {"name":NAME} as JSON in a POST instead of ?name=NAME`)
	cf := addClientFlags(fs)
	tf := addTraceFlags(fs, "greet", true)
	words, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	base, err := targetURL("greet", *serverURL)
	if err != nil {
		return err
	}
	cfg, err := cf.config("greet")
	if err != nil {
		return err
	}
	cfg.FollowRedirects = true
	if cfg.Parent, err = tf.parent(e); err != nil {
		return err
	}
	exp, stop, err := tf.exporter(ctx, e)
	if err != nil {
		return err
	}
	defer stop()
	cfg.Trace = exp

	c := client.New(cfg)
	defer c.Close()
	msg, _, err := c.Greeting(ctx, base.String(), strings.Join(words, " "), *post)
	if err != nil {
		return answerError(err)
	}
	fmt.Fprintln(e.stdout, terminalSafe(msg))
	return nil
}
