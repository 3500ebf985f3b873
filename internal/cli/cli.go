// Package cli is roundtrip's command line: one table of subcommands, each
// in its own file, run by Main with the process's environment passed in.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes, documented in the README.
const (
	exitOK      = 0
	exitFailure = 1 // the command failed, such as a network error
	exitUsage   = 2 // the command line is wrong

	exitThreshold   = 3 // bench: a --fail-if threshold held
	exitClientError = 4 // greet, request: the server answered 4xx
	exitServerError = 5 // greet, request: the server answered 5xx
)

// env is the process's world, passed in so tests can use buffers.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	usage   string // arguments after the name
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands is every subcommand, in the order help lists them.
var commands []command

func init() {
	commands = []command{
		{"serve", "[--addr HOST:PORT]", "run the lesson's server, with the experiments' endpoints", runServe},
		{"proxy", "--to URL [--addr HOST:PORT]", "put the inspector in front of your own app: every exchange, both legs timed", runProxy},
		{"replay", "--to URL [FILE.har | FILTER...]", "send recorded exchanges to another server and compare the answers", runReplay},
		{"lab", "[--server URL] [EXPERIMENT...]", "run the lesson's four experiments and explain each outcome", runLab},
		{"challenge", "[--server URL]", "check a server, yours in any language, against the coding challenge's cases", runChallenge},
		{"quiz", "[--server URL]", "ask the lesson's Quick Quiz, each answer explained and checked live", runQuiz},
		{"bench", "[-c N] [-d DURATION | -n N] [--rate R] URL | merge FILE...", "load a server and report throughput and latency percentiles; merge runs' results", runBench},
		{"greet", "[--server URL] [NAME...]", "ask a server for a greeting, as the lesson's fetch client does", runGreet},
		{"request", "[METHOD] URL [ITEM...]", "send one request and show the round trip phase by phase", runRequest},
		{"history", "[FILTER...] | show ID | export | import FILE | clear", "list, show, export, import and clear the exchanges serve stored", runHistory},
		{"version", "", "print roundtrip's version", runVersion},
		{"help", "[COMMAND]", "show help for roundtrip or one command", runHelp},
	}
}

// Main runs roundtrip with args (without the program name) and returns the
// process's exit code. Errors are one line on stderr.
func Main(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	err := run(ctx, e, args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	// An error may quote a server's problem detail or the user's input:
	// escaped, it can neither move the cursor nor reorder what is read.
	var ex *exitError
	if errors.As(err, &ex) {
		if ex.err != nil {
			fmt.Fprintf(stderr, "roundtrip: %s\n", terminalSafe(ex.err.Error()))
		}
		return ex.code
	}
	fmt.Fprintf(stderr, "roundtrip: %s\n", terminalSafe(err.Error()))
	return exitFailure
}

func run(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		printUsage(e.stderr)
		return &exitError{code: exitUsage}
	}
	name := args[0]
	if name == "-h" || name == "-help" || name == "--help" {
		printUsage(e.stdout)
		return nil
	}
	if name == "--version" || name == "-version" {
		return runVersion(ctx, e, nil)
	}
	cmd, ok := lookup(name)
	if !ok {
		return usageError("unknown command %q; run 'roundtrip help' for the list", name)
	}
	return cmd.run(ctx, e, args[1:])
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "roundtrip shows and tests how a client and a server talk.\n\nUsage:\n  roundtrip COMMAND [flags] [args]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'roundtrip help COMMAND' or 'roundtrip COMMAND --help' for a command's flags.\n")
}

func runHelp(ctx context.Context, e *env, args []string) error {
	switch {
	case len(args) == 0:
		printUsage(e.stdout)
		return nil
	case len(args) > 1:
		return usageError("help: unexpected argument %q", args[1])
	case args[0] == "-h" || args[0] == "-help" || args[0] == "--help":
		args[0] = "help"
	}
	cmd, ok := lookup(args[0])
	if !ok {
		return usageError("unknown command %q", args[0])
	}
	if cmd.name == "help" {
		// Its own --help would ask for a command named --help.
		fmt.Fprintf(e.stdout, "Usage: roundtrip help [COMMAND]\n\n%s: the list of commands, or COMMAND's flags.\n", cmd.summary)
		return nil
	}
	return cmd.run(ctx, e, []string{"--help"})
}

// exitError carries an exit code other than 1; err, when set, is printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// newFlags returns a flag set for one command, whose help goes to stdout.
func newFlags(e *env, name, usage, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: roundtrip %s %s\n\n%s\n\nFlags:\n", name, usage, summary)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args, allowing flags before and after positional
// arguments (as curl and HTTPie do), and returns the positional ones.
// "--" ends the flags. One-letter boolean flags may be clustered, as
// curl's -sSL.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	args = unclusterFlags(fs, args)
	// The flag package prints the usage on every error; we print it only
	// for -h, and make an error one line.
	usage := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = usage }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, err
			}
			return nil, usageError("%s: %s", fs.Name(), firstLine(err.Error()))
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// Parse stops at the first positional argument, or just after "--",
		// which ends the flags for good.
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// unclusterFlags splits -sSL into -s -S -L when each letter is a
// one-letter boolean flag of fs and -sSL itself is none. A flag's value
// (-d -sS) stays as it is, and "--" ends the flags.
func unclusterFlags(fs *flag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if f := fs.Lookup(name); f != nil && a != name {
			out = append(out, a)
			if !isBoolFlag(f) && i+1 < len(args) {
				i++
				out = append(out, args[i]) // its value
			}
			continue
		}
		if !strings.HasPrefix(a, "-") || strings.HasPrefix(a, "--") || len(a) < 3 || !allBoolFlags(fs, a[1:]) {
			out = append(out, a)
			continue
		}
		for _, c := range a[1:] {
			out = append(out, "-"+string(c))
		}
	}
	return out
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func allBoolFlags(fs *flag.FlagSet, letters string) bool {
	for _, c := range letters {
		if f := fs.Lookup(string(c)); f == nil || !isBoolFlag(f) {
			return false
		}
	}
	return true
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
