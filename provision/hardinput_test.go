package provision

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// bigConfig is a 1 MB config with n services and a role for each tenth.
func bigConfig(n int) []byte {
	var b bytes.Buffer
	b.WriteString("c = get_config()  # noqa\nc.JupyterHub.services = [\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    {'name': 'svc-%05d', 'url': 'http://127.0.0.1:%d', 'api_token': '%064x'},\n", i, 10000+i%50000, i+1)
	}
	b.WriteString("]\nc.JupyterHub.load_roles = [\n")
	for i := 0; i < n; i += 10 {
		fmt.Fprintf(&b, "    {'name': 'role-%05d', 'scopes': ['read:users', 'list:users'], 'services': ['svc-%05d']},\n", i, i)
	}
	b.WriteString("]\n")
	for b.Len() < 1<<20 {
		b.WriteString("# padding to a megabyte\n")
	}
	return b.Bytes()
}

// TestHardInput: big, deep, garbage and non-UTF-8 input gives a clear
// result or error in bounded time, never a panic.
func TestHardInput(t *testing.T) {
	deep := func(n int) []byte {
		return []byte("c = get_config()\nc.JupyterHub.services = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n")
	}
	rng := rand.New(rand.NewPCG(7, 7))
	garbage := make([]byte, 1<<20)
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
	}
	tests := []struct {
		name     string
		src      []byte
		readable bool
	}{
		{"1 MB, 10 000 services", bigConfig(10000), true},
		{"nested 200 deep (CPython's limit)", deep(200), true},
		{"nested 1 000 deep (CPython refuses more than 200)", deep(1000), false},
		{"nested 50 000 deep", deep(50000), false},
		{"binary garbage", garbage, false},
		{"invalid UTF-8 in a string", []byte("c = get_config()\nc.JupyterHub.services = [{'name': '\xff\xfe'}]\n"), false},
		{"NUL bytes", []byte("c = get_config()\x00\x00\n"), false},
		{"only a BOM", []byte("\xef\xbb\xbf"), true},
		{"many f-strings", []byte(strings.Repeat("x = f'{y}'\n", 200)), false},
		{"unterminated string (Python refuses it)", []byte("c.JupyterHub.services = [{'name': 'x\n"), false},
		{"invalid UTF-8 without a coding line", []byte("c = get_config()\n# caf\xe9\n"), false},
		{"latin-1 with a coding line", []byte("# -*- coding: latin-1 -*-\n# caf\xe9\nc = get_config()\n"), true},
		{"huge string repeat", []byte("c.JupyterHub.services = [{'name': 'x' * 10000000000}]\n"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			cfg, err := ParseWith(context.Background(), "hard.py", tt.src, ReadOptions{Subconfigs: true})
			if err == nil {
				Validate(cfg, ValidateOptions{Version: v3, Mode: 0o600})
			}
			took := time.Since(start)
			if (err == nil) != tt.readable {
				t.Errorf("readable = %v (%v), want %v", err == nil, err, tt.readable)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "hard.py") {
				t.Errorf("error %q does not name the file", err)
			}
			if took > 3*time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
}

func TestBigConfigFindings(t *testing.T) {
	cfg, err := Parse(context.Background(), "big.py", bigConfig(10000))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Services) != 10000 || len(cfg.Roles) != 1000 {
		t.Fatalf("read %d services, %d roles", len(cfg.Services), len(cfg.Roles))
	}
	if f := Validate(cfg, ValidateOptions{Version: v3, Mode: 0o600}); len(f) != 0 {
		t.Errorf("findings on a clean big config: %v", f[:min(3, len(f))])
	}
}

// BenchmarkValidate1MBInProcess is the same read without the child process
// (the reader alone), for the cost of the isolation.
func BenchmarkValidate1MBInProcess(b *testing.B) {
	src := bigConfig(10000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		cfg, err := parseInProcess("big.py", src, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		Validate(cfg, ValidateOptions{Version: v3})
	}
}

// BenchmarkValidate1MB reads and checks a 1 MB config of 10 000 services
// (in a child process, as hubctl does).
func BenchmarkValidate1MB(b *testing.B) {
	src := bigConfig(10000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		cfg, err := Parse(context.Background(), "big.py", src)
		if err != nil {
			b.Fatal(err)
		}
		Validate(cfg, ValidateOptions{Version: v3})
	}
}

func TestImportOfJupyterHubWarns(t *testing.T) {
	cfg, err := Parse(context.Background(), "imp.py", []byte("import os\nfrom jupyterhub.auth import DummyAuthenticator\nimport jupyterhub.spawner as sp\nc = get_config()\n"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, f := range Validate(cfg, ValidateOptions{Version: v3}) {
		if f.ID == "HUB301" {
			lines = append(lines, f.Line)
		}
	}
	if fmt.Sprint(lines) != "[2 3]" {
		t.Errorf("HUB301 on lines %v, want [2 3]", lines)
	}
}
