package web

func (s *Server) workPages() []page {
	return nil
}
