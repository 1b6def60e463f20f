package frontend

// dashboardRoutes are the supervisors' dashboard.
func (w *Web) dashboardRoutes() []route {
	return nil
}
