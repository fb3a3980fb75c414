package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"livedash"
	"livedash/config"
)

// listFlag collects a repeatable, comma-separable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// token prints a JWT signed with the server's HS256 secret (configured or from the data dir).
func token(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("livedash token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("user", "", "user id (the sub claim); required")
	tenant := fs.String("tenant", "", "tenant id; required")
	ttl := fs.Duration("ttl", time.Hour, "lifetime; 0 for a token that never expires")
	var roles, projects listFlag
	fs.Var(&roles, "role", "role (repeatable or comma-separated), e.g. admin, editor, viewer")
	fs.Var(&projects, "project", "project id (repeatable or comma-separated)")
	cfg, err := config.Load(fs, args, getenv)
	if err != nil {
		return err
	}
	if *user == "" || *tenant == "" {
		fs.Usage()
		return errors.New("token: --user and --tenant are required")
	}
	_, minter, err := jwtKeys(cfg, nil)
	if err != nil {
		return err
	}
	if minter == nil {
		return errors.New("token: the server verifies with a public key; mint tokens with its private key instead")
	}
	tok, err := minter.Mint(livedash.Principal{UserID: *user, Tenant: *tenant, Roles: roles, Projects: projects}, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
