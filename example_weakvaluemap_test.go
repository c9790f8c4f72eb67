package weakref_test

import (
	"fmt"
	"maps"
	"runtime"
	"slices"

	"github.com/goweakref/weakref"
)

type ExpensiveObject struct {
	name string
}

//go:noinline
func newExpensive(name string) *ExpensiveObject { return &ExpensiveObject{name: name} }

// Python:
//
//	cache = weakref.WeakValueDictionary()
//	obj = ExpensiveObject("big data")
//	cache["key"] = obj
//	print(cache["key"])  # <__main__.ExpensiveObject object at ...>
//	del obj
//	print("key" in cache)  # False
func ExampleWeakValueMap() {
	var cache weakref.WeakValueMap[string, ExpensiveObject]
	obj := newExpensive("big data")
	cache.Store("key", obj)
	v, _ := cache.Load("key")
	fmt.Println(v.name)

	obj, v = nil, nil
	runtime.GC()
	_, ok := cache.Load("key")
	fmt.Println(ok)
	// Output:
	// big data
	// false
}

// Cache is the reference text's cache pattern: entries vanish once nobody
// else uses the cached object.
type Cache struct {
	cache weakref.WeakValueMap[string, ExpensiveObject]
}

func (c *Cache) Get(key string) *ExpensiveObject {
	v, _ := c.cache.Load(key)
	return v
}

func (c *Cache) Set(key string, value *ExpensiveObject) { c.cache.Store(key, value) }

func ExampleWeakValueMap_cache() {
	var c Cache
	report := newExpensive("report")
	c.Set("report", report)
	c.Set("draft", newExpensive("draft")) // nobody holds the draft
	runtime.GC()
	fmt.Println(c.Get("report") != nil, c.Get("draft") != nil)
	runtime.KeepAlive(report)
	// Output: true false
}

func ExampleWeakValueMap_Load() {
	var m weakref.WeakValueMap[string, ExpensiveObject]
	obj := newExpensive("big data")
	m.Store("k", obj)
	v, ok := m.Load("k")
	fmt.Println(v.name, ok)
	_, ok = m.Load("absent")
	fmt.Println(ok)
	obj, v = nil, nil
	runtime.GC()
	_, ok = m.Load("k") // collected: gone, without Collect
	fmt.Println(ok)
	// Output:
	// big data true
	// false
	// false
}

func ExampleWeakValueMap_Store() {
	var m weakref.WeakValueMap[string, ExpensiveObject]
	a, b := newExpensive("a"), newExpensive("b")
	m.Store("k", a)
	m.Store("k", b) // replaces
	v, _ := m.Load("k")
	fmt.Println(v.name, m.Len())
	runtime.KeepAlive(a)
	// Output: b 1
}

func ExampleWeakValueMap_LoadOrCompute() {
	var m weakref.WeakValueMap[string, ExpensiveObject]
	create := func() *ExpensiveObject {
		fmt.Println("computing")
		return newExpensive("result")
	}
	v1, loaded1 := m.LoadOrCompute("k", create)
	v2, loaded2 := m.LoadOrCompute("k", create) // v1 keeps it alive: no recompute
	fmt.Println(v1 == v2, loaded1, loaded2)
	// Output:
	// computing
	// true false true
}

func ExampleWeakValueMap_LoadOrStore() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	a, b := newExpensive("a"), newExpensive("b")
	v, loaded := m.LoadOrStore(1, a)
	fmt.Println(v.name, loaded)
	v, loaded = m.LoadOrStore(1, b)
	fmt.Println(v.name, loaded)
	runtime.KeepAlive(a)
	// Output:
	// a false
	// a true
}

func ExampleWeakValueMap_LoadAndDelete() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	a := newExpensive("a")
	m.Store(1, a)
	v, ok := m.LoadAndDelete(1)
	fmt.Println(v.name, ok, m.Len())
	// Output: a true 0
}

func ExampleWeakValueMap_Delete() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	a := newExpensive("a")
	m.Store(1, a)
	m.Delete(1)
	m.Delete(2) // no error for a missing key
	fmt.Println(m.Len())
	// Output: 0
}

func ExampleWeakValueMap_Swap() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	a, b, c := newExpensive("a"), newExpensive("b"), newExpensive("c")
	prev, loaded := m.Swap(1, a)
	fmt.Println(prev == nil, loaded)
	prev, loaded = m.Swap(1, b)
	fmt.Println(prev.name, loaded)

	b = nil
	runtime.GC()
	prev, loaded = m.Swap(1, c) // b died: a dead previous value is not loaded
	fmt.Println(prev == nil, loaded)
	runtime.KeepAlive(a)
	runtime.KeepAlive(c)
	// Output:
	// true false
	// a true
	// true false
}

func ExampleWeakValueMap_CompareAndSwap() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	a, b := newExpensive("a"), newExpensive("b")
	m.Store(1, a)
	fmt.Println(m.CompareAndSwap(1, b, b), m.CompareAndSwap(1, a, b))
	v, _ := m.Load(1)
	fmt.Println(v.name)
	runtime.KeepAlive(a)
	// Output:
	// false true
	// b
}

func ExampleWeakValueMap_CompareAndDelete() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	a, b := newExpensive("a"), newExpensive("b")
	m.Store(1, a)
	fmt.Println(m.CompareAndDelete(1, b), m.CompareAndDelete(1, a), m.Len())
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	// Output: false true 0
}

func ExampleWeakValueMap_PopItem() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	a := newExpensive("a")
	m.Store(1, a)
	k, v, ok := m.PopItem()
	fmt.Println(k, v.name, ok)
	_, _, ok = m.PopItem()
	fmt.Println(ok)
	// Output:
	// 1 a true
	// false
}

func ExampleWeakValueMap_Len() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	keep := newExpensive("keep")
	m.Store(1, keep)
	m.Store(2, newExpensive("dropped"))
	runtime.GC()
	fmt.Println(m.Len()) // exact after runtime.GC, no Collect needed
	runtime.KeepAlive(keep)
	// Output: 1
}

func ExampleWeakValueMap_Clear() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	a := newExpensive("a")
	m.Store(1, a)
	m.Clear()
	fmt.Println(m.Len())
	// Output: 0
}

func ExampleWeakValueMap_All() {
	var m weakref.WeakValueMap[int, ExpensiveObject]
	objs := []*ExpensiveObject{newExpensive("a"), newExpensive("b")}
	for i, o := range objs {
		m.Store(i, o)
	}
	got := map[int]string{}
	for k, v := range m.All() {
		got[k] = v.name
	}
	fmt.Println(got)
	// Output: map[0:a 1:b]
}

func ExampleWeakValueMap_Keys() {
	var m weakref.WeakValueMap[string, ExpensiveObject]
	a, b := newExpensive("a"), newExpensive("b")
	m.Store("x", a)
	m.Store("y", b)
	fmt.Println(slices.Sorted(m.Keys()))
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	// Output: [x y]
}

func ExampleWeakValueMap_Values() {
	var m weakref.WeakValueMap[string, ExpensiveObject]
	a := newExpensive("a")
	m.Store("x", a)
	for v := range m.Values() {
		fmt.Println(v.name)
	}
	// Output: a
}

func ExampleWeakValueMap_ValueRefs() {
	var m weakref.WeakValueMap[string, ExpensiveObject]
	a := newExpensive("a")
	m.Store("x", a)
	refs := m.ValueRefs()
	fmt.Println(len(refs), refs[0].Value().name, weakref.GetWeakRefCount(a))
	// Output: 1 a 1
}

func ExampleWeakValueMap_Update() {
	var m weakref.WeakValueMap[string, ExpensiveObject]
	objs := map[string]*ExpensiveObject{"a": newExpensive("a"), "b": newExpensive("b")}
	m.Update(maps.All(objs))
	fmt.Println(m.Len())
	runtime.KeepAlive(objs)
	// Output: 2
}

func ExampleWeakValueMap_Clone() {
	var m weakref.WeakValueMap[string, ExpensiveObject]
	a := newExpensive("a")
	m.Store("x", a)
	c := m.Clone()
	c.Delete("x")
	fmt.Println(m.Len(), c.Len())
	runtime.KeepAlive(a)
	// Output: 1 0
}
