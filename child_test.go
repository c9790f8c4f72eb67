package weakref

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The child tests run this test binary again as a plain program, chosen
// by WEAKREF_CHILD, for what only a whole process can show: what the
// runtime reports at a collection, and what happens when main returns.
func TestMain(m *testing.M) {
	child, ok := children[os.Getenv("WEAKREF_CHILD")]
	if !ok {
		os.Exit(m.Run())
	}
	child()
	os.Exit(0) // main returns
}

var children = map[string]func(){
	"every-type":           everyTypeMain,
	"leaky":                leakyMain,
	"leaky-callback":       leakyCallbackMain,
	"leaky-proxy-callback": leakyProxyCallbackMain,
	"leaky-finalizer-fn":   leakyFinalizerFnMain,
	"check-reach-self":     checkReachSelfMain,
	"leaky-weakkeymap":     leakyWeakKeyMapMain,
	"value-keeps-key":      valueKeepsKeyMain,
	"shutdown":             shutdownMain,
	"no-shutdown":          noShutdownMain,
	"collect-in-callback":  collectInCallbackMain,
}

// runChild runs the named child with extra environment and returns its
// combined output and error.
func runChild(t *testing.T, name string, env ...string) (string, error) {
	t.Helper()
	out, err := childCmd(name, env).CombinedOutput()
	return string(out), err
}

// runChildStdout is runChild for children whose output is compared whole:
// it returns standard output alone, since the runtime writes its own lines
// there (such as checkfinalizers' at every collection, when the suite
// runs under GODEBUG=checkfinalizers=1). A failing child's standard error
// is in the error.
func runChildStdout(t *testing.T, name string, env ...string) (string, error) {
	t.Helper()
	cmd := childCmd(name, env)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		err = fmt.Errorf("%w; standard error:\n%s", err, stderr.String())
	}
	return string(out), err
}

func childCmd(name string, env []string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "WEAKREF_CHILD="+name)...)
	return cmd
}

// everyTypeMain uses every type correctly, lets objects die, and collects
// several times, so that the runtime's checks look at every kind of record
// this package makes.
func everyTypeMain() {
	var vm WeakValueMap[int, node]
	var km WeakKeyMap[node, string]
	var ws WeakSet[node]
	live := []*node{newNode(1), newNode(2), newNode(3)}
	for round := range 3 {
		for i, o := range live {
			NewRef(o)
			NewRefFunc(o, func(*Ref[node]) {})
			NewProxyFunc(o, func(*Proxy[node]) {})
			NewWeakMethod(o, func(o *node) func() int { return func() int { return o.a } })
			NewFinalize(o, func(s string) {}, "side data, not the object")
			vm.Store(i, o)
			km.Store(o, "value")
			ws.Add(o)
		}
		dying := newNode(100 + round)
		NewRefFunc(dying, func(*Ref[node]) {})
		NewFinalize(dying, func(int) {}, round)
		vm.Store(100+round, dying)
		dying = nil
		Collect()
	}
	fmt.Println("every type used:", vm.Len(), km.Len(), ws.Len())
	runtime.KeepAlive(live)
}

// holder lets leakyMain hide the object inside the finalizer's argument,
// where NewFinalize's own check cannot see it.
type holder struct{ n *node }

// leakyMain is the negative control: a finalizer whose argument refers to
// its object, which keeps the object alive forever.
func leakyMain() {
	o := newNode(1)
	NewFinalize(o, func(holder) {}, holder{o})
	o = nil
	runtime.GC()
	runtime.GC()
}

// leakyCallbackMain keeps a Ref whose callback refers to its object,
// which keeps the object alive for as long as the Ref lives. The record
// holds the Ref weakly, so only checkReach lets the runtime see it.
func leakyCallbackMain() {
	keep = leakyRef(newNode(1))
	runtime.GC()
	runtime.GC()
}

//go:noinline
func leakyRef(o *node) any { return NewRefFunc(o, func(*Ref[node]) { _ = o.a }) }

// leakyProxyCallbackMain is leakyCallbackMain with a Proxy.
func leakyProxyCallbackMain() {
	keep = leakyProxy(newNode(1))
	runtime.GC()
	runtime.GC()
}

//go:noinline
func leakyProxy(o *node) any { return NewProxyFunc(o, func(*Proxy[node]) { _ = o.a }) }

// leakyFinalizerFnMain makes a finalizer whose function refers to its
// object, which keeps the object alive forever.
func leakyFinalizerFnMain() {
	leakyFinalizer(newNode(1))
	runtime.GC()
	runtime.GC()
}

//go:noinline
func leakyFinalizer(o *node) { NewFinalize(o, func(int) { _ = o.a }, 0) }

// checkReachSelfMain hands checkReach the object itself, as a WeakKeyMap
// whose value is its own key would: the runtime must report it, not make
// AddCleanup panic.
func checkReachSelfMain() {
	o := newNode(1)
	keep = o
	checkReach(o, o)
	runtime.GC()
}

// leakyWeakKeyMapMain stores a value that refers to its own key, which
// keeps the key alive as long as the entry exists (no ephemerons).
func leakyWeakKeyMapMain() {
	var km WeakKeyMap[node, holder]
	o := newNode(1)
	km.Store(o, holder{o})
	keep = &km
	o = nil
	runtime.GC()
	runtime.GC()
}

// valueKeepsKeyMain stores two values that reach their keys and drops
// the keys: without ephemerons, both stay alive.
func valueKeepsKeyMain() {
	var m WeakKeyMap[node, *node]
	func() {
		k := newNode(1)
		m.Store(k, k)
		k2 := newNode(2)
		m.Store(k2, &node{next: k2})
	}()
	runtime.GC()
	runtime.GC()
	fmt.Println("keys alive:", m.Len())
}

// keep holds what a leaky child keeps, as a program's state would.
var keep any

// Under checkfinalizers=1 the runtime reports, naming the object's type,
// every way a program can keep an object alive through this package: a
// Ref's or Proxy's callback, a finalizer's function or its argument, or a
// WeakKeyMap value that reaches the object. Before, only the finalizer's
// cases were reported: the record holds callbacks weakly, through their
// Refs, and a WeakKeyMap held its values in its own slots.
func TestCheckFinalizersReportsLeaks(t *testing.T) {
	for _, child := range []string{"leaky-callback", "leaky-proxy-callback", "leaky-finalizer-fn", "leaky", "check-reach-self", "leaky-weakkeymap"} {
		t.Run(child, func(t *testing.T) {
			out, err := runChild(t, child, "GODEBUG=checkfinalizers=1")
			for _, want := range []string{
				"detected possible issues",
				"Value of type weakref.node at",
				"is reachable from cleanup or cleanup argument",
			} {
				if err == nil || !strings.Contains(out, want) {
					t.Fatalf("no report %q: %v\n%s", want, err, out)
				}
			}
		})
	}
}

// With checkfinalizers=1 the runtime checks every cleanup at each
// collection and ends the program if an object is reachable from its own
// cleanup. A program using every type correctly must get no report; the
// leaky control proves that the check is on and sees through this
// package's records.
func TestCheckFinalizersReportsNothing(t *testing.T) {
	out, err := runChild(t, "every-type", "GODEBUG=checkfinalizers=1")
	if err != nil || strings.Contains(out, "detected possible issues") || !strings.Contains(out, "every type used: 3 3 3") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	out, err = runChild(t, "leaky", "GODEBUG=checkfinalizers=1")
	if err == nil || !strings.Contains(out, "detected possible issues") || !strings.Contains(out, "is reachable from") {
		t.Fatalf("the leaky control was not reported: %v\n%s", err, out)
	}
}

// program holds the child's long-lived objects, as a real program's
// package-level state would.
var program []*node

// shutdownMain is a program that ends main with defer Shutdown: its atexit
// finalizers run newest first, each once; the one run early, the detached
// one and the one not atexit do not run at exit.
func shutdownMain() {
	defer Shutdown()
	say := func(s string) { fmt.Println(s) }
	for i := range 6 {
		program = append(program, newNode(i))
	}
	NewFinalize(program[0], say, "finalizer 1")
	NewFinalize(program[1], say, "finalizer 2")
	NewFinalize(program[1], say, "finalizer 3")
	NewFinalize(program[2], say, "called early").Call()
	NewFinalize(program[3], say, "detached").Detach()
	NewFinalize(program[4], say, "not atexit").SetAtexit(false)
	NewFinalize(program[5], say, "finalizer 4")
	fmt.Println("main returns")
}

// noShutdownMain is the same program without Shutdown: Go runs nothing
// at exit.
func noShutdownMain() {
	program = append(program, newNode(0))
	NewFinalize(program[0], func(string) { fmt.Println("finalizer ran") }, "")
	fmt.Println("main returns")
}

func TestShutdownAtMainReturn(t *testing.T) {
	out, err := runChild(t, "shutdown")
	want := "called early\nmain returns\nfinalizer 4\nfinalizer 3\nfinalizer 2\nfinalizer 1\n"
	if err != nil || out != want {
		t.Fatalf("child: %v; output:\n%s\nwant:\n%s", err, out, want)
	}
	out, err = runChild(t, "no-shutdown")
	if err != nil || out != "main returns\n" {
		t.Fatalf("child without Shutdown: %v; output:\n%s", err, out)
	}
}

// within runs f, and ends the child with a message if f has not returned
// within a minute: the child tests detect a hang this way, since a hung
// test binary would tell nothing.
func within(what string, f func()) {
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		fmt.Println(what, "hung")
		os.Exit(1)
	}
}

// collectInCallbackMain calls Collect from a callback that the runtime
// started and from one that Collect started. Each inner Collect runs the
// finalizer that became due inside the callback and returns; the
// runtime's cleanups go on, and later Collects return.
func collectInCallbackMain() {
	inner := make(chan int, 1)
	r1 := NewRefFunc(newNode(1), func(*Ref[node]) {
		NewFinalize(newNode(2), func(int) {}, 0)
		inner <- Collect()
	})
	runtime.GC() // the runtime starts the callback
	within("the runtime-started callback's Collect", func() {
		fmt.Println("runtime-started callback: its Collect returned", <-inner)
	})

	other := make(chan struct{})
	runtime.AddCleanup(newNode(3), func(c chan struct{}) { close(c) }, other)
	runtime.GC()
	within("another runtime cleanup", func() { <-other })
	fmt.Println("other runtime cleanups still run")
	within("a later Collect", func() { Collect() })
	fmt.Println("a later Collect returned")

	var n int
	r2 := NewRefFunc(newNode(4), func(*Ref[node]) {
		NewFinalize(newNode(5), func(int) {}, 0)
		inner <- Collect()
	})
	within("a Collect whose callback calls Collect", func() { n = Collect() })
	fmt.Println("Collect-started callback: its Collect returned", <-inner, "and the outer one", n)
	runtime.KeepAlive(r1)
	runtime.KeepAlive(r2)
}

// Collect called from a callback used to wait for that callback forever;
// when the runtime had started it, the runtime's cleanup goroutine stayed
// stuck, so every other cleanup of the process stopped and later Collects
// hung. Now it runs what is due without waiting for its caller.
func TestCollectFromACallback(t *testing.T) {
	out, err := runChildStdout(t, "collect-in-callback")
	want := "runtime-started callback: its Collect returned 1\n" +
		"other runtime cleanups still run\n" +
		"a later Collect returned\n" +
		"Collect-started callback: its Collect returned 1 and the outer one 2\n"
	if err != nil || out != want {
		t.Fatalf("child: %v; output:\n%s\nwant:\n%s", err, out, want)
	}
}
