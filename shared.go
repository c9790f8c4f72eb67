package weakref

import (
	"sync"
	"weak"
)

// An object whose only reference is its shared Ref, or its shared Proxy,
// needs no record: that reference has no callback, so nothing has to run
// when the object dies, and nothing has to know at once. The registry
// then holds the reference itself, weakly, as a shared entry, and the
// object has no runtime cleanup. Such a NewRef costs what any shared weak
// reference must: weak.Make of the object, and of the Ref, so that
// NewRef(o) == NewRef(o) while the Ref lives and GetWeakRefCount stops
// counting it once it is collected; and an insert. A sweep removes the
// entry once the reference is gone, as it removes the collections' dead
// entries. When the object needs a record, for a hook, Done or both
// shared references, the record takes the reference over.
type shared[T, H any, P handleOf[T, H]] struct {
	wp weak.Pointer[H]
}

// isFor reports whether the reference lives and refers to q, a *T in an
// interface.
func (s shared[T, H, P]) isFor(q any) bool {
	p, ok := q.(*T)
	if !ok {
		return false
	}
	h := s.wp.Value()
	return h != nil && P(h).core().wp.Value() == p
}

// alive reports whether the reference lives. An entry whose object died
// stays while the program keeps its reference, which it then costs a
// slot: to look at the object too, a sweep would read the reference, a
// cache miss more for every entry.
func (s shared[T, H, P]) alive() bool { return s.wp.Value() != nil }
func (shared[T, H, P]) mortal() bool  { return true }

// A shared entry has nothing to run when its object dies.
func (shared[T, H, P]) due() bool         { return false }
func (shared[T, H, P]) fireAt(uint64) int { return 0 }

// A bareEntry is a registry entry that is one reference, without a record:
// a shared entry of either kind, or a callback hook (see registerHook).
type bareEntry[T any] interface {
	// handTo gives the reference to r, a new record for its object.
	handTo(r *record[T])
	// weakRef returns the reference, or nil once it is gone.
	weakRef() any
}

func (s shared[T, H, P]) handTo(r *record[T]) { *P(nil).shared(r) = s.wp }

func (s shared[T, H, P]) weakRef() any {
	if h := s.wp.Value(); h != nil {
		return h
	}
	return nil
}

// newShared returns obj's shared Ref or Proxy, and makes it if obj has
// none or the program dropped it. fn is the caller, for the panic if obj
// is nil.
func newShared[T, H any, P handleOf[T, H]](fn string, obj *T) *H {
	if obj == nil {
		panic(notReferenceable(fn))
	}
	switch v := registeredFor(obj).(type) {
	case nil:
	case *record[T]:
		return sharedOn[T, H, P](v)
	case shared[T, H, P]:
		// The entry matched obj, and a reference's object never changes:
		// if the reference still lives, it is obj's.
		if h := v.wp.Value(); h != nil {
			return h
		}
	default: // the other shared reference, or a callback hook: obj needs a record for both
		return sharedOn[T, H, P](recordFor(obj))
	}
	// weak.Make walks the spans of obj and h, so do it outside the shard
	// lock and look again under it.
	h := new(H)
	*P(h).core() = handle[T, H]{wp: weak.Make(obj)}
	e := regEntry{shared[T, H, P]{weak.Make(h)}}
	hash := hashPtr(obj)
	sh := registry.lockForWrite(hash)
	i, found := sh.slotFor(hash, regQuery{obj: obj})
	if found {
		switch v := sh.slots[i].e.v.(type) {
		case shared[T, H, P]:
			if old := v.wp.Value(); old != nil {
				sh.mu.Unlock()
				return old // lost a race with another caller
			}
		default: // a record, or another reference, appeared meanwhile
			sh.mu.Unlock()
			return sharedOn[T, H, P](recordFor(obj))
		}
		sh.replace(i, e)
	} else {
		sh.insertAt(i, hash, e)
	}
	sh.mu.Unlock()
	sweepRegistry.Do(registerRegistry)
	return h
}

// sweepRegistry registers the registry with the sweeper once,
// when the first shared entry is made: until then no entry can die in a
// sweep, and collections need not look at the registry. From then on an
// idle registry is swept after each collection, as an idle collection is:
// a pass visits every shard, but asks only the shared entries, in the
// shards that have any (see entry.mortal).
var sweepRegistry sync.Once

func registerRegistry() { watch(registry.root.Load()) }
