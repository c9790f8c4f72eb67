package weakref

import (
	"runtime"
	"testing"
)

// BenchmarkFire measures what a record costs to fire once its object died:
// the claim, unregister, taking the hooks and running a callback, with the
// rest (making the objects and Refs) outside the timer.
func BenchmarkFire(b *testing.B) {
	const batch = 1000
	cb := func(*Ref[node]) {}
	objs := make([]*node, batch)
	refs := make([]*Ref[node], batch)
	b.ReportAllocs()
	n := 0
	for n < b.N {
		b.StopTimer()
		for i := range objs {
			objs[i] = &node{a: i}
			refs[i] = NewRefFunc(objs[i], cb)
		}
		b.StartTimer()
		for _, r := range refs {
			r.h.rec.fire()
		}
		n += batch
	}
	runtime.KeepAlive(objs)
}
