package api

func (h *handlers) workRoutes() []Route {
	return nil
}
