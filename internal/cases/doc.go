// Package cases is the case core: it owns the cases table (its GORM model
// Case, the named vocabularies of its columns, the status machine and every
// write to the table). Other packages read a case however they need to, but
// write one only through this package: the row a filing first writes
// (Insert), the status move (a conditional UPDATE whose WHERE clause allows
// only the moves of case_transitions, which a trigger on the table enforces
// too), locking a case row, claiming the next case of a queue, routing,
// assignment, priority, appeal fields and the earliest running due date
// (next_due_at) the clocks keep.
//
// Every function that writes takes the transaction handle explicitly (tx
// *gorm.DB): the caller that opened the transaction passes it.
//
// The package publishes no event of its own; the callers that change a case
// add the outbox rows of their events in the same transaction.
package cases
