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
func (r *record[T]) fire() int {
	startFire()
	defer endFire()
	sh := claim(r, r.hash)
	if sh == nil {
		return 0
	}
	var one [1]call // most objects have one hook: no allocation for them
	calls := r.takeHooks(one[:0])
	sh.mu.Unlock()
	return runHooks(calls, r)
}

// hooksRun counts the callbacks and finalizers run by fire, for Collect.
var hooksRun atomic.Uint64

// A call is what a hook does when its object dies: a runner and what it
// runs with. It holds both as interfaces of pointers rather than as a
// closure over them, so that taking a hook allocates nothing: a closure
// returned by take would escape to the heap, one allocation per callback
// in every death.
type call struct {
	r   runner
	arg any // the callback a callback Ref or Proxy had when it was taken
	// what names the hook in a report of its panic, as in "finalizer";
	// the object's type is added only then, to keep formatting off the
	// path of every callback.
	what string
}

// A runner is a Ref or Proxy whose callback was taken, or a finalizer.
type runner interface {
	// runTaken runs the hook, given the call's arg, and reports whether
	// it did: a finalizer that was called or detached since it was taken
	// does nothing.
	runTaken(arg any) bool
}

func (c call) run() bool { return c.r.runTaken(c.arg) }

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

// runHooks runs calls in order, each inside its own recover, and returns
// how many ran. Collect looks for its frame on the stack to tell whether a
// hook called it; see firesOnStack.
func runHooks(calls []call, of typed) int {
	n := 0
	for _, c := range calls {
		if runUnraisable(c.run, c.what, of) {
			n++
			hooksRun.Add(1)
		}
	}
	return n
}

// firing counts the registry entries being fired anywhere, so that
// Collect can wait for cleanups that the runtime started before it. Every
// fire changes the count, so it is an atomic rather than a counter under a
// mutex that every fire in the process would take; the mutex is for the
// goroutines that wait, which are few.
var firing struct {
	n       atomic.Int64 // entries being claimed or fired
	waiters atomic.Int32 // goroutines in waitFires

	mu   sync.Mutex
	cond sync.Cond
	held int64 // records whose goroutine waits in a Collect called from their hooks
}

func init() { firing.cond.L = &firing.mu }

// startFire counts a claim (see claim) about to be made. Whoever makes one
// counts it first, so that whoever sees the claim also sees the count:
// Collect never sees an entry claimed but not counted. endFire uncounts
// it, whether or not the claim succeeded.
func startFire() { firing.n.Add(1) }

// endFire uncounts a claim and wakes the goroutines in waitFires. A waiter
// adds itself to waiters before it reads n, and endFire reads waiters
// after it changed n, so at least one of them sees the other.
func endFire() {
	firing.n.Add(-1)
	if firing.waiters.Load() > 0 {
		firing.mu.Lock()
		firing.cond.Broadcast()
		firing.mu.Unlock()
	}
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
		n := firing.n.Load()
		if n == 0 || own > 0 && n <= firing.held {
			break
		}
		firing.cond.Wait()
	}
	firing.held -= int64(own)
	firing.waiters.Add(-1)
	firing.mu.Unlock()
}

// firesOnStack returns how many records the calling goroutine is firing:
// how many runHooks frames its stack holds. Go gives a goroutine no
// identity to ask with, so the stack is the record; Collect, which asks,
// runs a whole garbage collection, next to which the walk costs nothing.
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
		if f.Function == runHooksName {
			count++
		}
		if !more {
			return count
		}
	}
}

// runHooksName is runHooks' name in a stack trace.
var runHooksName = reflect.TypeFor[call]().PkgPath() + ".runHooks"
