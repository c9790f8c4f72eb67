package weakref

import "iter"

// WeakSet is a set of objects held weakly: Python's weakref.WeakSet. An
// element disappears once it has been collected, which makes WeakSet the
// tool for observer lists and registries that must not keep their members
// alive.
//
// Elements are compared by identity, the pointer, not by == on the
// pointed-to values as Python compares them. A membership test costs a
// hash of the pointer, not a new weak pointer.
//
// Every method that takes another collection takes an [iter.Seq], so it
// accepts another set's All, [slices.Values] of a slice of pointers, or
// [maps.Keys] of a Go map. Python's operators are methods: s | t is
// Union, s &= t is IntersectionUpdate, s <= t is IsSubset, s == t is
// Equal.
//
// The zero WeakSet is empty and ready for use. A WeakSet must not be
// copied after first use. It is safe for concurrent use by multiple
// goroutines. After [runtime.GC] returns, every method already treats
// elements collected in that cycle as gone; their entries are removed
// without any call on the set, within a few collections (see "Reclaiming
// memory" in the package doc).
type WeakSet[T any] struct {
	_   noCopy
	ids idTable[T, struct{}]
}

// NewWeakSet returns a set holding elems: Python's WeakSet(iterable). It
// panics with an error wrapping [ErrNotReferenceable] if any is nil.
func NewWeakSet[T any](elems ...*T) *WeakSet[T] {
	s := new(WeakSet[T])
	for _, x := range elems {
		if x == nil {
			panic(notReferenceable("NewWeakSet"))
		}
	}
	for _, x := range elems {
		s.add(x)
	}
	return s
}

// Add adds x to the set. It panics with an error wrapping
// [ErrNotReferenceable] if x is nil.
func (s *WeakSet[T]) Add(x *T) {
	if x == nil {
		panic(notReferenceable("WeakSet.Add"))
	}
	s.add(x)
}

// add adds x, which is not nil.
func (s *WeakSet[T]) add(x *T) {
	s.ids.store(x, struct{}{}, func(struct{}) (struct{}, bool) { return struct{}{}, false })
}

// Remove removes x from the set and reports whether it was there. It is
// both of Python's discard and remove; the report replaces remove's
// KeyError.
func (s *WeakSet[T]) Remove(x *T) bool {
	_, ok := s.ids.remove(x, nil)
	return ok
}

// Contains reports whether x is in the set: Python's x in s. A nil x
// never is.
func (s *WeakSet[T]) Contains(x *T) bool {
	_, ok := s.ids.load(x)
	return ok
}

// Len returns the number of live elements: Python's len(s). It is exact
// after [runtime.GC], and costs what [WeakValueMap.Len] costs.
func (s *WeakSet[T]) Len() int { return s.ids.len() }

// Clear removes every element and gives back the set's memory.
func (s *WeakSet[T]) Clear() { s.ids.clear() }

// Pop removes an arbitrary live element and returns it, or returns ok
// false if the set has none: Python's s.pop().
func (s *WeakSet[T]) Pop() (x *T, ok bool) {
	x, _, ok = s.ids.pop()
	return x, ok
}

// All returns an iterator over the live elements. Each is held strongly
// while the loop body runs, each is visited at most once, and no lock is
// held while the body runs: it may add to and remove from the set. Order
// is unspecified. An element added or removed during the loop may or may
// not be visited.
func (s *WeakSet[T]) All() iter.Seq[*T] {
	return func(yield func(*T) bool) {
		for x := range s.ids.all() {
			if !yield(x) {
				return
			}
		}
	}
}

// Clone returns a new set with the same elements: Python's s.copy().
func (s *WeakSet[T]) Clone() *WeakSet[T] {
	c := new(WeakSet[T])
	s.ids.cloneInto(&c.ids)
	return c
}

// Update adds every element of seq: Python's s.update(t) and s |= t. If
// any is nil it panics with an error wrapping [ErrNotReferenceable] and
// adds nothing.
func (s *WeakSet[T]) Update(seq iter.Seq[*T]) {
	elems := collect(seq, "WeakSet.Update")
	for _, x := range elems {
		s.add(x)
	}
}

// collect gathers seq, panicking before anything is stored if an element
// is nil.
func collect[T any](seq iter.Seq[*T], fn string) []*T {
	var elems []*T
	for x := range seq {
		if x == nil {
			panic(notReferenceable(fn))
		}
		elems = append(elems, x)
	}
	return elems
}

// members returns seq's non-nil elements as a set of pointers. The map
// holds them strongly only for the duration of a set operation.
func members[T any](seq iter.Seq[*T]) map[*T]struct{} {
	m := make(map[*T]struct{})
	for x := range seq {
		if x != nil {
			m[x] = struct{}{}
		}
	}
	return m
}

// Union returns a new set of the elements of s and of seq: s | t. It
// panics with an error wrapping [ErrNotReferenceable] if seq yields nil.
func (s *WeakSet[T]) Union(seq iter.Seq[*T]) *WeakSet[T] {
	elems := collect(seq, "WeakSet.Union")
	u := s.Clone()
	for _, x := range elems {
		u.add(x)
	}
	return u
}

// Intersection returns a new set of the elements of s that seq also
// yields: s & t.
func (s *WeakSet[T]) Intersection(seq iter.Seq[*T]) *WeakSet[T] {
	other := members(seq)
	r := new(WeakSet[T])
	for x := range s.All() {
		if _, ok := other[x]; ok {
			r.add(x)
		}
	}
	return r
}

// Difference returns a new set of the elements of s that seq does not
// yield: s - t.
func (s *WeakSet[T]) Difference(seq iter.Seq[*T]) *WeakSet[T] {
	r := s.Clone()
	for x := range seq {
		r.Remove(x)
	}
	return r
}

// SymmetricDifference returns a new set of the elements in exactly one of
// s and seq: s ^ t. It panics with an error wrapping
// [ErrNotReferenceable] if seq yields nil.
func (s *WeakSet[T]) SymmetricDifference(seq iter.Seq[*T]) *WeakSet[T] {
	r := s.Clone()
	r.SymmetricDifferenceUpdate(seq)
	return r
}

// IntersectionUpdate removes the elements of s that seq does not yield:
// s &= t.
func (s *WeakSet[T]) IntersectionUpdate(seq iter.Seq[*T]) {
	other := members(seq)
	for x := range s.All() {
		if _, ok := other[x]; !ok {
			s.Remove(x)
		}
	}
}

// DifferenceUpdate removes every element that seq yields: s -= t.
func (s *WeakSet[T]) DifferenceUpdate(seq iter.Seq[*T]) {
	for x := range members(seq) {
		s.Remove(x)
	}
}

// SymmetricDifferenceUpdate removes the elements that seq yields and s
// holds, and adds those it does not: s ^= t. It panics with an error
// wrapping [ErrNotReferenceable], changing nothing, if seq yields nil.
func (s *WeakSet[T]) SymmetricDifferenceUpdate(seq iter.Seq[*T]) {
	elems := collect(seq, "WeakSet.SymmetricDifferenceUpdate")
	seen := make(map[*T]struct{}, len(elems))
	for _, x := range elems {
		if _, dup := seen[x]; dup {
			continue
		}
		seen[x] = struct{}{}
		if !s.Remove(x) {
			s.add(x)
		}
	}
}

// IsSubset reports whether every element of s is yielded by seq: s <= t.
func (s *WeakSet[T]) IsSubset(seq iter.Seq[*T]) bool {
	other := members(seq)
	for x := range s.All() {
		if _, ok := other[x]; !ok {
			return false
		}
	}
	return true
}

// IsSuperset reports whether s holds every element seq yields: s >= t.
// A nil element is never held.
func (s *WeakSet[T]) IsSuperset(seq iter.Seq[*T]) bool {
	for x := range seq {
		if !s.Contains(x) {
			return false
		}
	}
	return true
}

// IsDisjoint reports whether s holds none of the elements seq yields.
func (s *WeakSet[T]) IsDisjoint(seq iter.Seq[*T]) bool {
	for x := range seq {
		if s.Contains(x) {
			return false
		}
	}
	return true
}

// Equal reports whether s holds exactly the elements seq yields: s == t.
// Duplicates in seq count once; a nil element is never held. Like every
// method here that takes a sequence, it reads seq once, so a one-pass
// sequence works.
func (s *WeakSet[T]) Equal(seq iter.Seq[*T]) bool {
	other := make(map[*T]struct{})
	for x := range seq {
		if x == nil {
			return false
		}
		other[x] = struct{}{}
	}
	n := 0
	for x := range s.All() {
		if _, ok := other[x]; !ok {
			return false
		}
		n++
	}
	return n == len(other)
}
