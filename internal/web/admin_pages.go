package web

func (s *Server) adminPages() []page {
	return nil
}
