package weakref

import (
	"slices"
	"sync"
	"sync/atomic"
)

// fire claims r and runs its hooks, newest first, in the calling goroutine.
// It is the runtime cleanup of r's object, and Collect calls it too; only
// the first caller runs anything.
func (r *record[T]) fire() int {
	if !beginFire(&r.fired) {
		return 0
	}
	defer endFire()
	unregister(r, r.hash)
	return runHooks(r.takeHooks(), r)
}

// hooksRun counts the callbacks and finalizers run by fire, for Collect.
var hooksRun atomic.Uint64

// A call is what a hook does when its object dies.
type call struct {
	// run runs the hook and reports whether it did: a finalizer that was
	// called or detached since it was taken does nothing.
	run func() bool
	// what names the hook in a report of its panic, as in "finalizer";
	// the object's type is added only then, to keep formatting off the
	// path of every callback.
	what string
}

// takeHooks empties r, closes its done channel and returns the calls due,
// newest first.
func (r *record[T]) takeHooks() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var calls []call
	for _, h := range slices.Backward(r.hooks) {
		if c, ok := h.take(); ok {
			calls = append(calls, c)
		}
	}
	r.hooks = nil
	if r.done == nil {
		r.done = closed
	} else {
		close(r.done)
	}
	return calls
}

// runHooks runs calls in order, each inside its own recover, and returns
// how many ran.
func runHooks(calls []call, of anyRecord) int {
	n := 0
	for _, c := range calls {
		if runUnraisable(c.run, c.what, of) {
			n++
			hooksRun.Add(1)
		}
	}
	return n
}

// firing counts the records being fired anywhere, so that Collect can
// wait for cleanups that the runtime started before it.
var firing struct {
	mu   sync.Mutex
	idle sync.Cond
	n    int
}

func init() { firing.idle.L = &firing.mu }

// beginFire claims a record, and counts the claim in the same critical
// section, so that Collect never sees a record claimed but not counted.
func beginFire(claimed *atomic.Bool) bool {
	firing.mu.Lock()
	defer firing.mu.Unlock()
	if !claimed.CompareAndSwap(false, true) {
		return false
	}
	firing.n++
	return true
}

func endFire() {
	firing.mu.Lock()
	firing.n--
	if firing.n == 0 {
		firing.idle.Broadcast()
	}
	firing.mu.Unlock()
}

// waitFires blocks until no record is being fired.
func waitFires() {
	firing.mu.Lock()
	for firing.n > 0 {
		firing.idle.Wait()
	}
	firing.mu.Unlock()
}
