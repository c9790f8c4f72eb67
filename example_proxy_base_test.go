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
