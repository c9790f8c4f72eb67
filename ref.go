package weakref

import (
	"fmt"
	"weak"
)

// Ref is a weak reference to an object of type T: Python's weakref.ref.
//
// A Ref does not keep its object alive. [Ref.Value] returns the object
// while it lives and nil once the collector has reclaimed it. A Ref made
// with [NewRefFunc] also calls a function when its object dies.
//
// Refs are compared with ==. [NewRef] returns the same *Ref for the same
// object while that Ref lives, so NewRef(o) == NewRef(o); Refs with a
// callback are never shared. [Ref.Equal] is Python's == on references.
//
// The methods of a Ref are safe for concurrent use by multiple goroutines.
// Unlike Python's, a Ref is not callable and is not hashable by its
// object; use [Ref.Pointer] as a map key.
type Ref[T any] struct {
	h handle[T, Ref[T]]
}

func (r *Ref[T]) core() *handle[T, Ref[T]]                  { return &r.h }
func (*Ref[T]) shared(rec *record[T]) *weak.Pointer[Ref[T]] { return &rec.ref }
func (*Ref[T]) what() string                                { return "weakref callback" }
func (r *Ref[T]) runTaken(cb any) bool                      { cb.(func(*Ref[T]))(r); return true }

// NewRef returns a weak reference to obj with no callback. Like Python, it
// returns the same *Ref for the same object while that Ref is alive, so
// NewRef(o) == NewRef(o). It panics with an error wrapping
// [ErrNotReferenceable] if obj is nil.
func NewRef[T any](obj *T) *Ref[T] {
	return newShared[T, Ref[T]]("NewRef", obj)
}

// NewRefFunc returns a new weak reference to obj whose callback is called
// with the Ref, once, after obj becomes unreachable. If the Ref itself
// becomes unreachable first, the callback is not called, as in Python; use
// [NewFinalize] for a function that runs whether or not the program keeps
// its handle. A nil callback makes NewRefFunc the same as [NewRef]
// (Python's ref(o, None)).
//
// The callbacks of one object run newest first, on a runtime goroutine or
// in [Collect]; by then [Ref.Value] returns nil for every Ref to it. A
// callback must not block for long; it may call Collect (see there). It
// panics with an error wrapping [ErrNotReferenceable] if obj is nil.
//
// A callback that reaches obj keeps obj alive for as long as the Ref
// lives; run the program's tests with GODEBUG=checkfinalizers=1 to have
// the runtime report that mistake, naming obj's type. (With the check on,
// the package holds each callback strongly until its Ref is collected, so
// a callback that refers to its own Ref keeps that Ref until obj dies.)
func NewRefFunc[T any](obj *T, callback func(*Ref[T])) *Ref[T] {
	return newWithCallback[T, Ref[T]]("NewRefFunc", obj, callback)
}

// Value returns the object, or nil once it has been collected. It is
// Python's r(). The result is a strong pointer: holding it keeps the
// object alive.
func (r *Ref[T]) Value() *T { return r.h.wp.Value() }

// Alive reports whether the object has not been collected yet. The answer
// may be stale as soon as it is returned; to use the object, call Value.
func (r *Ref[T]) Alive() bool { return r.h.alive() }

// Callback returns the callback given to [NewRefFunc]. It returns nil if
// there is none, and once the object has been collected: the callback is
// then due to run, running or done, as in Python, where it runs the moment
// the object dies. It is Python's __callback__.
func (r *Ref[T]) Callback() func(*Ref[T]) { return r.h.getCallback() }

// Pointer returns the Go weak pointer to the object. All Refs to an object
// return equal Pointers, which stay comparable and usable as map keys after
// the object dies, where Python's hash(r) would fail.
func (r *Ref[T]) Pointer() weak.Pointer[T] { return r.h.wp }

// Equal is Python's == on weak references: while both objects are alive,
// it reports whether they are the same object; otherwise whether r and
// other are the same Ref. A nil other is never equal.
func (r *Ref[T]) Equal(other *Ref[T]) bool { return other != nil && r.h.equal(&other.h) }

// Done returns a channel that is closed once the object has been collected
// and this package has noticed: its runtime cleanup or [Collect] has
// claimed it (its callbacks may still be running). Called after the object
// was collected, it returns a closed channel, which may come before that
// claim. Done lets a program select on an object's death; it is not in
// Python.
func (r *Ref[T]) Done() <-chan struct{} { return r.h.done() }

// String returns "<weakref at 0xADDR; to '*pkg.T' at 0xADDR>" while the
// object lives and "<weakref at 0xADDR; dead>" after, like Python's repr.
func (r *Ref[T]) String() string { return describe("weakref", r, r.Value()) }

// describe formats a Ref, Proxy or Finalize the way Python's repr does.
func describe[T any](kind string, self any, obj *T) string {
	if obj == nil {
		return fmt.Sprintf("<%s at %p; dead>", kind, self)
	}
	return fmt.Sprintf("<%s at %p; to '%T' at %p>", kind, self, obj, obj)
}

// WeakMethod is a weak reference to a method of an object: Python's
// weakref.WeakMethod.
//
// A Go method value such as conn.Write holds its receiver strongly, so a
// WeakMethod keeps the receiver weakly together with a function that binds
// the method to it on demand. F is the method's type, for example
// func([]byte) (int, error). Its methods are safe for concurrent use by
// multiple goroutines. Unlike Python's, a WeakMethod has no callback and is
// not counted by [GetWeakRefCount].
type WeakMethod[T, F any] struct {
	wp   weak.Pointer[T]
	bind func(*T) F
}

// NewWeakMethod returns a weak reference to the method that bind selects on
// obj, for example
//
//	NewWeakMethod(conn, func(c *Conn) func([]byte) error { return c.Write })
//
// bind must not refer to obj itself, or obj is never collected. It panics
// with an error wrapping [ErrNotReferenceable] if obj is nil, and with an
// error that names NewWeakMethod and bind if bind is nil.
func NewWeakMethod[T, F any](obj *T, bind func(*T) F) *WeakMethod[T, F] {
	if obj == nil {
		panic(notReferenceable("NewWeakMethod"))
	}
	if bind == nil {
		panic(badArg("NewWeakMethod", "bind is nil"))
	}
	return &WeakMethod[T, F]{wp: weak.Make(obj), bind: bind}
}

// Value returns the method bound to the object and true, or the zero F and
// false once the object has been collected. The bound method holds the
// object strongly while the caller keeps it.
func (m *WeakMethod[T, F]) Value() (F, bool) {
	obj := m.wp.Value()
	if obj == nil {
		var zero F
		return zero, false
	}
	return m.bind(obj), true
}

// Alive reports whether the object has not been collected yet.
func (m *WeakMethod[T, F]) Alive() bool { return m.wp.Value() != nil }
