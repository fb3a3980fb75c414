package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"livedash"
	"livedash/agent"
	"livedash/collector"
)

// runAgent runs only the host collector and pushes its samples to a server's ingest API.
func runAgent(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("livedash agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "server base URL, e.g. https://livedash.example.com (required)")
	apiKey := fs.String("api-key", getenv("LIVEDASH_API_KEY"), "the server's API key (default $LIVEDASH_API_KEY)")
	tenant := fs.String("tenant", "default", "tenant the samples belong to")
	host := fs.String("host", "", "host label (default: this machine's host name)")
	interval := fs.Duration("interval", time.Second, "sampling interval")
	buffer := fs.Int("buffer", 100_000, "points kept while the server is unreachable (oldest dropped first)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *server == "" || *apiKey == "" {
		fs.Usage()
		return errors.New("agent: --server and --api-key are required")
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	a, err := agent.New(agent.Config{Server: *server, APIKey: *apiKey, Tenant: *tenant, MaxPoints: *buffer, Logger: log})
	if err != nil {
		return err
	}
	c := collector.New(collector.Config{Interval: *interval, Host: *host, Logger: log})
	fmt.Fprintf(stdout, "livedash agent: sampling every %v, pushing to %s (tenant %s)\n", *interval, *server, *tenant)
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	_ = c.Run(ctx, func(_ context.Context, pts []livedash.MetricPoint) { a.Add(pts) })
	<-done
	return nil
}
