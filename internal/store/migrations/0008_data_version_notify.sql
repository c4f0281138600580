-- Data versions reach the API by notification rather than by a query per
-- request (issue: storage model and read path).
--
-- Every change of a data_version row is announced on channel
-- aurum_data_version with the row's token, dataset:version.updated_micros;
-- the API listens and folds the token into its cache keys. PostgreSQL
-- delivers a notification when the writing transaction commits, in commit
-- order.
CREATE FUNCTION data_version_token(d data_version) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT d.dataset || ':' || d.version || '.' || (extract(epoch FROM d.updated_at) * 1000000)::bigint
$$;

CREATE FUNCTION data_version_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('aurum_data_version', data_version_token(NEW));
    RETURN NULL;
END
$$;

CREATE TRIGGER data_version_notify AFTER INSERT OR UPDATE ON data_version
    FOR EACH ROW EXECUTE FUNCTION data_version_notify();

GRANT EXECUTE ON FUNCTION data_version_token(data_version) TO aurum_app;
