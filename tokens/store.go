package tokens

import (
	"errors"
	"fmt"
	"regexp"
)

// Store keeps named secrets. Every implementation validates names with
// ValidateName and reports a missing name as a *NotFoundError.
type Store interface {
	Set(name, secret string) error
	Get(name string) (string, error)
	Delete(name string) error
	// List returns the stored names, sorted; never the secrets.
	List() ([]string, error)
	// String says where secrets are kept, for messages: "the keyring".
	String() string
}

// ErrNotFound is what a *NotFoundError matches with errors.Is.
var ErrNotFound = errors.New("no such token")

// NotFoundError says that a name is not in a store.
type NotFoundError struct {
	Name  string
	Where string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no token named %q in %s", e.Name, e.Where)
}

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

func (e *NotFoundError) Hint() string { return "`hubctl token list` shows the stored names" }

var nameRE = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// ValidateName accepts 1 to 64 lowercase letters, digits, '.', '_' and '-':
// names end up in keyring attributes, file keys and environment variable
// names, so they are kept plain.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("invalid token name %q: use 1 to 64 lowercase letters, digits, '.', '_' or '-'", name)
	}
	return nil
}

func validateSecret(secret string) error {
	if secret == "" {
		return errors.New("the token is empty")
	}
	return nil
}

// HintError is an error with a next step for the user; the CLI prints the
// hint on its own line.
type HintError struct {
	Err  error
	Next string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Hint() string  { return e.Next }
func (e *HintError) Unwrap() error { return e.Err }
