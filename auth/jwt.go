// Package auth verifies and mints the JWTs that authenticate livedash clients, keeps the server's
// HMAC secret on disk and decides which channels a principal may subscribe and publish to.
package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"livedash"
)

// Signing algorithms the verifier knows. Each is accepted only when a key of its kind is configured.
const (
	AlgHS256 = "HS256"
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

const (
	// maxTokenLen bounds the work done on an untrusted token before its signature is checked.
	maxTokenLen = 64 << 10
	// maxIDLen bounds sub and tenant, which become channel scopes (channel names are ≤ 255 bytes).
	maxIDLen = 200
	// minRSABits is the smallest RSA public key accepted.
	minRSABits = 2048
	// maxUnixSeconds is 9999-12-31T23:59:59Z; numeric dates beyond it are refused.
	maxUnixSeconds = 253402300799
)

// Claim names.
const (
	claimSub      = "sub"
	claimTenant   = "tenant"
	claimRoles    = "roles"
	claimProjects = "projects"
	claimExp      = "exp"
	claimNbf      = "nbf"
	claimIat      = "iat"
	claimIss      = "iss"
	claimAud      = "aud"
)

// VerifierConfig configures a Verifier. At least one of Secret and PublicKeyPEM must be set; when
// both are, tokens signed with either are accepted.
type VerifierConfig struct {
	Secret       []byte           // HS256 secret; may be empty if PublicKeyPEM is set
	PublicKeyPEM []byte           // optional PEM public key: RSA (RS256), ECDSA P-256 (ES256) or Ed25519 (EdDSA)
	Issuer       string           // when set, iss must equal it
	Audience     string           // when set, aud must contain it
	Leeway       time.Duration    // clock skew allowed for exp/nbf
	Now          func() time.Time // nil = time.Now
}

// Verifier checks tokens and turns them into principals. It is safe for concurrent use.
type Verifier struct {
	secret    []byte
	publicKey crypto.PublicKey
	publicAlg string
	algs      []string // accepted algorithms, in a stable order
	issuer    string
	audience  string
	leeway    time.Duration
	now       func() time.Time
	parser    *jwt.Parser
}

// NewVerifier returns a verifier for cfg. It fails when neither key is given, when the PEM cannot be
// parsed or holds an unsupported key (anything but RSA ≥ 2048 bits, ECDSA P-256 or Ed25519), or when
// Leeway is negative.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if len(cfg.Secret) == 0 && len(cfg.PublicKeyPEM) == 0 {
		return nil, errors.New("auth: a JWT secret or public key is required")
	}
	if cfg.Leeway < 0 {
		return nil, fmt.Errorf("auth: JWT leeway %v is negative", cfg.Leeway)
	}
	v := &Verifier{
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		leeway:   cfg.Leeway,
		now:      cfg.Now,
	}
	if v.now == nil {
		v.now = time.Now
	}
	if len(cfg.Secret) > 0 {
		v.secret = slices.Clone(cfg.Secret)
		v.algs = append(v.algs, AlgHS256)
	}
	if len(cfg.PublicKeyPEM) > 0 {
		key, alg, err := parsePublicKey(cfg.PublicKeyPEM)
		if err != nil {
			return nil, err
		}
		v.publicKey, v.publicAlg = key, alg
		v.algs = append(v.algs, alg)
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(v.algs),
		jwt.WithStrictDecoding(),
		// Claims are validated by Verify itself, after the signature, with precise messages.
		jwt.WithoutClaimsValidation(),
	)
	return v, nil
}

// parsePublicKey reads the first PEM block of data and returns its key and the algorithm it signs.
func parsePublicKey(data []byte) (crypto.PublicKey, string, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, "", errors.New("auth: JWT public key: no PEM block found")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return nil, "", fmt.Errorf("auth: JWT public key: PEM block type %q is not a public key or certificate", block.Type)
	}
	if err != nil {
		return nil, "", fmt.Errorf("auth: JWT public key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.N.BitLen() < minRSABits {
			return nil, "", fmt.Errorf("auth: JWT public key: RSA key must have at least %d bits", minRSABits)
		}
		return k, AlgRS256, nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, "", fmt.Errorf("auth: JWT public key: ECDSA curve %s is not supported (want P-256)", k.Curve.Params().Name)
		}
		return k, AlgES256, nil
	case ed25519.PublicKey:
		return k, AlgEdDSA, nil
	default:
		return nil, "", fmt.Errorf("auth: JWT public key: unsupported key type %T", key)
	}
}

// Algorithms returns the signing algorithms the verifier accepts.
func (v *Verifier) Algorithms() []string { return slices.Clone(v.algs) }

// keyFor returns the key verifying tokens signed with t's algorithm. The parser has already refused
// algorithms outside v.algs; the switch keeps the key/algorithm pairing explicit regardless.
func (v *Verifier) keyFor(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	switch {
	case alg == AlgHS256 && v.secret != nil:
		return v.secret, nil
	case v.publicKey != nil && alg == v.publicAlg:
		return v.publicKey, nil
	}
	return nil, errAlgorithm
}

var errAlgorithm = errors.New("algorithm not accepted")

func refuse(format string, args ...any) *livedash.Error {
	return livedash.Errorf(livedash.EUnauthenticated, format, args...)
}

// Verify checks token's signature, validity window, issuer and audience, and returns the principal
// it names. Every refusal is a *livedash.Error with code EUnauthenticated.
func (v *Verifier) Verify(token string) (livedash.Principal, error) {
	if token == "" {
		return livedash.Principal{}, refuse("token is empty")
	}
	if len(token) > maxTokenLen {
		return livedash.Principal{}, refuse("token is larger than %d bytes", maxTokenLen)
	}
	tok, err := v.parser.Parse(token, v.keyFor)
	if err != nil {
		return livedash.Principal{}, v.parseRefusal(tok, err)
	}
	claims, ok := tok.Claims.(jwt.MapClaims)
	if !ok || claims == nil {
		return livedash.Principal{}, refuse("token claims are malformed")
	}
	return v.principal(claims)
}

// parseRefusal turns an error of the parser into a refusal.
func (v *Verifier) parseRefusal(tok *jwt.Token, err error) *livedash.Error {
	if errors.Is(err, jwt.ErrTokenMalformed) {
		return refuse("%s", err.Error())
	}
	if tok != nil {
		alg, ok := tok.Header["alg"].(string)
		if !ok || alg == "" {
			return refuse("token header is missing \"alg\"")
		}
		if !slices.Contains(v.algs, alg) || errors.Is(err, errAlgorithm) {
			return refuse("token algorithm %q is not accepted", alg)
		}
	}
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		return refuse("token signature is invalid")
	}
	return refuse("token cannot be verified")
}

// principal validates the claims of a token whose signature is good and builds its principal.
func (v *Verifier) principal(c jwt.MapClaims) (livedash.Principal, error) {
	now := v.now()

	exp, hasExp, err := numericDate(c, claimExp)
	if err != nil {
		return livedash.Principal{}, err
	}
	if hasExp && !now.Before(exp.Add(v.leeway)) {
		return livedash.Principal{}, refuse("token expired")
	}
	nbf, hasNbf, err := numericDate(c, claimNbf)
	if err != nil {
		return livedash.Principal{}, err
	}
	if hasNbf && now.Add(v.leeway).Before(nbf) {
		return livedash.Principal{}, refuse("token is not valid yet")
	}
	if _, _, err := numericDate(c, claimIat); err != nil {
		return livedash.Principal{}, err
	}

	iss, hasIss, err := stringClaim(c, claimIss)
	if err != nil {
		return livedash.Principal{}, err
	}
	if v.issuer != "" {
		if !hasIss {
			return livedash.Principal{}, refuse("token is missing claim %q", claimIss)
		}
		if iss != v.issuer {
			return livedash.Principal{}, refuse("token issuer %q is not accepted", iss)
		}
	}
	aud, hasAud, err := audience(c)
	if err != nil {
		return livedash.Principal{}, err
	}
	if v.audience != "" {
		if !hasAud || len(aud) == 0 {
			return livedash.Principal{}, refuse("token is missing claim %q", claimAud)
		}
		if !slices.Contains(aud, v.audience) {
			return livedash.Principal{}, refuse("token audience %q does not include %q", aud, v.audience)
		}
	}

	sub, err := identity(c, claimSub)
	if err != nil {
		return livedash.Principal{}, err
	}
	tenant, err := identity(c, claimTenant)
	if err != nil {
		return livedash.Principal{}, err
	}
	roles, err := stringsClaim(c, claimRoles)
	if err != nil {
		return livedash.Principal{}, err
	}
	projects, err := stringsClaim(c, claimProjects)
	if err != nil {
		return livedash.Principal{}, err
	}
	p := livedash.Principal{UserID: sub, Tenant: tenant, Roles: roles, Projects: projects}
	if hasExp {
		p.ExpiresAt = exp
	}
	return p, nil
}

// numericDate reads a JWT NumericDate (seconds since the epoch, possibly fractional).
func numericDate(c jwt.MapClaims, name string) (time.Time, bool, error) {
	raw, ok := c[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, ok := raw.(float64)
	if !ok {
		return time.Time{}, false, refuse("token claim %q must be a number", name)
	}
	if f < 0 || f > maxUnixSeconds {
		return time.Time{}, false, refuse("token claim %q is out of range", name)
	}
	sec := int64(f)
	nsec := int64((f - float64(sec)) * 1e9)
	return time.Unix(sec, nsec), true, nil
}

// stringClaim reads an optional string claim.
func stringClaim(c jwt.MapClaims, name string) (string, bool, error) {
	raw, ok := c[name]
	if !ok {
		return "", false, nil
	}
	s, ok := raw.(string)
	if !ok {
		return "", false, refuse("token claim %q must be a string", name)
	}
	return s, true, nil
}

// identity reads a required claim that becomes a channel scope: a non-empty string of at most
// maxIDLen bytes made of channel-name characters.
func identity(c jwt.MapClaims, name string) (string, error) {
	s, ok, err := stringClaim(c, name)
	if err != nil {
		return "", err
	}
	switch {
	case !ok:
		return "", refuse("token is missing claim %q", name)
	case s == "":
		return "", refuse("token claim %q is empty", name)
	case len(s) > maxIDLen:
		return "", refuse("token claim %q is longer than %d bytes", name, maxIDLen)
	case !validChars(s):
		return "", refuse("token claim %q has characters outside [A-Za-z0-9_:.@-]", name)
	}
	return s, nil
}

// stringsClaim reads an optional array-of-strings claim; absent, null and empty all give nil.
func stringsClaim(c jwt.MapClaims, name string) ([]string, error) {
	raw, ok := c[name]
	if !ok || raw == nil {
		return nil, nil
	}
	arr, ok := raw.([]any)
	if !ok {
		return nil, refuse("token claim %q must be an array of strings", name)
	}
	if len(arr) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, refuse("token claim %q must be an array of strings", name)
		}
		out = append(out, s)
	}
	return out, nil
}

// audience reads aud, which is a string or an array of strings.
func audience(c jwt.MapClaims) ([]string, bool, error) {
	raw, ok := c[claimAud]
	if !ok {
		return nil, false, nil
	}
	switch a := raw.(type) {
	case string:
		if a == "" {
			return nil, true, nil
		}
		return []string{a}, true, nil
	case []any:
		out := make([]string, 0, len(a))
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil, false, refuse("token claim %q must be a string or an array of strings", claimAud)
			}
			out = append(out, s)
		}
		return out, true, nil
	default:
		return nil, false, refuse("token claim %q must be a string or an array of strings", claimAud)
	}
}

// Minter issues HS256 tokens the Verifier configured with the same secret accepts. It is used by
// `livedash token`, tests and the benchmark.
type Minter struct {
	secret   []byte
	issuer   string
	audience string
	now      func() time.Time
}

// NewMinter returns a minter signing with secret (HS256) and setting iss/aud when non-empty.
func NewMinter(secret []byte, issuer, audience string) *Minter {
	return &Minter{secret: slices.Clone(secret), issuer: issuer, audience: audience, now: time.Now}
}

// Mint returns a token for p valid for ttl (no exp when ttl <= 0). It sets iat, sub, tenant, roles
// and projects (when non-empty), and iss/aud when the minter has them. p.ExpiresAt is ignored.
func (m *Minter) Mint(p livedash.Principal, ttl time.Duration) (string, error) {
	if len(m.secret) == 0 {
		return "", errors.New("auth: minting a token requires a secret")
	}
	for _, id := range []struct{ name, value string }{{claimSub, p.UserID}, {claimTenant, p.Tenant}} {
		if id.value == "" || len(id.value) > maxIDLen || !validChars(id.value) {
			return "", fmt.Errorf("auth: minting a token: %s %q must be 1-%d characters of [A-Za-z0-9_:.@-]", id.name, id.value, maxIDLen)
		}
	}
	now := m.now()
	claims := jwt.MapClaims{
		claimSub:    p.UserID,
		claimTenant: p.Tenant,
		claimIat:    now.Unix(),
	}
	if len(p.Roles) > 0 {
		claims[claimRoles] = p.Roles
	}
	if len(p.Projects) > 0 {
		claims[claimProjects] = p.Projects
	}
	if ttl > 0 {
		exp := now.Add(ttl)
		sec := exp.Unix()
		if exp.Nanosecond() > 0 {
			sec++ // round up so that a sub-second ttl does not mint an already expired token
		}
		claims[claimExp] = sec
	}
	if m.issuer != "" {
		claims[claimIss] = m.issuer
	}
	if m.audience != "" {
		claims[claimAud] = m.audience
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(m.secret)
	if err != nil {
		return "", fmt.Errorf("auth: signing token: %w", err)
	}
	return s, nil
}
