package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestDemoSmall(t *testing.T) {
	var out, progress bytes.Buffer
	if code := run([]string{"-n", "2000", "-rounds", "3", "-size", "64"}, &out, &progress); code != 0 {
		t.Fatalf("run exited %d; output:\n%s", code, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"4 requests, 3 decodes; cache holds [banner icon logo]",
		"banner's holder lets go, GC: cache holds [icon logo]",
		"cache holds [] (Len 0)",
		"metrics is dropped, GC: notify -> audit, ui",
		"Collect ran 1 finalizer; file removed: true; finalizer alive: false",
		"4. Churn: 3 rounds of 2000 new 64-byte objects",
		"the strong cache grew to 6000 entries",
		"the weak cache stayed at 2000",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q; output:\n%s", want, text)
		}
	}
	// The table: the strong cache gains n entries a round, the weak one
	// holds the n in use.
	for r := 1; r <= 3; r++ {
		var round, strong, weak int
		var sh, sunit, wh, wunit string
		line := tableRow(text, r)
		if _, err := fmt.Sscan(line, &round, &strong, &sh, &sunit, &weak, &wh, &wunit); err != nil {
			t.Fatalf("round %d: cannot read row %q: %v", r, line, err)
		}
		if strong != 2000*r || weak != 2000 {
			t.Errorf("round %d: strong %d, weak %d entries; want %d and 2000", r, strong, weak, 2000*r)
		}
	}
	if !strings.Contains(progress.String(), "WeakValueMap done") {
		t.Errorf("progress lacks the final line: %q", progress.String())
	}
}

// tableRow returns the churn table's row for round r.
func tableRow(text string, r int) string {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 7 && f[0] == fmt.Sprint(r) {
			return line
		}
	}
	return ""
}

func TestDemoRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-n", "0"},
		{"-rounds", "-1"},
		{"-size", "8"},
		{"-bogus"},
		{"extra"},
	} {
		if code := run(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("run(%q) exited %d, want 2", args, code)
		}
	}
}
