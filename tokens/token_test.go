package tokens

import (
	"regexp"
	"strings"
	"testing"
)

func TestNewFormats(t *testing.T) {
	hex := regexp.MustCompile(`^[0-9a-f]+$`)
	b64 := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	tests := []struct {
		bytes  int
		format Format
		length int
		want   *regexp.Regexp
	}{
		{32, Hex, 64, hex},
		{16, Hex, 32, hex},
		{1024, Hex, 2048, hex},
		{32, Base64URL, 43, b64},
		{16, Base64URL, 22, b64},
		{1024, Base64URL, 1366, b64},
	}
	for _, tt := range tests {
		tok, err := New(tt.bytes, tt.format)
		if err != nil {
			t.Fatalf("New(%d, %s): %v", tt.bytes, tt.format, err)
		}
		if len(tok) != tt.length || !tt.want.MatchString(tok) {
			t.Errorf("New(%d, %s) = %q (%d chars), want %d chars matching %s", tt.bytes, tt.format, tok, len(tok), tt.length, tt.want)
		}
	}
}

// TestNewDistinct is the property test: 10 000 tokens of each format are
// pairwise distinct, of the right length and alphabet.
func TestNewDistinct(t *testing.T) {
	alphabets := map[Format]string{
		Hex:       "0123456789abcdef",
		Base64URL: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	}
	lengths := map[Format]int{Hex: 64, Base64URL: 43}
	for format, alphabet := range alphabets {
		seen := make(map[string]bool, 10000)
		used := map[rune]bool{}
		for i := 0; i < 10000; i++ {
			tok, err := New(DefaultBytes, format)
			if err != nil {
				t.Fatal(err)
			}
			if len(tok) != lengths[format] {
				t.Fatalf("%s token %q has length %d, want %d", format, tok, len(tok), lengths[format])
			}
			for _, r := range tok {
				if !strings.ContainsRune(alphabet, r) {
					t.Fatalf("%s token %q has %q outside its alphabet", format, tok, r)
				}
				used[r] = true
			}
			if seen[tok] {
				t.Fatalf("%s token %q came twice in %d tokens", format, tok, i+1)
			}
			seen[tok] = true
		}
		// Over 640 000 characters every symbol of the alphabet shows up.
		if len(used) != len(alphabet) {
			t.Errorf("%s tokens used %d of %d symbols", format, len(used), len(alphabet))
		}
	}
}

func TestNewRejects(t *testing.T) {
	for _, n := range []int{-1, 0, 8, 15, 1025} {
		if tok, err := New(n, Hex); err == nil {
			t.Errorf("New(%d) = %q, want an error", n, tok)
		}
	}
	if _, err := New(32, Format("base32")); err == nil {
		t.Error("New with an unknown format succeeded")
	}
	if _, err := ParseFormat("HEX"); err == nil {
		t.Error(`ParseFormat("HEX") succeeded`)
	}
}

func BenchmarkNewHex32(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := New(32, Hex); err != nil {
			b.Fatal(err)
		}
	}
}
