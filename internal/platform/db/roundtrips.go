package db

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// roundTrips counts the round trips to PostgreSQL of every pool Open made
// in this process.
var roundTrips atomic.Int64

// RoundTrips is how many round trips the pools Open made in this process
// have taken since it started: each statement sent alone (BEGIN and COMMIT
// included), each batch (Reads, Write) and each statement pgx prepared on
// its own. A batch with statements its connection has not prepared yet takes
// one more, as does a ping of a connection idle for a second or more; neither
// is counted. The bench divides it by the cases filed (BENCHMARKS.md).
func RoundTrips() int64 { return roundTrips.Load() }

// roundTripTracer counts round trips (pgx's query, batch and prepare tracers).
type roundTripTracer struct{}

func (roundTripTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	roundTrips.Add(1)
	return ctx
}

func (roundTripTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (roundTripTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	roundTrips.Add(1)
	return ctx
}

func (roundTripTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (roundTripTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (roundTripTracer) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	return ctx
}

func (roundTripTracer) TracePrepareEnd(_ context.Context, _ *pgx.Conn, data pgx.TracePrepareEndData) {
	if !data.AlreadyPrepared {
		roundTrips.Add(1)
	}
}
