-- The initial schema. Portable SQL; the {{…}} parts are filled in per dialect (see dialect.ddl).
-- Times are BIGINT Unix milliseconds (UTC); ids are VARCHAR(64); every tenant-owned row carries
-- its tenant and every query filters on it.

CREATE TABLE tenants (
	id VARCHAR(64){{BIN}} NOT NULL PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	created_at BIGINT NOT NULL
){{TABLE}};

CREATE TABLE users (
	id VARCHAR(64){{BIN}} NOT NULL PRIMARY KEY,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	email VARCHAR(254){{BIN}} NOT NULL,
	display_name VARCHAR(200) NOT NULL,
	roles VARCHAR(100) NOT NULL,
	password_hash VARCHAR(200) NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT uq_users_email UNIQUE (tenant, email),
	CONSTRAINT fk_users_tenant FOREIGN KEY (tenant) REFERENCES tenants (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_users_tenant_id ON users (tenant, id);
CREATE INDEX idx_users_email ON users (email);

CREATE TABLE projects (
	id VARCHAR(64){{BIN}} NOT NULL PRIMARY KEY,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	name VARCHAR(200) NOT NULL,
	description {{TEXT}} NOT NULL,
	status VARCHAR(16) NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT fk_projects_tenant FOREIGN KEY (tenant) REFERENCES tenants (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_projects_tenant_id ON projects (tenant, id);

CREATE TABLE project_members (
	project_id VARCHAR(64){{BIN}} NOT NULL,
	user_id VARCHAR(64){{BIN}} NOT NULL,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	PRIMARY KEY (project_id, user_id),
	CONSTRAINT fk_project_members_project FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
	CONSTRAINT fk_project_members_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_project_members_user ON project_members (user_id, project_id);

CREATE TABLE dashboards (
	id VARCHAR(64){{BIN}} NOT NULL PRIMARY KEY,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	owner_id VARCHAR(64){{BIN}} NOT NULL,
	name VARCHAR(200) NOT NULL,
	description {{TEXT}} NOT NULL,
	layout_json {{TEXT}} NOT NULL,
	visibility VARCHAR(16) NOT NULL,
	version BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT fk_dashboards_tenant FOREIGN KEY (tenant) REFERENCES tenants (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_dashboards_tenant_id ON dashboards (tenant, id);

CREATE TABLE widgets (
	id VARCHAR(64){{BIN}} NOT NULL PRIMARY KEY,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	dashboard_id VARCHAR(64){{BIN}} NOT NULL,
	type VARCHAR(32) NOT NULL,
	title VARCHAR(200) NOT NULL,
	query_json {{TEXT}} NOT NULL,
	options_json {{TEXT}} NOT NULL,
	pos_x INTEGER NOT NULL,
	pos_y INTEGER NOT NULL,
	pos_w INTEGER NOT NULL,
	pos_h INTEGER NOT NULL,
	version BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT fk_widgets_dashboard FOREIGN KEY (dashboard_id) REFERENCES dashboards (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_widgets_dashboard_id ON widgets (dashboard_id, id);

CREATE TABLE metric_definitions (
	tenant VARCHAR(64){{BIN}} NOT NULL,
	code VARCHAR(128){{BIN}} NOT NULL,
	name VARCHAR(200) NOT NULL,
	unit VARCHAR(32) NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (tenant, code),
	CONSTRAINT fk_metric_definitions_tenant FOREIGN KEY (tenant) REFERENCES tenants (id) ON DELETE CASCADE
){{TABLE}};

-- A series is one label set of one code of one tenant. Its id is a hash of the three (see
-- seriesID), so writers need no lookup; points are keyed (series_id, ts) for range scans.
CREATE TABLE metric_series (
	id BIGINT NOT NULL PRIMARY KEY,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	code VARCHAR(128){{BIN}} NOT NULL,
	labels_key {{TEXT}} NOT NULL,
	created_at BIGINT NOT NULL,
	CONSTRAINT fk_metric_series_tenant FOREIGN KEY (tenant) REFERENCES tenants (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_metric_series_code ON metric_series (tenant, code);

CREATE TABLE metric_points (
	series_id BIGINT NOT NULL,
	ts BIGINT NOT NULL,
	value DOUBLE PRECISION NOT NULL,
	PRIMARY KEY (series_id, ts)
){{TABLE}}{{WITHOUT_ROWID}};

CREATE TABLE alert_rules (
	id VARCHAR(64){{BIN}} NOT NULL PRIMARY KEY,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	name VARCHAR(200) NOT NULL,
	metric_code VARCHAR(128){{BIN}} NOT NULL,
	labels_key {{TEXT}} NOT NULL,
	comparison VARCHAR(8) NOT NULL,
	threshold DOUBLE PRECISION NOT NULL,
	for_ms BIGINT NOT NULL,
	severity VARCHAR(16) NOT NULL,
	recipients_json {{TEXT}} NOT NULL,
	enabled SMALLINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT fk_alert_rules_tenant FOREIGN KEY (tenant) REFERENCES tenants (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_alert_rules_tenant_id ON alert_rules (tenant, id);

-- open_rule is the rule id while the alert is open and NULL once resolved: the unique index keeps
-- one open alert per rule (NULLs never collide, on every dialect).
CREATE TABLE alerts (
	id VARCHAR(64){{BIN}} NOT NULL PRIMARY KEY,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	rule_id VARCHAR(64){{BIN}} NOT NULL,
	open_rule VARCHAR(64){{BIN}} NULL,
	rule_name VARCHAR(200) NOT NULL,
	metric_code VARCHAR(128){{BIN}} NOT NULL,
	labels_key {{TEXT}} NOT NULL,
	severity VARCHAR(16) NOT NULL,
	state VARCHAR(16) NOT NULL,
	value DOUBLE PRECISION NOT NULL,
	threshold DOUBLE PRECISION NOT NULL,
	message {{TEXT}} NOT NULL,
	fired_at BIGINT NOT NULL,
	acknowledged_at BIGINT NULL,
	acknowledged_by VARCHAR(64) NULL,
	resolved_at BIGINT NULL,
	CONSTRAINT uq_alerts_open_rule UNIQUE (tenant, open_rule),
	CONSTRAINT fk_alerts_tenant FOREIGN KEY (tenant) REFERENCES tenants (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_alerts_tenant_id ON alerts (tenant, id);
CREATE INDEX idx_alerts_rule ON alerts (tenant, rule_id, id);

CREATE TABLE notifications (
	id VARCHAR(64){{BIN}} NOT NULL PRIMARY KEY,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	author_id VARCHAR(64){{BIN}} NOT NULL,
	title VARCHAR(200) NOT NULL,
	body {{TEXT}} NOT NULL,
	severity VARCHAR(16) NOT NULL,
	created_at BIGINT NOT NULL,
	CONSTRAINT fk_notifications_tenant FOREIGN KEY (tenant) REFERENCES tenants (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_notifications_tenant_id ON notifications (tenant, id);

CREATE TABLE notification_reads (
	notification_id VARCHAR(64){{BIN}} NOT NULL,
	user_id VARCHAR(64){{BIN}} NOT NULL,
	tenant VARCHAR(64){{BIN}} NOT NULL,
	read_at BIGINT NOT NULL,
	PRIMARY KEY (notification_id, user_id),
	CONSTRAINT fk_notification_reads_notification FOREIGN KEY (notification_id) REFERENCES notifications (id) ON DELETE CASCADE
){{TABLE}};
CREATE INDEX idx_notification_reads_user ON notification_reads (tenant, user_id);
