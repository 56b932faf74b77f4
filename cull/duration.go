package cull

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// The ways a duration fails to parse (ParseDuration). Callers word them
// for their flag or file.
var (
	ErrNotDuration      = errors.New("not a duration")
	ErrNegativeDuration = errors.New("negative duration")
	ErrDurationTooLong  = errors.New("duration too long")
)

// ParseDuration reads a duration as hubctl's flags and files take them: a
// Go duration ("90s", "30m", "12h", "1h30m"), a number of whole days
// optionally followed by one ("90d", "1d12h"), and, with seconds, a bare
// number of seconds ("60", "1.5"), as the culler's time flags are. Spaces
// around it do not count. It fails with ErrNotDuration, with
// ErrNegativeDuration for a negative one, and with ErrDurationTooLong for
// one longer than most (bounded before any conversion, which would
// overflow). Zero is returned as zero: each caller says whether it means
// off or is refused.
//
// Without seconds a bare number is refused: `--unused-for 90` would be
// 90 what?
func ParseDuration(s string, most time.Duration, seconds bool) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if seconds {
		if secs, err := strconv.ParseFloat(t, 64); err == nil {
			switch {
			case math.IsNaN(secs):
				return 0, ErrNotDuration
			case secs < 0:
				return 0, ErrNegativeDuration
			case secs > most.Seconds():
				return 0, ErrDurationTooLong
			}
			return time.Duration(secs * float64(time.Second)), nil
		}
	}
	negative := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(strings.TrimPrefix(t, "-"), "+")
	var d time.Duration
	if i := strings.IndexByte(t, 'd'); i >= 0 {
		days, err := strconv.ParseUint(t[:i], 10, 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return 0, ErrDurationTooLong
		case err != nil:
			return 0, ErrNotDuration
		case days > uint64(most/(24*time.Hour)):
			return 0, ErrDurationTooLong
		}
		d, t = time.Duration(days)*24*time.Hour, t[i+1:]
		if t == "" {
			return signed(d, negative)
		}
	}
	// The rest has no sign of its own ("1d-1h").
	if t == "" || strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		return 0, ErrNotDuration
	}
	rest, err := time.ParseDuration(t)
	switch {
	case err != nil:
		return 0, ErrNotDuration
	case rest > most-d:
		return 0, ErrDurationTooLong
	}
	return signed(d+rest, negative)
}

// signed is d with its sign: a negative duration is an error, "-0" zero.
func signed(d time.Duration, negative bool) (time.Duration, error) {
	if negative && d != 0 {
		return 0, ErrNegativeDuration
	}
	return d, nil
}
