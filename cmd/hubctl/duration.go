package main

import (
	"errors"
	"time"

	"github.com/hubctl/hubctl/cull"
)

// Duration flags, read with cull.ParseDuration: a Go duration (90s, 2m), a
// number of days with or without one (1d, 1d12h), and for the culler's
// flags a number of seconds too.

// durationFlag reads one of the culler's duration flags (and token rotate's
// --wait): a Go duration, days, or, like the culler's other time flags, a
// number of seconds; positive and at most most (mostText, as people write
// it).
func durationFlag(name, s string, most time.Duration, mostText string) (time.Duration, error) {
	d, err := cull.ParseDuration(s, most, true)
	switch {
	case errors.Is(err, cull.ErrDurationTooLong):
		return 0, usageErrorf("--%s %s is more than %s", name, s, mostText)
	case errors.Is(err, cull.ErrNegativeDuration) || err == nil && d == 0:
		return 0, usageErrorf("--%s %s must be positive, e.g. 60s", name, s)
	case err != nil:
		return 0, usageErrorf("--%s %q is not a duration like 90s, 2m or 60 (seconds)", name, s)
	}
	return d, nil
}

// maxTokenDuration bounds --expires-in and --unused-for.
const maxTokenDuration = 10 * 365 * 24 * time.Hour

// tokenDuration reads a duration flag of the token commands (--expires-in,
// --unused-for): days (90d), a Go duration (12h), or both (1d12h); not a
// bare number. Zero is returned as such: the caller says what it means.
func tokenDuration(name, s string) (time.Duration, error) {
	d, err := cull.ParseDuration(s, maxTokenDuration, false)
	switch {
	case errors.Is(err, cull.ErrDurationTooLong):
		return 0, usageErrorf("--%s: %q is more than 10 years", name, s)
	case errors.Is(err, cull.ErrNegativeDuration):
		return 0, usageErrorf("--%s: %q is negative", name, s)
	case err != nil:
		return 0, usageErrorf("--%s: %q is not a duration like 90d, 12h or 30m", name, s)
	}
	return d, nil
}
