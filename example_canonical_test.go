package weakref_test

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/goweakref/weakref"
)

// Symbol is an interned name: one *Symbol per distinct name while anyone
// uses it, so symbols compare with == and share memory.
type Symbol struct {
	Name string
}

// Symbols canonicalizes names. Unused symbols are collected, and their
// entries vanish with them: the table never grows beyond what is in use.
type Symbols struct {
	table weakref.WeakValueMap[string, Symbol]
}

// Intern returns the one *Symbol for name, creating it if no live one
// exists. Concurrent callers for the same name get the same Symbol.
func (s *Symbols) Intern(name string) *Symbol {
	sym, _ := s.table.LoadOrCompute(name, func() *Symbol {
		return &Symbol{Name: strings.Clone(name)}
	})
	return sym
}

func Example_canonicalizingCache() {
	var symbols Symbols
	a := symbols.Intern("alpha")
	b := symbols.Intern("al" + "pha")
	fmt.Println(a == b)

	symbols.Intern("temporary") // nobody keeps it
	runtime.GC()
	fmt.Println(symbols.table.Len())
	runtime.KeepAlive(a)
	// Output:
	// true
	// 1
}
