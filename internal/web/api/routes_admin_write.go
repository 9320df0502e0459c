package api

func (h *handlers) adminWriteRoutes() []Route {
	return nil
}
