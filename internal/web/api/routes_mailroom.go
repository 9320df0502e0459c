package api

func (h *handlers) mailroomRoutes() []Route {
	return nil
}
