package weakref

import (
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"weak"
)

func TestWeakKeyMapBasics(t *testing.T) {
	var m WeakKeyMap[node, string]
	a, b := newNode(1), newNode(1) // equal values, distinct identities
	if _, ok := m.Load(a); ok || m.Len() != 0 {
		t.Fatal("zero map is not empty")
	}
	m.Store(a, "a")
	if _, ok := m.Load(b); ok {
		t.Fatal("keys are compared by value, not identity")
	}
	if v, ok := m.Load(a); !ok || v != "a" {
		t.Fatal("Load after Store")
	}
	m.Store(a, "a2")
	if v, loaded := m.LoadOrStore(a, "x"); !loaded || v != "a2" || m.Len() != 1 {
		t.Fatal("Store did not replace, or LoadOrStore replaced")
	}
	if v, loaded := m.LoadOrStore(b, "b"); loaded || v != "b" {
		t.Fatal("LoadOrStore of a new key")
	}
	if v, ok := m.LoadAndDelete(a); !ok || v != "a2" {
		t.Fatal("LoadAndDelete")
	}
	if _, ok := m.LoadAndDelete(a); ok {
		t.Fatal("LoadAndDelete twice")
	}
	m.Delete(b)
	m.Delete(nil)
	if _, ok := m.Load(nil); ok || m.Len() != 0 {
		t.Fatal("Delete")
	}
	m.Update(maps.All(map[*node]string{a: "A", b: "B"}))
	k, v, ok := m.PopItem()
	if !ok || (k == a) != (v == "A") || m.Len() != 1 {
		t.Fatal("PopItem")
	}
	c := m.Clone()
	c.Clear()
	if m.Len() != 1 || c.Len() != 0 {
		t.Fatal("Clone or Clear")
	}
	if refs := m.KeyRefs(); len(refs) != 1 || GetWeakRefCount(refs[0].Value()) != 1 {
		t.Fatal("KeyRefs")
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
}

func TestWeakKeyMapForgetsDeadKeysAfterGC(t *testing.T) {
	var m WeakKeyMap[node, int]
	keep := newNode(0)
	m.Store(keep, 0)
	for i := 1; i <= 100; i++ {
		m.Store(newNode(i), i)
	}
	runtime.GC()
	if n := m.Len(); n != 1 {
		t.Fatalf("Len = %d after GC, want 1", n)
	}
	var got []int
	for k, v := range m.All() {
		if k != keep {
			t.Fatal("iteration yielded a dead key")
		}
		got = append(got, v)
	}
	if !slices.Equal(got, []int{0}) {
		t.Fatalf("values %v", got)
	}
	runtime.KeepAlive(keep)
}

// A new object may be allocated where a dead key was. Its entry must take
// the dead one's place, and never inherit its value (bpo-28427's cousin).
func TestWeakKeyMapAddressReuse(t *testing.T) {
	var m WeakKeyMap[node, int]
	var s WeakSet[node]
	for i := range 10_000 {
		k := newNode(i)
		if v, ok := m.Load(k); ok {
			t.Fatalf("a fresh key found the value %d of a dead one", v)
		}
		if s.Contains(k) {
			t.Fatal("a fresh element was found in the set")
		}
		m.Store(k, i)
		s.Add(k)
		if i%1000 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	if m.Len() != 0 || s.Len() != 0 {
		t.Fatalf("Len = %d, %d after everything died", m.Len(), s.Len())
	}
}

// Go has no ephemerons: a value that refers to its own key keeps the key,
// and so the entry, alive. The type doc says so; this pins it.
func TestWeakKeyMapValueReferringToKeyKeepsIt(t *testing.T) {
	// In a child process without GODEBUG=checkfinalizers, which would end
	// the process on this very cycle (TestCheckFinalizersReportsLeaks).
	out, err := runChild(t, "value-keeps-key", "GODEBUG=")
	if err != nil || !strings.Contains(out, "keys alive: 2") {
		t.Fatalf("a key referred to by its own value was collected: %v\n%s", err, out)
	}
}

func TestWeakKeyMapIsCollectedWhileKeysLive(t *testing.T) {
	k := newNode(1)
	wm := func() weak.Pointer[WeakKeyMap[node, int]] {
		m := new(WeakKeyMap[node, int])
		m.Store(k, 1)
		return weak.Make(m)
	}()
	ws := func() weak.Pointer[WeakSet[node]] { return weak.Make(NewWeakSet(k)) }()
	runtime.GC()
	if wm.Value() != nil || ws.Value() != nil {
		t.Fatal("a dropped collection was kept alive by its key")
	}
	runtime.KeepAlive(k)
}

func TestWeakKeyMapNilPanics(t *testing.T) {
	var m WeakKeyMap[node, int]
	for name, f := range map[string]func(){
		"WeakKeyMap.Store":       func() { m.Store(nil, 1) },
		"WeakKeyMap.LoadOrStore": func() { m.LoadOrStore(nil, 1) },
		"WeakKeyMap.Update":      func() { m.Update(maps.All(map[*node]int{newNode(1): 1, nil: 2})) },
		"WeakKeyMap.Swap":        func() { m.Swap(nil, 1) },
		"WeakKeyMap.LoadOrCompute": func() {
			m.LoadOrCompute(nil, func() int { return 1 })
		},
	} {
		t.Run(name, func(t *testing.T) {
			mustPanicWith(t, ErrNotReferenceable, "weakref: "+name, f)
			if m.Len() != 0 {
				t.Fatal("a panicking call stored something")
			}
		})
	}
}

// LoadOrCompute has WeakValueMap's single-flight promise: concurrent
// callers for one missing key run create once and all get its result.
func TestWeakKeyMapLoadOrComputeRunsCreateOnce(t *testing.T) {
	var m WeakKeyMap[node, *node]
	k := newNode(1)
	var creates atomic.Int32
	release := make(chan struct{})
	create := func() *node {
		creates.Add(1)
		<-release
		return newNode(42)
	}
	const callers = 8
	type result struct {
		v      *node
		loaded bool
	}
	results := make(chan result, callers)
	for range callers {
		go func() {
			v, loaded := m.LoadOrCompute(k, create)
			results <- result{v, loaded}
		}()
	}
	close(release)
	var first *node
	fresh := 0
	for range callers {
		r := <-results
		if first == nil {
			first = r.v
		}
		if r.v != first || r.v.a != 42 {
			t.Fatal("callers got different values")
		}
		if !r.loaded {
			fresh++
		}
	}
	if creates.Load() != 1 || fresh != 1 {
		t.Fatalf("create ran %d times, %d callers saw loaded false; want 1 and 1", creates.Load(), fresh)
	}
	if len(m.compute.calls) != 0 {
		t.Fatal("a call record was left behind")
	}
}

func TestWeakKeyMapLoadOrComputePanicLetsOthersRetry(t *testing.T) {
	var m WeakKeyMap[node, int]
	k := newNode(1)
	mustPanicText(t, "create failed", func() {
		m.LoadOrCompute(k, func() int { panic("create failed") })
	})
	if v, loaded := m.LoadOrCompute(k, func() int { return 7 }); loaded || v != 7 {
		t.Fatal("LoadOrCompute after a panicking create")
	}
	mustPanicText(t, "weakref: WeakKeyMap.LoadOrCompute: create is nil", func() {
		m.LoadOrCompute(newNode(2), nil)
	})
}

// CompareAndSwap and CompareAndDelete compare values with ==, as sync.Map
// does, and so panic on values that are not comparable.
func TestWeakKeyMapCompareNeedsComparableValues(t *testing.T) {
	var m WeakKeyMap[node, any]
	k := newNode(1)
	m.Store(k, []int{1})
	mustPanicText(t, "comparing uncomparable type []int", func() { m.CompareAndSwap(k, []int{1}, 2) })
	mustPanicText(t, "comparing uncomparable type []int", func() { m.CompareAndDelete(k, []int{1}) })
	if m.CompareAndSwap(nil, 1, 2) || m.CompareAndDelete(nil, 1) {
		t.Fatal("a nil key matched")
	}
	m.Store(k, 1)
	if !m.CompareAndSwap(k, 1, 2) || !m.CompareAndDelete(k, 2) || m.Len() != 0 {
		t.Fatal("CompareAndSwap then CompareAndDelete of comparable values")
	}
}

// Storing to a key already present, loading, and adding a present element
// allocate nothing: no weak.Make, and no copy of the value on the heap.
func TestPresentKeysAllocateNothing(t *testing.T) {
	key := newNode(1)
	m := new(WeakKeyMap[node, int])
	s := new(WeakSet[node])
	m.Store(key, 0)
	s.Add(key)
	for name, op := range map[string]func(){
		"WeakKeyMap.Store":       func() { m.Store(key, 1) },
		"WeakKeyMap.LoadOrStore": func() { m.LoadOrStore(key, 2) },
		"WeakKeyMap.Load":        func() { m.Load(key) },
		"WeakSet.Add":            func() { s.Add(key) },
		"WeakSet.Contains":       func() { s.Contains(key) },
	} {
		if n := testing.AllocsPerRun(100, op); n != 0 {
			t.Errorf("%s of a present key: %v allocations, want 0", name, n)
		}
	}
	runtime.KeepAlive(key)
}
