package weakref

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

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
