package main

// Tokens and JWKS for the tests, made with the standard library's crypto
// alone, independently of the handler's golang-jwt: compact JWS (RFC 7515
// §7.1) signed as RFC 7518 §3 specifies each algorithm, and JWKs as RFC
// 7518 §6 and RFC 8037 §2 lay them out.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"math/big"
	"sync"
	"time"
)

var b64url = base64.RawURLEncoding

// t0 is the tests' time: the handler's clock reads it, and tokens are
// issued at it.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// The stage of the tests' API, and two of its methodArns.
const (
	stageArn    = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod"
	getComments = stageArn + "/GET/comments/breaking-news"
	postUser    = stageArn + "/POST/users/bob"
)

// The HMAC keys: secretKey as Secrets Manager generates one for HS256 (43
// letters and digits, 256 bits), longKey for HS512 (86), and another key.
const (
	secretKey = "k3yOfFortyThreeLettersAndDigits0123456789AB"
	longKey   = secretKey + secretKey
	wrongKey  = "anotherKeyOfFortyThreeLettersAndDigits01234"
)

// signer signs a JWS signing input as one algorithm.
type signer struct {
	alg, kid string // kid "" omits the header parameter
	sign     func(input []byte) []byte
}

func hmacSigner(alg string, key []byte) signer {
	h := map[string]func() hash.Hash{"HS256": sha256.New, "HS384": sha512.New384, "HS512": sha512.New}[alg]
	return signer{alg: alg, sign: func(input []byte) []byte {
		m := hmac.New(h, key)
		m.Write(input)
		return m.Sum(nil)
	}}
}

// rsaSigner signs RS256 (RSASSA-PKCS1-v1_5, RFC 7518 §3.3) or PS256
// (RSASSA-PSS with a salt the size of the hash, §3.5).
func rsaSigner(alg, kid string, k *rsa.PrivateKey) signer {
	return signer{alg: alg, kid: kid, sign: func(input []byte) []byte {
		d := sha256.Sum256(input)
		var sig []byte
		var err error
		if alg == "PS256" {
			sig, err = rsa.SignPSS(rand.Reader, k, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
		}
		if err != nil {
			panic(err)
		}
		return sig
	}}
}

// ecSigner signs ES256/384/512 by the key's curve: R and S as big-endian
// integers of the coordinate size, concatenated (RFC 7518 §3.4).
func ecSigner(kid string, k *ecdsa.PrivateKey) signer {
	size := (k.Curve.Params().BitSize + 7) / 8
	alg, h := map[int]string{32: "ES256", 48: "ES384", 66: "ES512"}[size], map[int]crypto.Hash{32: crypto.SHA256, 48: crypto.SHA384, 66: crypto.SHA512}[size]
	return signer{alg: alg, kid: kid, sign: func(input []byte) []byte {
		d := h.New()
		d.Write(input)
		r, s, err := ecdsa.Sign(rand.Reader, k, d.Sum(nil))
		if err != nil {
			panic(err)
		}
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig
	}}
}

// edSigner signs EdDSA with Ed25519 (RFC 8037 §3.1).
func edSigner(kid string, k ed25519.PrivateKey) signer {
	return signer{alg: "EdDSA", kid: kid, sign: func(input []byte) []byte { return ed25519.Sign(k, input) }}
}

// mint signs claims with the signer's alg and kid in the header.
func (s signer) mint(claims map[string]any) string {
	header := map[string]any{"alg": s.alg, "typ": "JWT"}
	if s.kid != "" {
		header["kid"] = s.kid
	}
	return s.mintHeader(header, claims)
}

// mintHeader signs claims (any JSON) under any header.
func (s signer) mintHeader(header map[string]any, claims any) string {
	input := segment(header) + "." + segment(claims)
	return input + "." + b64url.EncodeToString(s.sign([]byte(input)))
}

func segment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b64url.EncodeToString(b)
}

// claims are a valid token's for the handlers of newSetup: sub, scope (a
// string, an array, or nil for none), issued at t0 for an hour, with the
// configured issuer and audience; then each pair of more sets (a nil value
// deletes the claim).
func claims(sub string, scope any, more ...any) map[string]any {
	c := map[string]any{"sub": sub, "iss": issuer, "aud": audience, "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix()}
	if scope != nil {
		c["scope"] = scope
	}
	for i := 0; i+1 < len(more); i += 2 {
		if more[i+1] == nil {
			delete(c, more[i].(string))
		} else {
			c[more[i].(string)] = more[i+1]
		}
	}
	return c
}

const (
	issuer   = "https://issuer.example.com/"
	audience = "comments-api"
)

// testKeys are generated once per test binary (RSA is slow).
type testKeys struct {
	rsa, rsa2        *rsa.PrivateKey
	p256, p384, p521 *ecdsa.PrivateKey
	ed               ed25519.PrivateKey
}

var keys = sync.OnceValue(func() testKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	var k testKeys
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	k.p521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

// jwkOf is the public JWK of a key, with kid and, if not "", alg.
func jwkOf(kid, alg string, pub crypto.PublicKey) map[string]any {
	j := map[string]any{"kid": kid, "use": "sig"}
	if alg != "" {
		j["alg"] = alg
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		j["kty"], j["n"], j["e"] = "RSA", b64url.EncodeToString(k.N.Bytes()), b64url.EncodeToString(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		point, err := k.Bytes() // 0x04 || x || y
		if err != nil {
			panic(err)
		}
		size := (len(point) - 1) / 2
		j["kty"], j["crv"] = "EC", k.Curve.Params().Name
		j["x"], j["y"] = b64url.EncodeToString(point[1:1+size]), b64url.EncodeToString(point[1+size:])
	case ed25519.PublicKey:
		j["kty"], j["crv"], j["x"] = "OKP", "Ed25519", b64url.EncodeToString(k)
	default:
		panic("unknown key type")
	}
	return j
}

// jwks is a JWK Set of jwks.
func jwks(keys ...map[string]any) string {
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// The signers of the public keys, by kid, and the JWKS that publishes them.
func rsaSig() signer   { return rsaSigner("RS256", "rsa-1", keys().rsa) }
func psSig() signer    { return rsaSigner("PS256", "rsa-1", keys().rsa) }
func rsaSig2() signer  { return rsaSigner("RS256", "rsa-2", keys().rsa2) }
func ec256Sig() signer { return ecSigner("ec-256", keys().p256) }
func ec384Sig() signer { return ecSigner("ec-384", keys().p384) }
func ec521Sig() signer { return ecSigner("ec-521", keys().p521) }
func edSig() signer    { return edSigner("ed-1", keys().ed) }

func publicJWKS() string {
	k := keys()
	return jwks(jwkOf("rsa-1", "", &k.rsa.PublicKey), jwkOf("ec-256", "ES256", &k.p256.PublicKey), jwkOf("ec-384", "", &k.p384.PublicKey),
		jwkOf("ec-521", "", &k.p521.PublicKey), jwkOf("ed-1", "EdDSA", k.ed.Public()))
}
