package frontend

// complainantRoutes are the complainant's pages: the start page, the register, the procedure, the bodies, the complaint form and receipt, and the follow-up page.
func (w *Web) complainantRoutes() []route {
	return nil
}
