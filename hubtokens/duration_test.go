package hubtokens

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"90d": 90 * day, "12h": 12 * time.Hour, "30m": 30 * time.Minute, "1d12h": day + 12*time.Hour, "0": 0, "0d": 0, " 7d ": 7 * day, "3650d": 3650 * day,
	} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "90", "-1d", "-5m", "1.5d", "3651d", "3650d1h", "99999999999d", "1w", "d12h", "1d-1h"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestFormatAge(t *testing.T) {
	for d, want := range map[time.Duration]string{200 * 24 * time.Hour: "200d", 3 * time.Hour: "3h", 90 * time.Second: "1m", 5 * time.Second: "5s", -time.Second: "0s"} {
		if got := FormatAge(d); got != want {
			t.Errorf("FormatAge(%v) = %q, want %q", d, got, want)
		}
	}
}
