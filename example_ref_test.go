package weakref_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

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

// Python:
//
//	obj = MyClass()
//	r = weakref.ref(obj)
//	print(r())   # <__main__.MyClass object at 0x...>
//	del obj
//	print(r())   # None
func ExampleRef() {
	obj := newMyClass("obj")
	r := weakref.NewRef(obj)
	fmt.Println(r.Value().name)

	obj = nil    // del obj
	runtime.GC() // Go frees objects in a collection, not at del
	fmt.Println(r.Value())
	// Output:
	// obj
	// <nil>
}

func ExampleNewRef() {
	obj := newMyClass("obj")
	r1 := weakref.NewRef(obj)
	r2 := weakref.NewRef(obj)
	fmt.Println(r1 == r2)
	// Output: true
}

func ExampleNewRefFunc() {
	r := weakref.NewRefFunc(newMyClass("obj"), func(r *weakref.Ref[MyClass]) {
		fmt.Println("callback: object gone, Value is", r.Value())
	})
	weakref.Collect() // runs the callback now, as gc.collect() would
	runtime.KeepAlive(r)
	// Output: callback: object gone, Value is <nil>
}

func ExampleRef_Alive() {
	obj := newMyClass("obj")
	r := weakref.NewRef(obj)
	fmt.Println(r.Alive())
	obj = nil
	runtime.GC()
	fmt.Println(r.Alive())
	// Output:
	// true
	// false
}

func ExampleRef_Callback() {
	cb := func(*weakref.Ref[MyClass]) {}
	obj := newMyClass("obj")
	fmt.Println(weakref.NewRef(obj).Callback() == nil)
	fmt.Println(weakref.NewRefFunc(obj, cb).Callback() != nil)
	// Output:
	// true
	// true
}

func ExampleRef_Equal() {
	obj := newMyClass("obj")
	r1 := weakref.NewRef(obj)
	r2 := weakref.NewRefFunc(obj, func(*weakref.Ref[MyClass]) {})
	fmt.Println(r1 == r2, r1.Equal(r2)) // distinct Refs to one live object
	obj = nil
	runtime.GC()
	fmt.Println(r1.Equal(r2)) // once it is dead, only identity counts
	// Output:
	// false true
	// false
}

func ExampleRef_Pointer() {
	obj := newMyClass("obj")
	seen := map[any]string{weakref.NewRef(obj).Pointer(): "first"}
	r := weakref.NewRefFunc(obj, func(*weakref.Ref[MyClass]) {})
	obj = nil
	runtime.GC()
	fmt.Println(seen[r.Pointer()]) // still a usable key after death
	// Output: first
}

func ExampleRef_Done() {
	r := weakref.NewRef(newMyClass("conn"))
	done := r.Done()
	weakref.Collect()
	select {
	case <-done:
		fmt.Println("conn was collected")
	default:
		fmt.Println("conn still alive")
	}
	// Output: conn was collected
}

func ExampleRef_String() {
	obj := newMyClass("obj")
	r := weakref.NewRef(obj)
	fmt.Println(len(r.String()) > len("<weakref at 0x0; dead>"))
	obj = nil
	runtime.GC()
	fmt.Println(strings.HasSuffix(r.String(), "; dead>"))
	// Output:
	// true
	// true
}

// Python:
//
//	p = weakref.proxy(obj)
//	print(p.method())  # alive
//	del obj
//	p.method()         # raises ReferenceError
func ExampleProxy() {
	obj := newMyClass("obj")
	p := weakref.NewProxy(obj)
	fmt.Println(p.MustValue().Method())

	obj = nil
	runtime.GC()
	if _, err := p.Value(); errors.Is(err, weakref.ErrReferenceError) {
		fmt.Println("ReferenceError:", err)
	}
	// Output:
	// alive
	// ReferenceError: weakref: proxy to *weakref_test.MyClass: weakly-referenced object no longer exists
}

func ExampleNewProxy() {
	obj := newMyClass("obj")
	p1 := weakref.NewProxy(obj)
	p2 := weakref.NewProxy(obj)
	fmt.Println(p1 == p2)
	// Output: true
}

func ExampleNewProxyFunc() {
	p := weakref.NewProxyFunc(newMyClass("obj"), func(p *weakref.Proxy[MyClass]) {
		fmt.Println("proxy callback; alive:", p.Alive())
	})
	weakref.Collect()
	runtime.KeepAlive(p)
	// Output: proxy callback; alive: false
}

func ExampleProxy_MustValue() {
	p := weakref.NewProxy(newMyClass("obj"))
	runtime.GC()
	defer func() {
		err := recover().(error)
		fmt.Println(errors.Is(err, weakref.ErrReferenceError))
	}()
	p.MustValue()
	// Output: true
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

func ExampleFinalize_String() {
	f := weakref.NewFinalize(newMyClass("obj"), func(string) {}, "")
	weakref.Collect()
	fmt.Println(strings.HasSuffix(f.String(), "; dead>"))
	// Output: true
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

func ExampleCollect() {
	for i := range 3 {
		weakref.NewFinalize(newMyClass("obj"), func(int) {}, i)
	}
	fmt.Println(weakref.Collect())
	// Output: 3
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

func ExampleErrNotReferenceable() {
	defer func() {
		err := recover().(error)
		fmt.Println(errors.Is(err, weakref.ErrNotReferenceable))
		fmt.Println(err)
	}()
	weakref.NewRef[MyClass](nil)
	// Output:
	// true
	// weakref: NewRef: cannot create weak reference to nil object
}

type Conn struct {
	addr string
}

func (c *Conn) Addr() string { return c.addr }

func ExampleWeakMethod() {
	conn := &Conn{addr: "10.0.0.1:80"}
	m := weakref.NewWeakMethod(conn, func(c *Conn) func() string { return c.Addr })
	if addr, ok := m.Value(); ok {
		fmt.Println(addr())
	}
	conn = nil
	runtime.GC()
	_, ok := m.Value()
	fmt.Println(ok, m.Alive())
	// Output:
	// 10.0.0.1:80
	// false false
}

func ExampleRef_Value() {
	obj := newMyClass("obj")
	r := weakref.NewRef(obj)
	fmt.Println(r.Value().name)
	obj = nil
	runtime.GC()
	fmt.Println(r.Value())
	// Output:
	// obj
	// <nil>
}

func ExampleProxy_Value() {
	obj := newMyClass("obj")
	p := weakref.NewProxy(obj)
	o, err := p.Value()
	fmt.Println(o.name, err)
	o, obj = nil, nil
	runtime.GC()
	_, err = p.Value()
	fmt.Println(errors.Is(err, weakref.ErrReferenceError))
	// Output:
	// obj <nil>
	// true
}

func ExampleProxy_Alive() {
	obj := newMyClass("obj")
	p := weakref.NewProxy(obj)
	fmt.Println(p.Alive())
	obj = nil
	runtime.GC()
	fmt.Println(p.Alive())
	// Output:
	// true
	// false
}

func ExampleProxy_Callback() {
	obj := newMyClass("obj")
	fmt.Println(weakref.NewProxy(obj).Callback() == nil)
	p := weakref.NewProxyFunc(obj, func(*weakref.Proxy[MyClass]) {})
	fmt.Println(p.Callback() != nil)
	// Output:
	// true
	// true
}

func ExampleProxy_String() {
	obj := newMyClass("obj")
	p := weakref.NewProxy(obj)
	fmt.Println(strings.Contains(p.String(), "to '*weakref_test.MyClass'"))
	obj = nil
	runtime.GC()
	fmt.Println(strings.HasSuffix(p.String(), "; dead>"))
	// Output:
	// true
	// true
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

func ExampleNewWeakMethod() {
	conn := &Conn{addr: "10.0.0.1:80"}
	m := weakref.NewWeakMethod(conn, func(c *Conn) func() string { return c.Addr })
	addr, _ := m.Value()
	fmt.Println(addr())
	// Output: 10.0.0.1:80
}

func ExampleWeakMethod_Value() {
	conn := &Conn{addr: "10.0.0.1:80"}
	m := weakref.NewWeakMethod(conn, func(c *Conn) func() string { return c.Addr })
	if addr, ok := m.Value(); ok { // addr holds conn while it lives
		fmt.Println(addr())
	}
	conn = nil
	runtime.GC()
	addr, ok := m.Value()
	fmt.Println(addr == nil, ok)
	// Output:
	// 10.0.0.1:80
	// true false
}

func ExampleWeakMethod_Alive() {
	conn := &Conn{addr: "10.0.0.1:80"}
	m := weakref.NewWeakMethod(conn, func(c *Conn) func() string { return c.Addr })
	fmt.Println(m.Alive())
	conn = nil
	runtime.GC()
	fmt.Println(m.Alive())
	// Output:
	// true
	// false
}
