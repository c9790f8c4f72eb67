package weakref

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
)

// The leak tests run a million operations of each kind that should leave
// nothing behind (a fifth as many under the race detector, which makes
// each ten times slower), and check that the live heap, the runtime's
// off-heap records and the goroutine count end where they were after the
// first tenth, and that the last operations cost what the first did: a
// leak that keeps entries in a list shows up as time before it shows up
// as memory.
const leakOps = 1_000_000 / raceSlowdown

func TestLeaks(t *testing.T) {
	long := newNode(1) // long-lived: outlives every operation
	cb := func(*Ref[node]) {}
	pcb := func(*Proxy[node]) {}
	// pruned collects the dropped Refs and prunes the record, which must
	// then hold no hooks: every Ref made was dropped, every finalizer
	// called or detached.
	pruned := func() {
		runtime.GC()
		if hooks := pruneHooks(long); hooks != 0 {
			t.Fatalf("the record keeps %d hooks after a prune, want 0", hooks)
		}
	}
	var vm WeakValueMap[int, node]
	var km WeakKeyMap[node, int]
	var ws WeakSet[node]
	objs := []*node{newNode(2), newNode(3), newNode(4)}
	for _, c := range []struct {
		name   string
		op     func(i int)
		settle func()
		ops    int
	}{
		{"Refs and Proxies made and dropped", func(int) {
			NewRef(long)
			NewRefFunc(long, cb)
			NewProxy(long)
			NewProxyFunc(long, pcb)
		}, pruned, leakOps},
		{"finalizers called and detached", func(int) {
			NewFinalize(long, func(int) {}, 0).Call()
			NewFinalize(long, func(int) {}, 0).Detach()
		}, pruned, leakOps},
		{"WeakValueMap Store and Delete", func(i int) {
			vm.Store(i%8, long)
			vm.Delete(i % 8)
		}, runtime.GC, leakOps},
		{"WeakKeyMap and WeakSet Store, Add, Delete, Remove", func(i int) {
			o := objs[i%len(objs)]
			km.Store(o, i)
			km.Delete(o)
			ws.Add(o)
			ws.Remove(o)
		}, runtime.GC, leakOps},
		{"collections made and dropped, values live", func(i int) {
			m := new(WeakValueMap[int, node])
			m.Store(i, long)
			k := new(WeakKeyMap[node, int])
			k.Store(long, i)
			s := NewWeakSet(long)
			m.Len()
			k.Len()
			s.Len()
		}, runtime.GC, leakOps / 5}, // each allocates three tables
		{"short-lived objects with callbacks and finalizers", func(i int) {
			o := newNode(i)
			r := NewRefFunc(o, cb)
			NewFinalize(o, func(int) {}, i)
			runtime.KeepAlive(r)
			if i%10_000 == 0 {
				// Keep the runtime's cleanup queue short, as a service
				// whose cleanups keep up would: the runtime keeps the
				// memory of its longest queue for good.
				Collect()
				drainCleanups()
			}
		}, func() { Collect() }, leakOps},
	} {
		t.Run(c.name, func(t *testing.T) {
			leakCheck(t, c.ops, c.op, c.settle)
		})
	}
	runtime.KeepAlive(objs)
	runtime.KeepAlive(long)
}

// leakCheck runs op n times in ten timed chunks, settling and measuring
// after the first chunk and after the last.
func leakCheck(t *testing.T, n int, op func(i int), settle func()) {
	t.Helper()
	var perOp []float64 // ns per operation, per chunk
	chunk := func(c int) {
		start := time.Now()
		for i := c * n / 10; i < (c+1)*n/10; i++ {
			op(i)
		}
		perOp = append(perOp, float64(time.Since(start).Nanoseconds())/float64(n/10))
	}
	chunk(0)
	settle()
	before, g0 := memory(), runtime.NumGoroutine()
	for c := 1; c < 10; c++ {
		chunk(c)
	}
	settle()
	after, g1 := memory(), goroutinesDownTo(g0)
	checkFlat(t, fmt.Sprint(n, " operations"), before, after)
	if g1 > g0 {
		t.Errorf("goroutines: %d after the first tenth, %d at the end", g0, g1)
	}
	// Compare the fastest of the first and of the last three chunks, so
	// that one chunk slowed by a collection does not decide. A leak into
	// a list would make the last chunks many times slower.
	first, last := slices.Min(perOp[:3]), slices.Min(perOp[7:])
	t.Logf("ns/op by tenth: %.0f; goroutines %d -> %d", perOp, g0, g1)
	if last > 4*first {
		t.Errorf("the last operations cost %.0f ns, the first %.0f ns", last, first)
	}
}
