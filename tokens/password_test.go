package tokens

import (
	"strings"
	"testing"
	"unicode"
)

func TestPassword(t *testing.T) {
	tests := []struct{ length, digits, symbols int }{
		{24, 4, 2}, {8, 0, 0}, {8, 8, 0}, {8, 0, 8}, {64, 10, 10}, {1024, 100, 100},
	}
	for _, tt := range tests {
		for i := 0; i < 200; i++ {
			pw, err := Password(tt.length, tt.digits, tt.symbols)
			if err != nil {
				t.Fatalf("Password(%d, %d, %d): %v", tt.length, tt.digits, tt.symbols, err)
			}
			if len(pw) != tt.length {
				t.Fatalf("Password(%d, ...) = %q has length %d", tt.length, pw, len(pw))
			}
			var digits, symbols int
			for _, r := range pw {
				switch {
				case unicode.IsDigit(r):
					digits++
				case strings.ContainsRune(PasswordSymbols, r):
					symbols++
				case r > unicode.MaxASCII || !unicode.IsLetter(r):
					t.Fatalf("password %q has %q, neither letter, digit nor allowed symbol", pw, r)
				}
			}
			if digits != tt.digits || symbols != tt.symbols {
				t.Fatalf("password %q has %d digits and %d symbols, want %d and %d", pw, digits, symbols, tt.digits, tt.symbols)
			}
		}
	}
}

func TestPasswordSymbolsAreSafe(t *testing.T) {
	for _, bad := range []rune{'"', '\'', '\\', '$', '`'} {
		if strings.ContainsRune(PasswordSymbols, bad) {
			t.Errorf("PasswordSymbols holds %q, which needs escaping in Python, shell or YAML", bad)
		}
	}
	// Every allowed symbol can actually appear.
	seen := map[rune]bool{}
	for i := 0; i < 2000; i++ {
		pw, err := Password(64, 0, 64)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pw {
			seen[r] = true
		}
	}
	for _, r := range PasswordSymbols {
		if !seen[r] {
			t.Errorf("symbol %q never appeared", r)
		}
	}
}

func TestPasswordRejects(t *testing.T) {
	for _, tt := range []struct{ length, digits, symbols int }{
		{7, 0, 0}, {1025, 0, 0}, {8, 5, 4}, {24, -1, 0}, {24, 0, -1},
	} {
		if pw, err := Password(tt.length, tt.digits, tt.symbols); err == nil {
			t.Errorf("Password(%d, %d, %d) = %q, want an error", tt.length, tt.digits, tt.symbols, pw)
		}
	}
}
