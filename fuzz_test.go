package weakref

import "testing"

// The fuzz targets run the differential tests of differential_test.go on
// operations decoded from the fuzzer's bytes: one byte per choice, so
// every input is a valid sequence of operations, and a short input is a
// short sequence. testdata/fuzz holds the seed corpus; CI fuzzes each
// target briefly. A finding becomes a named regression test beside the
// differential tests.
//
//	go test -run '^$' -fuzz '^FuzzWeakValueMap$' -fuzztime 1m

// byteChoices makes choices from fuzz input, then zeros once it runs out.
type byteChoices struct{ b []byte }

func (c *byteChoices) IntN(n int) int {
	if len(c.b) == 0 {
		return 0
	}
	v := int(c.b[0]) % n
	c.b = c.b[1:]
	return v
}

// fuzzSteps bounds a sequence by the input length: an operation reads at
// least two bytes, so later steps would only repeat operation zero.
func fuzzSteps(data []byte) int { return min(len(data)/2, 2000) }

func FuzzWeakValueMap(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		valueMapOps(t, &byteChoices{data}, fuzzSteps(data))
	})
}

func FuzzWeakKeyMap(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		keyMapOps(t, &byteChoices{data}, fuzzSteps(data))
	})
}

func FuzzWeakSet(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		setOps(t, &byteChoices{data}, fuzzSteps(data))
	})
}
