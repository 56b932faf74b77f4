package hubtokens

import (
	"testing"
	"time"
)

func TestFormatAge(t *testing.T) {
	for d, want := range map[time.Duration]string{200 * 24 * time.Hour: "200d", 3 * time.Hour: "3h", 90 * time.Second: "1m", 5 * time.Second: "5s", -time.Second: "0s"} {
		if got := FormatAge(d); got != want {
			t.Errorf("FormatAge(%v) = %q, want %q", d, got, want)
		}
	}
}
