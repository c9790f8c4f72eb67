package weakref

import (
	"cmp"
	"fmt"
	"slices"
	"sync/atomic"
	"weak"
)

// Finalize is a function to run once after an object dies: Python's
// weakref.finalize.
//
// A finalizer runs at most once, whichever of [Finalize.Call], [Collect],
// [Shutdown] or the collector gets there first, even when they race. It
// runs whether or not the program keeps the *Finalize. Its methods are safe
// for concurrent use by multiple goroutines.
type Finalize struct {
	owner  owner  // the object's weak pointer
	fn     func() // nil once run or detached, to let go of what it holds
	seq    uint64 // creation order, for Shutdown
	killed atomic.Bool
	atexit atomic.Bool
}

// An owner is what a finalizer knows of its object.
type owner interface {
	// object returns the object, or nil once it is gone.
	object() any
	typed
}

// An objectOf is a finalizer's owner: its object's weak pointer, which
// an interface holds without an allocation.
type objectOf[T any] struct{ wp weak.Pointer[T] }

// object returns the object as an any, or nil once it is gone: never a
// non-nil interface holding a nil pointer.
func (o objectOf[T]) object() any {
	if p := o.wp.Value(); p != nil {
		return p
	}
	return nil
}

func (objectOf[T]) typeName() string { return typeNameOf[T]() }

// finalizerSeq numbers finalizers in the order they are made, for
// Shutdown. A live finalizer needs no registry of its own, as Python's
// finalize._registry: it is its object's registry entry, or a hook of the
// object's record, until its turn, and both hold it strongly, so Shutdown
// finds every one in the registry.
var finalizerSeq atomic.Uint64

// NewFinalize arranges for fn(arg) to run once, after obj becomes
// unreachable, whether or not the program keeps the returned *Finalize, as
// in Python. Like a callback, fn runs on a runtime goroutine or in
// [Collect], outside every lock of this package, and a panic in it goes to
// the unraisable hook. The finalizers and callbacks of one object run
// newest first.
//
// fn and arg must not reach obj, or obj is never collected; running the
// program's tests with GODEBUG=checkfinalizers=1 makes the runtime report
// that mistake. Like [runtime.AddCleanup], NewFinalize panics if arg is obj.
// It also panics if fn is nil; both panics are errors that name NewFinalize
// and the argument. It panics with an error wrapping [ErrNotReferenceable]
// if obj is nil. Python's *args and **kwargs are one
// arg here: pass a struct or a closure to carry more.
func NewFinalize[T, A any](obj *T, fn func(A), arg A) *Finalize {
	if obj == nil {
		panic(notReferenceable("NewFinalize"))
	}
	if fn == nil {
		panic(badArg("NewFinalize", "fn is nil"))
	}
	if p, ok := any(arg).(*T); ok && p == obj {
		panic(badArg("NewFinalize", "arg is obj, so obj would never be collected"))
	}
	f := &Finalize{fn: func() { fn(arg) }, seq: finalizerSeq.Add(1)}
	f.atexit.Store(true)
	if registeredFor(obj) == nil {
		f.owner = objectOf[T]{weak.Make(obj)}
		if registerHook(obj, loneFinalizer[T]{f}) {
			return f
		}
	}
	rec := recordFor(obj)
	f.owner = objectOf[T]{rec.wp}
	rec.addHook(obj, f)
	return f
}

// kill marks f dead, and reports whether this call did it. Only the caller
// that kills f may run it, and it returns the function to run: f no longer
// holds it, nor what it holds, though f's object may live on with f as its
// registry entry.
func (f *Finalize) kill() (func(), bool) {
	if !f.killed.CompareAndSwap(false, true) {
		return nil, false
	}
	fn := f.fn
	f.fn = nil
	return fn, true
}

// take returns the call that runs f at its turn, if f is alive. The
// record calls it when f's object dies. f stays alive until its turn, as
// in Python: a newer callback of the same object that runs first may see
// it alive and call it, and then f does not run again.
func (f *Finalize) take() (call, bool) {
	if f.killed.Load() {
		return call{}, false
	}
	return call{r: f}, true
}

func (f *Finalize) runTaken(any) bool { return f.turn() }
func (*Finalize) what() string        { return "finalizer" }

// turn runs f if it is still alive, and reports whether it did. kill
// decides the race with Call, Detach, Shutdown and other fires.
func (f *Finalize) turn() bool {
	fn, ok := f.kill()
	if ok {
		fn()
	}
	return ok
}

func (f *Finalize) dead() bool { return !f.Alive() }

// weakRef returns nil: a finalizer is not a weak reference.
func (f *Finalize) weakRef() any { return nil }

// Call runs the finalizer now, in the calling goroutine, if it is still
// alive, and marks it dead. It reports whether it ran. It is Python's f().
// A panic in the function propagates to the caller; the finalizer is dead
// all the same.
func (f *Finalize) Call() bool { return f.turn() }

// Detach marks the finalizer dead without running it, if both it and its
// object are alive, and returns the object and true. Otherwise it returns
// nil and false. It is Python's f.detach().
func (f *Finalize) Detach() (obj any, ok bool) {
	obj = f.owner.object()
	if obj == nil {
		return nil, false
	}
	if _, ok := f.kill(); !ok {
		return nil, false
	}
	return obj, true
}

// Peek returns the object and true if both the finalizer and its object
// are alive, without detaching. Otherwise it returns nil and false. It is
// Python's f.peek().
func (f *Finalize) Peek() (obj any, ok bool) {
	if f.killed.Load() {
		return nil, false
	}
	obj = f.owner.object()
	return obj, obj != nil
}

// Alive reports whether the finalizer has not run or been detached yet.
// It is Python's f.alive. As in Python, a finalizer stays alive after its
// object dies until its own turn comes: a newer callback or finalizer of
// the same object, which runs first, sees it alive and may call it.
func (f *Finalize) Alive() bool { return !f.killed.Load() }

// Atexit reports whether [Shutdown] runs the finalizer if it is still
// alive then. It is true unless [Finalize.SetAtexit] changed it.
func (f *Finalize) Atexit() bool { return f.atexit.Load() }

// SetAtexit sets whether [Shutdown] runs the finalizer. Like Python's
// f.atexit = b, it has effect only while the finalizer is alive.
func (f *Finalize) SetAtexit(atexit bool) {
	if f.Alive() {
		f.atexit.Store(atexit)
	}
}

// String returns "<finalize object at 0xADDR; for '*pkg.T' at 0xADDR>"
// while alive and "<finalize object at 0xADDR; dead>" after, like
// Python's repr.
func (f *Finalize) String() string {
	if obj, ok := f.Peek(); ok {
		return fmt.Sprintf("<finalize object at %p; for '%s' at %p>", f, f.owner.typeName(), obj)
	}
	return fmt.Sprintf("<finalize object at %p; dead>", f)
}

// Shutdown runs, newest first, every finalizer still alive whose Atexit is
// true, in the calling goroutine, and returns how many ran. It is what
// Python does at interpreter exit, and a Go program asks for it with
//
//	defer weakref.Shutdown()
//
// at the top of main. As in Python, a finalizer created while Shutdown
// runs is run too, and next: after each finalizer, Shutdown takes the
// newest one pending. A panic in one is reported to the unraisable hook
// and does not stop the others. Finalizers created after it returns work
// as usual. Shutdown is safe to call concurrently with the collector,
// Call and another Shutdown: each finalizer still runs once.
//
// Shutdown reads a finalizer's Atexit when its turn comes, so a finalizer
// that sets Atexit to false on an older one keeps that one from running.
// CPython reads the flag once, before it runs any, and runs the older one
// anyway.
//
// Shutdown finds finalizers through the registry entries of every object
// that has a Ref, Proxy or finalizer, so its cost grows with their number;
// it is meant to run once, at exit.
func Shutdown() int {
	ran := 0
	for {
		due, seq := atexitFinalizers()
		if len(due) == 0 {
			return ran
		}
		for _, f := range due {
			if f.Atexit() && runUnraisable(f, nil, f.owner) {
				ran++
			}
			if finalizerSeq.Load() != seq {
				break // a finalizer was made: the newest goes next
			}
		}
	}
}

// atexitFinalizers returns the live finalizers with Atexit set, newest
// first, and the sequence number of the newest finalizer made before it
// looked. It finds them in the registry, as entries and as hooks of
// records; a finalizer that a fire has already taken is left to that
// fire, which runs it.
func atexitFinalizers() (due []*Finalize, seq uint64) {
	seq = finalizerSeq.Load()
	eachRegistered(func(_ uint64, v registered) {
		if v, ok := v.(holdsFinalizers); ok {
			due = v.appendFinalizers(due)
		}
	})
	due = slices.DeleteFunc(due, func(f *Finalize) bool { return !f.Alive() || !f.Atexit() })
	slices.SortFunc(due, func(a, b *Finalize) int { return cmp.Compare(b.seq, a.seq) })
	return due, seq
}
