package weakref_test

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/goweakref/weakref"
)

// MyClass stands for any object. It holds a pointer, so the runtime never
// batches it with other tiny allocations and it is collected on time.
type MyClass struct {
	name string
}

func (c *MyClass) Method() string { return "alive" }

// The objects in these examples are made by functions the compiler does
// not inline, so that no hidden stack slot keeps them alive.
//
//go:noinline
func newMyClass(name string) *MyClass { return &MyClass{name: name} }

func ExampleCollect() {
	for i := range 3 {
		weakref.NewFinalize(newMyClass("obj"), func(int) {}, i)
	}
	fmt.Println(weakref.Collect())
	// Output: 3
}

// A program that wants Python's at-exit behaviour defers Shutdown in main.
func ExampleShutdown() {
	// func main() {
	//	defer weakref.Shutdown()
	//	...
	// }
	obj := newMyClass("log")
	weakref.NewFinalize(obj, func(s string) { fmt.Println("flush", s) }, "first")
	weakref.NewFinalize(obj, func(s string) { fmt.Println("flush", s) }, "second")
	fmt.Println(weakref.Shutdown())
	runtime.KeepAlive(obj)
	// Output:
	// flush second
	// flush first
	// 2
}

func ExampleSetUnraisableHook() {
	prev := weakref.SetUnraisableHook(func(e *weakref.UnraisableError) {
		fmt.Println(e.Where, "panicked:", e.Value)
	})
	defer func() { weakref.SetUnraisableHook(prev) }()

	weakref.NewFinalize(newMyClass("obj"), func(string) { panic("disk full") }, "")
	weakref.Collect()
	// Output: finalizer for *weakref_test.MyClass panicked: disk full
}

func ExampleUnraisableError() {
	prev := weakref.SetUnraisableHook(func(e *weakref.UnraisableError) {
		fmt.Println(e)
		fmt.Println(errors.Is(e, weakref.ErrReferenceError))
	})
	defer func() { weakref.SetUnraisableHook(prev) }()

	weakref.NewFinalize(newMyClass("obj"), func(error) {
		panic(fmt.Errorf("lost: %w", weakref.ErrReferenceError))
	}, nil)
	weakref.Collect()
	// Output:
	// weakref: panic in finalizer for *weakref_test.MyClass: lost: weakly-referenced object no longer exists
	// true
}

func ExampleUnraisableError_Error() {
	e := &weakref.UnraisableError{Value: "boom", Where: "finalizer for *main.Conn"}
	fmt.Println(e.Error())
	// Output: weakref: panic in finalizer for *main.Conn: boom
}

func ExampleUnraisableError_Unwrap() {
	e := &weakref.UnraisableError{Value: weakref.ErrReferenceError}
	fmt.Println(e.Unwrap() == weakref.ErrReferenceError, errors.Is(e, weakref.ErrReferenceError))
	fmt.Println((&weakref.UnraisableError{Value: "not an error"}).Unwrap())
	// Output:
	// true true
	// <nil>
}

// Python prints 1 for this, not the 2 its reference text claims, because
// CPython shares a callback-free ref the same way NewRef does. Refs with
// callbacks are never shared.
func ExampleGetWeakRefCount() {
	obj := newMyClass("obj")
	r1 := weakref.NewRef(obj)
	r2 := weakref.NewRef(obj)
	fmt.Println(weakref.GetWeakRefCount(obj))

	r3 := weakref.NewRefFunc(obj, func(*weakref.Ref[MyClass]) {})
	fmt.Println(weakref.GetWeakRefCount(obj))
	runtime.KeepAlive([]any{r1, r2, r3})
	// Output:
	// 1
	// 2
}

func ExampleGetWeakRefs() {
	obj := newMyClass("obj")
	r1 := weakref.NewRef(obj)
	r2 := weakref.NewRefFunc(obj, func(*weakref.Ref[MyClass]) {})
	refs := weakref.GetWeakRefs(obj)
	fmt.Println(len(refs), refs[0] == r1, refs[1] == r2)
	// Output: 2 true true
}
