package weakref

import (
	"hash/maphash"
	"iter"
	"reflect"
	"weak"
)

// WeakValueMap is a map whose values are held weakly: Python's
// weakref.WeakValueDictionary. An entry disappears once its value has been
// collected, which makes WeakValueMap the tool for caches and
// canonicalization tables that must not keep their values alive.
//
// Keys are compared with ==, as in a Go map. Values are pointers, compared
// by identity where that matters (CompareAndSwap, CompareAndDelete).
//
// The zero WeakValueMap is empty and ready for use. A WeakValueMap must
// not be copied after first use. It is safe for concurrent use by multiple
// goroutines, and its method names are [sync.Map]'s.
//
// After [runtime.GC] returns, every method already treats values collected
// in that cycle as gone: Load misses, Len does not count them, iteration
// skips them, LoadOrStore stores over them. Unlike Python's, the map holds
// no callback on its values, so it is not counted by [GetWeakRefCount],
// and a dropped map is collected even while its values live on.
//
// The entry of a collected value is removed, and its memory (key, slot and
// the runtime's weak handle) given back, without any call for that key,
// within a few collections; see "Reclaiming memory" in the package doc.
type WeakValueMap[K comparable, V any] struct {
	_       noCopy
	entries table[K, valueEntry[K, V]]
	compute flights[K, *V]
}

// valueEntry is a WeakValueMap entry.
type valueEntry[K comparable, V any] struct {
	key K
	wp  weak.Pointer[V]
}

func (e valueEntry[K, V]) matches(key K) bool { return e.key == key }

func (e valueEntry[K, V]) alive() bool { return e.wp.Value() != nil }
func (valueEntry[K, V]) mortal() bool  { return true }
func (valueEntry[K, V]) holds() bool   { return holdsPointers(reflect.TypeFor[K]()) }

var keySeed = maphash.MakeSeed()

func hashKey[K comparable](key K) uint64 { return hashOf(maphash.Comparable(keySeed, key)) }

// Load returns the value stored under key, or nil and false if there is
// none or it has been collected. It is Python's d.get(k).
func (m *WeakValueMap[K, V]) Load(key K) (value *V, ok bool) {
	h := hashKey(key)
	sh := m.entries.lock(h)
	if sh == nil {
		return nil, false
	}
	var wp weak.Pointer[V]
	if i := sh.find(h, key); i >= 0 {
		wp = sh.slots[i].e.wp
	}
	sh.touch()
	sh.mu.Unlock()
	// Resolve the weak pointer outside the lock: its cache misses then
	// neither hold the lock nor wait for it.
	value = wp.Value()
	return value, value != nil
}

// Store sets the value for key: Python's d[k] = v. It panics with an error
// wrapping [ErrNotReferenceable] if value is nil.
func (m *WeakValueMap[K, V]) Store(key K, value *V) {
	if value == nil {
		panic(notReferenceable("WeakValueMap.Store"))
	}
	m.swap(key, weak.Make(value)) // weak.Make walks the runtime's records: keep it out of the lock
}

// swap stores wp under key and returns the weak pointer it replaced.
func (m *WeakValueMap[K, V]) swap(key K, wp weak.Pointer[V]) (old weak.Pointer[V]) {
	h := hashKey(key)
	sh := m.entries.lockForWrite(h)
	if i, ok := sh.slotFor(h, key); ok {
		old = sh.slots[i].e.wp
		sh.slots[i].e.wp = wp
	} else {
		sh.insertAt(i, h, valueEntry[K, V]{key, wp})
	}
	sh.touch()
	sh.mu.Unlock()
	return old
}

// Swap stores value for key and returns the previous value, with loaded
// reporting whether there was a live one: [sync.Map.Swap]. A previous
// value that has been collected is not loaded. It panics with an error
// wrapping [ErrNotReferenceable] if value is nil.
func (m *WeakValueMap[K, V]) Swap(key K, value *V) (previous *V, loaded bool) {
	if value == nil {
		panic(notReferenceable("WeakValueMap.Swap"))
	}
	previous = m.swap(key, weak.Make(value)).Value()
	return previous, previous != nil
}

// LoadOrStore returns the existing live value for key if there is one,
// with loaded true. Otherwise it stores value and returns it with loaded
// false. It is Python's d.setdefault(k, v). It panics with an error
// wrapping [ErrNotReferenceable] if value is nil.
func (m *WeakValueMap[K, V]) LoadOrStore(key K, value *V) (actual *V, loaded bool) {
	if value == nil {
		panic(notReferenceable("WeakValueMap.LoadOrStore"))
	}
	if v, ok := m.Load(key); ok {
		return v, true
	}
	wp := weak.Make(value)
	h := hashKey(key)
	sh := m.entries.lockForWrite(h)
	defer sh.mu.Unlock()
	if i, ok := sh.slotFor(h, key); ok {
		if v := sh.slots[i].e.wp.Value(); v != nil {
			return v, true
		}
		sh.slots[i].e.wp = wp // the old value died: take its place
	} else {
		sh.insertAt(i, h, valueEntry[K, V]{key, wp})
	}
	return value, false
}

// LoadOrCompute returns the live value for key with loaded true if there
// is one. Otherwise it calls create, stores its result as LoadOrStore
// would, and returns what is then stored. Concurrent callers for the same
// key run create once and all get its result; loaded is false only for the
// caller whose create ran and whose result was stored. This is the
// building block of a canonicalizing cache.
//
// create runs in the calling goroutine, without any lock of the map held,
// so it may use the map, but not LoadOrCompute for the same key, which
// would wait for itself. If create panics, the panic propagates to its
// caller, and each waiting caller tries again. A nil result panics with an
// error wrapping [ErrNotReferenceable], and a nil create panics with an
// error that says so.
func (m *WeakValueMap[K, V]) LoadOrCompute(key K, create func() *V) (actual *V, loaded bool) {
	if create == nil {
		panic(badArg("WeakValueMap.LoadOrCompute", "create is nil"))
	}
	load := func() (*V, bool) { return m.Load(key) }
	store := func(v *V) (*V, bool) {
		if v == nil {
			panic(notReferenceable("WeakValueMap.LoadOrCompute: create returned nil"))
		}
		return m.LoadOrStore(key, v)
	}
	return m.compute.do(key, load, create, store)
}

// LoadAndDelete deletes the entry for key and returns its value, or nil
// and false if there was none or it had been collected. It is Python's
// d.pop(k), without the KeyError.
func (m *WeakValueMap[K, V]) LoadAndDelete(key K) (value *V, loaded bool) {
	h := hashKey(key)
	sh := m.entries.lock(h)
	if sh == nil {
		return nil, false
	}
	var wp weak.Pointer[V]
	if i := sh.find(h, key); i >= 0 {
		wp = sh.slots[i].e.wp
		sh.remove(i)
	}
	sh.mu.Unlock()
	value = wp.Value()
	return value, value != nil
}

// Delete deletes the entry for key, if any: Python's del d[k], without the
// KeyError.
func (m *WeakValueMap[K, V]) Delete(key K) { m.LoadAndDelete(key) }

// CompareAndSwap stores new for key if the live value stored there is old,
// and reports whether it did. A missing or collected value never matches,
// nor does a nil old. It panics with an error wrapping
// [ErrNotReferenceable] if new is nil.
func (m *WeakValueMap[K, V]) CompareAndSwap(key K, old, new *V) (swapped bool) {
	if new == nil {
		panic(notReferenceable("WeakValueMap.CompareAndSwap"))
	}
	if v, _ := m.Load(key); v == nil || v != old {
		return false // no weak pointer to make
	}
	wp := weak.Make(new) // walks the runtime's records: keep it out of the lock
	return m.ifValue(key, old, func(sh *shard[K, valueEntry[K, V]], i int) { sh.slots[i].e.wp = wp })
}

// CompareAndDelete deletes the entry for key if its live value is old,
// and reports whether it did. A missing or collected value never matches,
// nor does a nil old.
func (m *WeakValueMap[K, V]) CompareAndDelete(key K, old *V) (deleted bool) {
	return m.ifValue(key, old, (*shard[K, valueEntry[K, V]]).remove)
}

// ifValue runs f on key's slot under its shard lock if the live value
// stored there is old, and reports whether it did.
func (m *WeakValueMap[K, V]) ifValue(key K, old *V, f func(*shard[K, valueEntry[K, V]], int)) bool {
	if old == nil {
		return false
	}
	h := hashKey(key)
	sh := m.entries.lock(h)
	if sh == nil {
		return false
	}
	defer sh.mu.Unlock()
	i := sh.find(h, key)
	if i < 0 || sh.slots[i].e.wp.Value() != old {
		return false
	}
	f(sh, i)
	return true
}

// PopItem removes an arbitrary live entry and returns it, or returns ok
// false if the map has none. It is Python's d.popitem(), without the
// KeyError; the entry chosen is unspecified, not the last one stored.
func (m *WeakValueMap[K, V]) PopItem() (key K, value *V, ok bool) {
	m.entries.pop(func(e valueEntry[K, V]) bool {
		if v := e.wp.Value(); v != nil {
			key, value, ok = e.key, v, true
		}
		return ok
	})
	return key, value, ok
}

// Len returns the number of live entries: Python's len(d). It is exact
// after [runtime.GC]. Its first call after a collection checks each entry
// that no sweep has checked since, one shard of at most 1024 slots at a
// time, on every core for a large map; it never holds a lock for more
// than one shard, so other callers wait for at most that. Later calls, up
// to the next collection, cost a lock per shard.
func (m *WeakValueMap[K, V]) Len() int { return m.entries.len() }

// Clear deletes every entry and gives back the map's memory.
func (m *WeakValueMap[K, V]) Clear() { m.entries.clear() }

// All returns an iterator over the live entries: Python's d.items(). Each
// value is held strongly while the loop body runs, each key is visited at
// most once, and no lock is held while the body runs: it may read and
// write the map, and other goroutines are not blocked. Order is
// unspecified. Like [sync.Map.Range], All does not take a consistent
// snapshot: an entry stored or deleted during the loop may or may not be
// visited.
func (m *WeakValueMap[K, V]) All() iter.Seq2[K, *V] {
	return func(yield func(K, *V) bool) {
		m.entries.snapshot(func(slots []slot[valueEntry[K, V]]) bool {
			for _, s := range slots {
				if v := s.e.wp.Value(); v != nil && !yield(s.e.key, v) {
					return false
				}
			}
			return true
		})
	}
}

// Keys returns an iterator over the keys of live entries, as [WeakValueMap.All] does.
func (m *WeakValueMap[K, V]) Keys() iter.Seq[K] {
	return func(yield func(K) bool) {
		for k := range m.All() {
			if !yield(k) {
				return
			}
		}
	}
}

// Values returns an iterator over the live values, as [WeakValueMap.All] does.
func (m *WeakValueMap[K, V]) Values() iter.Seq[*V] {
	return func(yield func(*V) bool) {
		for _, v := range m.All() {
			if !yield(v) {
				return
			}
		}
	}
}

// ValueRefs returns a [Ref] to each live value: Python's d.valuerefs().
// They are ordinary shared Refs and count in [GetWeakRefCount] while they
// live.
func (m *WeakValueMap[K, V]) ValueRefs() []*Ref[V] {
	var refs []*Ref[V]
	for _, v := range m.All() {
		refs = append(refs, NewRef(v))
	}
	return refs
}

// Update stores every pair of seq: Python's d.update(other) and d |= other.
// Pass another map's All, or maps.All of a Go map. If any value is nil it
// panics with an error wrapping [ErrNotReferenceable] and stores nothing.
func (m *WeakValueMap[K, V]) Update(seq iter.Seq2[K, *V]) {
	var pairs []pair[K, *V]
	for k, v := range seq {
		if v == nil {
			panic(notReferenceable("WeakValueMap.Update"))
		}
		pairs = append(pairs, pair[K, *V]{k, v})
	}
	for _, p := range pairs {
		m.Store(p.k, p.v)
	}
}

// Clone returns a new map with the same entries: Python's d.copy().
func (m *WeakValueMap[K, V]) Clone() *WeakValueMap[K, V] {
	c := new(WeakValueMap[K, V])
	m.entries.cloneInto(&c.entries)
	return c
}
