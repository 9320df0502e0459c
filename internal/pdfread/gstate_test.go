package pdfread

import "testing"

func TestGStateStack(t *testing.T) {
	var s GStateStack[int]
	s.Save(1)
	s.Save(2)
	if got := s.Restore(3); got != 2 {
		t.Fatalf("Restore = %d, want 2", got)
	}
	if got := s.Restore(2); got != 1 {
		t.Fatalf("Restore = %d, want 1", got)
	}
	if got := s.Restore(7); got != 7 {
		t.Fatalf("unbalanced Q changed the state to %d", got)
	}
	// Past the bound, q is counted so that Q pairs with it.
	for i := range MaxGStateDepth + 3 {
		s.Save(i)
	}
	for range 3 {
		if got := s.Restore(-1); got != -1 {
			t.Fatalf("Q of an uncounted q restored %d", got)
		}
	}
	if got := s.Restore(-1); got != MaxGStateDepth-1 {
		t.Fatalf("Restore after the overflow = %d, want %d", got, MaxGStateDepth-1)
	}
}
