package weakref

import (
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// checkFinalizers reports whether the program started with
// GODEBUG=checkfinalizers set to a positive number. The runtime then
// checks, at every collection, that no object is reachable from its own
// cleanups, and ends the program with a report naming the object's type
// if one is. It is read once, at start-up, as the runtime reads it.
var checkFinalizers = godebugPositive(os.Getenv("GODEBUG"), "checkfinalizers")

// godebugPositive reports whether the comma-separated GODEBUG settings
// give key a positive number. As in the runtime, the last setting that
// parses wins.
func godebugPositive(godebug, key string) bool {
	on := false
	for _, kv := range strings.Split(godebug, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			if n, err := strconv.Atoi(v); err == nil {
				on = n > 0
			}
		}
	}
	return on
}

// checkReach shows the runtime's checkfinalizers a value that the package
// keeps for obj where no cleanup of obj's reaches it, such as a
// WeakKeyMap value. When the check is on, it attaches to obj a cleanup
// that does nothing and whose argument holds a, so that the runtime
// reports obj if a reaches it. When the check is off it does nothing, so
// only programs that ask for the check pay for it: the cleanup keeps a
// alive until obj dies, obj gains a cleanup per call, and the runtime's
// check walks the heap once per cleanup at every collection. Call it once
// per stored value, not per operation. (Callbacks of Refs and Proxies do
// not need it: see heldCallbackHook.)
//
// a is boxed, so that a == obj is reported, like any other a that reaches
// obj, instead of making AddCleanup panic.
func checkReach[T, A any](obj *T, a A) {
	if checkFinalizers && mayReach(reflect.TypeFor[A]()) {
		holdFor(obj, a)
	}
}

// holdFor is checkReach's cleanup. It is a function of its own because
// taking &a moves a to the heap on every call of the function that does
// it, check or not.
func holdFor[T, A any](obj *T, a A) {
	runtime.AddCleanup(obj, noop[*A], &a)
}

// mayReach reports whether a value of type t can hold a pointer to an
// object. A value that cannot, such as an int or a string, cannot reach
// obj, and checkReach leaves it alone: a program that stores and deletes
// such values for one long-lived key a million times then adds no
// cleanup to it.
func mayReach(t reflect.Type) bool {
	if v, ok := reaches.Load(t); ok {
		return v.(bool)
	}
	v := mayReachType(t, map[reflect.Type]bool{})
	reaches.Store(t, v)
	return v
}

var reaches sync.Map // reflect.Type -> bool

func mayReachType(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false // a recursive type reaches nothing through itself alone
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array, reflect.Slice:
		return mayReachType(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if mayReachType(t.Field(i).Type, seen) {
				return true
			}
		}
		return false
	}
	return true // pointers, maps, channels, functions, interfaces
}

func noop[A any](A) {}
