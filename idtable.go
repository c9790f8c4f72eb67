package weakref

import (
	"iter"
	"reflect"
	"weak"
)

// An idTable maps objects, by identity, to values, holding the objects
// weakly. It is the machinery of WeakKeyMap and WeakSet.
//
// A slot's hash is the hash of the object's address. A lookup confirms a
// match by resolving the stored weak pointer, instead of calling
// weak.Make, which walks the runtime's records for the object's span and
// costs far more. Two entries share a hash only if they share an address:
// a dead object and a newer one in its memory. The dead one fails the
// match and is swept like any other.
type idTable[K, V any] struct {
	entries table[*K, idEntry[K, V]]
}

// idEntry is an idTable entry. val comes first: a WeakSet's is empty,
// and a zero-size last field would be padded to a word.
type idEntry[K, V any] struct {
	val V
	wp  weak.Pointer[K]
}

func (e idEntry[K, V]) matches(key *K) bool { return e.wp.Value() == key }

func (e idEntry[K, V]) alive() bool { return e.wp.Value() != nil }
func (idEntry[K, V]) mortal() bool  { return true }
func (idEntry[K, V]) holds() bool   { return holdsPointers(reflect.TypeFor[V]()) }

// lockKey returns key's hash and its shard, locked, or a nil shard if
// key is nil or the table was never written to: then key has no entry.
func (t *idTable[K, V]) lockKey(key *K) (uint64, *shard[*K, idEntry[K, V]]) {
	if key == nil {
		return 0, nil
	}
	h := hashPtr(key)
	return h, t.entries.lock(h)
}

func (t *idTable[K, V]) load(key *K) (val V, ok bool) {
	h, sh := t.lockKey(key)
	if sh == nil {
		return val, false
	}
	// Copy the first entry with key's hash and resolve its weak pointer
	// outside the lock: its cache misses then neither hold the lock nor
	// wait for it. It is key's entry unless a dead object at key's address
	// left one before it, which the locked path below handles.
	i := sh.findHash(h)
	var e idEntry[K, V]
	if i >= 0 {
		e = sh.slots[i].e
	}
	sh.touch()
	sh.mu.Unlock()
	if i < 0 {
		return val, false
	}
	if e.wp.Value() == key {
		return e.val, true
	}
	return t.loadLocked(h, key)
}

func (t *idTable[K, V]) loadLocked(h uint64, key *K) (val V, ok bool) {
	sh := t.entries.lock(h)
	defer sh.mu.Unlock()
	if i := sh.find(h, key); i >= 0 {
		return sh.slots[i].e.val, true
	}
	return val, false
}

// update runs f on key's value under its shard lock, if key is present,
// and reports whether it was. f returns the new value and whether to set
// it.
func (t *idTable[K, V]) update(key *K, f func(cur V) (V, bool)) (ok bool) {
	if key == nil {
		return false
	}
	return t.updateHash(hashPtr(key), key, f)
}

// updateHash is update for a key whose hash is h.
func (t *idTable[K, V]) updateHash(h uint64, key *K, f func(cur V) (V, bool)) (ok bool) {
	sh := t.entries.lock(h)
	if sh == nil {
		return false
	}
	defer sh.mu.Unlock()
	return apply(sh, sh.find(h, key), key, f)
}

// apply runs f on the value in slot i, if i is not -1, and reports
// whether it did. The caller holds sh.mu.
func apply[K, V any](sh *shard[*K, idEntry[K, V]], i int, key *K, f func(cur V) (V, bool)) bool {
	if i < 0 {
		return false
	}
	if v, set := f(sh.slots[i].e.val); set {
		sh.slots[i].e.val = v
		checkReach(key, v)
	}
	return true
}

// store sets key's value, calling f with the current value if key is
// present; f returns the value to store and whether to store it. If key
// is absent, store adds val and returns loaded false. A store whose key
// is present never calls weak.Make. key must not be nil.
func (t *idTable[K, V]) store(key *K, val V, f func(cur V) (V, bool)) (loaded bool) {
	h := hashPtr(key)
	if t.updateHash(h, key, f) {
		return true
	}
	// weak.Make walks the runtime's records for the object's span, so do
	// it outside the lock, then look again.
	wp := weak.Make(key)
	sh := t.entries.lockForWrite(h)
	defer sh.mu.Unlock()
	i, found := sh.slotFor(h, key)
	if found {
		return apply(sh, i, key, f)
	}
	sh.insertAt(i, h, idEntry[K, V]{val, wp})
	checkReach(key, val) // GODEBUG=checkfinalizers=1 reports a value that reaches its key
	return false
}

// remove deletes key's entry and returns its value. With f, it deletes
// only if f accepts the value.
func (t *idTable[K, V]) remove(key *K, f func(V) bool) (val V, ok bool) {
	h, sh := t.lockKey(key)
	if sh == nil {
		return val, false
	}
	defer sh.mu.Unlock()
	i := sh.find(h, key)
	if i < 0 {
		return val, false
	}
	val = sh.slots[i].e.val
	if f != nil && !f(val) {
		return val, false
	}
	sh.remove(i)
	return val, true
}

// pop removes and returns an arbitrary live entry.
func (t *idTable[K, V]) pop() (key *K, val V, ok bool) {
	t.entries.pop(func(e idEntry[K, V]) bool {
		if k := e.wp.Value(); k != nil {
			key, val, ok = k, e.val, true
		}
		return ok
	})
	return key, val, ok
}

// all iterates over the live entries without holding a lock while the
// loop body runs; see WeakKeyMap.All.
func (t *idTable[K, V]) all() iter.Seq2[*K, V] {
	return func(yield func(*K, V) bool) {
		t.entries.snapshot(func(slots []slot[idEntry[K, V]]) bool {
			for _, s := range slots {
				if k := s.e.wp.Value(); k != nil && !yield(k, s.e.val) {
					return false
				}
			}
			return true
		})
	}
}

func (t *idTable[K, V]) len() int { return t.entries.len() }

func (t *idTable[K, V]) clear() { t.entries.clear() }

func (t *idTable[K, V]) cloneInto(c *idTable[K, V]) { t.entries.cloneInto(&c.entries) }

// keyRefs returns a shared Ref to each live key.
func (t *idTable[K, V]) keyRefs() []*Ref[K] {
	var refs []*Ref[K]
	for k := range t.all() {
		refs = append(refs, NewRef(k))
	}
	return refs
}
