package weakref

import (
	"runtime"
	"testing"
	"time"
)

// Collect tells a call from a hook by the runFired frames on its stack:
// one in the hook of a lone entry or of a record, and none in a finalizer
// that Shutdown runs, which is no fire.
func TestFiresOnStack(t *testing.T) {
	if n := firesOnStack(); n != 0 {
		t.Fatalf("firesOnStack = %d outside any hook, want 0", n)
	}
	lone, inRecord, atExit := -1, -1, -1
	r1 := NewRefFunc(newNode(1), func(*Ref[node]) { lone = firesOnStack() })
	o := newNode(2)
	shared := NewRef(o) // with a callback Ref too, o has a record
	r2 := NewRefFunc(o, func(*Ref[node]) { inRecord = firesOnStack() })
	if _, ok := registeredFor(o).(*record[node]); !ok {
		t.Fatal("the object with two Refs has no record")
	}
	o = nil
	Collect()
	if lone != 1 || inRecord != 1 {
		t.Fatalf("firesOnStack = %d in a lone entry's callback, %d in a record's, want 1 and 1", lone, inRecord)
	}
	kept := newNode(3)
	NewFinalize(kept, func(struct{}) { atExit = firesOnStack() }, struct{}{})
	Shutdown() // runs the finalizer: Atexit is true by default
	if atExit != 0 {
		t.Fatalf("firesOnStack = %d in a finalizer that Shutdown ran, want 0", atExit)
	}
	runtime.KeepAlive(r1)
	runtime.KeepAlive(r2)
	runtime.KeepAlive(shared)
	runtime.KeepAlive(kept)
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
