package weakref

import (
	"maps"
	"runtime"
	"slices"
	"sync"
	"testing"
	"weak"
)

func TestWeakValueMapZeroValue(t *testing.T) {
	var m WeakValueMap[string, node]
	if v, ok := m.Load("x"); ok || v != nil || m.Len() != 0 {
		t.Fatal("zero map is not empty")
	}
	m.Delete("x")
	if _, _, ok := m.PopItem(); ok {
		t.Fatal("PopItem on an empty map")
	}
	for range m.All() {
		t.Fatal("iteration over an empty map")
	}
	if m.entries.root.Load() != nil {
		t.Fatal("reads allocated shards")
	}
}

func TestWeakValueMapBasics(t *testing.T) {
	var m WeakValueMap[int, node]
	a, b := newNode(1), newNode(2)
	m.Store(1, a)
	if v, ok := m.Load(1); !ok || v != a {
		t.Fatal("Load after Store")
	}
	if v, loaded := m.LoadOrStore(1, b); !loaded || v != a {
		t.Fatal("LoadOrStore replaced a live value")
	}
	if v, loaded := m.LoadOrStore(2, b); loaded || v != b {
		t.Fatal("LoadOrStore did not store a missing key")
	}
	if m.CompareAndSwap(1, b, b) || !m.CompareAndSwap(1, a, b) {
		t.Fatal("CompareAndSwap")
	}
	if m.CompareAndSwap(9, nil, a) || m.CompareAndDelete(1, nil) || m.CompareAndDelete(1, a) {
		t.Fatal("CompareAndSwap/Delete matched a missing key, nil or a wrong value")
	}
	if !m.CompareAndDelete(1, b) {
		t.Fatal("CompareAndDelete of the live value")
	}
	if v, ok := m.LoadAndDelete(2); !ok || v != b {
		t.Fatal("LoadAndDelete")
	}
	if _, ok := m.LoadAndDelete(2); ok || m.Len() != 0 {
		t.Fatal("LoadAndDelete twice")
	}
	m.Store(3, a)
	m.Store(4, b)
	k, v, ok := m.PopItem()
	if !ok || (k == 3) != (v == a) || m.Len() != 1 {
		t.Fatal("PopItem")
	}
	m.Clear()
	if m.Len() != 0 {
		t.Fatal("Clear")
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
}

// Rule 1: after runtime.GC every query already treats dead values as
// gone, with no callback involved.
func TestWeakValueMapForgetsDeadValuesAfterGC(t *testing.T) {
	var m WeakValueMap[int, node]
	keep := newNode(0)
	m.Store(0, keep)
	for i := 1; i <= 100; i++ {
		m.Store(i, newNode(i))
	}
	runtime.GC()
	if n := m.Len(); n != 1 {
		t.Fatalf("Len = %d after GC, want 1", n)
	}
	if _, ok := m.Load(7); ok {
		t.Fatal("Load found a dead value")
	}
	var keys []int
	for k := range m.Keys() {
		keys = append(keys, k)
	}
	if !slices.Equal(keys, []int{0}) {
		t.Fatalf("Keys = %v", keys)
	}
	fresh := newNode(7)
	if v, loaded := m.LoadOrStore(7, fresh); loaded || v != fresh {
		t.Fatal("LoadOrStore did not store over a dead value")
	}
	if m.CompareAndDelete(8, nil) || m.CompareAndSwap(8, nil, fresh) {
		t.Fatal("CompareAnd* acted on a dead entry")
	}
	if k, v, ok := m.PopItem(); !ok || v == nil || v.a != k {
		t.Fatal("PopItem returned a dead or wrong entry")
	}
	runtime.KeepAlive(keep)
}

// CPython bpo-28427: removing the entry of a dead value must not remove a
// newer entry stored under the same key.
func TestWeakValueMapBpo28427(t *testing.T) {
	var m WeakValueMap[string, node]
	m.Store("k", newNode(1))
	runtime.GC() // the first value is dead; its entry is still in the map
	v2 := newNode(2)
	m.Store("k", v2)
	runtime.GC()
	if n := m.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1", n)
	}
	if v, ok := m.Load("k"); !ok || v != v2 {
		t.Fatal("the newer value was removed with the dead one")
	}
	runtime.KeepAlive(v2)
}

// CPython bpo-38006: a dropped collection is collected even while its
// values live on, because nothing on a value refers to it.
func TestWeakValueMapIsCollectedWhileValuesLive(t *testing.T) {
	v := newNode(1)
	wm := func() weak.Pointer[WeakValueMap[int, node]] {
		m := new(WeakValueMap[int, node])
		m.Store(1, v)
		NewRef(v)
		return weak.Make(m)
	}()
	runtime.GC()
	if wm.Value() != nil {
		t.Fatal("a dropped WeakValueMap was kept alive by its value")
	}
	runtime.KeepAlive(v)
}

func TestWeakValueMapNilPanics(t *testing.T) {
	var m WeakValueMap[int, node]
	a := newNode(1)
	m.Store(1, a)
	for name, f := range map[string]func(){
		"WeakValueMap.Store":          func() { m.Store(2, nil) },
		"WeakValueMap.LoadOrStore":    func() { m.LoadOrStore(2, nil) },
		"WeakValueMap.CompareAndSwap": func() { m.CompareAndSwap(1, a, nil) },
		"WeakValueMap.LoadOrCompute":  func() { m.LoadOrCompute(2, func() *node { return nil }) },
		"WeakValueMap.Update":         func() { m.Update(maps.All(map[int]*node{2: newNode(2), 3: nil})) },
		"WeakValueMap.Swap":           func() { m.Swap(1, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			mustPanicWith(t, ErrNotReferenceable, "weakref: "+name, f)
			if m.Len() != 1 {
				t.Fatal("a panicking call stored something")
			}
		})
	}
	if v, ok := m.Load(1); !ok || v != a {
		t.Fatal("a panicking call changed an entry")
	}
	if _, ok := m.Load(2); ok {
		t.Fatal("stored despite panic")
	}
	mustPanicText(t, "weakref: WeakValueMap.LoadOrCompute: create is nil", func() {
		m.LoadOrCompute(2, nil)
	})
}

func TestWeakValueMapIterationMayMutate(t *testing.T) {
	var m WeakValueMap[int, node]
	objs := make([]*node, 200)
	for i := range objs {
		objs[i] = newNode(i)
		m.Store(i, objs[i])
	}
	seen := map[int]bool{}
	for k, v := range m.All() {
		if seen[k] {
			t.Fatalf("key %d visited twice", k)
		}
		seen[k] = true
		if v.a != k%1000 {
			t.Fatalf("key %d yielded value %d", k, v.a)
		}
		m.Delete(k)                 // the body may write the map
		m.Store(k+1000, v)          // and add to it
		if _, ok := m.Load(k); ok { // and read it
			t.Fatal("Delete inside the loop did not take")
		}
	}
	if len(seen) < 200 {
		t.Fatalf("visited %d of the 200 original keys", len(seen))
	}
	n := 0
	for range m.Values() {
		n++
		break // stops cleanly
	}
	if n != 1 {
		t.Fatal("break did not stop the iteration")
	}
	runtime.KeepAlive(objs)
}

func TestWeakValueMapLoadOrComputeRunsCreateOnce(t *testing.T) {
	var m WeakValueMap[string, node]
	var mu sync.Mutex
	creates := 0
	release := make(chan struct{})
	create := func() *node {
		mu.Lock()
		creates++
		mu.Unlock()
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
			v, loaded := m.LoadOrCompute("k", create)
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
	if creates != 1 || fresh != 1 {
		t.Fatalf("create ran %d times, %d callers saw loaded false; want 1 and 1", creates, fresh)
	}
	// A dead value is computed again.
	wp := weak.Make(first)
	first = nil
	collectUntilGone(t, wp, "the value") // a caller's goroutine may hold it a cycle
	if v, loaded := m.LoadOrCompute("k", func() *node { return newNode(43) }); loaded || v.a != 43 {
		t.Fatal("LoadOrCompute did not replace a dead value")
	}
}

func TestWeakValueMapLoadOrComputePanicLetsOthersRetry(t *testing.T) {
	var m WeakValueMap[int, node]
	mustPanicText(t, "create failed", func() {
		m.LoadOrCompute(1, func() *node { panic("create failed") })
	})
	keep := newNode(1)
	if v, loaded := m.LoadOrCompute(1, func() *node { return keep }); loaded || v != keep {
		t.Fatal("LoadOrCompute after a panicking create")
	}
	if len(m.compute.calls) != 0 {
		t.Fatal("a call record was left behind")
	}
}

func TestWeakValueMapUpdateCloneValueRefs(t *testing.T) {
	a, b := newNode(1), newNode(2)
	var m WeakValueMap[int, node]
	m.Update(maps.All(map[int]*node{1: a, 2: b}))
	c := m.Clone()
	c.Delete(1)
	if m.Len() != 2 || c.Len() != 1 {
		t.Fatal("Clone shares entries with the original")
	}
	refs := m.ValueRefs()
	if len(refs) != 2 || GetWeakRefCount(a) != 1 {
		t.Fatal("ValueRefs did not make counted Refs")
	}
	var m2 WeakValueMap[int, node]
	m2.Update(m.All())
	if v, _ := m2.Load(2); v != b {
		t.Fatal("Update from another map's All")
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
}
