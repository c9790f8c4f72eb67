package weakref

import (
	"fmt"
	"weak"
)

// Proxy is a weak reference that hands out its object or an error: Python's
// weakref.proxy.
//
// Go cannot forward field and method access the way a Python proxy does,
// so a Proxy returns the object from [Proxy.Value] with an error, or from
// [Proxy.MustValue] with a panic, where Python would raise ReferenceError.
// [NewProxy] returns the same *Proxy for the same object while that Proxy
// lives; Proxies with a callback are never shared.
//
// The methods of a Proxy are safe for concurrent use by multiple
// goroutines.
type Proxy[T any] struct {
	h handle[T, Proxy[T]]
}

func (p *Proxy[T]) core() *handle[T, Proxy[T]]                  { return &p.h }
func (*Proxy[T]) shared(rec *record[T]) *weak.Pointer[Proxy[T]] { return &rec.proxy }
func (*Proxy[T]) what() string                                  { return "weakref proxy callback" }
func (p *Proxy[T]) runTaken(cb any) bool                        { cb.(func(*Proxy[T]))(p); return true }

// NewProxy returns a weak proxy for obj with no callback, shared like
// [NewRef]'s Ref: NewProxy(o) == NewProxy(o) while that Proxy lives. It
// panics with an error wrapping [ErrNotReferenceable] if obj is nil.
func NewProxy[T any](obj *T) *Proxy[T] {
	return newShared[T, Proxy[T]]("NewProxy", obj)
}

// NewProxyFunc returns a new weak proxy for obj whose callback is called
// with the Proxy, once, after obj becomes unreachable, unless the Proxy
// became unreachable first. Callbacks run as described at [NewRefFunc]. A
// nil callback makes it the same as [NewProxy]. It panics with an error
// wrapping [ErrNotReferenceable] if obj is nil.
func NewProxyFunc[T any](obj *T, callback func(*Proxy[T])) *Proxy[T] {
	return newWithCallback[T, Proxy[T]]("NewProxyFunc", obj, callback)
}

// Value returns the object, or an error wrapping [ErrReferenceError] once
// it has been collected.
func (p *Proxy[T]) Value() (*T, error) {
	if obj := p.h.wp.Value(); obj != nil {
		return obj, nil
	}
	return nil, fmt.Errorf("weakref: proxy to %T: %w", (*T)(nil), ErrReferenceError)
}

// MustValue returns the object, and panics with an error wrapping
// [ErrReferenceError] once it has been collected, as Python raises
// ReferenceError on any use of a dead proxy.
func (p *Proxy[T]) MustValue() *T {
	obj, err := p.Value()
	if err != nil {
		panic(err)
	}
	return obj
}

// Alive reports whether the object has not been collected yet.
func (p *Proxy[T]) Alive() bool { return p.h.alive() }

// Callback returns the callback given to [NewProxyFunc]: nil if there is
// none, and once the object has been collected, as [Ref.Callback].
func (p *Proxy[T]) Callback() func(*Proxy[T]) { return p.h.getCallback() }

// Pointer returns the Go weak pointer to the object, as [Ref.Pointer]
// does: all Proxies and Refs to an object return equal Pointers, which
// stay comparable and usable as map keys after the object dies.
func (p *Proxy[T]) Pointer() weak.Pointer[T] { return p.h.wp }

// Equal is [Ref.Equal] for proxies: while both objects are alive, it
// reports whether they are the same object; otherwise whether p and other
// are the same Proxy. A nil other is never equal. (Python's proxies
// compare their objects' values instead, and raise ReferenceError once
// dead.)
func (p *Proxy[T]) Equal(other *Proxy[T]) bool { return other != nil && p.h.equal(&other.h) }

// Done returns a channel that is closed once the object has been collected
// and this package has noticed, as [Ref.Done] does. It is not in Python.
func (p *Proxy[T]) Done() <-chan struct{} { return p.h.done() }

// String returns "<weakproxy at 0xADDR; to '*pkg.T' at 0xADDR>" while the
// object lives and "<weakproxy at 0xADDR; dead>" after.
func (p *Proxy[T]) String() string { return describe("weakproxy", p, p.h.wp.Value()) }
