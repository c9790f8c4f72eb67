package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/goweakref/weakref"
)

// An Image stands for an object that is expensive to build and worth
// sharing while someone uses it.
type Image struct {
	name   string
	pixels []byte
}

//go:noinline
func decode(name string) *Image {
	return &Image{name: name, pixels: make([]byte, 64<<10)}
}

// cacheDemo is the reference text's cache: a WeakValueMap that hands out
// the image its holders already have, and forgets it once they let go.
func cacheDemo(out io.Writer) error {
	fmt.Fprintln(out, "1. A weak-value cache empties as holders let go")
	var cache weakref.WeakValueMap[string, Image]
	decodes := 0
	get := func(name string) *Image {
		img, _ := cache.LoadOrCompute(name, func() *Image {
			decodes++
			return decode(name)
		})
		return img
	}

	holders := map[string]*Image{}
	for _, name := range []string{"logo", "banner", "icon", "logo"} {
		holders[name] = get(name)
	}
	fmt.Fprintf(out, "   4 requests, %d decodes; cache holds %s\n", decodes, keys(&cache))

	delete(holders, "banner")
	runtime.GC()
	fmt.Fprintf(out, "   banner's holder lets go, GC: cache holds %s\n", keys(&cache))

	clear(holders)
	runtime.GC()
	fmt.Fprintf(out, "   every holder lets go, GC:   cache holds %s (Len %d)\n", keys(&cache), cache.Len())
	if cache.Len() != 0 {
		return fmt.Errorf("cache still holds %d images", cache.Len())
	}
	return nil
}

func keys(m *weakref.WeakValueMap[string, Image]) string {
	ks := slices.Sorted(m.Keys())
	return "[" + strings.Join(ks, " ") + "]"
}

// An Observer receives notifications while something else keeps it alive.
type Observer struct {
	name string
	seen int
}

//go:noinline
func newObserver(name string) *Observer { return &Observer{name: name} }

// observerDemo is the observer list: a WeakSet of observers that drops
// each one its owner drops, with no unsubscribe call.
func observerDemo(out io.Writer) error {
	fmt.Fprintln(out, "2. Observers vanish from a weak set")
	var observers weakref.WeakSet[Observer]
	owned := []*Observer{newObserver("audit"), newObserver("metrics"), newObserver("ui")}
	for _, o := range owned {
		observers.Add(o)
	}
	notify := func() string {
		var names []string
		for o := range observers.All() {
			o.seen++
			names = append(names, o.name)
		}
		slices.Sort(names)
		return strings.Join(names, ", ")
	}
	fmt.Fprintf(out, "   notify -> %s\n", notify())

	owned[1] = nil // the metrics component shuts down
	runtime.GC()
	got := notify()
	fmt.Fprintf(out, "   metrics is dropped, GC: notify -> %s\n", got)
	runtime.KeepAlive(owned) // the other components still run
	if got != "audit, ui" {
		return fmt.Errorf("observers after GC: %s", got)
	}
	return nil
}

// A Resource owns an operating-system file that must be closed when the
// resource is no longer used.
type Resource struct {
	file *os.File
}

// finalizerDemo is finalize: a temporary file closed and removed when its
// owner is collected. The finalizer's argument is the file, not the
// Resource, so it does not keep the Resource alive.
func finalizerDemo(out io.Writer) error {
	fmt.Fprintln(out, "3. A finalizer closes a resource")
	f, err := os.CreateTemp("", "weakdemo-*.tmp")
	if err != nil {
		return err
	}
	path := f.Name()
	res := &Resource{file: f}
	fin := weakref.NewFinalize(res, func(f *os.File) {
		f.Close()
		os.Remove(f.Name())
	}, f)
	fmt.Fprintf(out, "   resource opened a temporary file; finalizer alive: %v\n", fin.Alive())

	res = nil
	ran := weakref.Collect()
	_, statErr := os.Stat(path)
	removed := os.IsNotExist(statErr)
	fmt.Fprintf(out, "   resource dropped, Collect ran %d finalizer; file removed: %v; finalizer alive: %v\n",
		ran, removed, fin.Alive())
	if !removed || fin.Alive() {
		return fmt.Errorf("finalizer did not close %s", path)
	}
	return nil
}
