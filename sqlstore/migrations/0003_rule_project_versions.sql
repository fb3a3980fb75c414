-- Optimistic concurrency for alert rules and projects, as dashboards and widgets have it: version
-- starts at 1 and grows by one with every update; updates and deletes carry the version they were
-- based on. Existing rows start at 1, which is what their clients will send back once they re-read.
ALTER TABLE alert_rules ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE projects ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
