package weakref

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Bad arguments other than a nil object panic the same way as a nil object
// does, with an error that names the function and the argument, and that
// error does not claim to be ErrNotReferenceable: that sentinel means a
// nil object only.
func TestBadArgumentsPanicWithErrors(t *testing.T) {
	o := newNode(1)
	for want, f := range map[string]func(){
		"weakref: NewWeakMethod: bind is nil": func() { NewWeakMethod[node, func()](o, nil) },
		"weakref: NewFinalize: fn is nil":     func() { NewFinalize[node, int](o, nil, 0) },
		"weakref: NewFinalize: arg is obj, so obj would never be collected": func() {
			NewFinalize(o, func(*node) {}, o)
		},
	} {
		t.Run(want, func(t *testing.T) {
			defer func() {
				err, ok := recover().(error)
				if !ok {
					t.Fatalf("the panic value is not an error")
				}
				if err.Error() != want {
					t.Errorf("panic %q, want %q", err, want)
				}
				if errors.Is(err, ErrNotReferenceable) {
					t.Errorf("panic %q wraps ErrNotReferenceable, which is for nil objects", err)
				}
			}()
			f()
		})
	}
	runtime.KeepAlive(o)
}

// Misuse that panics is tested beside each type: a nil object in every
// storing position (TestNilObjectsPanic, TestWeakValueMapNilPanics,
// TestWeakKeyMapNilPanics, TestWeakSetNilPanics) and NewFinalize with the
// object as its argument (TestFinalizeArgIsObjPanics), each checking that
// nothing was stored. Copying a collection after use is found by go vet
// instead, as for sync.Map; this test runs go vet on such a program.
func TestVetReportsCopiedCollections(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(os.Getenv("GOROOT"), "bin", "go") // set by go test
	}
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module vetcheck\n\ngo 1.24\n\nrequire github.com/goweakref/weakref v0.0.0\n\n"+
		"replace github.com/goweakref/weakref => "+repo+"\n")
	write("main.go", `package main

import "github.com/goweakref/weakref"

type T struct{ p *T }

func main() {
	var vm weakref.WeakValueMap[int, T]
	var km weakref.WeakKeyMap[T, int]
	var s weakref.WeakSet[T]
	t := &T{}
	vm.Store(1, t)
	km.Store(t, 1)
	s.Add(t)
	vm2 := vm
	km2 := km
	s2 := s
	_, _, _ = vm2.Len(), km2.Len(), s2.Len()
}
`)
	cmd := exec.Command(goCmd, "vet", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("go vet passed a program that copies collections:\n%s", out)
	}
	for _, want := range []string{
		"assignment copies lock value to vm2: github.com/goweakref/weakref.WeakValueMap",
		"assignment copies lock value to km2: github.com/goweakref/weakref.WeakKeyMap",
		"assignment copies lock value to s2: github.com/goweakref/weakref.WeakSet",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("go vet output lacks %q:\n%s", want, out)
		}
	}
}
