package weakref_test

import (
	"fmt"
	"runtime"

	"github.com/goweakref/weakref"
)

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
