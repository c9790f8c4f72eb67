package weakref

import (
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"
	"weak"
)

// The floors are what a weak map on this package's tables cannot beat:
// the same table with nothing to sweep, whose lookups compare keys
// without resolving a weak pointer, plus the one weak.Pointer.Value that a
// weak map needs to hand out or confirm an object, on a handle as cold as
// the library's. A store is weak.Make plus the insert. The benchmarks keep
// the objects alive; the floors never remove an entry.

// floorMap is the floor for WeakValueMap.
type floorMap[T any] struct {
	t table[int, floorValue[T]]
}

type floorValue[T any] struct {
	key int
	wp  weak.Pointer[T]
}

func (e floorValue[T]) matches(key int) bool { return e.key == key }
func (e floorValue[T]) alive() bool          { return true }
func (e floorValue[T]) mortal() bool         { return true }
func (floorValue[T]) holds() bool            { return false }

func (m *floorMap[T]) Store(k int, v *T) {
	wp := weak.Make(v)
	h := hashKey(k)
	sh := m.t.lockForWrite(h)
	if i, found := sh.slotFor(h, k); found {
		sh.slots[i].e = floorValue[T]{k, wp}
	} else {
		sh.insertAt(i, h, floorValue[T]{k, wp})
	}
	sh.mu.Unlock()
}

func (m *floorMap[T]) Load(k int) (*T, bool) {
	h := hashKey(k)
	sh := m.t.lock(h)
	if sh == nil {
		return nil, false
	}
	var wp weak.Pointer[T]
	if i := sh.find(h, k); i >= 0 {
		wp = sh.slots[i].e.wp
	}
	sh.mu.Unlock()
	v := wp.Value()
	return v, v != nil
}

func (m *floorMap[T]) Range(f func(int, *T) bool) {
	m.t.snapshot(func(slots []slot[floorValue[T]]) bool {
		for _, s := range slots {
			if !f(s.e.key, s.e.wp.Value()) {
				return false
			}
		}
		return true
	})
}

func (m *floorMap[T]) Len() int { return m.t.len() }

// floorKeyMap is the floor for WeakKeyMap and WeakSet. Its slots hold
// the key strongly too, to compare it without resolving the weak pointer.
type floorKeyMap[T any] struct {
	t table[*T, floorKey[T]]
}

type floorKey[T any] struct {
	key *T
	v   int
	wp  weak.Pointer[T]
}

func (e floorKey[T]) matches(key *T) bool { return e.key == key }
func (e floorKey[T]) alive() bool         { return true }
func (e floorKey[T]) mortal() bool        { return true }
func (floorKey[T]) holds() bool           { return false }

func (m *floorKeyMap[T]) Store(k *T, v int) {
	h := hashPtr(k)
	if sh := m.t.lock(h); sh != nil {
		i := sh.find(h, k)
		// Confirm the key with the one Value a weak map needs, as Load
		// does: a dead key and a new object can share an address.
		present := i >= 0 && sh.slots[i].e.wp.Value() == k
		if present {
			sh.slots[i].e.v = v
		}
		sh.mu.Unlock()
		if present {
			return // no weak.Make, as in the library
		}
	}
	wp := weak.Make(k)
	sh := m.t.lockForWrite(h)
	if i, found := sh.slotFor(h, k); found {
		sh.slots[i].e.v = v
	} else {
		sh.insertAt(i, h, floorKey[T]{k, v, wp})
	}
	sh.mu.Unlock()
}

func (m *floorKeyMap[T]) Load(k *T) (int, bool) {
	h := hashPtr(k)
	sh := m.t.lock(h)
	if sh == nil {
		return 0, false
	}
	var e floorKey[T]
	i := sh.find(h, k)
	if i >= 0 {
		e = sh.slots[i].e
	}
	sh.mu.Unlock()
	if i < 0 || e.wp.Value() != k {
		return 0, false
	}
	return e.v, true
}

// floorRef is the least a weak reference can be: a heap object holding
// the object's weak pointer, which the program keeps and drops. It is
// padded to the size of a Ref (the weak pointer, the record and the
// callback), because weak.Make's cost grows with the number of weak
// handles in the object's span: a smaller reference packs more of them
// into each span and is slower to make, not faster (BENCHMARKS.md).
type floorRef[T any] struct {
	wp weak.Pointer[T]
	_  [2]uintptr
}

// floorRefs is the floor for NewRef: the same table holding each object's
// shared reference weakly, as NewRef(o) == NewRef(o) requires while the
// reference lives, with the object as its key held strongly. A new object
// costs the lookup, weak.Make of the object, the reference, weak.Make of
// the reference, and the insert.
type floorRefs[T any] struct {
	t table[*T, floorRefEntry[T]]
}

type floorRefEntry[T any] struct {
	key *T
	ref weak.Pointer[floorRef[T]]
}

func (e floorRefEntry[T]) matches(key *T) bool { return e.key == key }
func (e floorRefEntry[T]) alive() bool         { return true }
func (e floorRefEntry[T]) mortal() bool        { return true }
func (floorRefEntry[T]) holds() bool           { return false }

func (m *floorRefs[T]) New(obj *T) *floorRef[T] {
	h := hashPtr(obj)
	if sh := m.t.lock(h); sh != nil {
		var ref *floorRef[T]
		if i := sh.find(h, obj); i >= 0 {
			ref = sh.slots[i].e.ref.Value()
		}
		sh.mu.Unlock()
		if ref != nil {
			return ref
		}
	}
	ref := &floorRef[T]{wp: weak.Make(obj)}
	m.insert(h, obj, weak.Make(ref))
	return ref
}

func (m *floorRefs[T]) insert(h uint64, obj *T, wr weak.Pointer[floorRef[T]]) {
	sh := m.t.lockForWrite(h)
	if i, found := sh.slotFor(h, obj); found {
		sh.slots[i].e.ref = wr
	} else {
		sh.insertAt(i, h, floorRefEntry[T]{obj, wr})
	}
	sh.mu.Unlock()
}

// floorHooks is the floor for callback references (NewRefFunc): a new
// reference whose callback runs when its object dies, only if the
// reference still lives, as in Python. The object's cleanup holds the
// reference weakly. The table is the index that GetWeakRefs and Collect
// need to find an object's references: an entry goes in when the
// reference is made and out when its object's cleanup runs. It holds
// nothing strongly, so objects die as in the library.
type floorHooks[T any] struct {
	t table[weak.Pointer[floorRef[T]], floorIndexed[floorRef[T], struct{}]]
}

// floorIndexed is an entry of a callback floor's index: a reference of
// type R, held weakly.
type floorIndexed[R, P any] struct {
	_   P // struct{} for a typed table's 16-byte slots, uintptr for the registry's 24
	ref weak.Pointer[R]
}

func (e floorIndexed[R, P]) matches(q weak.Pointer[R]) bool { return e.ref == q }
func (e floorIndexed[R, P]) alive() bool                    { return true }
func (e floorIndexed[R, P]) mortal() bool                   { return true }
func (floorIndexed[R, P]) holds() bool                      { return false }

// index adds e, the entry for q, whose object's hash is h, to t.
func index[Q any, E entry[Q]](t *table[Q, E], h uint64, q Q, e E) {
	sh := t.lockForWrite(h)
	i, _ := sh.slotFor(h, q)
	sh.insertAt(i, h, e)
	sh.mu.Unlock()
}

// floorDeath is what the cleanup of a floorHooks object needs.
type floorDeath[T any] struct {
	m    *floorHooks[T]
	h    uint64
	ref  weak.Pointer[floorRef[T]]
	call func(*floorRef[T])
}

// New returns a reference to obj whose call runs with it when obj dies,
// if it still lives.
func (m *floorHooks[T]) New(obj *T, call func(*floorRef[T])) *floorRef[T] {
	ref := &floorRef[T]{wp: weak.Make(obj)}
	d := floorDeath[T]{m, hashPtr(obj), weak.Make(ref), call}
	runtime.AddCleanup(obj, floorDied[T], d)
	index(&m.t, d.h, d.ref, floorIndexed[floorRef[T], struct{}]{ref: d.ref})
	return ref
}

func floorDied[T any](d floorDeath[T]) {
	sh := d.m.t.lock(d.h)
	if i := sh.find(d.h, d.ref); i >= 0 {
		sh.remove(i)
	}
	sh.mu.Unlock()
	if ref := d.ref.Value(); ref != nil {
		d.call(ref)
	}
}

// floorDuties is floorHooks with the three duties that this package's API
// gives every callback, each done as cheaply as it can be:
//   - the reference holds its callback, and the cleanup takes it from
//     there, under the index's lock, so that a reference the program drops
//     lets go of its callback and what that holds (floorHooks' cleanup
//     holds the callback until the object dies);
//   - the callback runs inside a recover: a panicking callback must not
//     crash the program (SetUnraisableHook);
//   - a count of deaths in progress goes up and down around each, for a
//     Collect to wait on.
//
// What it leaves out is the registry's generality. With E a
// floorIndexed, its table is typed: with P = struct{} its slots are 16
// bytes, a hash and a weak pointer, where the registry's hold an entry of
// any type, an interface, in 24. P = uintptr pads them to the registry's
// size, and measures what that costs: a million slots of 24 bytes take
// half as much memory again, and each death's probe is a cache miss into
// them. E = floorBoxed holds the weak pointer in an interface, as the
// registry holds its entries, and measures the rest of that generality:
// two pointer words per slot for the collector to scan, where the padded
// slot has one, and an interface compare in each probe.
type floorDuties[T any, E floorSlot[T, E]] struct {
	t      table[weak.Pointer[floorFuncRef[T]], E]
	firing atomic.Int64
}

// A floorSlot is an entry of a floorDuties index.
type floorSlot[T, E any] interface {
	entry[weak.Pointer[floorFuncRef[T]]]
	// of returns the entry for ref; it is called on the zero E.
	of(ref weak.Pointer[floorFuncRef[T]]) E
}

func (floorIndexed[R, P]) of(ref weak.Pointer[R]) floorIndexed[R, P] {
	return floorIndexed[R, P]{ref: ref}
}

// floorBoxed is an entry of a floorDuties index that holds its reference
// in an interface, as the registry holds its entries.
type floorBoxed[R any] struct{ ref any }

func (e floorBoxed[R]) matches(q weak.Pointer[R]) bool     { return e.ref == any(q) }
func (floorBoxed[R]) alive() bool                          { return true }
func (floorBoxed[R]) mortal() bool                         { return true }
func (floorBoxed[R]) holds() bool                          { return false }
func (floorBoxed[R]) of(ref weak.Pointer[R]) floorBoxed[R] { return floorBoxed[R]{ref} }

// floorFuncRef is a reference with its callback, of a Ref's size.
type floorFuncRef[T any] struct {
	wp   weak.Pointer[T]
	_    uintptr
	call func(*floorFuncRef[T]) // guarded by the index's lock; nil once taken
}

// floorDutyDeath is what the cleanup of a floorDuties object needs.
type floorDutyDeath[T any, E floorSlot[T, E]] struct {
	m   *floorDuties[T, E]
	h   uint64
	ref weak.Pointer[floorFuncRef[T]]
}

// New returns a reference to obj whose call runs with it when obj dies,
// if the reference still lives.
func (m *floorDuties[T, E]) New(obj *T, call func(*floorFuncRef[T])) *floorFuncRef[T] {
	ref := &floorFuncRef[T]{wp: weak.Make(obj), call: call}
	d := floorDutyDeath[T, E]{m, hashPtr(obj), weak.Make(ref)}
	runtime.AddCleanup(obj, floorDutyDied[T, E], d)
	var zero E
	index(&m.t, d.h, d.ref, zero.of(d.ref))
	return ref
}

func floorDutyDied[T any, E floorSlot[T, E]](d floorDutyDeath[T, E]) {
	d.m.firing.Add(1)
	defer d.m.firing.Add(-1)
	sh := d.m.t.lock(d.h)
	if i := sh.find(d.h, d.ref); i >= 0 {
		sh.remove(i)
	}
	var call func(*floorFuncRef[T])
	ref := d.ref.Value()
	if ref != nil {
		call, ref.call = ref.call, nil
	}
	sh.mu.Unlock()
	if call != nil {
		runRecovered(call, ref)
	}
}

func runRecovered[T any](call func(*floorFuncRef[T]), ref *floorFuncRef[T]) {
	defer func() { _ = recover() }()
	call(ref)
}

// The duties floors' slots are the sizes their comments give: a typed
// table's, and the registry's, which floor:RefFunc+duties+slot24 copies.
func TestFloorSlotSizes(t *testing.T) {
	sizes := []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"typed floor", reflect.TypeFor[slot[typedSlot[node]]]().Size(), 16},
		{"padded floor", reflect.TypeFor[slot[paddedSlot[node]]]().Size(), 24},
		{"boxed floor", reflect.TypeFor[slot[boxedSlot[node]]]().Size(), 24},
		{"registry", reflect.TypeFor[slot[regEntry]]().Size(), 24},
	}
	for _, s := range sizes {
		if s.got != s.want {
			t.Errorf("%s: slot of %d bytes, want %d", s.name, s.got, s.want)
		}
	}
}
