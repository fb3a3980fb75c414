package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"livedash"
	"livedash/bench"
	"livedash/config"
)

// runBench load-tests a running server: N subscribers on one channel, publishing through the
// broadcast API, reporting delivery rate, loss, latency and the server's memory per connection.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("livedash bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c bench.Config
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "server base URL")
	fs.IntVar(&c.Conns, "conns", 1000, "subscriber connections")
	fs.StringVar(&c.Channel, "channel", "metrics.bench", "channel every subscriber subscribes to (its scope is the tenant of the minted tokens)")
	fs.Float64Var(&c.Rate, "rate", 10, "publishes per second; 0 = as fast as the broadcast API accepts")
	fs.IntVar(&c.Publishers, "publishers", 4, "concurrent publishers")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "publishing time")
	fs.IntVar(&c.PayloadSize, "payload", 128, "event data size in bytes")
	fs.IntVar(&c.SourceAddrs, "source-addrs", 0, "spread connections over 127.0.0.1..127.0.0.N (0: one per 20,000)")
	fs.IntVar(&c.ServerPID, "pid", 0, "server pid, to report its RSS per connection")
	fs.IntVar(&c.ConnectConcurrency, "connect-concurrency", 200, "connections set up at once")
	fs.StringVar(&c.Transport, "transport", "ws", "ws or sse")
	fs.StringVar(&c.Token, "token", "", "subscriber JWT for every connection (default: one minted per connection with the server's secret)")
	fs.StringVar(&c.APIKey, "api-key", getenv("LIVEDASH_API_KEY"), "X-API-Key for the broadcast API (default $LIVEDASH_API_KEY)")
	dataDir := fs.String("data-dir", "", "data dir holding the server's jwt_secret (default $LIVEDASH_DATA_DIR or ./data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.APIKey == "" {
		return errors.New("bench: the broadcast API needs --api-key (or LIVEDASH_API_KEY), as configured on the server")
	}
	if c.Token == "" {
		env := func(k string) string {
			if k == "LIVEDASH_DATA_DIR" && *dataDir != "" {
				return *dataDir
			}
			return getenv(k)
		}
		cfg, err := config.Load(flag.NewFlagSet("bench", flag.ContinueOnError), nil, env)
		if err != nil {
			return err
		}
		_, minter, err := jwtKeys(cfg, nil)
		if err != nil {
			return err
		}
		if minter == nil {
			return errors.New("bench: give --token: the server verifies with a public key")
		}
		_, tenant := livedash.SplitChannel(c.Channel)
		// One user per connection keeps the per-user connection limit out of the way.
		c.TokenFunc = func(i int) string {
			tok, err := minter.Mint(livedash.Principal{UserID: "bench-" + strconv.Itoa(i), Tenant: tenant, Roles: []string{livedash.RoleViewer}}, 24*time.Hour)
			if err != nil {
				panic(err) // the principal is built here and always valid
			}
			return tok
		}
	}
	res, err := bench.Run(ctx, c, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, res.String())
	return nil
}
