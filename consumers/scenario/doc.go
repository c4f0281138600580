// Package scenario is the scenario worker (`aurum worker`, consumer group
// aurum-scenario-worker): it executes the run requests of
// aurum.scenario.request.v1 with the model of internal/scenario, keeps the
// run's state on its scenario_run row, writes the outputs to
// scenario_output, and publishes the outputs and the terminal RunEvent to
// aurum.scenario.output.v1 and aurum.scenario.run.v1 in the same Kafka
// transaction as the request's offset commit (franz-go's
// GroupTransactSession, as in its examples/transactions).
//
// # A request
//
// The worker polls requests into a backlog (up to Config.Backlog) and
// starts a run whenever one of Config.Concurrency slots is free: the next
// tenant's turn, round-robin over the tenants (their aurum.tenant header)
// in the backlog, each tenant's runs in poll order, at most
// Config.TenantConcurrency of one tenant while another has a run waiting.
// A tenant's run so waits for a slot, not for the burst another tenant
// requested before it, which lies ahead of it in every partition. The
// requests of one run id are handled in turn by one goroutine, and a run id
// is not started again while its requests execute or await their commit.
//
// Whenever runs have ended, those that ended commit in one Kafka
// transaction: their outputs and terminal events, and the request offsets.
// Since runs end out of log order, the transaction commits each
// partition's offset only up to the first request of that partition still
// in the backlog or executing (kgo.PreTxnCommitFnContext lowers what the
// client would commit: everything it polled), and keeps every polled
// partition in the commit. A crash or a rebalance so delivers every
// unfinished request again, and some finished ones, which their rows then
// say are done. A run's terminal event waits for its own run and the
// transaction in hand, not for runs started with it. The worker holds the
// outputs of at most Concurrency runs; they are written in one statement
// per run of up to 5,000 outputs. Every second the worker stops starting
// runs until those in flight have committed, so that a rebalance, which
// it blocks while it holds polled requests, can proceed.
//
// For each request the worker loads the run as the request's tenant
// (row-level security):
//
//   - terminal and terminal_published_at set: nothing to do; the offset
//     commits with the next transaction.
//   - terminal, not marked: its terminal event (and, for SUCCEEDED, its
//     outputs read back from scenario_output) is published again, unless the
//     run topic already holds it (see below).
//   - QUEUED or RUNNING: a new attempt starts (attempt+1, state RUNNING,
//     started_at from the database) and a RUNNING RunEvent goes out at once
//     through a separate, non-transactional idempotent producer, so
//     subscribers see it while the run works. The steps follow — "load"
//     (the base curves), "compute" (curve by curve), "write" — and before
//     each step, and every Config.CheckEvery curves of "compute", the worker
//     checks cancel_requested_at and the attempt's deadline (started_at +
//     timeout_seconds), at most once per Config.CheckInterval unless a
//     step hook ran. Outputs are written only by the final database
//     transaction, which also sets SUCCEEDED, completed_at and output_count
//     and re-checks cancellation and the deadline under the row lock: a
//     CANCELLED or TIMED_OUT run has no output rows.
//
// The scenario's curve filter is not in the ScenarioRequest record: the
// worker reads it from the scenario row (scenario_id, same tenant). The
// API has no update of a scenario, so the row is the definition the run
// was requested with; a row whose version does not reproduce the request's
// input_hash is logged as a warning. A soft-deleted or missing scenario
// makes the request poison. The drivers and parameters come from the
// request.
//
// Base curves are the MONTHLY rows of curve_observation at the run's
// asof_date matching the filter (curve_key, asset_class, iso, location,
// market, product, block, price_type; a tenor_type filter must allow
// MONTHLY), priced at mid, else value; where a curve and month has several
// price types, MID wins. No matching curve fails the run.
//
// # Failures
//
//   - Undecodable request: dead-lettered (stage decode). When its key is a
//     run id and it carries the aurum.tenant header, that run is FAILED with
//     the reason and gets its terminal event.
//   - Poison request (decodable but unusable: unknown driver or invalid
//     payload, scenario missing or deleted, run missing, request not
//     matching its run): dead-lettered (stage process) and the run FAILED
//     with the reason.
//   - Transient failure of an attempt (database or broker error, an error
//     from Config.BeforeStep): the run is retried with exponential backoff
//     and jitter while attempt ≤ max_retries, then FAILED with the last
//     error. Invalid base data (internal/scenario.ErrInvalidBase) fails the
//     run at once.
//   - Interrupted attempt (the run is RUNNING when its request is
//     delivered: a worker died or lost the partition mid-run): a new attempt
//     starts; interruptions share the attempt counter with failures and get
//     Config.MaxInterruptions attempts on top of max_retries, so a run that
//     keeps killing workers ends FAILED instead of looping.
//   - Database unavailable outside an attempt (loading the run, writing a
//     terminal state): retried with backoff until it answers or the worker
//     stops; the run's requests then go back to the backlog, uncommitted.
//
// # Exactly one terminal event
//
// The terminal state is written to the database before the Kafka
// transaction; terminal_published_at is set after it committed. A
// request redelivered because the transaction aborted (rebalance, broker
// error, crash before End) finds the run terminal and unmarked and
// publishes it again. The one case where that would publish twice is a
// crash after the commit and before the mark, followed by a duplicate of
// the request (the relay publishes at least once). So before re-publishing,
// the worker reads the run's partition of aurum.scenario.run.v1 (the
// partition of the run id key under franz-go's default, Kafka-compatible
// partitioner, which the API's relay uses too), read_committed and keeping
// control records, from the first offset at or after queued_at − 10
// minutes up to the high watermark taken at the start of the scan. Keeping
// control records makes the end exact: every offset below the high
// watermark is a visible record, a control record, or an aborted record
// whose abort marker lies beyond it, so the scan ends once it has seen an
// offset ≥ watermark − 1. A committed terminal event found there is only
// marked, not published again.
//
// The scan cannot miss a transaction still in flight: a transaction that
// carries run R's terminal event also commits the offset of a request of R,
// in R's partition of the request topic; the member that now owns that
// partition fetched its offsets with RequireStable (KIP-447), which waits
// until such a transaction is resolved, and a zombie's transaction is
// fenced by the group generation (or, after a restart with the same
// Config.TransactionalID, by the producer epoch). The partition stays in
// the commit even when its offset does not move (backlog.commitFloor). A
// run's duplicate requests in the backlog are handled with it, one after
// the other, and publish once; one polled while the run's transaction is
// open waits for it, and then finds the run marked.
//
// Assumptions: the request topic's partition count does not change while
// requests are in flight, and worker clocks are within 10 minutes of the
// database's.
//
// # Observability
//
// Metrics of docs/CONTRACTS.md#metrics: aurum_records_consumed_total and
// aurum_batch_duration_seconds (group aurum-scenario-worker),
// aurum_records_dead_lettered_total, aurum_scenario_runs_total{state} when a
// run enters RUNNING or a terminal state, aurum_scenario_run_duration_seconds
// from the final attempt's started_at to completed_at. Logs carry run_id,
// tenant, partition and offset. The request's traceparent, x-request-id and
// aurum.tenant headers are copied onto every record it leads to.
//
// With Deps.Tracer, a request's handling continues the trace of its
// traceparent (the API's POST of the run): spans scenario.process, and under
// it scenario.attempt, scenario.finish and scenario.commit (the transaction);
// the records it leads to carry the worker's span as their traceparent, and
// its log lines the span's trace_id and span_id (tracing.go,
// docs/CONTRACTS.md#tracing).
package scenario
