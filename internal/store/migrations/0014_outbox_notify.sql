-- The outbox relay is woken when rows are committed, rather than finding
-- them at its next poll (issue: scenario runs at trading-desk speed): every
-- statement that inserts into outbox announces it on channel aurum_outbox.
-- PostgreSQL delivers the notification when the transaction commits (not
-- at all if it rolls back), and folds the identical notifications of one
-- transaction into one. The relay still polls, slowly: a notification sent
-- while no relay listened is not kept.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('aurum_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
