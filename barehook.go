package weakref

import "runtime"

// An object whose only hook is one callback Ref or Proxy, or one
// finalizer, needs no record either. Its registry entry is then that hook
// (a callbackHook, or a loneFinalizer), and its runtime cleanup's argument
// is a hookAt: the entry and its hash. When the object dies, the cleanup
// or Collect claims the entry by removing it from the registry, and runs
// the hook, as a record would. That is all one hook needs; a record would
// add an object of 112 bytes to allocate, mark and lock for each.
//
// When the object needs a record, for a second hook, a shared reference
// or Done, the record takes the hook over in its slot and gets a runtime
// cleanup of its own; the hook's cleanup then has nothing to claim. An
// object so has at most two runtime cleanups, however many hooks it
// gets. For that, a hook entry stays until its object dies, even after
// the program dropped its Ref or called its finalizer: were it removed,
// an object whose hooks are made and dropped again and again would gain a
// cleanup with each. A callback Ref's entry stands, once the Ref is gone,
// for whatever object is at its address (see isFor).

// A loneHook is a hook that can be an object's registry entry.
type loneHook interface {
	registered
	hook
	typed
}

// registerHook makes k, the only hook of obj, obj's registry entry, and
// gives obj the runtime cleanup that fires it. It returns false, and does
// nothing, if obj has an entry already.
func registerHook[T any, K loneHook](obj *T, k K) bool {
	d := hookAt[K]{hashPtr(obj), k}
	sh := registry.lockForWrite(d.h)
	i, found := sh.slotFor(d.h, regQuery{obj: obj})
	if !found {
		sh.insertAt(i, d.h, regEntry{k})
	}
	sh.mu.Unlock()
	if found {
		return false
	}
	runtime.AddCleanup(obj, hookAt[K].cleanup, d)
	return true
}

// isFor reports whether q, a *T in an interface, is the object of k's
// reference, or, once the reference is gone, whether q is a *T at all.
func (k callbackHook[T, H, P]) isFor(q any) bool {
	p, ok := q.(*T)
	if !ok {
		return false
	}
	h := k.wp.Value()
	return h == nil || P(h).core().wp.Value() == p
}

// A hook entry is not mortal: only its object's death removes it (see
// above), or a record that takes it over. The same holds for loneFinalizer.
func (callbackHook[T, H, P]) alive() bool  { return true }
func (callbackHook[T, H, P]) mortal() bool { return false }

func (k callbackHook[T, H, P]) due() bool {
	ref := k.wp.Value()
	return ref != nil && P(ref).core().wp.Value() == nil
}

func (k callbackHook[T, H, P]) fireAt(h uint64) int {
	return hookAt[callbackHook[T, H, P]]{h, k}.fire()
}

// handTo makes k the first hook of r, a new record for its object, unless
// its reference is gone.
func (k callbackHook[T, H, P]) handTo(r *record[T]) {
	if !k.dead() {
		r.adopt(k)
	}
}

// A hookAt is a hook entry and its hash: what its object's runtime cleanup
// and Collect need to find the entry once the object is gone.
type hookAt[K loneHook] struct {
	h uint64
	k K
}

func (d hookAt[K]) cleanup() { d.fire() }

// fire claims the hook, by removing it from the registry, and runs it.
// Nothing runs if a record took the hook over, or another caller claimed
// it.
func (d hookAt[K]) fire() (ran int) {
	sh, c := claim(d.k, d.h)
	if sh == nil {
		return 0
	}
	last := false
	defer func() { c.end(last) }()
	k, ok := d.k.take()
	sh.mu.Unlock()
	if ok && runFired(k, d.k) { // d.k, not d, which an interface would box
		ran, last = 1, true
	}
	return ran
}

func (callbackHook[T, H, P]) typeName() string { return typeNameOf[T]() }

// A loneFinalizer is the registry entry of an object whose only hook is
// one finalizer: the finalizer, seen as the entry of a *T.
type loneFinalizer[T any] struct{ f *Finalize }

// isFor reports whether q, a *T in an interface, is the finalizer's
// object.
func (e loneFinalizer[T]) isFor(q any) bool {
	obj := e.f.owner.object()
	return obj != nil && obj == q
}

func (loneFinalizer[T]) alive() bool  { return true }
func (loneFinalizer[T]) mortal() bool { return false }

func (e loneFinalizer[T]) due() bool {
	return e.f.owner.object() == nil && e.f.Alive()
}

func (e loneFinalizer[T]) fireAt(h uint64) int { return hookAt[loneFinalizer[T]]{h, e}.fire() }

func (e loneFinalizer[T]) take() (call, bool) { return e.f.take() }
func (e loneFinalizer[T]) dead() bool         { return e.f.dead() }
func (e loneFinalizer[T]) weakRef() any       { return nil }
func (loneFinalizer[T]) typeName() string     { return typeNameOf[T]() }

// handTo makes the finalizer the first hook of r, a new record for its
// object, unless it is dead.
func (e loneFinalizer[T]) handTo(r *record[T]) {
	if e.f.Alive() {
		r.adopt(e.f)
	}
}

func (e loneFinalizer[T]) appendFinalizers(fs []*Finalize) []*Finalize { return append(fs, e.f) }
