// Package apikeys creates, authenticates and revokes API keys. A key's
// secret is shown once; only its SHA-256 hash is stored. SHA-256 without a
// slow KDF is enough because generated secrets carry 256 random bits, and a
// bootstrap key chosen by an operator must be long (MinSecretLength).
package apikeys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"unicode/utf8"
)

// secretPrefix marks ewaybill keys so leaked ones are easy to grep for.
const secretPrefix = "ewb_"

// MinSecretLength is the shortest key an operator may choose at bootstrap.
const MinSecretLength = 24

// MaxSecretLength bounds what we hash on every request.
const MaxSecretLength = 256

// NewSecret returns a fresh random key.
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on supported platforms; a key without
		// randomness must never be issued.
		panic(fmt.Sprintf("apikeys: no randomness: %v", err))
	}
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret is the at-rest form of a secret and its index key.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// hint is the last four characters of a secret, to tell keys apart in lists.
func hint(secret string) string {
	if utf8.RuneCountInString(secret) < 12 {
		return ""
	}
	r := []rune(secret)
	return "…" + string(r[len(r)-4:])
}
