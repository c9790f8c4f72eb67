package weakref

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// ErrReferenceError is returned, or wrapped in a panic, when a dead
// [Proxy] is used. It is Python's ReferenceError.
var ErrReferenceError = errors.New("weakly-referenced object no longer exists")

// ErrNotReferenceable is wrapped by the panic of every function that would
// store a nil object: the constructors, Store, LoadOrStore, the result of
// LoadOrCompute, CompareAndSwap's new value, Add and Update. It is Python's
// TypeError "cannot create weak reference to 'NoneType' object".
var ErrNotReferenceable = errors.New("cannot create weak reference to nil object")

// notReferenceable is the panic value for a nil object passed to fn.
func notReferenceable(fn string) error {
	return fmt.Errorf("weakref: %s: %w", fn, ErrNotReferenceable)
}

// badArg is the panic value for any other argument that fn cannot take:
// what names the argument and says what is wrong with it, as in
// badArg("NewFinalize", "fn is nil"). It is an error, as the panics for a
// nil object are, so that a program that recovers sees one kind of value;
// it does not wrap ErrNotReferenceable, which means a nil object only.
func badArg(fn, what string) error {
	return &argError{fn: fn, what: what}
}

// argError is the error badArg returns.
type argError struct{ fn, what string }

func (e *argError) Error() string { return "weakref: " + e.fn + ": " + e.what }

// Collect is Python's gc.collect() for this package. It runs a full
// garbage collection, then runs, in the calling goroutine, every callback
// and finalizer of this package whose object the collection found
// unreachable and that has not run yet, and waits for those that the
// runtime already started on its own goroutines.
//
// It returns how many callbacks and finalizers ran while it worked, in its
// goroutine or the runtime's: the runtime may start a due callback before
// Collect reaches it, and counting both makes the result the same either
// way. A finalizer that a callback runs with [Finalize.Call] ran by that
// call, not by Collect, and is not counted.
//
// After Collect returns, no callback or finalizer of an object collected
// so far is still pending, which makes it the tool for deterministic tests
// and examples. The weak collections need no Collect: they already treat
// collected objects as gone after [runtime.GC].
//
// Collect may be called from a callback or finalizer. It then runs what
// is due as any Collect does, but does not wait for the callbacks of the
// goroutine that called it (the caller, and the older callbacks of the
// caller's object, which run after the caller returns), nor for callbacks
// in other goroutines that are themselves waiting in such a Collect: none
// of them can finish before it returns. A callback must still not wait for
// a Collect in another goroutine, which waits for the callback.
//
// Unlike Python, Go lets other goroutines run during a collection, and a
// goroutine that resolves a weak pointer (Ref.Value, a collection's Load)
// while the collector is marking keeps that object alive through that
// collection. Collect itself resolves weak pointers to find what died, so
// concurrent calls take turns to collect and search: one Collect's search
// never keeps alive the objects another Collect is collecting. They run
// the callbacks they found outside their turn, so that a callback can
// call Collect.
func Collect() int {
	before := hooksRun()
	own := firesOnStack()
	sweptBefore := swept.Load()
	fireAll(collectDue())
	// The values of dead WeakKeyMap keys, and the keys of entries whose
	// values died, become unreachable only once their entries are swept:
	// sweep every table now, and collect again if that sweep, or the
	// sweeper's, released any (see swept).
	reclaimTables()
	if swept.Load() != sweptBefore {
		fireAll(collectDue())
	}
	waitFires(own)
	return hooksRun().since(before)
}

// collectDue runs a collection and returns the registry entries whose
// objects are gone and that have hooks to run. Collects take turns to
// collect and search, and no background sweep runs while one collects
// (see collecting).
func collectDue() []dueEntry {
	collectMu.Lock()
	defer collectMu.Unlock()
	collecting.Lock()
	runtime.GC()
	collecting.Unlock()
	if testHookCollected != nil {
		testHookCollected()
	}
	var due []dueEntry
	eachRegistered(func(h uint64, v registered) {
		if v.due() {
			due = append(due, dueEntry{h, v})
		}
	})
	return due
}

// A dueEntry is a registry entry that Collect found due, and its hash.
// It is kept as the entry, rather than as what fires it, which an
// interface would box: one allocation per death.
type dueEntry struct {
	h uint64
	v registered
}

// fireAll runs the hooks of due entries, outside Collect's turn, so that a
// callback can call Collect.
func fireAll(due []dueEntry) {
	for _, d := range due {
		d.v.fireAt(d.h)
	}
}

// collectMu serializes Collect; see its doc.
var collectMu sync.Mutex

// testHookCollected, if a test sets it, runs after each of Collect's
// collections.
var testHookCollected func()

// UnraisableError describes a panic in a callback or finalizer, which has
// no caller to return to. It is Python's "Exception ignored in ...".
type UnraisableError struct {
	Value any    // what was passed to panic
	Stack []byte // the panicking goroutine's stack
	Where string // what panicked, e.g. "weakref callback for *main.Conn"
}

// Error returns "weakref: panic in WHERE: VALUE".
func (e *UnraisableError) Error() string {
	return fmt.Sprintf("weakref: panic in %s: %v", e.Where, e.Value)
}

// Unwrap returns Value if it is an error, so that errors.Is and errors.As
// see through an UnraisableError.
func (e *UnraisableError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

var unraisableHook atomic.Pointer[func(*UnraisableError)]

// SetUnraisableHook installs h to receive the panics of callbacks and
// finalizers, and returns the previous hook (nil for the default). A nil h
// restores the default, which writes the panic value and stack to
// os.Stderr. It is safe to call concurrently with running callbacks; each
// panic goes to the hook installed when it is reported.
//
// A panicking callback never crashes the program and never stops the
// other callbacks from running. A panic in h itself is written to
// os.Stderr.
func SetUnraisableHook(h func(*UnraisableError)) (previous func(*UnraisableError)) {
	var p *func(*UnraisableError)
	if h != nil {
		p = &h
	}
	if old := unraisableHook.Swap(p); old != nil {
		return *old
	}
	return nil
}

// runUnraisable runs r, a hook of an object of's, with arg, and reports a
// panic to the unraisable hook. It returns what r.runTaken returns, or
// true if it panicked: the hook ran, and failed.
func runUnraisable(r runner, arg any, of typed) (ran bool) {
	defer func() {
		if v := recover(); v != nil {
			where := r.what() + " for " + of.typeName()
			report(&UnraisableError{Value: v, Stack: debug.Stack(), Where: where})
			ran = true
		}
	}()
	return r.runTaken(arg)
}

// typed is what runUnraisable needs to know of an object: its type.
type typed interface {
	// typeName returns the object's type, such as "*main.Conn".
	typeName() string
}

func report(e *UnraisableError) {
	h := unraisableHook.Load()
	if h == nil {
		printUnraisable(e)
		return
	}
	defer func() {
		if v := recover(); v != nil {
			printUnraisable(e)
			fmt.Fprintf(os.Stderr, "weakref: the unraisable hook panicked too: %v\n", v)
		}
	}()
	(*h)(e)
}

func printUnraisable(e *UnraisableError) {
	fmt.Fprintf(os.Stderr, "%v\n%s\n", e, e.Stack)
}

// GetWeakRefCount returns the number of live [*Ref] and [*Proxy] values
// of this package that refer to obj. It is Python's getweakrefcount. A Ref
// or Proxy that the program dropped counts until the collector reclaims
// it, so the count is exact after runtime.GC or [Collect]. Entries of the
// weak collections are not counted, as they are in CPython; Refs handed out
// by ValueRefs and KeyRefs are, while they live. A nil obj has none.
func GetWeakRefCount[T any](obj *T) int {
	if obj == nil {
		return 0
	}
	return len(weakRefsOf(obj))
}

// GetWeakRefs returns the live [*Ref] and [*Proxy] values of this package
// that refer to obj, in Python's order: the shared Ref, the shared Proxy,
// then the rest newest first. It is Python's getweakrefs. The elements are
// *Ref[T] and *Proxy[T]. A nil obj has none.
func GetWeakRefs[T any](obj *T) []any {
	if obj == nil {
		return nil
	}
	return weakRefsOf(obj)
}

// weakRefsOf returns GetWeakRefs(obj) for a non-nil obj.
func weakRefsOf[T any](obj *T) []any {
	switch v := registeredFor(obj).(type) {
	case *record[T]:
		return v.weakRefs()
	case bareEntry[T]:
		// The entry matched obj: if its reference lives, it is obj's.
		if ref := v.weakRef(); ref != nil {
			return []any{ref}
		}
	}
	return nil
}
