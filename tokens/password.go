package tokens

import (
	"fmt"

	"github.com/sethvargo/go-password/password"
)

// PasswordSymbols are go-password's symbols less the ones that need escaping
// in Python strings, shell words or YAML scalars: " ' \ $ and backtick.
const PasswordSymbols = "~!@#%^&*()_+-={}|[]:<>?,./"

// Password limits and defaults for `hubctl token password`.
const (
	MinPasswordLength     = 8
	MaxPasswordLength     = 1024
	DefaultPasswordLength = 24
	DefaultPasswordDigits = 4
	DefaultPasswordSymbol = 2
)

// Password returns a human password of length characters with exactly
// digits digits and symbols symbols, the rest mixed-case letters.
func Password(length, digits, symbols int) (string, error) {
	switch {
	case length < MinPasswordLength || length > MaxPasswordLength:
		return "", fmt.Errorf("password length %d is out of range: use %d to %d", length, MinPasswordLength, MaxPasswordLength)
	case digits < 0 || symbols < 0:
		return "", fmt.Errorf("digit and symbol counts cannot be negative")
	case digits+symbols > length:
		return "", fmt.Errorf("%d digits + %d symbols do not fit in a password of length %d", digits, symbols, length)
	}
	gen, err := password.NewGenerator(&password.GeneratorInput{Symbols: PasswordSymbols})
	if err != nil {
		return "", fmt.Errorf("password generator: %w", err)
	}
	pw, err := gen.Generate(length, digits, symbols, false, true)
	if err != nil {
		return "", fmt.Errorf("generating password: %w", err)
	}
	return pw, nil
}
