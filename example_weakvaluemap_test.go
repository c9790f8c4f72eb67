package weakref_test

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"

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

type Key struct {
	name string
}

//go:noinline
func newKey(name string) *Key { return &Key{name: name} }

// Python:
//
//	key = Key("unique")
//	d = weakref.WeakKeyDictionary()
//	d[key] = "value"
//	print(d[key])  # value
//	del key
//	print(len(d))  # 0
func ExampleWeakKeyMap() {
	key := newKey("unique")
	var d weakref.WeakKeyMap[Key, string]
	d.Store(key, "value")
	v, _ := d.Load(key)
	fmt.Println(v)

	key = nil
	runtime.GC()
	fmt.Println(d.Len())
	// Output:
	// value
	// 0
}

func ExampleWeakKeyMap_identity() {
	var d weakref.WeakKeyMap[Key, string]
	a, b := newKey("same"), newKey("same") // equal values, different objects
	d.Store(a, "a")
	_, ok := d.Load(b)
	fmt.Println(ok) // Python would say True; Go keys are identities
	runtime.KeepAlive(a)
	// Output: false
}

func ExampleWeakKeyMap_LoadOrStore() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("k")
	fmt.Println(d.LoadOrStore(k, 1))
	fmt.Println(d.LoadOrStore(k, 2))
	// Output:
	// 1 false
	// 1 true
}

func ExampleWeakKeyMap_LoadAndDelete() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("k")
	d.Store(k, 7)
	fmt.Println(d.LoadAndDelete(k))
	fmt.Println(d.LoadAndDelete(k))
	// Output:
	// 7 true
	// 0 false
}

func ExampleWeakKeyMap_Delete() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("k")
	d.Store(k, 7)
	d.Delete(k)
	_, ok := d.Load(k)
	fmt.Println(ok)
	// Output: false
}

func ExampleWeakKeyMap_PopItem() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("k")
	d.Store(k, 7)
	got, v, ok := d.PopItem()
	fmt.Println(got.name, v, ok, d.Len())
	// Output: k 7 true 0
}

func ExampleWeakKeyMap_Len() {
	var d weakref.WeakKeyMap[Key, int]
	keep := newKey("keep")
	d.Store(keep, 1)
	d.Store(newKey("dropped"), 2)
	runtime.GC()
	fmt.Println(d.Len())
	runtime.KeepAlive(keep)
	// Output: 1
}

func ExampleWeakKeyMap_Clear() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("k")
	d.Store(k, 1)
	d.Clear()
	fmt.Println(d.Len())
	runtime.KeepAlive(k)
	// Output: 0
}

func ExampleWeakKeyMap_All() {
	var d weakref.WeakKeyMap[Key, int]
	keys := []*Key{newKey("a"), newKey("b")}
	for i, k := range keys {
		d.Store(k, i)
	}
	var got []string
	for k, v := range d.All() {
		got = append(got, fmt.Sprint(k.name, "=", v))
	}
	sort.Strings(got)
	fmt.Println(got)
	// Output: [a=0 b=1]
}

func ExampleWeakKeyMap_Keys() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("a")
	d.Store(k, 1)
	for k := range d.Keys() {
		fmt.Println(k.name)
	}
	// Output: a
}

func ExampleWeakKeyMap_Values() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("a")
	d.Store(k, 42)
	fmt.Println(slices.Collect(d.Values()))
	runtime.KeepAlive(k)
	// Output: [42]
}

func ExampleWeakKeyMap_KeyRefs() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("a")
	d.Store(k, 1)
	refs := d.KeyRefs()
	fmt.Println(len(refs), refs[0].Value().name)
	// Output: 1 a
}

func ExampleWeakKeyMap_Update() {
	var d weakref.WeakKeyMap[Key, int]
	keys := map[*Key]int{newKey("a"): 1, newKey("b"): 2}
	d.Update(maps.All(keys))
	fmt.Println(d.Len())
	runtime.KeepAlive(keys)
	// Output: 2
}

func ExampleWeakKeyMap_Clone() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("a")
	d.Store(k, 1)
	c := d.Clone()
	c.Store(k, 2)
	v1, _ := d.Load(k)
	v2, _ := c.Load(k)
	fmt.Println(v1, v2)
	// Output: 1 2
}

type Element struct {
	name string
}

//go:noinline
func newElement(name string) *Element { return &Element{name: name} }

// Python:
//
//	e1 = Element(); e2 = Element()
//	s = weakref.WeakSet([e1, e2])
//	print(len(s))  # 2
//	del e1
//	print(len(s))  # 1
func ExampleWeakSet() {
	e1, e2 := newElement("e1"), newElement("e2")
	s := weakref.NewWeakSet(e1, e2)
	fmt.Println(s.Len())

	e1 = nil
	runtime.GC()
	fmt.Println(s.Len())
	runtime.KeepAlive(e2)
	// Output:
	// 2
	// 1
}

type Observer struct {
	name string
}

func (o *Observer) Update(event string) { fmt.Println(o.name, "got", event) }

// Subject is the reference text's observer pattern: observers that the
// program drops stop being notified, and are not kept alive.
type Subject struct {
	observers weakref.WeakSet[Observer]
}

func (s *Subject) Attach(o *Observer) { s.observers.Add(o) }

func (s *Subject) Notify(event string) {
	for o := range s.observers.All() {
		o.Update(event)
	}
}

func ExampleWeakSet_observer() {
	var subject Subject
	logger := &Observer{name: "logger"}
	subject.Attach(logger)
	subject.Attach(&Observer{name: "temporary"})
	runtime.GC() // the temporary observer is gone
	subject.Notify("saved")
	runtime.KeepAlive(logger)
	// Output: logger got saved
}

func ExampleNewWeakSet() {
	a := newElement("a")
	s := weakref.NewWeakSet(a, a)
	fmt.Println(s.Len(), s.Contains(a))
	// Output: 1 true
}

func ExampleWeakSet_Add() {
	var s weakref.WeakSet[Element]
	a := newElement("a")
	s.Add(a)
	s.Add(a)
	fmt.Println(s.Len())
	runtime.KeepAlive(a)
	// Output: 1
}

func ExampleWeakSet_Remove() {
	a := newElement("a")
	s := weakref.NewWeakSet(a)
	fmt.Println(s.Remove(a), s.Remove(a))
	// Output: true false
}

func ExampleWeakSet_Contains() {
	a, b := newElement("a"), newElement("b")
	s := weakref.NewWeakSet(a)
	fmt.Println(s.Contains(a), s.Contains(b), s.Contains(nil))
	// Output: true false false
}

func ExampleWeakSet_Len() {
	keep := newElement("keep")
	s := weakref.NewWeakSet(keep, newElement("dropped"))
	runtime.GC()
	fmt.Println(s.Len())
	runtime.KeepAlive(keep)
	// Output: 1
}

func ExampleWeakSet_Clear() {
	a := newElement("a")
	s := weakref.NewWeakSet(a)
	s.Clear()
	fmt.Println(s.Len())
	runtime.KeepAlive(a)
	// Output: 0
}

func ExampleWeakSet_Pop() {
	a := newElement("a")
	s := weakref.NewWeakSet(a)
	x, ok := s.Pop()
	fmt.Println(x.name, ok, s.Len())
	// Output: a true 0
}

func ExampleWeakSet_All() {
	a := newElement("a")
	s := weakref.NewWeakSet(a)
	for x := range s.All() {
		fmt.Println(x.name)
	}
	// Output: a
}

func ExampleWeakSet_Clone() {
	a, b := newElement("a"), newElement("b")
	s := weakref.NewWeakSet(a)
	c := s.Clone()
	c.Add(b)
	fmt.Println(s.Len(), c.Len())
	runtime.KeepAlive(b)
	// Output: 1 2
}

// elems builds the sets of the algebra examples.
func elems() (a, b, c *Element) { return newElement("a"), newElement("b"), newElement("c") }

func names(s *weakref.WeakSet[Element]) []string {
	var n []string
	for x := range s.All() {
		n = append(n, x.name)
	}
	sort.Strings(n)
	return n
}

func ExampleWeakSet_Update() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a)
	s.Update(slices.Values([]*Element{b, c}))
	fmt.Println(names(s))
	// Output: [a b c]
}

func ExampleWeakSet_Union() {
	a, b, c := elems()
	s, t := weakref.NewWeakSet(a, b), weakref.NewWeakSet(b, c)
	fmt.Println(names(s.Union(t.All())))
	// Output: [a b c]
}

func ExampleWeakSet_Intersection() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(names(s.Intersection(slices.Values([]*Element{b, c}))))
	// Output: [b]
}

func ExampleWeakSet_Difference() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(names(s.Difference(slices.Values([]*Element{b, c}))))
	// Output: [a]
}

func ExampleWeakSet_SymmetricDifference() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(names(s.SymmetricDifference(slices.Values([]*Element{b, c}))))
	// Output: [a c]
}

func ExampleWeakSet_IntersectionUpdate() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	s.IntersectionUpdate(slices.Values([]*Element{b, c}))
	fmt.Println(names(s))
	// Output: [b]
}

func ExampleWeakSet_DifferenceUpdate() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	s.DifferenceUpdate(slices.Values([]*Element{b, c}))
	fmt.Println(names(s))
	// Output: [a]
}

func ExampleWeakSet_SymmetricDifferenceUpdate() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	s.SymmetricDifferenceUpdate(slices.Values([]*Element{b, c}))
	fmt.Println(names(s))
	// Output: [a c]
}

func ExampleWeakSet_IsSubset() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(s.IsSubset(slices.Values([]*Element{a, b, c})), s.IsSubset(slices.Values([]*Element{a})))
	// Output: true false
}

func ExampleWeakSet_IsSuperset() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(s.IsSuperset(slices.Values([]*Element{a})), s.IsSuperset(slices.Values([]*Element{c})))
	// Output: true false
}

func ExampleWeakSet_IsDisjoint() {
	a, b, c := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(s.IsDisjoint(slices.Values([]*Element{c})), s.IsDisjoint(slices.Values([]*Element{b})))
	// Output: true false
}

func ExampleWeakSet_Equal() {
	a, b, _ := elems()
	s := weakref.NewWeakSet(a, b)
	fmt.Println(s.Equal(slices.Values([]*Element{b, a, b})), s.Equal(slices.Values([]*Element{a})))
	// Output: true false
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

func ExampleWeakKeyMap_Store() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("k")
	d.Store(k, 1)
	d.Store(k, 2) // replaces the value; the key is still held weakly
	v, _ := d.Load(k)
	fmt.Println(v, d.Len())
	// Output: 2 1
}

func ExampleWeakKeyMap_Load() {
	var d weakref.WeakKeyMap[Key, string]
	k := newKey("k")
	d.Store(k, "side data")
	fmt.Println(d.Load(k))
	v, ok := d.Load(newKey("k")) // another object, though an equal one
	fmt.Printf("%q %v\n", v, ok)
	// Output:
	// side data true
	// "" false
}
