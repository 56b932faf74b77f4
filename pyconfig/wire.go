package pyconfig

import (
	"encoding/binary"
	"errors"
	"math"
	"math/big"
)

// The reader child's reply crosses on a pipe in this small binary form:
// gob took 140 ms to carry the 80 000 values of a 1.5 MB config, this takes
// a few. Every field of Value is written, whatever its Kind.

type wireWriter struct {
	b     []byte
	files map[string]uint64
}

func (w *wireWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *wireWriter) int(v int)     { w.b = binary.AppendVarint(w.b, int64(v)) }
func (w *wireWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

// pos writes a file name once, then its number.
func (w *wireWriter) pos(p Pos) {
	if i, ok := w.files[p.File]; ok {
		w.uint(i + 1)
	} else {
		w.files[p.File] = uint64(len(w.files))
		w.uint(0)
		w.str(p.File)
	}
	w.int(p.Line)
	w.int(p.Col)
}

func (w *wireWriter) value(v *Value) {
	w.uint(uint64(v.Kind))
	w.pos(v.Pos)
	w.str(v.Str)
	w.str(v.Reason)
	switch {
	case v.Int == nil:
		w.uint(0)
	case v.Int.Sign() < 0:
		w.uint(2)
		w.str(string(v.Int.Bytes()))
	default:
		w.uint(1)
		w.str(string(v.Int.Bytes()))
	}
	w.uint(math.Float64bits(v.Float))
	if v.Bool {
		w.uint(1)
	} else {
		w.uint(0)
	}
	w.values(v.Items)
	w.values(v.Keys)
}

func (w *wireWriter) values(vs []Value) {
	w.uint(uint64(len(vs)))
	for i := range vs {
		w.value(&vs[i])
	}
}

// encodeReply is the child's answer: 0 and a File (less its path and
// source, which the parent has), 1 and a ParseError, or 2 and any other
// error's text.
func encodeReply(f *File, err error) []byte {
	w := &wireWriter{files: map[string]uint64{}}
	var pe *ParseError
	switch {
	case errors.As(err, &pe):
		w.uint(1)
		w.pos(pe.Pos)
		w.str(pe.Msg)
	case err != nil:
		w.uint(2)
		w.str(err.Error())
	default:
		w.uint(0)
		w.uint(uint64(len(f.Entries)))
		for _, entries := range f.Entries {
			w.values(entries)
		}
		w.uint(uint64(len(f.Warnings)))
		for _, d := range f.Warnings {
			w.pos(d.Pos)
			w.str(d.Msg)
			w.str(string(d.Fact))
		}
	}
	return w.b
}

var errWire = errors.New("a malformed reply from the reader")

type wireReader struct {
	b     []byte
	files []string
	err   error
}

func (r *wireReader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) int() int {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

func (r *wireReader) fail() {
	r.err = errWire
	r.b = nil
}

func (r *wireReader) str() string {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *wireReader) pos() Pos {
	var p Pos
	switch i := r.uint(); {
	case i == 0:
		p.File = r.str()
		r.files = append(r.files, p.File)
	case i <= uint64(len(r.files)):
		p.File = r.files[i-1]
	default:
		r.fail()
	}
	p.Line, p.Col = r.int(), r.int()
	return p
}

// count reads a length, bounded by what is left (each item takes a byte).
func (r *wireReader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *wireReader) value(depth int) Value {
	var v Value
	if depth > 2*maxDepth {
		r.fail()
		return v
	}
	v.Kind = Kind(r.uint())
	v.Pos = r.pos()
	v.Str = r.str()
	v.Reason = r.str()
	switch sign := r.uint(); sign {
	case 1, 2:
		v.Int = new(big.Int).SetBytes([]byte(r.str()))
		if sign == 2 {
			v.Int.Neg(v.Int)
		}
	}
	v.Float = math.Float64frombits(r.uint())
	v.Bool = r.uint() == 1
	v.Items = r.values(depth + 1)
	v.Keys = r.values(depth + 1)
	return v
}

func (r *wireReader) values(depth int) []Value {
	n := r.count()
	if n == 0 {
		return nil
	}
	vs := make([]Value, n)
	for i := range vs {
		vs[i] = r.value(depth)
		if r.err != nil {
			return nil
		}
	}
	return vs
}

// decodeReply reads what encodeReply wrote.
func decodeReply(b []byte) (*File, error) {
	r := &wireReader{b: b}
	switch r.uint() {
	case 1:
		pe := &ParseError{Pos: r.pos(), Msg: r.str()}
		if r.err != nil {
			return nil, r.err
		}
		return nil, pe
	case 2:
		msg := r.str()
		if r.err != nil {
			return nil, r.err
		}
		return nil, errors.New(msg)
	case 0:
		f := &File{}
		traits := r.count()
		for i := 0; i < traits && r.err == nil; i++ {
			f.Entries = append(f.Entries, r.values(0))
		}
		n := r.count()
		for i := 0; i < n && r.err == nil; i++ {
			f.Warnings = append(f.Warnings, Diagnostic{Pos: r.pos(), Msg: r.str(), Fact: Fact(r.str())})
		}
		if r.err != nil {
			return nil, r.err
		}
		if len(r.b) != 0 {
			return nil, errWire
		}
		return f, nil
	}
	return nil, errWire
}
