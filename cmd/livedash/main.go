// Command livedash is the livedash server and its tools: serve (the default), token, bench and
// version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "livedash:", err)
		}
		os.Exit(1)
	}
}

const usage = `livedash: a real-time dashboard server.

Usage:
  livedash [serve] [flags]        run the server (default); see --help for every setting
  livedash token --user U --tenant T [--role R]... [--project P]... [--ttl 1h]
                                  print a signed JWT for development and scripts
  livedash migrate                run the database migrations (serve runs them too)
  livedash tenant add --name N [--id ID]
  livedash user add --email E --tenant T --role admin|editor|viewer [--password P]
  livedash agent --server URL --api-key K [--tenant T]
                                  collect this host's metrics and push them to a server
  livedash bench [flags]          load-test a running server (see livedash bench --help)
  livedash version                print the version
`

// run is the whole program, with its environment passed in so tests can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr, nil)
	case "token":
		return token(args, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "tenant":
		return tenantCmd(ctx, args, getenv, stdout, stderr)
	case "user":
		return userCmd(ctx, args, getenv, stdout, stderr)
	case "agent":
		return runAgent(ctx, args, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "livedash", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
