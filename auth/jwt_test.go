package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"livedash"
)

var (
	testSecret = []byte("0123456789abcdef0123456789abcdef")
	testNow    = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

type testKeys struct {
	rsa                *rsa.PrivateKey
	ec                 *ecdsa.PrivateKey
	ed                 ed25519.PrivateKey
	rsaPEM, ecPEM      []byte
	edPEM, rsaPKCS1PEM []byte
	certPEM            []byte
}

var keys = sync.OnceValue(func() testKeys {
	var k testKeys
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	k.rsaPEM = pkixPEM(&k.rsa.PublicKey)
	k.ecPEM = pkixPEM(&k.ec.PublicKey)
	k.edPEM = pkixPEM(k.ed.Public())
	k.rsaPKCS1PEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey)})
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "issuer"},
		NotBefore: testNow.Add(-time.Hour), NotAfter: testNow.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.ec.Public(), k.ec)
	if err != nil {
		panic(err)
	}
	k.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return k
})

func pkixPEM(pub any) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// claims returns valid claims for alice@acme, with overrides applied (a nil value deletes).
func claims(overrides map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{
		"sub":    "alice",
		"tenant": "acme",
		"roles":  []string{"viewer"},
		"iat":    testNow.Unix(),
		"exp":    testNow.Add(time.Hour).Unix(),
	}
	for k, v := range overrides {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func sign(t testing.TB, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return s
}

func hs(t testing.TB, c jwt.MapClaims) string { return sign(t, jwt.SigningMethodHS256, testSecret, c) }

// raw builds a token from a JSON header and payload and a raw signature, bypassing the library.
func raw(header, payload string, sig []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(sig)
}

func fixedNow() time.Time { return testNow }

func newVerifier(t testing.TB, cfg VerifierConfig) *Verifier {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

func TestVerifyAccepts(t *testing.T) {
	k := keys()
	hsCfg := VerifierConfig{Secret: testSecret}
	tests := []struct {
		name  string
		cfg   VerifierConfig
		token func(t *testing.T) string
		want  livedash.Principal
	}{
		{
			name:  "HS256",
			cfg:   hsCfg,
			token: func(t *testing.T) string { return hs(t, claims(nil)) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name:  "RS256",
			cfg:   VerifierConfig{PublicKeyPEM: k.rsaPEM},
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodRS256, k.rsa, claims(nil)) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name:  "RS256 PKCS1 PEM",
			cfg:   VerifierConfig{PublicKeyPEM: k.rsaPKCS1PEM},
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodRS256, k.rsa, claims(nil)) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name:  "ES256",
			cfg:   VerifierConfig{PublicKeyPEM: k.ecPEM},
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodES256, k.ec, claims(nil)) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name:  "ES256 certificate PEM",
			cfg:   VerifierConfig{PublicKeyPEM: k.certPEM},
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodES256, k.ec, claims(nil)) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name:  "EdDSA",
			cfg:   VerifierConfig{PublicKeyPEM: k.edPEM},
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodEdDSA, k.ed, claims(nil)) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name:  "HS256 with both keys configured",
			cfg:   VerifierConfig{Secret: testSecret, PublicKeyPEM: k.edPEM},
			token: func(t *testing.T) string { return hs(t, claims(nil)) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name:  "EdDSA with both keys configured",
			cfg:   VerifierConfig{Secret: testSecret, PublicKeyPEM: k.edPEM},
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodEdDSA, k.ed, claims(nil)) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name: "roles and projects, no exp",
			cfg:  hsCfg,
			token: func(t *testing.T) string {
				return hs(t, claims(map[string]any{"exp": nil, "roles": []string{"admin", "editor"}, "projects": []string{"p1", "p2"}}))
			},
			want: livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"admin", "editor"}, Projects: []string{"p1", "p2"}},
		},
		{
			name:  "no roles, null projects",
			cfg:   hsCfg,
			token: func(t *testing.T) string { return hsRaw(t, `{"sub":"bob","tenant":"t1","projects":null}`) },
			want:  livedash.Principal{UserID: "bob", Tenant: "t1"},
		},
		{
			name:  "fractional exp",
			cfg:   hsCfg,
			token: func(t *testing.T) string { return hsRaw(t, `{"sub":"bob","tenant":"t1","exp":1748779200.5}`) },
			want:  livedash.Principal{UserID: "bob", Tenant: "t1", ExpiresAt: time.Unix(1748779200, 5e8)},
		},
		{
			name: "expired within leeway",
			cfg:  VerifierConfig{Secret: testSecret, Leeway: 30 * time.Second},
			token: func(t *testing.T) string {
				return hs(t, claims(map[string]any{"exp": testNow.Add(-20 * time.Second).Unix()}))
			},
			want: livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(-20 * time.Second)},
		},
		{
			name: "not yet valid within leeway",
			cfg:  VerifierConfig{Secret: testSecret, Leeway: 30 * time.Second},
			token: func(t *testing.T) string {
				return hs(t, claims(map[string]any{"nbf": testNow.Add(20 * time.Second).Unix()}))
			},
			want: livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name:  "nbf exactly now",
			cfg:   hsCfg,
			token: func(t *testing.T) string { return hs(t, claims(map[string]any{"nbf": testNow.Unix()})) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name: "issuer and audience as string",
			cfg:  VerifierConfig{Secret: testSecret, Issuer: "https://id.example", Audience: "livedash"},
			token: func(t *testing.T) string {
				return hs(t, claims(map[string]any{"iss": "https://id.example", "aud": "livedash"}))
			},
			want: livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name:  "audience as array",
			cfg:   VerifierConfig{Secret: testSecret, Audience: "livedash"},
			token: func(t *testing.T) string { return hs(t, claims(map[string]any{"aud": []string{"other", "livedash"}})) },
			want:  livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name: "iss and aud ignored when not configured",
			cfg:  hsCfg,
			token: func(t *testing.T) string {
				return hs(t, claims(map[string]any{"iss": "someone", "aud": []string{"x"}}))
			},
			want: livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"viewer"}, ExpiresAt: testNow.Add(time.Hour)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, tt.cfg)
			got, err := v.Verify(tt.token(t))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !got.ExpiresAt.Equal(tt.want.ExpiresAt) {
				t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, tt.want.ExpiresAt)
			}
			got.ExpiresAt, tt.want.ExpiresAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Verify = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// hsRaw signs a literal JSON payload with testSecret.
func hsRaw(t testing.TB, payload string) string {
	t.Helper()
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body := base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodHS256.Sign(header+"."+body, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return header + "." + body + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerifyRefuses(t *testing.T) {
	k := keys()
	hsCfg := VerifierConfig{Secret: testSecret}
	rsaCfg := VerifierConfig{PublicKeyPEM: k.rsaPEM}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := hs(t, claims(nil))
	parts := strings.Split(good, ".")

	tests := []struct {
		name    string
		cfg     VerifierConfig
		token   func(t *testing.T) string
		wantMsg string // exact, or prefix when it ends with "…"
	}{
		{"empty", hsCfg, func(*testing.T) string { return "" }, "token is empty"},
		{"too large", hsCfg, func(*testing.T) string { return strings.Repeat("a", maxTokenLen+1) }, "token is larger than 65536 bytes"},
		{"one segment", hsCfg, func(*testing.T) string { return "garbage" }, "token is malformed…"},
		{"four segments", hsCfg, func(*testing.T) string { return good + ".x" }, "token is malformed…"},
		{"bad base64 header", hsCfg, func(*testing.T) string { return "!!!." + parts[1] + "." + parts[2] }, "token is malformed…"},
		{"header not JSON", hsCfg, func(*testing.T) string { return raw(`nope`, `{}`, nil) }, "token is malformed…"},
		{"payload not an object", hsCfg, func(t *testing.T) string { return hsRaw(t, `["sub"]`) }, "token is malformed…"},
		{"bad base64 signature", hsCfg, func(*testing.T) string { return parts[0] + "." + parts[1] + ".***" }, "token is malformed…"},
		{"alg none", hsCfg, func(*testing.T) string {
			return sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil))
		}, `token algorithm "none" is not accepted`},
		{"alg none, public key", rsaCfg, func(*testing.T) string {
			return raw(`{"alg":"none","typ":"JWT"}`, `{"sub":"alice","tenant":"acme"}`, nil)
		}, `token algorithm "none" is not accepted`},
		{"alg missing", hsCfg, func(*testing.T) string { return raw(`{"typ":"JWT"}`, `{"sub":"a","tenant":"b"}`, []byte("x")) }, `token header is missing "alg"`},
		{"alg not a string", hsCfg, func(*testing.T) string { return raw(`{"alg":256}`, `{"sub":"a","tenant":"b"}`, []byte("x")) }, `token header is missing "alg"`},
		{"alg unknown", hsCfg, func(*testing.T) string { return raw(`{"alg":"HS999"}`, `{"sub":"a","tenant":"b"}`, []byte("x")) }, `token algorithm "HS999" is not accepted`},
		{"HS384 with secret", hsCfg, func(t *testing.T) string { return sign(t, jwt.SigningMethodHS384, testSecret, claims(nil)) }, `token algorithm "HS384" is not accepted`},
		{"confusion: HS256 keyed with the public key PEM", rsaCfg, func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, k.rsaPEM, claims(nil))
		}, `token algorithm "HS256" is not accepted`},
		{"confusion: RS256 with only a secret", hsCfg, func(t *testing.T) string {
			return sign(t, jwt.SigningMethodRS256, k.rsa, claims(nil))
		}, `token algorithm "RS256" is not accepted`},
		{"confusion: ES256 with an RSA key", rsaCfg, func(t *testing.T) string {
			return sign(t, jwt.SigningMethodES256, k.ec, claims(nil))
		}, `token algorithm "ES256" is not accepted`},
		{"confusion: PS256 with an RSA key", rsaCfg, func(t *testing.T) string {
			return sign(t, jwt.SigningMethodPS256, k.rsa, claims(nil))
		}, `token algorithm "PS256" is not accepted`},
		{"HS256 wrong secret", hsCfg, func(t *testing.T) string {
			return sign(t, jwt.SigningMethodHS256, []byte("another secret, another secret!!"), claims(nil))
		}, "token signature is invalid"},
		{"RS256 wrong key", rsaCfg, func(t *testing.T) string { return sign(t, jwt.SigningMethodRS256, otherRSA, claims(nil)) }, "token signature is invalid"},
		{"tampered payload", hsCfg, func(t *testing.T) string {
			body := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"mallory","tenant":"acme"}`))
			return parts[0] + "." + body + "." + parts[2]
		}, "token signature is invalid"},
		{"empty signature", hsCfg, func(*testing.T) string { return parts[0] + "." + parts[1] + "." }, "token signature is invalid"},
		{"expired", hsCfg, func(t *testing.T) string {
			return hs(t, claims(map[string]any{"exp": testNow.Add(-time.Second).Unix()}))
		}, "token expired"},
		{"expires now", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"exp": testNow.Unix()})) }, "token expired"},
		{"expired beyond leeway", VerifierConfig{Secret: testSecret, Leeway: 30 * time.Second}, func(t *testing.T) string {
			return hs(t, claims(map[string]any{"exp": testNow.Add(-31 * time.Second).Unix()}))
		}, "token expired"},
		{"not yet valid", hsCfg, func(t *testing.T) string {
			return hs(t, claims(map[string]any{"nbf": testNow.Add(time.Second).Unix()}))
		}, "token is not valid yet"},
		{"not yet valid beyond leeway", VerifierConfig{Secret: testSecret, Leeway: 30 * time.Second}, func(t *testing.T) string {
			return hs(t, claims(map[string]any{"nbf": testNow.Add(31 * time.Second).Unix()}))
		}, "token is not valid yet"},
		{"exp not a number", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"exp": "tomorrow"})) }, `token claim "exp" must be a number`},
		{"exp null", hsCfg, func(t *testing.T) string { return hsRaw(t, `{"sub":"a","tenant":"b","exp":null}`) }, `token claim "exp" must be a number`},
		{"exp out of range", hsCfg, func(t *testing.T) string { return hsRaw(t, `{"sub":"a","tenant":"b","exp":1e300}`) }, `token claim "exp" is out of range`},
		{"nbf not a number", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"nbf": true})) }, `token claim "nbf" must be a number`},
		{"iat not a number", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"iat": "now"})) }, `token claim "iat" must be a number`},
		{"iat negative", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"iat": -1})) }, `token claim "iat" is out of range`},
		{"issuer missing", VerifierConfig{Secret: testSecret, Issuer: "idp"}, func(t *testing.T) string { return hs(t, claims(nil)) }, `token is missing claim "iss"`},
		{"issuer wrong", VerifierConfig{Secret: testSecret, Issuer: "idp"}, func(t *testing.T) string { return hs(t, claims(map[string]any{"iss": "evil"})) }, `token issuer "evil" is not accepted`},
		{"issuer not a string", VerifierConfig{Secret: testSecret, Issuer: "idp"}, func(t *testing.T) string { return hs(t, claims(map[string]any{"iss": 7})) }, `token claim "iss" must be a string`},
		{"audience missing", VerifierConfig{Secret: testSecret, Audience: "livedash"}, func(t *testing.T) string { return hs(t, claims(nil)) }, `token is missing claim "aud"`},
		{"audience empty array", VerifierConfig{Secret: testSecret, Audience: "livedash"}, func(t *testing.T) string { return hs(t, claims(map[string]any{"aud": []string{}})) }, `token is missing claim "aud"`},
		{"audience wrong string", VerifierConfig{Secret: testSecret, Audience: "livedash"}, func(t *testing.T) string { return hs(t, claims(map[string]any{"aud": "other"})) }, `token audience ["other"] does not include "livedash"`},
		{"audience wrong array", VerifierConfig{Secret: testSecret, Audience: "livedash"}, func(t *testing.T) string {
			return hs(t, claims(map[string]any{"aud": []string{"a", "b"}}))
		}, `token audience ["a" "b"] does not include "livedash"`},
		{"audience not strings", VerifierConfig{Secret: testSecret, Audience: "livedash"}, func(t *testing.T) string {
			return hs(t, claims(map[string]any{"aud": []any{"livedash", 1}}))
		}, `token claim "aud" must be a string or an array of strings`},
		{"sub missing", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"sub": nil})) }, `token is missing claim "sub"`},
		{"sub empty", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"sub": ""})) }, `token claim "sub" is empty`},
		{"sub not a string", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"sub": 42})) }, `token claim "sub" must be a string`},
		{"sub bad characters", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"sub": "auth0|x y"})) }, `token claim "sub" has characters outside [A-Za-z0-9_:.@-]`},
		{"sub too long", hsCfg, func(t *testing.T) string {
			return hs(t, claims(map[string]any{"sub": strings.Repeat("u", maxIDLen+1)}))
		}, `token claim "sub" is longer than 200 bytes`},
		{"tenant missing", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"tenant": nil})) }, `token is missing claim "tenant"`},
		{"tenant empty", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"tenant": ""})) }, `token claim "tenant" is empty`},
		{"tenant not a string", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"tenant": []string{"acme"}})) }, `token claim "tenant" must be a string`},
		{"roles not an array", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"roles": "admin"})) }, `token claim "roles" must be an array of strings`},
		{"roles with a number", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"roles": []any{"admin", 1}})) }, `token claim "roles" must be an array of strings`},
		{"projects not an array", hsCfg, func(t *testing.T) string { return hs(t, claims(map[string]any{"projects": map[string]any{}})) }, `token claim "projects" must be an array of strings`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, tt.cfg)
			p, err := v.Verify(tt.token(t))
			if err == nil {
				t.Fatalf("Verify accepted the token: %+v", p)
			}
			e, ok := errors.AsType[*livedash.Error](err)
			if !ok || e.Code != livedash.EUnauthenticated {
				t.Fatalf("Verify error = %#v, want *livedash.Error with code %s", err, livedash.EUnauthenticated)
			}
			if prefix, ok := strings.CutSuffix(tt.wantMsg, "…"); ok {
				if !strings.HasPrefix(e.Message, prefix) {
					t.Errorf("message = %q, want prefix %q", e.Message, prefix)
				}
			} else if e.Message != tt.wantMsg {
				t.Errorf("message = %q, want %q", e.Message, tt.wantMsg)
			}
			if !reflect.DeepEqual(p, livedash.Principal{}) {
				t.Errorf("principal = %+v, want zero", p)
			}
		})
	}
}

func TestNewVerifierErrors(t *testing.T) {
	k := keys()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, err := x509.MarshalECPrivateKey(k.ec)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     VerifierConfig
		wantErr string // substring; "" = success
	}{
		{"no key", VerifierConfig{}, "secret or public key is required"},
		{"negative leeway", VerifierConfig{Secret: testSecret, Leeway: -time.Second}, "negative"},
		{"not PEM", VerifierConfig{PublicKeyPEM: []byte("hello")}, "no PEM block"},
		{"corrupt PEM body", VerifierConfig{PublicKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("junk")})}, "JWT public key"},
		{"private key PEM", VerifierConfig{PublicKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecPriv})}, `"EC PRIVATE KEY" is not a public key`},
		{"RSA 1024", VerifierConfig{PublicKeyPEM: pkixPEM(&small.PublicKey)}, "at least 2048 bits"},
		{"ECDSA P-384", VerifierConfig{PublicKeyPEM: pkixPEM(&p384.PublicKey)}, "P-384 is not supported"},
		{"secret only", VerifierConfig{Secret: testSecret}, ""},
		{"public key only", VerifierConfig{PublicKeyPEM: k.ecPEM}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewVerifier(tt.cfg)
			if tt.wantErr == "" {
				if err != nil || v == nil {
					t.Fatalf("NewVerifier = %v, %v; want a verifier", v, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewVerifier error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestVerifierAlgorithms(t *testing.T) {
	k := keys()
	tests := []struct {
		cfg  VerifierConfig
		want []string
	}{
		{VerifierConfig{Secret: testSecret}, []string{AlgHS256}},
		{VerifierConfig{PublicKeyPEM: k.rsaPEM}, []string{AlgRS256}},
		{VerifierConfig{PublicKeyPEM: k.ecPEM}, []string{AlgES256}},
		{VerifierConfig{Secret: testSecret, PublicKeyPEM: k.edPEM}, []string{AlgHS256, AlgEdDSA}},
	}
	for _, tt := range tests {
		if got := newVerifier(t, tt.cfg).Algorithms(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Algorithms = %v, want %v", got, tt.want)
		}
	}
}

func TestVerifierCopiesSecret(t *testing.T) {
	secret := []byte(string(testSecret))
	v := newVerifier(t, VerifierConfig{Secret: secret})
	secret[0] ^= 0xff
	if _, err := v.Verify(hs(t, claims(nil))); err != nil {
		t.Fatalf("Verify after the caller changed its secret slice: %v", err)
	}
}

func TestMintRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		p        livedash.Principal
		ttl      time.Duration
		iss, aud string
		wantExp  time.Time
	}{
		{"full", livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{"admin"}, Projects: []string{"p1"}}, time.Hour, "", "", testNow.Add(time.Hour)},
		{"no exp", livedash.Principal{UserID: "bob", Tenant: "acme"}, 0, "", "", time.Time{}},
		{"negative ttl means no exp", livedash.Principal{UserID: "bob", Tenant: "acme"}, -time.Minute, "", "", time.Time{}},
		{"sub-second ttl rounds up", livedash.Principal{UserID: "bob", Tenant: "acme"}, 300 * time.Millisecond, "", "", testNow.Add(time.Second)},
		{"iss and aud", livedash.Principal{UserID: "carol@acme.io", Tenant: "acme", Roles: []string{"viewer", "editor"}}, time.Minute, "idp", "livedash", testNow.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMinter(testSecret, tt.iss, tt.aud)
			m.now = fixedNow
			tok, err := m.Mint(tt.p, tt.ttl)
			if err != nil {
				t.Fatalf("Mint: %v", err)
			}
			v := newVerifier(t, VerifierConfig{Secret: testSecret, Issuer: tt.iss, Audience: tt.aud})
			got, err := v.Verify(tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !got.ExpiresAt.Equal(tt.wantExp) {
				t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, tt.wantExp)
			}
			got.ExpiresAt = time.Time{}
			if !reflect.DeepEqual(got, tt.p) {
				t.Errorf("round trip = %+v, want %+v", got, tt.p)
			}

			// The payload carries exactly the documented claims.
			payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
			if err != nil {
				t.Fatal(err)
			}
			var c map[string]any
			if err := json.Unmarshal(payload, &c); err != nil {
				t.Fatal(err)
			}
			if c["iat"] != float64(testNow.Unix()) {
				t.Errorf("iat = %v, want %d", c["iat"], testNow.Unix())
			}
			_, hasIss := c["iss"]
			_, hasAud := c["aud"]
			if hasIss != (tt.iss != "") || hasAud != (tt.aud != "") {
				t.Errorf("iss/aud present = %v/%v, want %v/%v", hasIss, hasAud, tt.iss != "", tt.aud != "")
			}
		})
	}
}

func TestMintErrors(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		p      livedash.Principal
	}{
		{"no secret", nil, livedash.Principal{UserID: "a", Tenant: "b"}},
		{"no user", testSecret, livedash.Principal{Tenant: "b"}},
		{"no tenant", testSecret, livedash.Principal{UserID: "a"}},
		{"bad user characters", testSecret, livedash.Principal{UserID: "a b", Tenant: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tok, err := NewMinter(tt.secret, "", "").Mint(tt.p, time.Hour); err == nil {
				t.Fatalf("Mint = %q, want an error", tok)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	k := keys()
	good := hs(f, claims(map[string]any{"projects": []string{"p"}, "aud": "livedash"}))
	f.Add(good)
	f.Add(sign(f, jwt.SigningMethodEdDSA, k.ed, claims(nil)))
	f.Add(sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)))
	f.Add(sign(f, jwt.SigningMethodHS256, k.edPEM, claims(nil)))
	f.Add(hs(f, claims(map[string]any{"exp": "x", "roles": []any{1}})))
	f.Add(hsRaw(f, `{"sub":"a","tenant":"b","exp":1e300,"aud":[1]}`))
	f.Add(raw(`{"alg":null}`, `null`, nil))
	f.Add("a.b.c")
	f.Add("..")
	f.Add("")
	f.Add(good[:len(good)-3])

	v, err := NewVerifier(VerifierConfig{Secret: testSecret, PublicKeyPEM: k.edPEM, Audience: "livedash", Leeway: time.Second, Now: fixedNow})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		p, err := v.Verify(token)
		if err != nil {
			if e, ok := errors.AsType[*livedash.Error](err); !ok || e.Code != livedash.EUnauthenticated || e.Message == "" {
				t.Fatalf("Verify(%q) error = %#v, want an unauthenticated *livedash.Error", token, err)
			}
			return
		}
		if p.UserID == "" || p.Tenant == "" {
			t.Fatalf("Verify(%q) accepted a principal without identity: %+v", token, p)
		}
	})
}

func TestVerifyConcurrent(t *testing.T) {
	k := keys()
	v := newVerifier(t, VerifierConfig{Secret: testSecret, PublicKeyPEM: k.ecPEM})
	tokens := []struct {
		token string
		ok    bool
	}{
		{hs(t, claims(nil)), true},
		{sign(t, jwt.SigningMethodES256, k.ec, claims(nil)), true},
		{hs(t, claims(map[string]any{"exp": testNow.Add(-time.Hour).Unix()})), false},
		{"x.y.z", false},
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				for _, tt := range tokens {
					if _, err := v.Verify(tt.token); (err == nil) != tt.ok {
						t.Errorf("Verify: err = %v, want ok=%v", err, tt.ok)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
