package weakref

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Regression: Collect resolves weak pointers to find dead records, and a
// weak pointer resolved while the collector marks keeps its object alive
// through that cycle. Two goroutines calling Collect at once kept each
// other's dead objects alive, so their finalizers had not run when Collect
// returned. Found by TestStress.
func TestConcurrentCollectsDoNotKeepEachOthersObjects(t *testing.T) {
	defer watchdog(t, time.Minute)()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 50 {
				var ran atomic.Int32
				for i := range 20 {
					NewFinalize(newNode(i), func(int) { ran.Add(1) }, i)
				}
				Collect()
				if n := ran.Load(); n != 20 {
					errs <- fmt.Errorf("goroutine %d, round %d: %d of 20 finalizers ran", g, round, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Regression: NewFinalize, NewRefFunc and NewProxyFunc let go of their
// object after finding its record, before adding the hook. A collection in
// between fired the record without the hook, which then never ran. Found
// by TestConcurrentCollectsDoNotKeepEachOthersObjects; here two
// collections run exactly in that gap.
func TestHookIsInPlaceBeforeItsObjectCanDie(t *testing.T) {
	testHookAddHook = func() { runtime.GC(); runtime.GC() }
	defer func() { testHookAddHook = nil }()
	var ran atomic.Int32
	var refs []any // a callback runs only while its Ref or Proxy lives
	for i := range 10 {
		NewFinalize(newNode(i), func(int) { ran.Add(1) }, i)
		refs = append(refs,
			NewRefFunc(newNode(i), func(*Ref[node]) { ran.Add(1) }),
			NewProxyFunc(newNode(i), func(*Proxy[node]) { ran.Add(1) }))
	}
	testHookAddHook = nil
	Collect()
	if n := ran.Load(); n != 30 {
		t.Fatalf("%d of 30 hooks ran", n)
	}
	runtime.KeepAlive(refs)
}

// A callback that blocks delays the callbacks behind it; none is lost, and
// Collect waits for it.
func TestBlockingCallbackLosesNothing(t *testing.T) {
	defer watchdog(t, time.Minute)()
	started, release := make(chan struct{}), make(chan struct{})
	var ran atomic.Int32
	blocker := NewRefFunc(newNode(0), func(*Ref[node]) {
		close(started)
		<-release
		ran.Add(1)
	})
	var refs []*Ref[node]
	for i := range 10 {
		refs = append(refs, NewRefFunc(newNode(i+1), func(*Ref[node]) { ran.Add(1) }))
	}
	done := make(chan int)
	go func() { done <- Collect() }()
	<-started
	select {
	case <-done:
		t.Fatal("Collect returned while a callback was still running")
	default:
	}
	close(release)
	n := <-done
	if ran.Load() != 11 || n > 11 {
		t.Fatalf("%d of 11 callbacks ran; Collect counted %d", ran.Load(), n)
	}
	if Collect() != 0 || ran.Load() != 11 {
		t.Fatal("a callback ran twice")
	}
	runtime.KeepAlive(blocker)
	runtime.KeepAlive(refs)
}

// Callbacks may store into the collection whose entry died and create new
// references: Python's cache-refill pattern.
func TestCallbackStoresIntoTheSameCollection(t *testing.T) {
	Collect() // run what earlier tests left due, which Collect would count
	var m WeakValueMap[string, node]
	var s WeakSet[node]
	var km WeakKeyMap[node, string]
	spare := newNode(2)
	v := newNode(1)
	m.Store("k", v)
	s.Add(v)
	km.Store(v, "v")
	var made *Ref[node]
	r := NewRefFunc(v, func(*Ref[node]) {
		m.Store("k", spare)
		s.Add(spare)
		km.Store(spare, "spare")
		made = NewRef(spare)
	})
	v = nil
	if n := Collect(); n != 1 {
		t.Fatalf("Collect ran %d callbacks, want 1", n)
	}
	if got, _ := m.Load("k"); got != spare {
		t.Errorf("WeakValueMap holds %v, want the spare", got)
	}
	if s.Len() != 1 || !s.Contains(spare) {
		t.Errorf("WeakSet holds %d elements, want the spare", s.Len())
	}
	if got, _ := km.Load(spare); got != "spare" || km.Len() != 1 {
		t.Errorf("WeakKeyMap holds %d entries", km.Len())
	}
	if made.Value() != spare {
		t.Error("the callback's new Ref does not refer to the spare")
	}
	runtime.KeepAlive(r)
	runtime.KeepAlive(spare)
}

// Shutdown racing with the collector and with new finalizers runs every
// finalizer exactly once: whoever claims it first runs it.
func TestShutdownRacingTheCollector(t *testing.T) {
	defer watchdog(t, time.Minute)()
	Shutdown()
	const n = 2000
	var ran [n]atomic.Int32
	keep := make([]*node, n) // half live until the end, half die at once
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := range n {
			o := newNode(i)
			if i%2 == 0 {
				keep[i] = o
			}
			NewFinalize(o, func(i int) { ran[i].Add(1) }, i)
		}
	}()
	go func() {
		defer wg.Done()
		for range 20 {
			runtime.GC()
		}
	}()
	go func() {
		defer wg.Done()
		for range 20 {
			Shutdown()
		}
	}()
	wg.Wait()
	Shutdown()
	Collect()
	for i := range ran {
		if got := ran[i].Load(); got != 1 {
			t.Fatalf("finalizer %d ran %d times", i, got)
		}
	}
	runtime.KeepAlive(keep)
}

// Every panic goes to exactly one hook while hooks are swapped under the
// running callbacks.
func TestSetUnraisableHookSwappedConcurrently(t *testing.T) {
	defer watchdog(t, time.Minute)()
	var a, b atomic.Int32
	hookA := func(*UnraisableError) { a.Add(1) }
	hookB := func(*UnraisableError) { b.Add(1) }
	prev := SetUnraisableHook(hookA)
	t.Cleanup(func() { SetUnraisableHook(prev) })
	stop := make(chan struct{})
	swapped := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				swapped <- n
				return
			default:
				SetUnraisableHook(hookB)
				SetUnraisableHook(hookA)
				n++
			}
		}
	}()
	const n = 500
	for i := range n {
		NewFinalize(newNode(i), func(int) { panic("boom") }, i)
		if i%100 == 0 {
			runtime.GC() // let the runtime's goroutines report some
		}
	}
	Collect()
	close(stop)
	swaps := <-swapped
	if got := a.Load() + b.Load(); got != n {
		t.Fatalf("%d panics reported to the hooks, want %d", got, n)
	}
	t.Logf("%d reports to A, %d to B, across %d swaps", a.Load(), b.Load(), swaps)
}
