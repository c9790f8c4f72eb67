package weakref

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
	"weak"
)

// node is a test object: it holds a pointer and is larger than 16 bytes,
// so the tiny allocator never batches it with other objects.
type node struct {
	next *node
	a, b int
}

// newNode allocates a node where no stack slot of the caller keeps it.
//
//go:noinline
func newNode(a int) *node { return &node{a: a, b: -a} }

// mustPanicWith runs f and fails unless it panics with an error that wraps
// target and whose text contains want.
func mustPanicWith(t *testing.T, target error, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		v := recover()
		if v == nil {
			t.Fatalf("no panic; want one wrapping %v", target)
		}
		err, ok := v.(error)
		if !ok || !errors.Is(err, target) {
			t.Fatalf("panic %v; want one wrapping %v", v, target)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("panic %q; want it to mention %q", err, want)
		}
	}()
	f()
}

// mustPanicText runs f and fails unless it panics with a value whose text
// contains want.
func mustPanicText(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		v := recover()
		if v == nil {
			t.Fatalf("no panic; want one saying %q", want)
		}
		var text string
		switch v := v.(type) {
		case error:
			text = v.Error()
		case string:
			text = v
		}
		if !strings.Contains(text, want) {
			t.Fatalf("panic %v; want one saying %q", v, want)
		}
	}()
	f()
}

// captureUnraisable installs an unraisable hook that records every report
// for the rest of the test.
func captureUnraisable(t *testing.T) func() []*UnraisableError {
	t.Helper()
	var mu sync.Mutex
	var got []*UnraisableError
	prev := SetUnraisableHook(func(e *UnraisableError) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	})
	t.Cleanup(func() { SetUnraisableHook(prev) })
	return func() []*UnraisableError {
		mu.Lock()
		defer mu.Unlock()
		return append([]*UnraisableError(nil), got...)
	}
}

// usage is the live heap and the runtime's off-heap records (weak handles,
// cleanups and other metadata) after a full collection: what objects, and
// what the runtime keeps for them, cost.
type usage struct{ heap, offHeap uint64 }

func memory() usage {
	for range 2 {
		runtime.GC()
		drainCleanups()
		// A sweeper pass holds the tables it sweeps: let it end before
		// the next collection, so that the tables of dropped collections
		// are not counted as live.
		waitPass()
	}
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/other:bytes"},
		{Name: "/memory/classes/metadata/other:bytes"},
	}
	metrics.Read(s)
	return usage{s[0].Value.Uint64(), s[1].Value.Uint64() + s[2].Value.Uint64()}
}

// settledMemory is memory once collecting again frees nothing more, for
// a baseline that must not count what earlier tests dropped: a dropped
// collection's table goes only after the cleanup that follows the
// collection's own death, which can take more collections than memory
// runs.
func settledMemory() usage {
	u := memory()
	for range 5 {
		next := memory()
		if next.heap >= u.heap {
			return next
		}
		u = next
	}
	return u
}

// checkFlat fails if the live heap grew by more than 64 KiB, or the
// off-heap records by more than 512 KiB, from before to after. The
// runtime's off-heap metadata moves by tens of KiB with the timing of
// collections; a leak of a single byte per operation over the million
// operations these checks run would still exceed the bound.
//
// With GODEBUG=checkfinalizers=1 the bound is 2 MiB. The runtime then
// keeps an off-heap record for every tiny block that holds more than one
// object, until the collector sweeps the block, and it never gives back
// the memory of its highest count. That count depends on how far the
// program ran ahead of a collection, so it steps up by 256 KiB chunks
// at random: by up to 1.1 MiB in one check of TestLeaks, where runs
// without the check stay within 512 KiB. A leak of one runtime record
// (16 bytes or more) per operation still exceeds 2 MiB in every check,
// the smallest of which runs 180,000 operations after its baseline.
func checkFlat(t *testing.T, what string, before, after usage) {
	t.Helper()
	heapSlack, offHeapSlack := uint64(64<<10), uint64(512<<10)
	if checkFinalizers {
		offHeapSlack = 2 << 20
	}
	if after.heap > before.heap+heapSlack {
		t.Errorf("%s: live heap grew from %d to %d bytes", what, before.heap, after.heap)
	}
	if after.offHeap > before.offHeap+offHeapSlack {
		t.Errorf("%s: off-heap records grew from %d to %d bytes", what, before.offHeap, after.offHeap)
	}
	t.Logf("%s: live heap %d -> %d bytes, off-heap %d -> %d bytes", what, before.heap, after.heap, before.offHeap, after.offHeap)
}

// drainCleanups waits until the runtime has run every cleanup it queued
// before the call. A queued cleanup holds its argument, here a record,
// until it runs; under the race detector the queue can hold thousands.
func drainCleanups() {
	s := []metrics.Sample{
		{Name: "/gc/cleanups/queued:cleanups"},
		{Name: "/gc/cleanups/executed:cleanups"},
	}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return // Go 1.24 has no such metrics
	}
	queued := s[0].Value.Uint64()
	deadline := time.Now().Add(time.Minute)
	for s[1].Value.Uint64() < queued {
		if time.Now().After(deadline) {
			panic(fmt.Sprintf("runtime cleanups: %d of %d run after a minute", s[1].Value.Uint64(), queued))
		}
		time.Sleep(100 * time.Microsecond) // wait for a condition, not for luck
		metrics.Read(s)
	}
}

// sweepAfterGC runs a collection and waits, as Collect waits for
// callbacks, until the sweeper has seen it and its pass has ended. It
// first arms a sentinel of its own, which that collection is sure to find
// dead: the sweeper's own sentinel may have been armed while the
// collector was marking, and then signals only the collection after.
func sweepAfterGC(t testing.TB) {
	t.Helper()
	sweeper.mu.Lock()
	arm(false)
	sweeper.mu.Unlock()
	runtime.GC()
	c := gcCycles()
	deadline := time.Now().Add(time.Minute)
	for {
		sweeper.mu.Lock()
		seen, running := lastGC.Load() >= c, sweeper.running
		sweeper.mu.Unlock()
		if seen && !running {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after collection %d, the sweeper has seen %d (pass running: %v)", c, lastGC.Load(), running)
		}
		time.Sleep(100 * time.Microsecond) // wait for a condition, not for luck
	}
}

// heapBytes returns the bytes of heap objects, live or not yet swept:
// after runtime.GC returns, the live heap. It runs no collection itself.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// waitPass waits until no pass of the sweeper is running.
func waitPass() {
	sweeper.mu.Lock()
	for sweeper.running {
		sweeper.idle.Wait()
	}
	sweeper.mu.Unlock()
}

// goroutinesDownTo returns the number of goroutines once it is at most n
// and no sweeper goroutine is left, or after a second. A sweeper pass
// that has just ended may not have returned yet.
func goroutinesDownTo(n int) int {
	deadline := time.Now().Add(time.Second)
	for {
		g := runtime.NumGoroutine()
		if (g <= n && sweeperGoroutines() == 0) || time.Now().After(deadline) {
			return g
		}
		runtime.Gosched() // wait for a condition, not for luck
	}
}

// sweeperGoroutines returns how many goroutines run a sweeper pass.
func sweeperGoroutines() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "weakref.sweepPasses(")
}

// collectUntilGone collects until wp's object, which what names, is
// gone, and fails the test if it outlives collectTries collections.
//
// Go does not promise that one collection reclaims every unreachable
// object. A goroutine that the collector preempts between two calls has
// its registers and innermost frame scanned conservatively, and a stale
// pointer there keeps an object through that cycle. A goroutine of atOnce
// that has called wg.Done but not yet exited is one: its frames lie where
// f's were. An object that outlives collectTries collections is held by
// something.
func collectUntilGone[T any](t *testing.T, wp weak.Pointer[T], what string) {
	t.Helper()
	for range collectTries {
		Collect()
		if wp.Value() == nil {
			return
		}
	}
	t.Fatalf("%s outlived %d collections after it was dropped", what, collectTries)
}

// atOnce runs each of fs on its own goroutine, releases them together,
// and waits for them all: the races that the concurrency tests provoke.
// It returns before the goroutines have exited, so a test that then needs
// an object that they used to be collected must allow for a stale pointer
// (see collectUntilGone).
func atOnce(fs ...func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f()
		}()
	}
	close(start)
	wg.Wait()
}
