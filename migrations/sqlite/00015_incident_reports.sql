-- +goose Up
-- Public intake (issue 11, item 4): anyone may report an incident without a login; the report
-- waits in the state office's review queue until it is accepted (turned into an incident,
-- incident_id) or dismissed (with a reason). The table is public_reports because
-- incident_reports already holds the investigation committees' reports (00014).
-- tracking_code is the reporter's only handle on the report: 10 characters from an alphabet
-- without look-alikes, drawn from crypto/rand. contact is what the reporter chose to leave (a
-- phone number, an address) and never goes to a log. `sangathan verify` checks that a report is
-- accepted exactly when it names an incident, and reviewed exactly when it is not pending.
CREATE TABLE public_reports (
    id               INTEGER PRIMARY KEY,
    tracking_code    TEXT NOT NULL UNIQUE CHECK (length(tracking_code) = 10),
    district_id      BIGINT NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    place            TEXT NOT NULL CHECK (place <> '' AND length(place) <= 200),
    occurred_on      TEXT NOT NULL CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    description      TEXT NOT NULL CHECK (description <> '' AND length(description) <= 4000),
    contact          TEXT CHECK (contact IS NULL OR (contact <> '' AND length(contact) <= 200)),
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'dismissed')),
    incident_id      BIGINT UNIQUE REFERENCES incidents(id) ON DELETE RESTRICT,
    dismiss_reason   TEXT NOT NULL DEFAULT '' CHECK (length(dismiss_reason) <= 1000),
    reviewed_by      BIGINT,
    reviewed_by_name TEXT NOT NULL DEFAULT '',
    reviewed_at      DATETIME,
    created_at       DATETIME NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX public_reports_status_idx ON public_reports (status, id);
CREATE INDEX public_reports_district_idx ON public_reports (district_id, id);

-- The public intake's per-address limits, shared by every server process on the database as
-- login_throttle is: one row per counted key ('s:<address>' for submissions, 't:<address>' for
-- tracking lookups, 's:*' for all submissions together), hits in the window that began at
-- window_start (Unix milliseconds).
CREATE TABLE intake_throttle (
    key          TEXT PRIMARY KEY,
    hits         INTEGER NOT NULL,
    window_start BIGINT NOT NULL
);
CREATE INDEX intake_throttle_window_idx ON intake_throttle (window_start);

-- +goose Down
DROP TABLE intake_throttle;
DROP TABLE public_reports;
