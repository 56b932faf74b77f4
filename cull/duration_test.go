package cull

import (
	"errors"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	const tenYears = 3650 * 24 * time.Hour
	for _, tt := range []struct {
		in      string
		seconds bool
		want    time.Duration
	}{
		{"90d", false, 90 * day}, {"12h", false, 12 * time.Hour}, {"30m", false, 30 * time.Minute}, {"1d12h", false, day + 12*time.Hour},
		{"0", false, 0}, {"0d", false, 0}, {" 7d ", false, 7 * day}, {"3650d", false, 3650 * day}, {"+5m", false, 5 * time.Minute}, {"-0", false, 0},
		{"60", true, time.Minute}, {"1.5", true, 1500 * time.Millisecond}, {"1e3", true, 1000 * time.Second}, {"0", true, 0}, {"90s", true, 90 * time.Second},
		{"1d", true, day}, {"1h30m", true, 90 * time.Minute},
	} {
		if got, err := ParseDuration(tt.in, tenYears, tt.seconds); err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q, seconds %v) = %v, %v; want %v", tt.in, tt.seconds, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		in      string
		seconds bool
		most    time.Duration
		want    error
	}{
		{"", false, tenYears, ErrNotDuration}, {"", true, tenYears, ErrNotDuration}, {"d", false, tenYears, ErrNotDuration},
		{"90", false, tenYears, ErrNotDuration}, {"1.5d", true, tenYears, ErrNotDuration}, {"1w", true, tenYears, ErrNotDuration},
		{"d12h", false, tenYears, ErrNotDuration}, {"1d-1h", false, tenYears, ErrNotDuration}, {"--5m", false, tenYears, ErrNotDuration},
		{"NaN", true, tenYears, ErrNotDuration}, {"2 hours", true, tenYears, ErrNotDuration}, {"soon", true, tenYears, ErrNotDuration},
		{"-1d", false, tenYears, ErrNegativeDuration}, {"-5m", true, tenYears, ErrNegativeDuration}, {"-5", true, tenYears, ErrNegativeDuration},
		{"-Inf", true, tenYears, ErrNegativeDuration},
		{"3651d", false, tenYears, ErrDurationTooLong}, {"3650d1h", false, tenYears, ErrDurationTooLong},
		{"99999999999d", false, tenYears, ErrDurationTooLong}, {"99999999999999999999d", false, tenYears, ErrDurationTooLong},
		{"1e300", true, tenYears, ErrDurationTooLong}, {"Inf", true, tenYears, ErrDurationTooLong},
		{"25h", true, 24 * time.Hour, ErrDurationTooLong}, {"86401", true, 24 * time.Hour, ErrDurationTooLong}, {"2d", true, 24 * time.Hour, ErrDurationTooLong},
		{"1d", true, time.Hour, ErrDurationTooLong},
	} {
		if got, err := ParseDuration(tt.in, tt.most, tt.seconds); !errors.Is(err, tt.want) {
			t.Errorf("ParseDuration(%q, %v, seconds %v) = %v, %v; want %v", tt.in, tt.most, tt.seconds, got, err, tt.want)
		}
	}
}
