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
	startFire() // two fires under way
	startFire()
	outer := make(chan struct{})
	go func() {
		waitFires(0)
		close(outer)
	}()
	early := make(chan bool, 2)
	for range 2 {
		go func() {
			waitFires(1) // as a Collect called from the fire's hook does
			select {
			case <-outer: // cannot be: this goroutine's fire has not ended
				early <- true
			default:
				early <- false
			}
			endFire() // the hook returns, and the fire ends
		}()
	}
	first, second := <-early, <-early
	if first || second {
		t.Fatal("waitFires(0) returned while records were being fired")
	}
	<-outer
}
