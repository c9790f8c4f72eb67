package weakref

import (
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"weak"
)

func TestFinalizeRunsOnceAfterDeath(t *testing.T) {
	Collect() // run what earlier tests left due, which Collect would count
	var got []string
	f := NewFinalize(newNode(1), func(s string) { got = append(got, s) }, "gone")
	if !f.Alive() {
		t.Fatal("new finalizer is not alive")
	}
	if n := Collect(); n != 1 {
		t.Fatalf("Collect ran %d, want 1", n)
	}
	if !slices.Equal(got, []string{"gone"}) || f.Alive() {
		t.Fatalf("ran %v, alive %v", got, f.Alive())
	}
	if f.Call() {
		t.Fatal("Call ran a finalizer that already ran")
	}
}

func TestFinalizeRunsWithoutItsHandle(t *testing.T) {
	ran := false
	NewFinalize(newNode(1), func(*bool) { ran = true }, &ran)
	Collect()
	if !ran {
		t.Fatal("a finalizer whose handle was dropped did not run")
	}
}

func TestFinalizeCall(t *testing.T) {
	o := newNode(1)
	calls := 0
	f := NewFinalize(o, func(int) { calls++ }, 0)
	if !f.Call() || calls != 1 {
		t.Fatal("Call did not run a live finalizer")
	}
	if f.Call() || f.Alive() {
		t.Fatal("Call ran twice")
	}
	runtime.KeepAlive(o)
	o = nil
	Collect()
	if calls != 1 {
		t.Fatalf("ran %d times, want 1", calls)
	}
}

func TestFinalizeDetachAndPeek(t *testing.T) {
	o := newNode(1)
	ran := false
	f := NewFinalize(o, func(int) { ran = true }, 0)
	if obj, ok := f.Peek(); !ok || obj != o {
		t.Fatalf("Peek = %v, %v", obj, ok)
	}
	if obj, ok := f.Detach(); !ok || obj != o {
		t.Fatalf("Detach = %v, %v", obj, ok)
	}
	if f.Alive() || f.Call() {
		t.Fatal("a detached finalizer is alive or callable")
	}
	if obj, ok := f.Detach(); ok || obj != nil {
		t.Fatal("Detach succeeded twice")
	}
	if obj, ok := f.Peek(); ok || obj != nil {
		t.Fatal("Peek succeeded on a detached finalizer")
	}
	runtime.KeepAlive(o)
	o = nil
	Collect()
	if ran {
		t.Fatal("a detached finalizer ran")
	}
}

// Python's detach and peek need the object alive as well as the finalizer.
func TestFinalizeDetachNeedsLiveObject(t *testing.T) {
	var f *Finalize
	func() {
		f = NewFinalize(newNode(1), func(int) {}, 0)
		f.SetAtexit(false)
	}()
	runtime.GC() // the object is gone; the finalizer may not have run yet
	if obj, ok := f.Peek(); ok || obj != nil {
		t.Fatal("Peek returned a collected object")
	}
	if obj, ok := f.Detach(); ok || obj != nil {
		t.Fatal("Detach succeeded on a collected object")
	}
	Collect()
}

func TestFinalizeAtexit(t *testing.T) {
	o := newNode(1)
	f := NewFinalize(o, func(int) {}, 0)
	if !f.Atexit() {
		t.Fatal("Atexit defaults to false")
	}
	f.SetAtexit(false)
	if f.Atexit() {
		t.Fatal("SetAtexit(false) had no effect")
	}
	f.SetAtexit(true)
	f.Call()
	f.SetAtexit(false)
	if !f.Atexit() {
		t.Fatal("SetAtexit changed a dead finalizer")
	}
	runtime.KeepAlive(o)
}

func TestFinalizeArgIsObjPanics(t *testing.T) {
	o := newNode(1)
	mustPanicText(t, "weakref: NewFinalize: arg is obj", func() { NewFinalize(o, func(*node) {}, o) })
	mustPanicText(t, "weakref: NewFinalize: fn is nil", func() { NewFinalize[node, int](o, nil, 0) })
	if GetWeakRefCount(o) != 0 || len(atexitFinalizersOf(o)) != 0 {
		t.Fatal("a rejected finalizer was registered")
	}
}

// atexitFinalizersOf returns the live finalizers whose object is obj.
func atexitFinalizersOf(obj *node) []*Finalize {
	var fs []*Finalize
	due, _ := atexitFinalizers()
	for _, f := range due {
		if p, _ := f.Peek(); p == obj {
			fs = append(fs, f)
		}
	}
	return fs
}

func TestShutdownRunsAtexitFinalizersNewestFirst(t *testing.T) {
	Shutdown() // start from no pending finalizers
	o := newNode(1)
	var order []int
	var fs []*Finalize
	for i := range 4 {
		fs = append(fs, NewFinalize(o, func(i int) { order = append(order, i) }, i))
	}
	fs[1].SetAtexit(false)
	fs[2].Call() // order: [2]
	if n := Shutdown(); n != 2 {
		t.Fatalf("Shutdown ran %d, want 2", n)
	}
	if want := []int{2, 3, 0}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	if !fs[1].Alive() {
		t.Fatal("Shutdown ran a finalizer whose Atexit is false")
	}
	g := NewFinalize(o, func(int) { order = append(order, 9) }, 0)
	if !g.Alive() || !g.Call() {
		t.Fatal("a finalizer made after Shutdown does not work")
	}
	fs[1].Detach()
	runtime.KeepAlive(o)
}

func TestShutdownRunsFinalizersCreatedWhileItRuns(t *testing.T) {
	Shutdown()
	o := newNode(1)
	var order []string
	r := NewRef(o) // the finalizer must not capture o itself
	NewFinalize(o, func(string) {
		order = append(order, "outer")
		NewFinalize(r.Value(), func(string) { order = append(order, "inner") }, "")
	}, "")
	if n := Shutdown(); n != 2 || !slices.Equal(order, []string{"outer", "inner"}) {
		t.Fatalf("Shutdown ran %d: %v", n, order)
	}
	runtime.KeepAlive(o)
}

// A finalizer runs exactly once whichever of Call, Collect, Shutdown and
// the runtime's cleanup get to it, however they race.
func TestFinalizeRunsOnceUnderRaces(t *testing.T) {
	for range 200 {
		var runs atomic.Int32
		o := newNode(1)
		wp := weak.Make(o)
		f := NewFinalize(o, func(*atomic.Int32) { runs.Add(1) }, &runs)
		o = nil
		atOnce(
			func() { f.Call() },
			func() { Collect() },
			func() { Shutdown() },
			func() { f.Detach() },
		)
		collectUntilGone(t, wp, "the object") // atOnce's goroutines may hold it a cycle
		if n := runs.Load(); n > 1 || (n == 0 && f.Alive()) {
			t.Fatalf("finalizer ran %d times, alive %v", n, f.Alive())
		}
	}
}

// Python marks a finalizer dead only when its own turn comes: while a
// newer callback of the same object runs, an older finalizer is still
// alive, and calling it there runs it then, and not again at its turn.
// Peek and Detach report nothing, because the object is gone.
func TestOlderFinalizerIsAliveDuringNewerCallback(t *testing.T) {
	Collect() // run what earlier tests left due, which Collect would count
	o := newNode(1)
	var order []string
	f1 := NewFinalize(o, func(s string) { order = append(order, s) }, "f1 ran")
	var alive, called, peeked, detached bool
	r := NewRefFunc(o, func(*Ref[node]) {
		alive = f1.Alive()
		_, peeked = f1.Peek()
		_, detached = f1.Detach()
		called = f1.Call()
		order = append(order, "callback returned")
	})
	o = nil
	if n := Collect(); n != 1 {
		t.Errorf("Collect counted %d, want 1: the callback (Call ran f1, not Collect)", n)
	}
	if !alive || !called {
		t.Errorf("inside the newer callback: f1.Alive() = %v, f1.Call() = %v; want true, true", alive, called)
	}
	if peeked || detached {
		t.Errorf("Peek or Detach succeeded on a collected object: %v, %v", peeked, detached)
	}
	if want := []string{"f1 ran", "callback returned"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	if f1.Alive() || Collect() != 0 || len(order) != 2 {
		t.Errorf("f1 alive %v after it ran, or ran again: %v", f1.Alive(), order)
	}
	runtime.KeepAlive(r)
}

// Python's Shutdown takes the newest pending finalizer after every call,
// so a finalizer made by one that Shutdown runs is run next, before the
// older ones: fc makes fd, and the order is fc fd fb fa.
func TestShutdownRunsANewFinalizerNext(t *testing.T) {
	Shutdown()
	o := newNode(1)
	var order []string
	say := func(s string) { order = append(order, s) }
	r := NewRef(o) // fc must not capture o itself
	NewFinalize(o, say, "fa")
	NewFinalize(o, say, "fb")
	NewFinalize(o, func(string) {
		say("fc")
		NewFinalize(r.Value(), say, "fd")
	}, "")
	if n := Shutdown(); n != 4 {
		t.Errorf("Shutdown ran %d, want 4", n)
	}
	if want := []string{"fc", "fd", "fb", "fa"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	runtime.KeepAlive(o)
}

// Shutdown reads a finalizer's Atexit at its turn, so an earlier finalizer
// that sets a later one's Atexit to false keeps it from running. CPython
// reads the flag once, before it runs any, and runs it; this package keeps
// the later reading, which lets a finalizer release another's duty.
func TestShutdownReadsAtexitAtEachTurn(t *testing.T) {
	Shutdown()
	o := newNode(1)
	var order []string
	fa := NewFinalize(o, func(s string) { order = append(order, s) }, "fa")
	NewFinalize(o, func(string) {
		order = append(order, "fb")
		fa.SetAtexit(false)
	}, "")
	if n := Shutdown(); n != 1 || !slices.Equal(order, []string{"fb"}) {
		t.Errorf("Shutdown ran %d: %v; want 1: [fb]", n, order)
	}
	if !fa.Alive() || fa.Atexit() {
		t.Errorf("fa: alive %v, atexit %v; want alive and not atexit", fa.Alive(), fa.Atexit())
	}
	fa.Detach()
	runtime.KeepAlive(o)
}
