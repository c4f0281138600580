-- Scenario run lifecycle (issue: scenario runs as events).

-- A cancel of a RUNNING run is a request the worker honours between steps;
-- a QUEUED run is cancelled at once by the API.
ALTER TABLE scenario_run ADD COLUMN cancel_requested_at timestamptz;

-- Set once the run's terminal RunEvent is certain to reach
-- aurum.scenario.run.v1: by the API in the transaction that cancels a
-- QUEUED run (its outbox row carries the event), by the worker after the
-- Kafka transaction with the event committed. A redelivered request of a
-- terminal run whose event is not marked makes the worker publish it.
ALTER TABLE scenario_run ADD COLUMN terminal_published_at timestamptz;
