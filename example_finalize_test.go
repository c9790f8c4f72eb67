package weakref_test

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/goweakref/weakref"
)

type Resource struct {
	name string
	open bool
}

func (r *Resource) Cleanup(name string) { fmt.Printf("Cleaning up %s\n", name) }

// Python:
//
//	resource = Resource("file")
//	f = weakref.finalize(resource, resource.cleanup)
//	del resource  # prints "Cleaning up file"
//
// In Go, fn and arg must not hold the object, so the finalizer gets the
// name rather than the Resource itself.
func ExampleFinalize() {
	resource := &Resource{name: "file", open: true}
	weakref.NewFinalize(resource, func(name string) {
		fmt.Printf("Cleaning up %s\n", name)
	}, resource.name)

	resource = nil
	weakref.Collect()
	// Output: Cleaning up file
}

func ExampleNewFinalize() {
	obj := newMyClass("obj")
	f := weakref.NewFinalize(obj, func(msg string) { fmt.Println(msg) }, "finalized")
	fmt.Println(f.Alive())
	obj = nil
	weakref.Collect()
	fmt.Println(f.Alive())
	// Output:
	// true
	// finalized
	// false
}

func ExampleFinalize_Call() {
	obj := newMyClass("obj")
	f := weakref.NewFinalize(obj, func(msg string) { fmt.Println(msg) }, "ran")
	fmt.Println(f.Call())
	fmt.Println(f.Call())
	runtime.KeepAlive(obj)
	// Output:
	// ran
	// true
	// false
}

func ExampleFinalize_Detach() {
	obj := newMyClass("obj")
	f := weakref.NewFinalize(obj, func(string) { fmt.Println("never printed") }, "")
	got, ok := f.Detach()
	fmt.Println(got.(*MyClass).name, ok, f.Alive())
	obj = nil
	weakref.Collect()
	// Output: obj true false
}

func ExampleFinalize_Peek() {
	obj := newMyClass("obj")
	f := weakref.NewFinalize(obj, func(string) {}, "")
	got, ok := f.Peek()
	fmt.Println(got.(*MyClass).name, ok, f.Alive())
	f.Detach()
	// Output: obj true true
}

func ExampleFinalize_Alive() {
	f := weakref.NewFinalize(newMyClass("obj"), func(string) {}, "")
	fmt.Println(f.Alive())
	weakref.Collect()
	fmt.Println(f.Alive())
	// Output:
	// true
	// false
}

func ExampleFinalize_Atexit() {
	obj := newMyClass("obj")
	f := weakref.NewFinalize(obj, func(string) {}, "")
	fmt.Println(f.Atexit())
	f.SetAtexit(false)
	fmt.Println(f.Atexit())
	f.Detach()
	// Output:
	// true
	// false
}

// A finalizer that should run only when its object is collected, not at
// Shutdown, turns atexit off.
func ExampleFinalize_SetAtexit() {
	obj := newMyClass("obj")
	f := weakref.NewFinalize(obj, func(string) { fmt.Println("ran") }, "")
	f.SetAtexit(false)
	fmt.Println("Shutdown ran", weakref.Shutdown())
	obj = nil
	weakref.Collect()
	// Output:
	// Shutdown ran 0
	// ran
}

func ExampleFinalize_String() {
	f := weakref.NewFinalize(newMyClass("obj"), func(string) {}, "")
	weakref.Collect()
	fmt.Println(strings.HasSuffix(f.String(), "; dead>"))
	// Output: true
}
