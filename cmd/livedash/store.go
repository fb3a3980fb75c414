package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"livedash"
	"livedash/config"
	"livedash/sqlstore"
)

// openStore opens the configured database (SQLite in the data dir by default); migrations run as
// it opens.
func openStore(ctx context.Context, cfg config.Config) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return st, nil
}

// defaultTenant is the tenant the first run creates.
const defaultTenant = "default"

// bootstrap creates, on first run (no tenant yet), the default tenant and its admin. The admin's
// password is admin_password when set, otherwise generated and printed once.
func bootstrap(ctx context.Context, st *sqlstore.Store, cfg config.Config, stdout io.Writer) (tenant string, err error) {
	page, err := st.ListTenants(ctx, livedash.ListOptions{Limit: 1})
	if err != nil {
		return "", fmt.Errorf("bootstrap: %w", err)
	}
	if len(page.Items) > 0 {
		return page.Items[0].ID, nil
	}
	t, err := st.CreateTenant(ctx, livedash.Tenant{ID: defaultTenant, Name: "Default"})
	if err != nil {
		return "", fmt.Errorf("bootstrap: %w", err)
	}
	password, generated := cfg.AdminPassword, false
	if password == "" {
		password, generated = randomPassword(), true
	}
	u, err := st.CreateUser(ctx, t.ID, livedash.User{Email: cfg.AdminEmail, DisplayName: "Administrator",
		Roles: []string{livedash.RoleAdmin}}, password)
	if err != nil {
		return "", fmt.Errorf("bootstrap: create admin: %w", err)
	}
	if _, err := hostDashboard(ctx, st, t.ID, u.ID); err != nil {
		return "", fmt.Errorf("bootstrap: %w", err)
	}
	if err := defineHostMetrics(ctx, st, t.ID); err != nil {
		return "", fmt.Errorf("bootstrap: define host metrics: %w", err)
	}
	fmt.Fprintf(stdout, "first run: created tenant %q, admin %s and the Host metrics dashboard\n", t.ID, u.Email)
	if generated {
		fmt.Fprintf(stdout, "  admin password (shown once; set LIVEDASH_ADMIN_PASSWORD to choose it): %s\n", password)
	}
	return t.ID, nil
}

func randomPassword() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// retention rolls raw metric points older than an hour up into one-minute buckets and deletes
// what is older than the configured retention, every minute (rollups keep week charts fast and
// the store bounded).
func retention(ctx context.Context, st *sqlstore.Store, keep time.Duration, log *slog.Logger) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	policy := sqlstore.RollupPolicy{RawFor: time.Hour, RollupFor: keep}
	if keep < policy.RawFor {
		policy.RawFor = keep
	}
	for {
		if err := st.ApplyRetention(ctx, time.Now(), policy); err != nil && ctx.Err() == nil {
			log.Error("metric retention", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// storeFromFlags parses a command's flags with the server's settings and opens its store.
func storeFromFlags(ctx context.Context, fs *flag.FlagSet, args []string, getenv func(string) string, stderr io.Writer) (*sqlstore.Store, error) {
	fs.SetOutput(stderr)
	cfg, err := config.Load(fs, args, getenv)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, cfg)
}

// migrate runs the database migrations and reports the schema version.
func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("livedash migrate", flag.ContinueOnError)
	st, err := storeFromFlags(ctx, fs, args, getenv, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database (%s) is at schema version %d\n", st.Dialect(), v)
	return nil
}

// tenantCmd: livedash tenant add --id ID --name NAME
func tenantCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: livedash tenant add --name NAME [--id ID]")
	}
	fs := flag.NewFlagSet("livedash tenant add", flag.ContinueOnError)
	id := fs.String("id", "", "tenant id (slug); generated when empty")
	name := fs.String("name", "", "tenant name; required")
	st, err := storeFromFlags(ctx, fs, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := st.CreateTenant(ctx, livedash.Tenant{ID: *id, Name: *name})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created tenant %s (%s)\n", t.ID, t.Name)
	return nil
}

// userCmd: livedash user add --email E --tenant T --role R [--password P] [--name N]
func userCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: livedash user add --email EMAIL --tenant TENANT --role admin|editor|viewer [--password P]")
	}
	fs := flag.NewFlagSet("livedash user add", flag.ContinueOnError)
	email := fs.String("email", "", "email; required")
	tenant := fs.String("tenant", "", "tenant id; required")
	name := fs.String("name", "", "display name")
	password := fs.String("password", "", "password; generated and printed when empty")
	var roles listFlag
	fs.Var(&roles, "role", "role (repeatable or comma-separated): admin, editor, viewer")
	st, err := storeFromFlags(ctx, fs, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	pw := *password
	if pw == "" {
		pw = randomPassword()
	}
	display := *name
	if display == "" {
		display, _, _ = strings.Cut(*email, "@")
	}
	u, err := st.CreateUser(ctx, *tenant, livedash.User{Email: *email, DisplayName: display, Roles: roles}, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %s (%s) in tenant %s with roles %v\n", u.Email, u.ID, u.Tenant, u.Roles)
	if *password == "" {
		fmt.Fprintf(stdout, "  password (shown once): %s\n", pw)
	}
	return nil
}
