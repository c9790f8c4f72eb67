package weakref_test

import (
	"fmt"
	"runtime"

	"github.com/goweakref/weakref"
)

// Peer is the object of the Proxy examples. It holds a pointer (the
// string's), so the runtime never batches it with other tiny allocations
// and it is collected on time.
type Peer struct{ name string }

// newPeer is not inlined, so that no hidden stack slot of the caller
// keeps the Peer alive.
//
//go:noinline
func newPeer(name string) *Peer { return &Peer{name: name} }

func ExampleProxy_Pointer() {
	peer := newPeer("a")
	seen := map[any]string{weakref.NewProxy(peer).Pointer(): "first"}
	p := weakref.NewProxyFunc(peer, func(*weakref.Proxy[Peer]) {})
	fmt.Println(p.Pointer() == weakref.NewRef(peer).Pointer()) // Refs and Proxies agree
	peer = nil
	runtime.GC()
	fmt.Println(seen[p.Pointer()]) // still a usable key after death
	// Output:
	// true
	// first
}

func ExampleProxy_Equal() {
	peer := newPeer("a")
	p1 := weakref.NewProxy(peer)
	p2 := weakref.NewProxyFunc(peer, func(*weakref.Proxy[Peer]) {})
	fmt.Println(p1 == p2, p1.Equal(p2)) // distinct Proxies to one live object
	peer = nil
	runtime.GC()
	fmt.Println(p1.Equal(p2), p1.Equal(p1)) // once it is dead, only identity counts
	// Output:
	// false true
	// false true
}

func ExampleProxy_Done() {
	p := weakref.NewProxy(newPeer("a"))
	done := p.Done()
	weakref.Collect()
	select {
	case <-done:
		fmt.Println("the peer was collected")
	default:
		fmt.Println("the peer is still alive")
	}
	// Output: the peer was collected
}
