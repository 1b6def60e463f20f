package routing

// RuleReads is how often s's routing has read the rules.
func (s *Service) RuleReads() int64 { return s.ruleReads.Load() }
