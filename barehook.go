package weakref

import (
	"fmt"
	"runtime"
)

// An object whose only reference is one Ref or Proxy with a callback needs
// no record either. Its registry entry is then the reference's hook, which
// holds the reference weakly, and its runtime cleanup's argument is a
// hookAt: the hook and its hash. When the object dies, the cleanup or
// Collect claims the hook by removing it from the registry, and runs the
// callback if the reference still lives, as a record would. That is all a
// callback reference needs; a record would add an object of 112 bytes to
// allocate, mark and lock for each.
//
// When the object needs a record, for a second hook, a shared reference
// or Done, the record takes the hook over in its slot and gets a runtime
// cleanup of its own; the hook's cleanup then has nothing to claim. An
// object so has at most two runtime cleanups, however many references it
// gets. For that, a hook entry stays until its object dies, even after the
// program dropped the reference, and such an entry stands for whatever
// object is at its address (see isFor). Were it removed, an object whose
// callback references are made and dropped again and again would gain a
// cleanup with each.

// registerHook makes k, the hook of a new callback reference to obj, obj's
// registry entry, and gives obj the runtime cleanup that fires it. It
// returns false, and does nothing, if obj has an entry already.
func registerHook[T, H any, P handleOf[T, H]](obj *T, k callbackHook[T, H, P]) bool {
	d := hookAt[T, H, P]{hashPtr(obj), k}
	sh := registryFor(d.h).lockForWrite(d.h)
	i, found := sh.slotFor(d.h, regQuery{obj: obj})
	if !found {
		sh.insertAt(i, d.h, regEntry{k})
	}
	sh.mu.Unlock()
	if found {
		return false
	}
	runtime.AddCleanup(obj, hookAt[T, H, P].cleanup, d)
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
// above), or a record that takes it over.
func (callbackHook[T, H, P]) alive() bool  { return true }
func (callbackHook[T, H, P]) mortal() bool { return false }

func (k callbackHook[T, H, P]) due(h uint64) firer {
	ref := k.wp.Value()
	if ref == nil || P(ref).core().wp.Value() != nil {
		return nil
	}
	return hookAt[T, H, P]{h, k}
}

// handTo makes k the first hook of r, a new record for its object, unless
// its reference is gone.
func (k callbackHook[T, H, P]) handTo(r *record[T]) {
	if !k.dead() {
		r.hooks = append(r.one[:0], hook(k))
	}
}

// A hookAt is a hook entry and its hash: what its object's runtime cleanup
// and Collect need to find the entry once the object is gone.
type hookAt[T, H any, P handleOf[T, H]] struct {
	h uint64
	k callbackHook[T, H, P]
}

func (d hookAt[T, H, P]) cleanup() { d.fire() }

// fire claims the hook, by removing it from the registry, and runs its
// callback. Nothing runs if a record took the hook over, or another caller
// claimed it.
func (d hookAt[T, H, P]) fire() int {
	startFire()
	defer endFire()
	sh := claim(d.k, d.h)
	if sh == nil {
		return 0
	}
	c, ok := d.k.take()
	sh.mu.Unlock()
	if !ok {
		return 0
	}
	calls := [1]call{c}
	return runHooks(calls[:], d.k) // d.k, not d, which an interface would box
}

func (callbackHook[T, H, P]) typeName() string { return fmt.Sprintf("%T", (*T)(nil)) }
