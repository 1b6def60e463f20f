package frontend

// staffRoutes are the reviewers' pages: the queue and the case workspace.
func (w *Web) staffRoutes() []route {
	return nil
}
