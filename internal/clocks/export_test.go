package clocks

// SetSweepChunk makes s's sweeps take at most n due cases a transaction, so
// a test sees a sweep of many transactions without filing hundreds of cases.
func SetSweepChunk(s *Service, n int) { s.chunk = n }
