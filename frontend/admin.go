package frontend

// adminRoutes are the administrators' pages.
func (w *Web) adminRoutes() []route {
	return nil
}
