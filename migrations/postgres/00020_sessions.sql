-- +goose Up
-- Sessions: one row per login (the refresh tokens a login rotates through all point at it).
-- Access tokens carry the session's id (claim sid) and are refused once revoked_at is set, so
-- logout, a password change, a role or scope change, deactivation and "sign out everywhere" end
-- the access tokens already issued, not only the refresh tokens. device is a short label made
-- from the User-Agent ("Chrome on Android"); the client's address is never stored.
CREATE TABLE sessions (
    id             BIGSERIAL PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device         TEXT NOT NULL DEFAULT '' CHECK (length(device) <= 60),
    created_at     TIMESTAMPTZ NOT NULL,
    last_used_at   TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    revoked_reason TEXT CHECK (revoked_reason IN ('logout', 'password_change', 'role_change', 'scope_change',
        'deactivated', 'revoked', 'sign_out_everywhere', 'reuse')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
-- The live sessions of one user, for the list and for ending them all.
CREATE INDEX sessions_user_live_idx ON sessions (user_id, id) WHERE revoked_at IS NULL;

ALTER TABLE refresh_tokens ADD COLUMN session_id BIGINT REFERENCES sessions(id) ON DELETE CASCADE;
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Every login still alive becomes a session, numbered by its first refresh token; the family's
-- tokens point at it (an expired one is refused at refresh and no longer listed). Dead
-- families keep no session and can never be refreshed.
INSERT INTO sessions (id, user_id, device, created_at, last_used_at)
SELECT MIN(id), MIN(user_id), '', MIN(created_at), MAX(created_at) FROM refresh_tokens
GROUP BY family HAVING bool_or(revoked_at IS NULL);
UPDATE refresh_tokens SET session_id = s.id
FROM (SELECT family, MIN(id) AS id FROM refresh_tokens GROUP BY family) s
WHERE s.family = refresh_tokens.family AND EXISTS (SELECT 1 FROM sessions WHERE sessions.id = s.id);
SELECT setval(pg_get_serial_sequence('sessions', 'id'), COALESCE((SELECT MAX(id) FROM sessions), 0) + 1, false);

-- A lockout is audited once per block: lockout_noted holds the block (its window start, or the
-- end of its back-off) already written to the audit log.
ALTER TABLE login_throttle ADD COLUMN lockout_noted BIGINT;

-- +goose Down
ALTER TABLE login_throttle DROP COLUMN lockout_noted;
DROP INDEX refresh_tokens_session_idx;
ALTER TABLE refresh_tokens DROP COLUMN session_id;
DROP TABLE sessions;
