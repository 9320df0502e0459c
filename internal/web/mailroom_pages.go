package web

func (s *Server) mailroomPages() []page {
	return nil
}
