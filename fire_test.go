package weakref

import (
	"runtime"
	"testing"
	"time"
)

// Collect tells a call from a hook by the runHooks frames on its stack.
func TestFiresOnStack(t *testing.T) {
	if n := firesOnStack(); n != 0 {
		t.Fatalf("firesOnStack = %d outside any hook, want 0", n)
	}
	inside := -1
	r := NewRefFunc(newNode(1), func(*Ref[node]) { inside = firesOnStack() })
	Collect()
	if inside != 1 {
		t.Fatalf("firesOnStack = %d inside a callback, want 1", inside)
	}
	runtime.KeepAlive(r)
}

// Two goroutines firing a record each, both waiting in a Collect called
// from their hooks, must not wait for each other (before this, each waited
// for the other's fire, and so forever); a Collect that no hook called
// waits for both fires to finish.
func TestWaitFiresSkipsFiresWaitingInCollect(t *testing.T) {
	defer watchdog(t, time.Minute)()
	fired := []*fireCount{startFire(1 << 32), startFire(2 << 32)} // two fires under way
	outer := make(chan struct{})
	go func() {
		waitFires(0)
		close(outer)
	}()
	early := make(chan bool, 2)
	for _, c := range fired {
		go func() {
			waitFires(1) // as a Collect called from the fire's hook does
			select {
			case <-outer: // cannot be: this goroutine's fire has not ended
				early <- true
			default:
				early <- false
			}
			c.end(true) // the hook returns, and the fire ends
		}()
	}
	first, second := <-early, <-early
	if first || second {
		t.Fatal("waitFires(0) returned while records were being fired")
	}
	<-outer
}

// Collect's result counts the hooks run in each stripe of fires modulo
// 1<<32, so that a stripe whose count wrapped around still adds what ran.
func TestHookCountsSinceWrap(t *testing.T) {
	var before, now hookCounts
	before[3], now[3] = 1<<32-2, 1 // three hooks, across the wrap
	before[9], now[9] = 5, 9       // four more
	if n := now.since(before); n != 7 {
		t.Fatalf("since = %d, want 7", n)
	}
}
