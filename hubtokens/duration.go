package hubtokens

import (
	"strconv"
	"time"
)

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
