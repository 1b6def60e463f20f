package sla

// Unremedied is what ends a remedy clock when every component is settled but
// one the complainant had seen was withdrawn: the deadline is never counted
// as met (internal/stats reads it as late).
const Unremedied = "unremedied"
