package weakref

import (
	"iter"
	"weak"
)

// An idTable maps objects, by identity, to values, holding the objects
// weakly. It is the machinery of WeakKeyMap and WeakSet.
//
// A lookup hashes the pointer and confirms the match by resolving the
// stored weak pointer, instead of calling weak.Make, which walks the
// runtime's records for the object's span and costs far more. Slots are
// keyed by the hash; two entries share one only if they share an address,
// that is a dead object and a newer one in its memory, and the newer one
// then takes the dead one's place.
type idTable[K, V any] struct {
	t table[uint64, idSlot[K, V]]
}

// idSlot holds the entries of one hash, almost always exactly one.
type idSlot[K, V any] struct {
	key  weak.Pointer[K]
	val  V
	next *idSlot[K, V]
}

func (s idSlot[K, V]) size() int {
	n := 0
	for p := &s; p != nil; p = p.next {
		n++
	}
	return n
}

func (s idSlot[K, V]) clone() idSlot[K, V] {
	if s.next == nil {
		return s
	}
	var all []idSlot[K, V]
	for p := &s; p != nil; p = p.next {
		all = append(all, idSlot[K, V]{key: p.key, val: p.val})
	}
	return chain(all)
}

func (s idSlot[K, V]) sweep() (idSlot[K, V], int) {
	if s.next == nil { // the common case, without allocating
		if s.key.Value() == nil {
			return s, 0
		}
		return s, 1
	}
	var live []idSlot[K, V]
	for p := &s; p != nil; p = p.next {
		if p.key.Value() != nil {
			live = append(live, idSlot[K, V]{key: p.key, val: p.val})
		}
	}
	return chain(live), len(live)
}

// chain links entries into a slot; the zero slot for none.
func chain[K, V any](entries []idSlot[K, V]) idSlot[K, V] {
	if len(entries) == 0 {
		return idSlot[K, V]{}
	}
	for i := len(entries) - 2; i >= 0; i-- {
		entries[i].next = &entries[i+1]
	}
	return entries[0]
}

// find returns key's entry in s, or nil. The caller holds the shard lock
// and key.
func (s *idSlot[K, V]) find(key *K) *idSlot[K, V] {
	for p := s; p != nil; p = p.next {
		if p.key.Value() == key {
			return p
		}
	}
	return nil
}

// existing returns key's hash and shard, or a nil shard if key is nil or
// the table was never written to: then key has no entry.
func (t *idTable[K, V]) existing(key *K) (uint64, *shard[uint64, idSlot[K, V]]) {
	if key == nil {
		return 0, nil
	}
	h := hashPtr(key)
	return h, t.t.shardFor(h, false)
}

func (t *idTable[K, V]) load(key *K) (val V, ok bool) {
	h, sh := t.existing(key)
	if sh == nil {
		return val, false
	}
	sh.mu.Lock()
	s, found := sh.m[h]
	if found && s.next != nil {
		// A rare chain: its entries are updated in place, so resolve it
		// under the lock.
		defer sh.mu.Unlock()
		if e := s.find(key); e != nil {
			return e.val, true
		}
		return val, false
	}
	sh.mu.Unlock()
	// Resolve the weak pointer outside the lock, from the copy: its cache
	// misses then neither hold the lock nor wait for it.
	if found && s.key.Value() == key {
		return s.val, true
	}
	return val, false
}

// store sets key's value. With onlyNew it keeps an existing value and
// returns it with loaded true, as LoadOrStore does.
func (t *idTable[K, V]) store(key *K, val V, onlyNew bool) (actual V, loaded bool) {
	h := hashPtr(key)
	// weak.Make walks the runtime's records for the object's span, so do
	// it before taking the lock. For a key already in the table it only
	// finds the existing weak pointer.
	wp := weak.Make(key)
	sh := t.t.shardFor(h, true)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s := sh.m[h] // the zero slot if none: it matches no key
	if e := s.find(key); e != nil {
		if onlyNew {
			return e.val, true
		}
		e.val = val
		if e == &s {
			sh.m[h] = s // s is a copy of the head
		}
		return val, true
	}
	if s.key.Value() == nil {
		// No entry, or a dead object's entry at this address: take its place.
		sh.put(h, idSlot[K, V]{key: wp, val: val, next: s.next})
	} else {
		sh.put(h, idSlot[K, V]{key: wp, val: val, next: &s})
	}
	return val, false
}

// remove deletes key's entry and returns its value.
func (t *idTable[K, V]) remove(key *K) (val V, ok bool) {
	h, sh := t.existing(key)
	if sh == nil {
		return val, false
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s, found := sh.m[h]
	if !found || s.find(key) == nil {
		return val, false
	}
	var rest []idSlot[K, V]
	for p := &s; p != nil; p = p.next {
		if p.key.Value() == key {
			val, ok = p.val, true
		} else {
			rest = append(rest, idSlot[K, V]{key: p.key, val: p.val})
		}
	}
	sh.remove(h)
	if len(rest) > 0 {
		sh.put(h, chain(rest))
	}
	return val, ok
}

// pop removes and returns an arbitrary live entry.
func (t *idTable[K, V]) pop() (key *K, val V, ok bool) {
	for i := range t.t.all() {
		sh := &t.t.all()[i]
		sh.mu.Lock()
		for h, s := range sh.m {
			sh.remove(h)
			var rest []idSlot[K, V]
			for p := &s; p != nil; p = p.next {
				if k := p.key.Value(); k != nil {
					if key == nil {
						key, val, ok = k, p.val, true
					} else {
						rest = append(rest, idSlot[K, V]{key: p.key, val: p.val})
					}
				}
			}
			if len(rest) > 0 {
				sh.put(h, chain(rest))
			}
			if ok {
				sh.mu.Unlock()
				return key, val, true
			}
		}
		sh.mu.Unlock()
	}
	return nil, val, false
}

// all iterates over the live entries without holding a lock while the
// loop body runs; see WeakKeyMap.All.
func (t *idTable[K, V]) all() iter.Seq2[*K, V] {
	return func(yield func(*K, V) bool) {
		var buf []pair[uint64, idSlot[K, V]]
		for i := range t.t.all() {
			buf = t.t.snapshot(i, buf[:0])
			for _, p := range buf {
				for e := &p.s; e != nil; e = e.next {
					if k := e.key.Value(); k != nil && !yield(k, e.val) {
						return
					}
				}
			}
		}
	}
}

// keyRefs returns a shared Ref to each live key.
func (t *idTable[K, V]) keyRefs() []*Ref[K] {
	var refs []*Ref[K]
	for k := range t.all() {
		refs = append(refs, NewRef(k))
	}
	return refs
}
