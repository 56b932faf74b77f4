package tokens

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// Keyring is the Store on the OS keyring (the freedesktop Secret Service on
// Linux) through go-keyring. Items live under the service name Service with
// the token name as user. go-keyring cannot list items, so Keyring keeps an
// index of names as one more item in the keyring, never in a plain file.
// Set and Delete read, change and write that index, so they hold an
// exclusive lock (LockDir's keyring-SERVICE.lock) while they do: two runs at
// once would otherwise each write back the index they read and lose the
// other's name.
type Keyring struct {
	Service string
	// Timeout bounds each whole operation: go-keyring waits forever on an
	// unlock prompt nobody will answer.
	Timeout time.Duration
	// Context, if set, ends a wait for the index lock when it is done
	// (Ctrl-C); the Store methods take no context of their own.
	Context context.Context
	// Waiting, if set, is told when another process has held the index
	// lock for a moment (holder as "process 123 (hubctl)", or "").
	Waiting func(lock, holder string)
}

// indexUser names the index item; ':' cannot occur in a token name.
const indexUser = ":index"

// DefaultKeyringTimeout keeps every keyring failure under five seconds.
const DefaultKeyringTimeout = 4 * time.Second

// NewKeyring returns the keyring store hubctl uses: service "hubctl".
func NewKeyring() *Keyring { return &Keyring{Service: "hubctl", Timeout: DefaultKeyringTimeout} }

func (k *Keyring) String() string { return "the keyring" }

func (k *Keyring) Set(name, secret string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := validateSecret(secret); err != nil {
		return err
	}
	return k.locked(func() error {
		if err := keyring.Set(k.Service, name, secret); err != nil {
			return fmt.Errorf("storing %q in the keyring: %w", name, err)
		}
		return k.changeIndex(func(names []string) []string {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
			return names
		})
	})
}

func (k *Keyring) Get(name string) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", err
	}
	var secret string
	err := k.bounded(func() error {
		s, err := keyring.Get(k.Service, name)
		if errors.Is(err, keyring.ErrNotFound) {
			return &NotFoundError{Name: name, Where: k.String()}
		}
		if err != nil {
			return fmt.Errorf("reading %q from the keyring: %w", name, err)
		}
		secret = s
		return nil
	})
	return secret, err
}

func (k *Keyring) Delete(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	return k.locked(func() error {
		err := keyring.Delete(k.Service, name)
		if errors.Is(err, keyring.ErrNotFound) {
			return &NotFoundError{Name: name, Where: k.String()}
		}
		if err != nil {
			return fmt.Errorf("deleting %q from the keyring: %w", name, err)
		}
		return k.changeIndex(func(names []string) []string {
			return slices.DeleteFunc(names, func(n string) bool { return n == name })
		})
	})
}

func (k *Keyring) List() ([]string, error) {
	var names []string
	err := k.bounded(func() error {
		var err error
		names, err = k.readIndex()
		return err
	})
	return names, err
}

func (k *Keyring) readIndex() ([]string, error) {
	s, err := keyring.Get(k.Service, indexUser)
	if errors.Is(err, keyring.ErrNotFound) {
		return []string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading hubctl's index in the keyring: %w", err)
	}
	names := []string{}
	for _, n := range strings.Fields(s) {
		if ValidateName(n) == nil {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

func (k *Keyring) changeIndex(change func([]string) []string) error {
	names, err := k.readIndex()
	if err != nil {
		return err
	}
	names = change(names)
	slices.Sort(names)
	if len(names) == 0 {
		err = keyring.Delete(k.Service, indexUser)
		if errors.Is(err, keyring.ErrNotFound) {
			err = nil
		}
	} else {
		err = keyring.Set(k.Service, indexUser, strings.Join(names, "\n"))
	}
	if err != nil {
		return fmt.Errorf("updating hubctl's index in the keyring: %w", err)
	}
	return nil
}

// locked runs op, bounded, under the index lock. The item and the index
// change under the same lock, so that a Set and a Delete of one name at
// once leave both in step. The lock is released when bounded's goroutine
// ends, whether the probe failed or op returned, not when bounded gives up
// on it: until then op may still write the index.
func (k *Keyring) locked(op func() error) error {
	path, err := indexLockPath(k.Service)
	if err != nil {
		return err
	}
	unlock, err := lockWithin(k.Context, path, "hubctl's index of the tokens in the keyring", DefaultLockWait, k.Waiting)
	if err != nil {
		return err
	}
	return k.boundedThen(unlock, op)
}

// bounded checks that a usable Secret Service is there, then runs op, and
// gives up after k.Timeout with an error that says what to do.
func (k *Keyring) bounded(op func() error) error { return k.boundedThen(nil, op) }

// boundedThen is bounded that also calls release, if set, once the probe
// and op are over, on every path, even after the timeout has given up.
func (k *Keyring) boundedThen(release func(), op func() error) error {
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	done := make(chan error, 1)
	go func() {
		if release != nil {
			defer release()
		}
		if err := probeSecretService(); err != nil {
			done <- err
			return
		}
		done <- op()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		return &HintError{
			Err:  fmt.Errorf("the keyring did not answer within %s (is it waiting for an unlock prompt?)", timeout),
			Next: unlockHint + ", or pass --insecure-storage to keep tokens in a 0600 file",
		}
	}
}

const (
	secretsName    = "org.freedesktop.secrets"
	defaultAlias   = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
	loginKeyring   = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	collectionIntf = "org.freedesktop.Secret.Collection"
	unlockHint     = "unlock it with `printf '%s' \"$PASSWORD\" | gnome-keyring-daemon --unlock`"
)

// probeSecretService finds out, before go-keyring is called, the three ways
// a keyring is commonly unusable on a server, so each gets its own message.
// It never starts a bus: godbus would run dbus-launch when no session bus
// address is known and leave a daemon behind.
func probeSecretService() error {
	conn, err := dbus.SessionBusPrivateNoAutoStartup()
	if err != nil {
		return &HintError{
			Err:  fmt.Errorf("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is unset and /run/user/%d/bus does not exist", os.Getuid()),
			Next: "run hubctl in a login session, or under `dbus-run-session -- bash` with gnome-keyring-daemon started; on a headless server, pass --insecure-storage",
		}
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return fmt.Errorf("connecting to the D-Bus session bus: %w", err)
	}
	if err := conn.Hello(); err != nil {
		return fmt.Errorf("connecting to the D-Bus session bus: %w", err)
	}
	bus := conn.BusObject()
	var owned bool
	if err := bus.Call("org.freedesktop.DBus.NameHasOwner", 0, secretsName).Store(&owned); err != nil {
		return fmt.Errorf("asking the D-Bus session bus for the Secret Service: %w", err)
	}
	if !owned {
		var activatable []string
		if err := bus.Call("org.freedesktop.DBus.ListActivatableNames", 0).Store(&activatable); err != nil {
			return fmt.Errorf("asking the D-Bus session bus for the Secret Service: %w", err)
		}
		if !slices.Contains(activatable, secretsName) {
			return &HintError{
				Err:  errors.New("no Secret Service on the D-Bus session bus (nothing owns org.freedesktop.secrets)"),
				Next: "install and start gnome-keyring (`gnome-keyring-daemon --start --components=secrets`) or KeePassXC, or pass --insecure-storage",
			}
		}
	}
	// go-keyring uses the "login" collection when it exists, else the default alias.
	for _, path := range []dbus.ObjectPath{loginKeyring, defaultAlias} {
		v, err := conn.Object(secretsName, path).GetProperty(collectionIntf + ".Locked")
		if err != nil {
			continue
		}
		if locked, _ := v.Value().(bool); locked {
			return &HintError{
				Err:  errors.New("the keyring is locked"),
				Next: unlockHint + " (or in your desktop's keyring app), or pass --insecure-storage",
			}
		}
		return nil
	}
	return &HintError{
		Err:  errors.New("the Secret Service has no default keyring collection"),
		Next: "create and unlock one with `printf '%s' \"$PASSWORD\" | gnome-keyring-daemon --unlock`, or pass --insecure-storage",
	}
}
