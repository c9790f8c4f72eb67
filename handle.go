package weakref

import "weak"

// A handle is what a Ref and a Proxy are made of: the object's weak
// pointer, its record, and the callback to call with the Ref or Proxy, H,
// when the object dies. Ref and Proxy differ only in how they hand the
// object out, so everything else is written once, here.
type handle[T, H any] struct {
	wp       weak.Pointer[T] // the object's; rec.wp if there is a record
	rec      *record[T]      // nil in a Ref or Proxy made without a record
	callback func(*H)        // guarded by the registry lock of the object's hash; nil once taken
}

// handleOf is satisfied by *Ref[T] and *Proxy[T], which lets one function
// make, find and fire both. shared is called on a nil pointer: it depends
// on the type only.
type handleOf[T, H any] interface {
	*H
	core() *handle[T, H]
	// shared returns rec's slot for the Ref or Proxy that has no callback
	// and is shared by every caller.
	shared(rec *record[T]) *weak.Pointer[H]
	// runTaken calls arg, the callback taken from the Ref or Proxy, on it,
	// and what names such a callback.
	runner
}

// sharedOn returns the shared Ref or Proxy that rec holds, and makes it if
// there is none or the program dropped it.
func sharedOn[T, H any, P handleOf[T, H]](rec *record[T]) *H {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	slot := P(nil).shared(rec)
	if h := slot.Value(); h != nil {
		return h
	}
	h := new(H)
	*P(h).core() = handle[T, H]{wp: rec.wp, rec: rec}
	*slot = weak.Make(h)
	return h
}

// newWithCallback returns a new Ref or Proxy to obj, never shared, whose
// callback the record calls when obj dies; or, if callback is nil, the
// shared one. fn is the caller, for the panic if obj is nil.
func newWithCallback[T, H any, P handleOf[T, H]](fn string, obj *T, callback func(*H)) *H {
	if obj == nil {
		panic(notReferenceable(fn))
	}
	if callback == nil {
		return newShared[T, H, P](fn, obj)
	}
	h := new(H)
	if !checkFinalizers && registeredFor(obj) == nil {
		*P(h).core() = handle[T, H]{wp: weak.Make(obj), callback: callback}
		if registerHook(obj, callbackHook[T, H, P]{weak.Make(h)}) {
			return h
		}
	}
	rec := recordFor(obj)
	*P(h).core() = handle[T, H]{wp: rec.wp, rec: rec, callback: callback}
	k := callbackHook[T, H, P]{weak.Make(h)}
	if checkFinalizers {
		rec.addHook(obj, heldCallbackHook[T, H, P]{k, callback})
	} else {
		rec.addHook(obj, k)
	}
	return h
}

func (h *handle[T, H]) alive() bool { return h.wp.Value() != nil }

// done returns the channel that Done returns. A Ref or Proxy made without
// a record gives its object one, whose cleanup will close the channel,
// unless the object is gone already.
func (h *handle[T, H]) done() <-chan struct{} {
	if h.rec != nil {
		return h.rec.doneChan()
	}
	if obj := h.wp.Value(); obj != nil {
		return recordFor(obj).doneChan()
	}
	return closed
}

func (h *handle[T, H]) getCallback() func(*H) {
	obj := h.wp.Value()
	if obj == nil {
		return nil // taken, or about to be: the object is gone
	}
	hash := hashPtr(obj)
	sh := registry.lock(hash)
	defer sh.mu.Unlock()
	return h.callback
}

// takeCallback returns the callback and leaves nil in its place, so that
// Callback reports nil from the moment the callback starts to run. The
// caller holds the registry lock of the object's hash, as it claims the
// object's entry (see claim): a Ref made without a record has no record
// lock, and a lock in each Ref would make every Ref bigger.
func (h *handle[T, H]) takeCallback() func(*H) {
	cb := h.callback
	h.callback = nil
	return cb
}

// equal is Python's == on weak references: while both objects are alive,
// whether they are the same object; otherwise whether h and other are the
// same reference. A handle lives inside its Ref or Proxy, so comparing
// handles compares those.
func (h *handle[T, H]) equal(other *handle[T, H]) bool {
	a, b := h.wp.Value(), other.wp.Value()
	if a != nil && b != nil {
		return a == b
	}
	return h == other
}

// callbackHook is the hook of a Ref or Proxy with a callback. It holds the
// Ref or Proxy weakly, so that the program can drop it, and then the
// callback is not called, as in Python.
//
// It is a single weak pointer, which an interface holds without boxing
// it: adding the hook to a record allocates nothing beyond the Ref's own
// weak handle. A live callback Ref is then one object fewer for every
// collection to mark.
type callbackHook[T, H any, P handleOf[T, H]] struct {
	wp weak.Pointer[H]
}

// heldCallbackHook is the hook of a callback Ref or Proxy made while
// GODEBUG=checkfinalizers=1 is on. The runtime's check looks for an object
// reachable from its cleanup's argument, here the record, and so would not
// see a callback that reaches its object through the weakly held Ref.
// This hook holds the callback strongly as well, until a prune drops the
// hook of a collected Ref, so that the runtime reports that mistake
// without a cleanup per Ref. It costs an allocation, and so only programs
// that ask for the check pay it.
type heldCallbackHook[T, H any, P handleOf[T, H]] struct {
	callbackHook[T, H, P]
	held func(*H)
}

// take takes the callback from its Ref or Proxy, if both still live. The
// caller holds the registry lock of the object's hash (see takeCallback).
func (k callbackHook[T, H, P]) take() (call, bool) {
	h := k.wp.Value()
	if h == nil {
		return call{}, false
	}
	cb := P(h).core().takeCallback()
	if cb == nil {
		return call{}, false
	}
	return call{r: P(h), arg: cb}, true
}

func (k callbackHook[T, H, P]) dead() bool { return k.wp.Value() == nil }

func (k callbackHook[T, H, P]) weakRef() any {
	if h := k.wp.Value(); h != nil {
		return h
	}
	return nil
}
