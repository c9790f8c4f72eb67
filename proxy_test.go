package weakref

import (
	"errors"
	"runtime"
	"testing"
)

func TestProxyCallbackAndValue(t *testing.T) {
	o := newNode(7)
	var got *Proxy[node]
	p := NewProxyFunc(o, func(p *Proxy[node]) { got = p })
	shared := NewProxy(o)
	if p.Callback() == nil || shared == p || NewProxy(o) != shared {
		t.Fatal("proxy sharing or Callback is wrong")
	}
	if v, err := p.Value(); v != o || err != nil {
		t.Fatalf("Value = %v, %v", v, err)
	}
	if p.MustValue() != o {
		t.Fatal("MustValue did not return the object")
	}
	o = nil
	Collect()
	if got != p {
		t.Fatal("proxy callback did not get its proxy")
	}
	if _, err := p.Value(); !errors.Is(err, ErrReferenceError) {
		t.Fatalf("dead proxy Value error = %v, want ErrReferenceError", err)
	}
	mustPanicWith(t, ErrReferenceError, "no longer exists", func() { p.MustValue() })
}

func TestProxyEqual(t *testing.T) {
	a, b := newNode(1), newNode(2)
	pa, pa2, pb := NewProxy(a), NewProxyFunc(a, func(*Proxy[node]) {}), NewProxy(b)
	if !pa.Equal(pa2) || pa.Equal(pb) || pa.Equal(nil) {
		t.Fatal("Equal on live Proxies does not compare objects")
	}
	runtime.KeepAlive(a)
	a = nil
	runtime.GC()
	if pa.Equal(pa2) || !pa.Equal(pa) {
		t.Fatal("Equal on dead Proxies does not compare identity")
	}
	runtime.KeepAlive(b)
}

func TestProxyPointerIsStableAfterDeath(t *testing.T) {
	o := newNode(1)
	p1, p2, r := NewProxy(o), NewProxyFunc(o, func(*Proxy[node]) {}), NewRef(o)
	m := map[any]int{p1.Pointer(): 1}
	o = nil
	runtime.GC()
	if m[p2.Pointer()] != 1 || p1.Pointer() != r.Pointer() || p1.Pointer().Value() != nil {
		t.Fatal("Pointer is not stable, comparable, shared with Refs and dead")
	}
}

func TestProxyDone(t *testing.T) {
	p := NewProxy(newNode(1))
	done := p.Done()
	select {
	case <-done:
		t.Fatal("Done closed while the object lives")
	default:
	}
	Collect()
	<-done     // closed by Collect
	<-p.Done() // and stays closed
}
