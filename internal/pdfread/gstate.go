package pdfread

// MaxGStateDepth bounds the q/Q nesting a content scan remembers; a
// hostile stream could otherwise nest without end.
const MaxGStateDepth = 64

// GStateStack is the q/Q graphics-state stack of a content-stream scan,
// bounded by MaxGStateDepth. A q beyond the bound is counted, not stored,
// so the matching Q still pairs up and the states below stay right.
type GStateStack[T any] struct {
	saved    []T
	overflow int
}

// Save is the q operator: remember the current state.
func (s *GStateStack[T]) Save(cur T) {
	if len(s.saved) < MaxGStateDepth {
		s.saved = append(s.saved, cur)
		return
	}
	s.overflow++
}

// Restore is the Q operator: the state to continue with. An unbalanced Q
// keeps the current state.
func (s *GStateStack[T]) Restore(cur T) T {
	switch {
	case s.overflow > 0:
		s.overflow--
		return cur
	case len(s.saved) > 0:
		top := s.saved[len(s.saved)-1]
		s.saved = s.saved[:len(s.saved)-1]
		return top
	}
	return cur
}
