// Package tokens generates API tokens and human passwords and keeps secrets
// in a Store: the OS keyring, a 0600 file when asked, or memory for tests.
package tokens

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// Token sizes accepted by New. 16 bytes (128 bits) is the floor: the Hub
// itself only insists on 8 characters, which is far too little entropy.
const (
	MinBytes     = 16
	MaxBytes     = 1024
	DefaultBytes = 32 // what `openssl rand -hex 32` gives
)

// Format is how a token's random bytes are written out.
type Format string

const (
	Hex       Format = "hex"       // lowercase hex, as `openssl rand -hex`
	Base64URL Format = "base64url" // RFC 4648 URL alphabet, no padding
)

// ParseFormat turns a --format value into a Format.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Hex, Base64URL:
		return f, nil
	}
	return "", fmt.Errorf("unknown token format %q (want hex or base64url)", s)
}

// New returns n random bytes from crypto/rand written in format f. Tokens
// carry no fixed prefix: JupyterHub indexes tokens by their first four
// characters, so a shared prefix would put every token in one bucket.
func New(n int, f Format) (string, error) {
	if n < MinBytes || n > MaxBytes {
		return "", fmt.Errorf("token size %d bytes is out of range: use %d to %d bytes (128 bits is the floor)", n, MinBytes, MaxBytes)
	}
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	switch f {
	case Hex:
		return hex.EncodeToString(buf), nil
	case Base64URL:
		return base64.RawURLEncoding.EncodeToString(buf), nil
	}
	return "", fmt.Errorf("unknown token format %q (want hex or base64url)", f)
}
