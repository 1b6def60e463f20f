package frontend

// bodyRoutes are the independent bodies' portal.
func (w *Web) bodyRoutes() []route {
	return nil
}
