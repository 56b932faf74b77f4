package pyconfig

import (
	"reflect"

	"github.com/go-python/gpython/ast"
)

// maxWalkDepth bounds walk: CPython refuses an expression nested about 3 000
// deep, gpython does not, and its own ast.Walk recurses without a bound
// (4 MB of "1+1+…" overflowed the stack).
const maxWalkDepth = 3000

var astType = reflect.TypeFor[ast.Ast]()

// walk visits node and the nodes it contains, parents first, without
// recursion and no deeper than maxWalkDepth; visit returns false not to look
// inside a node. walk reports whether it saw all of it.
func walk(node ast.Ast, visit func(ast.Ast) bool) bool {
	type item struct {
		v     reflect.Value // a pointer to an AST struct (a node, or a part such as a comprehension)
		depth int
	}
	complete := true
	stack := []item{{reflect.ValueOf(node), 0}}
	var children []reflect.Value
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.v.Type().Implements(astType) && !visit(it.v.Interface().(ast.Ast)) {
			continue
		}
		s := it.v.Elem()
		if s.Kind() != reflect.Struct {
			continue
		}
		if it.depth >= maxWalkDepth {
			complete = false
			continue
		}
		children = children[:0]
		add := func(f reflect.Value) {
			if f.Kind() == reflect.Interface && !f.IsNil() {
				f = f.Elem()
			}
			if f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.Struct {
				children = append(children, f)
			}
		}
		for i := 0; i < s.NumField(); i++ {
			if !s.Type().Field(i).IsExported() || s.Type().Field(i).Anonymous {
				continue
			}
			switch f := s.Field(i); f.Kind() {
			case reflect.Interface, reflect.Pointer:
				add(f)
			case reflect.Slice:
				for j := 0; j < f.Len(); j++ {
					add(f.Index(j))
				}
			}
		}
		// Pushed in reverse, so that they are visited in order.
		for j := len(children) - 1; j >= 0; j-- {
			stack = append(stack, item{children[j], it.depth + 1})
		}
	}
	return complete
}
