package weakref

import (
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// fire claims r and runs its hooks, newest first, in the calling goroutine.
// It is the runtime cleanup of r's object, and Collect calls it too; only
// the first caller runs anything.
func (r *record[T]) fire() (ran int) {
	sh, c := claim(r, r.hash)
	if sh == nil {
		return 0
	}
	last := false
	defer func() { c.end(last) }()
	var one [1]call // most objects have one hook: no allocation for them
	calls := r.takeHooks(one[:0])
	sh.mu.Unlock()
	ran, last = runHooks(calls, r, c)
	return ran
}

// A call is what a hook does when its object dies: a runner and what it
// runs with. It holds both as interfaces of pointers rather than as a
// closure over them, so that taking a hook allocates nothing: a closure
// returned by take would escape to the heap, one allocation per callback
// in every death.
type call struct {
	r   runner
	arg any // the callback a callback Ref or Proxy had when it was taken
}

// A runner is a Ref or Proxy whose callback was taken, or a finalizer.
type runner interface {
	// runTaken runs the hook, given the call's arg, and reports whether
	// it did: a finalizer that was called or detached since it was taken
	// does nothing.
	runTaken(arg any) bool
	// what names the hook in a report of its panic, as in "finalizer";
	// the object's type is added only then, to keep formatting off the
	// path of every callback.
	what() string
}

// takeHooks empties r, closes its done channel and appends the calls due
// to calls, newest first. The caller has claimed r, and holds its shard.
func (r *record[T]) takeHooks(calls []call) []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range slices.Backward(r.hooks) {
		if c, ok := h.take(); ok {
			calls = append(calls, c)
		}
	}
	r.hooks, r.one = nil, [1]hook{}
	if r.done == nil {
		r.done = closed
	} else {
		close(r.done)
	}
	return calls
}

// runHooks runs calls in order and returns how many ran, and whether the
// last one did. It counts in c each hook that ran as it returns, but the
// last: the caller counts that one as it ends the fire, in the same
// atomic add, so that firing an object's one hook costs two.
func runHooks(calls []call, of typed, c *fireCount) (ran int, last bool) {
	for i, k := range calls {
		if !runFired(k, of) {
			continue
		}
		ran++
		if i == len(calls)-1 {
			last = true
		} else {
			c.n.Add(hookRan)
		}
	}
	return ran, last
}

// runFired runs k, a hook of an object of's that a fire took, inside its
// own recover (see runUnraisable), and reports whether it ran. Collect
// looks for runFired's frame on the stack to tell whether a hook called
// it; see firesOnStack.
func runFired(k call, of typed) bool { return runUnraisable(k.r, k.arg, of) }

// fires counts the registry entries being fired anywhere, so that Collect
// can wait for the cleanups that the runtime started before it, and the
// hooks they ran, for Collect's result. Every fire changes the count, and
// the runtime fires on several goroutines at once, so the count is split
// into stripes by the entry's hash, each an atomic in a cache line of its
// own: two cores firing would otherwise pass one line back and forth for
// every death. A mutex is only for the goroutines that wait, which are
// few.
var fires [fireStripes]fireCount

const fireStripes = 64

// A fireCount is one stripe of fires. Its low 32 bits count the fires in
// progress, and its high 32 bits the hooks they ran, modulo 1<<32.
type fireCount struct {
	n atomic.Uint64
	_ [56]byte // the rest of a cache line
}

// hookRan is a hook that ran, in a fireCount.
const hookRan = 1 << 32

// firing is what the goroutines that wait for fires (see waitFires)
// share with the fires that wake them.
var firing struct {
	waiters atomic.Int32 // goroutines in waitFires

	mu   sync.Mutex
	cond sync.Cond
	held int64 // fires whose goroutine waits in a Collect called from their hooks
}

func init() { firing.cond.L = &firing.mu }

// startFire counts a claim (see claim) of the entry of hash h, about to be
// made, and returns the stripe that counts it. The claimer counts it under
// the entry's shard lock, before it removes the entry, so that whoever
// sees the claim, by finding the entry gone or failing to claim it, also
// sees the count: Collect never sees an entry claimed but not counted.
// Counting under the lock, whose acquisition already drained the store
// buffer, costs less than an atomic add on its own, and a claim that
// fails counts nothing. end uncounts it.
func startFire(h uint64) *fireCount {
	c := &fires[h>>32%fireStripes]
	c.n.Add(1)
	return c
}

// end uncounts a fire, counting its last hook if that ran, and wakes the
// goroutines in waitFires. A waiter adds itself to waiters before it reads
// the counts, and end reads waiters after it changed its count, so at
// least one of them sees the other.
func (c *fireCount) end(lastRan bool) {
	d := ^uint64(0) // minus one fire
	if lastRan {
		d += hookRan
	}
	c.n.Add(d)
	if firing.waiters.Load() > 0 {
		firing.mu.Lock()
		firing.cond.Broadcast()
		firing.mu.Unlock()
	}
}

// firesInProgress returns how many fires are under way.
func firesInProgress() int64 {
	var n int64
	for i := range fires {
		n += int64(uint32(fires[i].n.Load()))
	}
	return n
}

// hookCounts is how many hooks ran, per stripe of fires, modulo 1<<32.
type hookCounts [fireStripes]uint32

// hooksRun returns how many hooks ran so far.
func hooksRun() hookCounts {
	var hc hookCounts
	for i := range fires {
		hc[i] = uint32(fires[i].n.Load() >> 32)
	}
	return hc
}

// since returns how many hooks ran between before and now, however often
// a stripe's count wrapped around in between.
func (now hookCounts) since(before hookCounts) int {
	n := 0
	for i := range now {
		n += int(now[i] - before[i])
	}
	return n
}

// waitFires blocks until no entry is being fired. A Collect called from
// a hook passes own, the number of entries its goroutine is firing, and
// then does not wait for those, nor for those of other goroutines that
// wait here too: none of them can finish before its Collect returns.
func waitFires(own int) {
	firing.mu.Lock()
	firing.waiters.Add(1)
	if own > 0 {
		firing.held += int64(own)
		firing.cond.Broadcast() // another may be waiting for just these
	}
	for {
		n := firesInProgress()
		if n == 0 || own > 0 && n <= firing.held {
			break
		}
		firing.cond.Wait()
	}
	firing.held -= int64(own)
	firing.waiters.Add(-1)
	firing.mu.Unlock()
}

// firesOnStack returns how many entries the calling goroutine is firing:
// how many runFired frames its stack holds, inlined or not. Go gives a
// goroutine no identity to ask with, so the stack is the record; Collect,
// which asks, runs a whole garbage collection, next to which the walk
// costs nothing.
func firesOnStack() int {
	pcs := make([]uintptr, 64)
	for {
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	count := 0
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function == runFiredName {
			count++
		}
		if !more {
			return count
		}
	}
}

// runFiredName is runFired's name in a stack trace.
var runFiredName = reflect.TypeFor[call]().PkgPath() + ".runFired"
