package pyconfig

import (
	"context"
	"errors"
	"math"
	"math/big"
	"reflect"
	"testing"
)

// TestWireRoundTrip: what the reader child sends is what the parent gets,
// and a damaged reply is an error, never a panic.
func TestWireRoundTrip(t *testing.T) {
	src := "c = get_config()\nimport os\nc.JupyterHub.services = [{'name': 'a', 'n': -123456789012345678901234567890, 'f': 1e999, 'g': -0.5,\n" +
		"  'b': True, 'none': None, 'env': os.environ['X'], 'u': foo(), 'l': ['x', 1, [2, {'k': 'v'}]]}]\n" +
		"load_subconfig('sub.py')\nc.JupyterHub.api_tokens = {'t' * 3: 'a'}\nc.JupyterHub.load_roles += []\n"
	cfg, err := ParseInProcess("w.py", []byte(src), hubOptions())
	if err != nil {
		t.Fatal(err)
	}
	big1, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	if n, _ := cfg.Entries[0][0].Get("n"); n.Int.Cmp(big1) != 0 {
		t.Fatalf("n = %v", n.Int)
	}
	if f, _ := cfg.Entries[0][0].Get("f"); !math.IsInf(f.Float, 1) {
		t.Fatalf("f = %v", f.Float)
	}
	got, err := decodeReply(encodeReply(cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Entries, cfg.Entries) || !reflect.DeepEqual(got.Warnings, cfg.Warnings) || len(got.Warnings) < 2 || got.Warnings[len(got.Warnings)-1].Fact != FactLazyOperand {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, cfg)
	}
	pe := &ParseError{Pos: Pos{File: "w.py", Line: 3, Col: 1}, Msg: "m"}
	if _, err := decodeReply(encodeReply(nil, pe)); !reflect.DeepEqual(err, pe) {
		t.Errorf("parse error: %v", err)
	}
	if _, err := decodeReply(encodeReply(nil, errors.New("other"))); err == nil || err.Error() != "other" {
		t.Errorf("other error: %v", err)
	}
	full := encodeReply(cfg, nil)
	for i := 0; i < len(full); i++ {
		if _, err := decodeReply(full[:i]); !errors.Is(err, errWire) {
			t.Fatalf("a reply cut at %d of %d: %v", i, len(full), err)
		}
	}
	// Through the child process, the same.
	viaChild, err := ParseWith(context.Background(), "w.py", []byte(src), hubOptions())
	if err != nil || !reflect.DeepEqual(viaChild.Entries, cfg.Entries) || !reflect.DeepEqual(viaChild.Warnings, cfg.Warnings) {
		t.Errorf("via the child: %v", err)
	}
}
