package weakref_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/goweakref/weakref"
)

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

// A nil object cannot be referenced weakly: NewRef, like every function
// that would store one, panics with an error wrapping ErrNotReferenceable,
// as Python raises TypeError.
func ExampleNewRef_nil() {
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

func ExampleNewRefFunc() {
	r := weakref.NewRefFunc(newMyClass("obj"), func(r *weakref.Ref[MyClass]) {
		fmt.Println("callback: object gone, Value is", r.Value())
	})
	weakref.Collect() // runs the callback now, as gc.collect() would
	runtime.KeepAlive(r)
	// Output: callback: object gone, Value is <nil>
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
