package weakref

import "iter"

// WeakKeyMap is a map whose keys are held weakly: Python's
// weakref.WeakKeyDictionary. An entry disappears once its key has been
// collected, which makes WeakKeyMap the tool for attaching data to objects
// that the program does not own, without keeping them alive.
//
// Keys are compared by identity, the pointer, not by == on the pointed-to
// values as Python compares them. A lookup costs a hash of the pointer,
// not a new weak pointer.
//
// A value that refers to its own key keeps that key alive for as long as
// the entry exists: Go has no ephemerons. Refer back to the key through a
// [Ref] instead.
//
// The zero WeakKeyMap is empty and ready for use. A WeakKeyMap must not
// be copied after first use. It is safe for concurrent use by multiple
// goroutines, and its method names are [sync.Map]'s.
//
// After [runtime.GC] returns, every method already treats keys collected in
// that cycle as gone. The entry of a collected key, its value included, is
// removed without any call on the map, within a few collections, and at
// once by [Collect]: a large value goes with its key, as in Python. See
// "Reclaiming memory" in the package doc. The map holds no callback on
// its keys, so a dropped map is collected even while its keys live on.
type WeakKeyMap[K any, V any] struct {
	_       noCopy
	ids     idTable[K, V]
	compute flights[*K, V]
}

// Load returns the value stored for key, and whether there is one. A nil
// key has none.
func (m *WeakKeyMap[K, V]) Load(key *K) (value V, ok bool) { return m.ids.load(key) }

// Store sets the value for key: Python's d[k] = v. It panics with an error
// wrapping [ErrNotReferenceable] if key is nil.
func (m *WeakKeyMap[K, V]) Store(key *K, value V) {
	if key == nil {
		panic(notReferenceable("WeakKeyMap.Store"))
	}
	m.ids.store(key, value, func(V) (V, bool) { return value, true })
}

// LoadOrStore returns the existing value for key if there is one, with
// loaded true. Otherwise it stores value and returns it with loaded false.
// It is Python's d.setdefault(k, v). It panics with an error wrapping
// [ErrNotReferenceable] if key is nil.
func (m *WeakKeyMap[K, V]) LoadOrStore(key *K, value V) (actual V, loaded bool) {
	if key == nil {
		panic(notReferenceable("WeakKeyMap.LoadOrStore"))
	}
	actual = value
	loaded = m.ids.store(key, value, func(cur V) (V, bool) { actual = cur; return cur, false })
	return actual, loaded
}

// LoadOrCompute returns the value for key with loaded true if there is
// one. Otherwise it calls create, stores its result as LoadOrStore would,
// and returns what is then stored. Concurrent callers for the same key run
// create once and all get its result; loaded is false only for the caller
// whose create ran and whose result was stored. This is how to attach
// side data to an object lazily.
//
// create runs in the calling goroutine, without any lock of the map held,
// so it may use the map, but not LoadOrCompute for the same key, which
// would wait for itself. If create panics, the panic propagates to its
// caller, and each waiting caller tries again. A nil key panics with an
// error wrapping [ErrNotReferenceable], and a nil create with an error
// that says so.
func (m *WeakKeyMap[K, V]) LoadOrCompute(key *K, create func() V) (actual V, loaded bool) {
	if key == nil {
		panic(notReferenceable("WeakKeyMap.LoadOrCompute"))
	}
	if create == nil {
		panic(badArg("WeakKeyMap.LoadOrCompute", "create is nil"))
	}
	load := func() (V, bool) { return m.ids.load(key) }
	store := func(v V) (V, bool) { return m.LoadOrStore(key, v) }
	return m.compute.do(key, load, create, store)
}

// Swap stores value for key and returns the previous value, with loaded
// reporting whether there was one: [sync.Map.Swap]. It panics with an
// error wrapping [ErrNotReferenceable] if key is nil.
func (m *WeakKeyMap[K, V]) Swap(key *K, value V) (previous V, loaded bool) {
	if key == nil {
		panic(notReferenceable("WeakKeyMap.Swap"))
	}
	loaded = m.ids.store(key, value, func(cur V) (V, bool) { previous = cur; return value, true })
	return previous, loaded
}

// CompareAndSwap stores new for key if the value stored there is old, and
// reports whether it did. Values are compared with ==, as [sync.Map] does:
// it panics if V is not comparable. A missing or nil key never matches.
func (m *WeakKeyMap[K, V]) CompareAndSwap(key *K, old, new V) (swapped bool) {
	if key == nil {
		return false
	}
	m.ids.update(key, func(cur V) (V, bool) {
		swapped = any(cur) == any(old)
		return new, swapped
	})
	return swapped
}

// CompareAndDelete deletes the entry for key if its value is old, and
// reports whether it did. Values are compared with ==, as [sync.Map]
// does: it panics if V is not comparable. A missing or nil key never
// matches.
func (m *WeakKeyMap[K, V]) CompareAndDelete(key *K, old V) (deleted bool) {
	_, deleted = m.ids.remove(key, func(cur V) bool { return any(cur) == any(old) })
	return deleted
}

// LoadAndDelete deletes the entry for key and returns its value, with
// loaded reporting whether there was one: Python's d.pop(k).
func (m *WeakKeyMap[K, V]) LoadAndDelete(key *K) (value V, loaded bool) {
	return m.ids.remove(key, nil)
}

// Delete deletes the entry for key, if any: Python's del d[k], without the
// KeyError.
func (m *WeakKeyMap[K, V]) Delete(key *K) { m.ids.remove(key, nil) }

// PopItem removes an arbitrary live entry and returns it, or returns ok
// false if the map has none: Python's d.popitem().
func (m *WeakKeyMap[K, V]) PopItem() (key *K, value V, ok bool) { return m.ids.pop() }

// Len returns the number of live entries: Python's len(d). It is exact
// after [runtime.GC], and costs what [WeakValueMap.Len] costs.
func (m *WeakKeyMap[K, V]) Len() int { return m.ids.len() }

// Clear deletes every entry and gives back the map's memory.
func (m *WeakKeyMap[K, V]) Clear() { m.ids.clear() }

// All returns an iterator over the live entries: Python's d.items(). Each
// key is held strongly while the loop body runs, each is visited at most
// once, and no lock is held while the body runs: it may read and write the
// map, and other goroutines are not blocked. Order is unspecified. Like
// [sync.Map.Range], All does not take a consistent snapshot: an entry
// stored or deleted during the loop may or may not be visited.
func (m *WeakKeyMap[K, V]) All() iter.Seq2[*K, V] { return m.ids.all() }

// Keys returns an iterator over the live keys, as [WeakKeyMap.All] does.
func (m *WeakKeyMap[K, V]) Keys() iter.Seq[*K] {
	return func(yield func(*K) bool) {
		for k := range m.ids.all() {
			if !yield(k) {
				return
			}
		}
	}
}

// Values returns an iterator over the values of live keys, as
// [WeakKeyMap.All] does.
func (m *WeakKeyMap[K, V]) Values() iter.Seq[V] {
	return func(yield func(V) bool) {
		for _, v := range m.ids.all() {
			if !yield(v) {
				return
			}
		}
	}
}

// KeyRefs returns a [Ref] to each live key: Python's d.keyrefs(). They are
// ordinary shared Refs and count in [GetWeakRefCount] while they live.
func (m *WeakKeyMap[K, V]) KeyRefs() []*Ref[K] { return m.ids.keyRefs() }

// Update stores every pair of seq: Python's d.update(other) and d |= other.
// If any key is nil it panics with an error wrapping [ErrNotReferenceable]
// and stores nothing.
func (m *WeakKeyMap[K, V]) Update(seq iter.Seq2[*K, V]) {
	var pairs []pair[*K, V]
	for k, v := range seq {
		if k == nil {
			panic(notReferenceable("WeakKeyMap.Update"))
		}
		pairs = append(pairs, pair[*K, V]{k, v})
	}
	for _, p := range pairs {
		m.Store(p.k, p.v)
	}
}

// Clone returns a new map with the same entries: Python's d.copy().
func (m *WeakKeyMap[K, V]) Clone() *WeakKeyMap[K, V] {
	c := new(WeakKeyMap[K, V])
	m.ids.cloneInto(&c.ids)
	return c
}
