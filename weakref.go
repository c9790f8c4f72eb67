// Package weakref brings Python's weakref module to Go: weak references
// with callbacks, proxies, finalizers, and maps and sets that hold their
// keys or values weakly. Everything is generic and safe for concurrent use.
//
// A weak reference refers to an object without keeping it alive. Once the
// only references left to an object are weak, the garbage collector may
// reclaim it, and every weak reference to it then reports nil. Use this
// package for caches that empty as their users let go ([WeakValueMap]),
// side data attached to objects you do not own ([WeakKeyMap]), observer
// lists that must not keep observers alive ([WeakSet]), and cleanup of
// resources tied to an object's life ([Finalize]). Do not use it to manage
// resources that must be released at a known time: the collector decides
// when an object dies, and it may decide never to.
//
// # Types
//
//   - [Ref] is a weak reference: Value returns the object, or nil once it
//     has been collected. [NewRefFunc] adds a callback that runs after the
//     object is collected; Done gives a channel closed at that moment.
//   - [Proxy] is a Ref whose Value reports [ErrReferenceError] instead of
//     nil, and whose MustValue panics with it, as Python's proxies raise.
//   - [WeakMethod] keeps a method's receiver weakly and binds the method
//     on demand.
//   - [Finalize] runs a function once after its object is collected, or
//     earlier when called, and at exit under [Shutdown]; it can be
//     detached.
//   - [WeakValueMap] maps comparable keys to objects it holds weakly; an
//     entry vanishes with its object.
//   - [WeakKeyMap] maps objects, by identity and held weakly, to values;
//     an entry vanishes with its key.
//   - [WeakSet] is a set of objects held weakly, with Python's set
//     algebra.
//
// [Collect], [Shutdown], [SetUnraisableHook], [GetWeakRefCount] and
// [GetWeakRefs] complete Python's module.
//
// # Python names
//
//	weakref.ref(o)                    NewRef(o)
//	weakref.ref(o, cb)                NewRefFunc(o, cb)
//	r()                               r.Value()
//	r.__callback__                    r.Callback()
//	weakref.proxy(o[, cb])            NewProxy(o), NewProxyFunc(o, cb)
//	weakref.WeakMethod(o.m)           NewWeakMethod(o, func(o *T) F { return o.M })
//	weakref.finalize(o, f, *args)     NewFinalize(o, f, arg)
//	f(), f.detach(), f.peek()         f.Call(), f.Detach(), f.Peek()
//	f.alive, f.atexit                 f.Alive(), f.Atexit(), f.SetAtexit(b)
//	weakref.getweakrefcount(o)        GetWeakRefCount(o)
//	weakref.getweakrefs(o)            GetWeakRefs(o)
//	ReferenceError                    ErrReferenceError
//	TypeError (cannot create ...)     a panic wrapping ErrNotReferenceable
//	gc.collect()                      Collect()
//	sys.unraisablehook                SetUnraisableHook(h)
//	interpreter exit                  defer Shutdown() in main
//	WeakValueDictionary               WeakValueMap
//	WeakKeyDictionary                 WeakKeyMap
//	WeakSet                           WeakSet
//
// The collections use [sync.Map]'s names: d.get(k) is Load, d[k] = v is
// Store, d.setdefault(k, v) is LoadOrStore, d.pop(k) is LoadAndDelete, del
// d[k] is Delete, len(d) is Len, d.copy() is Clone, d.items() is All. The
// README has the full table.
//
// # Concurrency
//
// Every function and method is safe for concurrent use by multiple
// goroutines. Callbacks and finalizers run after their object is
// collected, on a goroutine of the runtime's (or in the goroutine that
// calls [Collect] or [Shutdown]), outside every lock of this package: they
// may call back into the package, [Collect] included. They must not block
// for long, because they delay the other cleanups of the program, and must
// not wait for another goroutine's Collect, which waits for them; start a
// goroutine for slow work. A panic in one is reported to the hook set by
// [SetUnraisableHook] and does not stop the others.
//
// # Go is not Python
//
//   - An object is a pointer to a heap allocation. Identity is the pointer:
//     WeakKeyMap and WeakSet compare keys with ==, not by the pointed-to
//     values.
//   - An object dies when the collector finds it unreachable, not when the
//     last strong reference goes away. After [runtime.GC] returns, every
//     query of this package already treats the objects collected in that
//     cycle as gone. Callbacks and finalizers run a little later; call
//     [Collect] to run them at once, as gc.collect() would.
//   - Pointers to zero-size values, to package-level variables, and to tiny
//     (16 bytes or smaller) pointer-free allocations may never be
//     collected, so weak references to them may never die. Test objects
//     should hold a pointer or be larger than 16 bytes.
//   - A function argument may become unreachable at its last use. Use
//     [runtime.KeepAlive] to keep an object alive until a point.
//   - As in CPython, there are no ephemerons: a callback, a finalizer's
//     function or argument, or a value in a WeakKeyMap that refers to its
//     own object or key keeps it alive for as long as the Ref, the
//     finalizer or the entry lives. Run the program's tests with
//     GODEBUG=checkfinalizers=1 to have the runtime report, naming the
//     object's type, a callback or a finalizer function or argument that
//     does. Unlike Python, and like [runtime.AddCleanup], [NewFinalize]
//     panics when the argument is the object itself.
//   - A Ref is not callable and is not hashable by its object: r() is
//     [Ref.Value], and [Ref.Pointer] is the map key. A Proxy cannot forward
//     fields, methods and operators; its Equal compares identity, as a
//     Ref's does, where Python's proxies compare their objects' values.
//   - [Collect] returns how many callbacks and finalizers ran, where
//     gc.collect() returns how many unreachable objects it found.
//   - Python runs finalizers at interpreter exit; Go does not run anything
//     when main returns. Call defer [Shutdown]() in main to get Python's
//     behaviour. Shutdown reads each finalizer's Atexit at its turn, where
//     Python reads them all before it runs any, and finalizers made after
//     Shutdown returns still run, where Python's never do.
//   - [GetWeakRefCount] and [GetWeakRefs] do not count the entries of the
//     weak collections, and a [WeakMethod] has no callback and is not
//     counted.
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
	before := hooksRun.Load()
	own := firesOnStack()
	collectMu.Lock()
	runtime.GC()
	var due []anyRecord
	for _, r := range allRecords() {
		if r.collected() {
			due = append(due, r)
		}
	}
	collectMu.Unlock()
	for _, r := range due {
		r.fire()
	}
	waitFires(own)
	return int(hooksRun.Load() - before)
}

// collectMu serializes Collect; see its doc.
var collectMu sync.Mutex

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

// runUnraisable calls run, the hook named what of an object of's, and
// reports a panic to the unraisable hook. It returns what run returns, or
// true if run panicked: the hook ran, and failed.
func runUnraisable(run func() bool, what string, of anyRecord) (ran bool) {
	defer func() {
		if v := recover(); v != nil {
			where := what + " for " + of.typeName()
			report(&UnraisableError{Value: v, Stack: debug.Stack(), Where: where})
			ran = true
		}
	}()
	return run()
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
	if r := existingRecord(obj); r != nil {
		return len(r.weakRefs())
	}
	return 0
}

// GetWeakRefs returns the live [*Ref] and [*Proxy] values of this package
// that refer to obj, in Python's order: the shared Ref, the shared Proxy,
// then the rest newest first. It is Python's getweakrefs. The elements are
// *Ref[T] and *Proxy[T]. A nil obj has none.
func GetWeakRefs[T any](obj *T) []any {
	if obj == nil {
		return nil
	}
	if r := existingRecord(obj); r != nil {
		return r.weakRefs()
	}
	return nil
}
