package weakref

import "testing"

func TestGodebugPositive(t *testing.T) {
	for godebug, want := range map[string]bool{
		"":                                    false,
		"checkfinalizers=1":                   true,
		"checkfinalizers=2":                   true,
		"checkfinalizers=0":                   false,
		"gctrace=1,checkfinalizers=1":         true,
		"checkfinalizers=1,checkfinalizers=0": false,
		"checkfinalizers=1,checkfinalizers=x": true,
		"xcheckfinalizers=1":                  false,
	} {
		if got := godebugPositive(godebug, "checkfinalizers"); got != want {
			t.Errorf("godebugPositive(%q) = %v, want %v", godebug, got, want)
		}
	}
}
