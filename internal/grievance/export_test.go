package grievance

// DrawReferencesWith makes s draw new cases' references with draw.
func DrawReferencesWith(s *Service, draw func() (string, error)) { s.newReference = draw }
