package weakref_test

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"

	"github.com/goweakref/weakref"
)

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

func ExampleWeakKeyMap_Store() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("k")
	d.Store(k, 1)
	d.Store(k, 2) // replaces the value; the key is still held weakly
	v, _ := d.Load(k)
	fmt.Println(v, d.Len())
	// Output: 2 1
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

// Attaching side data to an object lazily: the first caller computes it,
// later callers get it, and it goes with the object.
func ExampleWeakKeyMap_LoadOrCompute() {
	var names weakref.WeakKeyMap[Key, string]
	k := newKey("conn")
	describe := func() string {
		fmt.Println("computing")
		return "description of " + k.name
	}
	v1, loaded1 := names.LoadOrCompute(k, describe)
	v2, loaded2 := names.LoadOrCompute(k, describe) // already there: no recompute
	fmt.Println(v1, loaded1)
	fmt.Println(v2, loaded2)
	// Output:
	// computing
	// description of conn false
	// description of conn true
}

func ExampleWeakKeyMap_Swap() {
	var d weakref.WeakKeyMap[Key, int]
	k := newKey("k")
	prev, loaded := d.Swap(k, 1)
	fmt.Println(prev, loaded)
	prev, loaded = d.Swap(k, 2)
	fmt.Println(prev, loaded)
	v, _ := d.Load(k)
	fmt.Println(v)
	// Output:
	// 0 false
	// 1 true
	// 2
}

func ExampleWeakKeyMap_CompareAndSwap() {
	var d weakref.WeakKeyMap[Key, string]
	k := newKey("k")
	d.Store(k, "old")
	fmt.Println(d.CompareAndSwap(k, "other", "new"), d.CompareAndSwap(k, "old", "new"))
	v, _ := d.Load(k)
	fmt.Println(v)
	// Output:
	// false true
	// new
}

func ExampleWeakKeyMap_CompareAndDelete() {
	var d weakref.WeakKeyMap[Key, string]
	k := newKey("k")
	d.Store(k, "v")
	fmt.Println(d.CompareAndDelete(k, "other"), d.CompareAndDelete(k, "v"), d.Len())
	runtime.KeepAlive(k)
	// Output: false true 0
}
