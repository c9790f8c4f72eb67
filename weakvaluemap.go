package weakref

import (
	"hash/maphash"
	"iter"
	"sync"
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
// skips them, LoadOrStore stores over them. The memory of such an entry
// (its key and slot) is reclaimed by later writes or by Len, not at once;
// entries are never removed in the background. Unlike Python's, the map
// holds no callback on its values, so it is not counted by
// [GetWeakRefCount] and a dropped map is collected even while its values
// live on.
type WeakValueMap[K comparable, V any] struct {
	_ noCopy
	t table[K, valueSlot[V]]

	mu    sync.Mutex
	calls map[K]*computeCall[V] // LoadOrCompute calls running
}

// valueSlot is a WeakValueMap entry.
type valueSlot[V any] struct{ wp weak.Pointer[V] }

func (s valueSlot[V]) size() int { return 1 }

func (s valueSlot[V]) clone() valueSlot[V] { return s }

func (s valueSlot[V]) sweep() (valueSlot[V], int) {
	if s.wp.Value() == nil {
		return s, 0
	}
	return s, 1
}

var keySeed = maphash.MakeSeed()

func (m *WeakValueMap[K, V]) shard(key K, create bool) *shard[K, valueSlot[V]] {
	return m.t.shardFor(maphash.Comparable(keySeed, key), create)
}

// Load returns the value stored under key, or nil and false if there is
// none or it has been collected. It is Python's d.get(k).
func (m *WeakValueMap[K, V]) Load(key K) (value *V, ok bool) {
	sh := m.shard(key, false)
	if sh == nil {
		return nil, false
	}
	sh.mu.Lock()
	s := sh.m[key]
	sh.mu.Unlock()
	value = s.wp.Value()
	return value, value != nil
}

// Store sets the value for key: Python's d[k] = v. It panics with an error
// wrapping [ErrNotReferenceable] if value is nil.
func (m *WeakValueMap[K, V]) Store(key K, value *V) {
	if value == nil {
		panic(notReferenceable("WeakValueMap.Store"))
	}
	wp := weak.Make(value) // walks the runtime's records: keep it out of the lock
	sh := m.shard(key, true)
	sh.mu.Lock()
	sh.put(key, valueSlot[V]{wp})
	sh.mu.Unlock()
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
	sh := m.shard(key, true)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if v := sh.m[key].wp.Value(); v != nil {
		return v, true
	}
	sh.put(key, valueSlot[V]{wp})
	return value, false
}

// computeCall is a LoadOrCompute call in progress.
type computeCall[V any] struct {
	done  chan struct{}
	value *V // set before done is closed; nil if create panicked
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
// error wrapping [ErrNotReferenceable].
func (m *WeakValueMap[K, V]) LoadOrCompute(key K, create func() *V) (actual *V, loaded bool) {
	for {
		if v, ok := m.Load(key); ok {
			return v, true
		}
		m.mu.Lock()
		if c := m.calls[key]; c != nil {
			m.mu.Unlock()
			<-c.done
			if c.value != nil {
				return c.value, true
			}
			continue // create panicked: compete again
		}
		if v, ok := m.Load(key); ok {
			m.mu.Unlock()
			return v, true
		}
		c := &computeCall[V]{done: make(chan struct{})}
		if m.calls == nil {
			m.calls = make(map[K]*computeCall[V])
		}
		m.calls[key] = c
		m.mu.Unlock()
		return m.compute(key, c, create)
	}
}

func (m *WeakValueMap[K, V]) compute(key K, c *computeCall[V], create func() *V) (actual *V, loaded bool) {
	defer func() {
		m.mu.Lock()
		delete(m.calls, key)
		m.mu.Unlock()
		close(c.done)
	}()
	v := create()
	if v == nil {
		panic(notReferenceable("WeakValueMap.LoadOrCompute: create returned nil"))
	}
	c.value, loaded = m.LoadOrStore(key, v)
	return c.value, loaded
}

// LoadAndDelete deletes the entry for key and returns its value, or nil
// and false if there was none or it had been collected. It is Python's
// d.pop(k), without the KeyError.
func (m *WeakValueMap[K, V]) LoadAndDelete(key K) (value *V, loaded bool) {
	sh := m.shard(key, false)
	if sh == nil {
		return nil, false
	}
	sh.mu.Lock()
	s := sh.m[key]
	sh.remove(key)
	sh.mu.Unlock()
	value = s.wp.Value()
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
	if old == nil {
		return false
	}
	wp := weak.Make(new) // walks the runtime's records: keep it out of the lock
	return m.ifValue(key, old, func(sh *shard[K, valueSlot[V]]) { sh.put(key, valueSlot[V]{wp}) })
}

// CompareAndDelete deletes the entry for key if its live value is old,
// and reports whether it did. A missing or collected value never matches,
// nor does a nil old.
func (m *WeakValueMap[K, V]) CompareAndDelete(key K, old *V) (deleted bool) {
	return m.ifValue(key, old, func(sh *shard[K, valueSlot[V]]) { sh.remove(key) })
}

// ifValue runs f under key's shard lock if the live value stored under key
// is old, and reports whether it did.
func (m *WeakValueMap[K, V]) ifValue(key K, old *V, f func(*shard[K, valueSlot[V]])) bool {
	sh := m.shard(key, false)
	if sh == nil || old == nil {
		return false
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m[key].wp.Value() != old {
		return false
	}
	f(sh)
	return true
}

// PopItem removes an arbitrary live entry and returns it, or returns ok
// false if the map has none. It is Python's d.popitem(), without the
// KeyError; the entry chosen is unspecified, not the last one stored.
func (m *WeakValueMap[K, V]) PopItem() (key K, value *V, ok bool) {
	for i := range m.t.all() {
		sh := &m.t.all()[i]
		sh.mu.Lock()
		for k, s := range sh.m {
			sh.remove(k)
			if v := s.wp.Value(); v != nil {
				sh.mu.Unlock()
				return k, v, true
			}
		}
		sh.mu.Unlock()
	}
	return key, nil, false
}

// Len returns the number of live entries: Python's len(d). It is exact
// after [runtime.GC]. Its first call after a collection checks every
// entry; later calls cost a lock per shard.
func (m *WeakValueMap[K, V]) Len() int { return m.t.len() }

// Clear deletes every entry.
func (m *WeakValueMap[K, V]) Clear() { m.t.clear() }

// All returns an iterator over the live entries: Python's d.items(). Each
// value is held strongly while the loop body runs, each key is visited at
// most once, and no lock is held while the body runs: it may read and
// write the map, and other goroutines are not blocked. Order is
// unspecified. Like [sync.Map.Range], All does not take a consistent
// snapshot: an entry stored or deleted during the loop may or may not be
// visited.
func (m *WeakValueMap[K, V]) All() iter.Seq2[K, *V] {
	return func(yield func(K, *V) bool) {
		var buf []pair[K, valueSlot[V]]
		for i := range m.t.all() {
			buf = m.t.snapshot(i, buf[:0])
			for _, p := range buf {
				if v := p.s.wp.Value(); v != nil && !yield(p.k, v) {
					return
				}
			}
		}
	}
}

// Keys returns an iterator over the keys of live entries, as [All] does.
func (m *WeakValueMap[K, V]) Keys() iter.Seq[K] {
	return func(yield func(K) bool) {
		for k := range m.All() {
			if !yield(k) {
				return
			}
		}
	}
}

// Values returns an iterator over the live values, as [All] does.
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
		m.Store(p.k, p.s)
	}
}

// Clone returns a new map with the same entries: Python's d.copy().
func (m *WeakValueMap[K, V]) Clone() *WeakValueMap[K, V] {
	c := new(WeakValueMap[K, V])
	m.t.cloneInto(&c.t)
	return c
}
