package hubtokens

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxDuration bounds a parsed duration: ten years.
const MaxDuration = 10 * 365 * 24 * time.Hour

// ParseDuration reads the durations the token commands take (--unused-for,
// --expires-in): a number of days ("90d"), optionally followed by a Go
// duration ("1d12h"), or a Go duration alone ("12h", "30m", "90s"). Zero
// is allowed (the caller decides what it means); negative is not, nor more
// than ten years.
func ParseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration like 90d, 12h or 30m", s)
	t := strings.TrimSpace(s)
	var d time.Duration
	if i := strings.IndexByte(t, 'd'); i >= 0 {
		days, err := strconv.ParseUint(t[:i], 10, 32)
		if err != nil || days > uint64(MaxDuration/(24*time.Hour)) {
			if err == nil {
				return 0, fmt.Errorf("%q is more than 10 years", s)
			}
			return 0, bad
		}
		d = time.Duration(days) * 24 * time.Hour
		t = t[i+1:]
		if t == "" {
			return d, nil
		}
	}
	if t == "" {
		return 0, bad
	}
	rest, err := time.ParseDuration(t)
	if err != nil || strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		return 0, bad
	}
	if rest > MaxDuration-d {
		return 0, fmt.Errorf("%q is more than 10 years", s)
	}
	return d + rest, nil
}

// FormatAge says how long d is, as people write it: 95d, 3h, 12m, 40s.
func FormatAge(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d >= time.Hour:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d >= time.Minute:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return strconv.FormatInt(int64(max(d, 0)/time.Second), 10) + "s"
}
