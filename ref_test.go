package weakref

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"testing"
)

func TestNewRefIsSharedWhileAlive(t *testing.T) {
	o := newNode(1)
	r1, r2 := NewRef(o), NewRef(o)
	if r1 != r2 {
		t.Fatal("NewRef(o) != NewRef(o)")
	}
	if r3 := NewRefFunc(o, nil); r3 != r1 {
		t.Fatal("NewRefFunc with a nil callback did not return the shared Ref")
	}
	if r4 := NewRefFunc(o, func(*Ref[node]) {}); r4 == r1 {
		t.Fatal("a Ref with a callback was shared")
	}
	if r1.Value() != o || !r1.Alive() {
		t.Fatal("Value does not return the live object")
	}
}

func TestSharedRefIsRenewedAfterDrop(t *testing.T) {
	o := newNode(1)
	NewRef(o) // dropped at once
	runtime.GC()
	if n := GetWeakRefCount(o); n != 0 {
		t.Fatalf("GetWeakRefCount = %d after the only Ref was collected, want 0", n)
	}
	r := NewRef(o)
	if r.Value() != o || GetWeakRefCount(o) != 1 {
		t.Fatal("a new shared Ref is not made after the old one died")
	}
}

// Rule 1: after runtime.GC every query already knows, without Collect.
func TestRefDiesWithObjectWithoutCollect(t *testing.T) {
	r := NewRef(newNode(1))
	p := NewProxy(newNode(2))
	runtime.GC()
	if r.Value() != nil || r.Alive() {
		t.Error("Ref still alive after runtime.GC")
	}
	if p.Alive() {
		t.Error("Proxy still alive after runtime.GC")
	}
}

func TestCallbackGetsItsRefOnceAfterDeath(t *testing.T) {
	Collect() // run what earlier tests left due, which Collect would count
	var got []*Ref[node]
	var sawValue *node
	r := NewRefFunc(newNode(1), func(r *Ref[node]) {
		got = append(got, r)
		sawValue = r.Value()
	})
	if n := Collect(); n != 1 {
		t.Fatalf("Collect ran %d callbacks, want 1", n)
	}
	if len(got) != 1 || got[0] != r {
		t.Fatalf("callback got %v, want exactly [%v]", got, r)
	}
	if sawValue != nil {
		t.Fatal("Value inside the callback was not nil")
	}
	if n := Collect(); n != 0 || len(got) != 1 {
		t.Fatalf("second Collect ran %d callbacks (total %d), want none", n, len(got))
	}
	runtime.KeepAlive(r)
}

func TestCallbackNotCalledWhenRefDiesFirst(t *testing.T) {
	o := newNode(1)
	called := false
	NewRefFunc(o, func(*Ref[node]) { called = true }) // Ref dropped at once
	runtime.GC()                                      // collects the Ref
	runtime.KeepAlive(o)
	o = nil
	Collect()
	if called {
		t.Fatal("callback of a collected Ref was called")
	}
}

func TestCallbacksRunNewestFirstAfterEveryRefIsNil(t *testing.T) {
	Collect() // run what earlier tests left due, which Collect would count
	o := newNode(1)
	shared := NewRef(o)
	var order []string
	var sawAlive bool
	cb := func(name string) func(*Ref[node]) {
		return func(*Ref[node]) {
			order = append(order, name)
			sawAlive = sawAlive || shared.Alive()
		}
	}
	r1 := NewRefFunc(o, cb("r1"))
	f := NewFinalize(o, func(name string) { order = append(order, name) }, "fin")
	r2 := NewRefFunc(o, cb("r2"))
	p := NewProxyFunc(o, func(*Proxy[node]) { order = append(order, "proxy") })
	o = nil
	if n := Collect(); n != 4 {
		t.Fatalf("Collect ran %d, want 4", n)
	}
	if want := []string{"proxy", "r2", "fin", "r1"}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	if sawAlive {
		t.Fatal("a Ref was still alive while callbacks ran")
	}
	if f.Alive() {
		t.Fatal("finalizer alive after it ran")
	}
	runtime.KeepAlive([]any{r1, r2, p})
}

func TestCallbackIsNilOnceTheObjectIsCollected(t *testing.T) {
	var inside func(*Ref[node])
	cb := func(r *Ref[node]) { inside = r.Callback() }
	r := NewRefFunc(newNode(1), cb)
	if r.Callback() == nil {
		t.Fatal("Callback is nil before the callback ran")
	}
	if NewRef(newNode(2)).Callback() != nil {
		t.Fatal("a Ref without callback reports one")
	}
	runtime.GC() // the callback may or may not have run yet
	if r.Callback() != nil {
		t.Fatal("Callback is not nil after the object was collected")
	}
	Collect()
	if inside != nil || r.Callback() != nil {
		t.Fatal("Callback was not nil while and after the callback ran")
	}
}

func TestEqual(t *testing.T) {
	a, b := newNode(1), newNode(2)
	ra, ra2, rb := NewRef(a), NewRefFunc(a, func(*Ref[node]) {}), NewRef(b)
	if !ra.Equal(ra2) || ra.Equal(rb) || ra.Equal(nil) {
		t.Fatal("Equal on live Refs does not compare objects")
	}
	runtime.KeepAlive(a)
	a = nil
	runtime.GC()
	if ra.Equal(ra2) || !ra.Equal(ra) {
		t.Fatal("Equal on dead Refs does not compare identity")
	}
	runtime.KeepAlive(b)
}

func TestPointerIsStableAfterDeath(t *testing.T) {
	o := newNode(1)
	r1, r2 := NewRef(o), NewRefFunc(o, func(*Ref[node]) {})
	m := map[any]int{r1.Pointer(): 1}
	o = nil
	runtime.GC()
	if m[r2.Pointer()] != 1 || r1.Pointer() != r2.Pointer() || r1.Pointer().Value() != nil {
		t.Fatal("Pointer is not stable, comparable and dead")
	}
}

func TestDone(t *testing.T) {
	r := NewRef(newNode(1))
	done := r.Done()
	select {
	case <-done:
		t.Fatal("Done closed while the object lives")
	default:
	}
	Collect()
	<-done     // closed by Collect
	<-r.Done() // and stays closed
}

func TestString(t *testing.T) {
	o := newNode(1)
	r, p := NewRef(o), NewProxy(o)
	f := NewFinalize(o, func(int) {}, 0)
	live := map[string]fmt.Stringer{
		`^<weakref at 0x[0-9a-f]+; to '\*weakref.node' at 0x[0-9a-f]+>$`:          r,
		`^<weakproxy at 0x[0-9a-f]+; to '\*weakref.node' at 0x[0-9a-f]+>$`:        p,
		`^<finalize object at 0x[0-9a-f]+; for '\*weakref.node' at 0x[0-9a-f]+>$`: f,
	}
	for re, s := range live {
		if !regexp.MustCompile(re).MatchString(s.String()) {
			t.Errorf("%q does not match %s", s, re)
		}
	}
	o = nil
	Collect()
	for _, s := range []fmt.Stringer{r, p, f} {
		if !regexp.MustCompile(`^<[a-z ]+ at 0x[0-9a-f]+; dead>$`).MatchString(s.String()) {
			t.Errorf("dead: %q", s)
		}
	}
}

func TestWeakMethod(t *testing.T) {
	o := newNode(5)
	m := NewWeakMethod(o, func(n *node) func() int { return func() int { return n.a } })
	if f, ok := m.Value(); !ok || f() != 5 || !m.Alive() {
		t.Fatal("live WeakMethod does not bind")
	}
	o = nil
	runtime.GC()
	if f, ok := m.Value(); ok || f != nil || m.Alive() {
		t.Fatal("dead WeakMethod still binds")
	}
	mustPanicText(t, "weakref: NewWeakMethod: bind is nil", func() { NewWeakMethod[node, func()](newNode(1), nil) })
}

func TestNilObjectsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"NewRef":        func() { NewRef[node](nil) },
		"NewRefFunc":    func() { NewRefFunc[node](nil, func(*Ref[node]) {}) },
		"NewProxy":      func() { NewProxy[node](nil) },
		"NewProxyFunc":  func() { NewProxyFunc[node](nil, nil) },
		"NewWeakMethod": func() { NewWeakMethod(nil, func(*node) func() { return nil }) },
		"NewFinalize":   func() { NewFinalize[node](nil, func(int) {}, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			mustPanicWith(t, ErrNotReferenceable, "weakref: "+name, f)
		})
	}
}

// Concurrent NewRef calls on one object must agree on one Ref and make
// one registry entry, which is not a record.
func TestConcurrentNewRefOfOneObject(t *testing.T) {
	for range 50 {
		o := newNode(1)
		const n = 8
		refs := make([]*Ref[node], n)
		var fs []func()
		for i := range n {
			fs = append(fs, func() { refs[i] = NewRef(o) })
		}
		atOnce(fs...)
		for _, r := range refs {
			if r != refs[0] {
				t.Fatal("concurrent NewRef returned different Refs")
			}
		}
		onlyEntry[shared[node, Ref[node], *Ref[node]]](t, o) // a plain Ref needs no record
	}
}

// entriesOf returns the registry entries of obj's type for obj.
func entriesOf[T any](obj *T) []registered {
	var vs []registered
	eachRegistered(func(_ uint64, v registered) {
		if v.isFor(obj) {
			vs = append(vs, v)
		}
	})
	return vs
}

// recordsOf returns the registered records of obj's type for obj.
func recordsOf[T any](obj *T) []*record[T] {
	var rs []*record[T]
	for _, r := range allRecords() {
		if r, ok := r.(*record[T]); ok && r.wp.Value() == obj {
			rs = append(rs, r)
		}
	}
	return rs
}

func TestCallbackMayReenterThePackage(t *testing.T) {
	keep := newNode(9)
	keep.next = newNode(10) // reachable from keep, so alive as long as it
	var made *Ref[node]
	var count int
	r := NewRefFunc(newNode(1), func(*Ref[node]) {
		made = NewRefFunc(keep, func(*Ref[node]) {})
		count = GetWeakRefCount(keep)
		NewFinalize(newNode(2), func(int) {}, 0)
	})
	Collect()
	if made == nil || made.Value() != keep || count != 1 || keep.next.b != -10 {
		t.Fatal("a callback could not create Refs")
	}
	runtime.KeepAlive(keep)
	runtime.KeepAlive(r)
}
