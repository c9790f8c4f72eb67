package weakref

import (
	"sync"
	"weak"
)

// An object whose only reference is its shared Ref needs no record: the
// Ref has no callback, so nothing has to run when the object dies, and
// nothing has to know at once. The registry then holds the Ref itself,
// weakly, as a sharedRef, and the object has no runtime cleanup. Such a
// NewRef costs what any shared weak reference must: weak.Make of the
// object, and of the Ref, so that NewRef(o) == NewRef(o) while the Ref
// lives and GetWeakRefCount stops counting it once it is collected; and
// an insert. A sweep removes the entry once the Ref is gone, as it removes
// the collections' dead entries. When the object gets a record, the
// record takes the Ref over.
type sharedRef[T any] struct {
	ref weak.Pointer[Ref[T]]
}

// get returns the Ref if it lives and refers to q, a *T in an interface.
func (s sharedRef[T]) get(q any) *Ref[T] {
	p, ok := q.(*T)
	if !ok {
		return nil
	}
	if ref := s.ref.Value(); ref != nil && ref.h.wp.Value() == p {
		return ref
	}
	return nil
}

func (s sharedRef[T]) isFor(q any) bool { return s.get(q) != nil }

// swept reports whether the Ref is gone. An entry whose object died
// stays while the program keeps its Ref, which it then costs a slot: to
// look at the object too, a sweep would read the Ref, a cache miss more
// for every entry.
func (s sharedRef[T]) swept() bool { return s.ref.Value() == nil }

// sharedRefFor returns obj's shared Ref, and makes it if obj has none or
// the program dropped it. obj must not be nil.
func sharedRefFor[T any](obj *T) *Ref[T] {
	switch v := registeredFor(obj).(type) {
	case *record[T]:
		return sharedOn[T, Ref[T]](v)
	case sharedRef[T]:
		// The entry matched obj, and a Ref's object never changes: if the
		// Ref still lives, it is obj's.
		if ref := v.ref.Value(); ref != nil {
			return ref
		}
	}
	// weak.Make walks the spans of obj and ref, so do it outside the
	// shard lock and look again under it.
	ref := &Ref[T]{h: handle[T, Ref[T]]{wp: weak.Make(obj)}}
	e := regEntry{sharedRef[T]{weak.Make(ref)}}
	h := hashPtr(obj)
	reg := registryFor(h)
	sh := reg.lockForWrite(h)
	i, found := sh.slotFor(h, regQuery{obj: obj})
	if found {
		switch v := sh.slots[i].e.v.(type) {
		case *record[T]:
			sh.mu.Unlock()
			return sharedOn[T, Ref[T]](v) // a record appeared meanwhile
		case sharedRef[T]:
			if old := v.get(obj); old != nil {
				sh.mu.Unlock()
				return old // lost a race with another NewRef
			}
		}
		sh.slots[i].e = e
	} else {
		sh.insertAt(i, h, e)
	}
	sh.mu.Unlock()
	sweepRegistry.Do(registerRegistry)
	return ref
}

// sweepRegistry registers the registry's tables with the sweeper once,
// when the first sharedRef is made: until then no entry can die in a
// sweep, and collections need not look at the registry. From then on an
// idle registry is swept after each collection, as an idle collection is:
// a pass reads every slot, and resolves the weak pointer of each sharedRef
// but never reads a record.
var sweepRegistry sync.Once

func registerRegistry() {
	for i := range registry {
		watch(registry[i].root.Load())
	}
}
