package services

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Why a session ended (sessions.revoked_reason).
const (
	EndLogout         = "logout"
	EndPasswordChange = "password_change"
	EndRoleChange     = "role_change"
	EndScopeChange    = "scope_change"
	EndDeactivated    = "deactivated"
	EndRevoked        = "revoked"
	EndEverywhere     = "sign_out_everywhere"
	EndReuse          = "reuse"
)

// userActor is an account as the actor of its own login, logout or failed attempt.
func userActor(u models.User, requestID string) Actor {
	return Actor{UserID: u.ID, Username: u.Username, Role: u.Role, ScopeUnitID: u.ScopeUnitID, RequestID: requestID}
}

// userUnit is the unit under which an account's security events are filed: its scope unit, so
// that whoever manages the account reads them (an unscoped administrator's: administrators only).
func userUnit(tx *gorm.DB, u models.User) (*models.Unit, error) {
	if u.ScopeUnitID == nil {
		return nil, nil
	}
	var unit models.Unit
	if err := tx.Select("id, path").Where("id = ?", *u.ScopeUnitID).Take(&unit).Error; err != nil {
		return nil, dbErr("load scope unit", err)
	}
	return &unit, nil
}

// sessionAudit is what the audit log keeps of a session.
func sessionAudit(s models.Session) map[string]any {
	return map[string]any{"id": s.ID, "user_id": s.UserID, "device": s.Device}
}

// startSession opens a login for u, whose password (and any further step) has been checked, and
// issues its first tokens; the login is audited in tx.
func (a *Auth) startSession(ctx context.Context, tx *gorm.DB, u models.User) (Session, error) {
	now := a.now()
	cl := clientOf(ctx)
	ses := models.Session{UserID: u.ID, Device: DeviceLabel(cl.UserAgent), CreatedAt: now, LastUsedAt: now}
	if err := tx.Create(&ses).Error; err != nil {
		return Session{}, dbErr("start session", err)
	}
	unit, err := userUnit(tx, u)
	if err != nil {
		return Session{}, err
	}
	if err := record(tx, now, userActor(u, cl.RequestID), change{Action: "login", Entity: "session", EntityID: ses.ID, Unit: unit, After: sessionAudit(ses)}); err != nil {
		return Session{}, err
	}
	return a.issue(tx, u, ses.ID)
}

// auditLoginFailed writes the audit row of a refused password: the username as typed (never the
// password) and why. The limiter has counted the attempt, so an address can add only so many.
// A failure to write it does not change the answer.
// why is the reason for a known account: wrong_password, or a wrong second-step code.
func (a *Auth) auditLoginFailed(ctx context.Context, username string, u models.User, known bool, why string) {
	cl := clientOf(ctx)
	after := map[string]any{"username": username, "reason": "unknown_user"}
	_ = a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var unit *models.Unit
		var id int64
		if known {
			id, after["user_id"], after["reason"] = u.ID, u.ID, why
			if !u.Active {
				after["reason"] = "deactivated"
			}
			var err error
			if unit, err = userUnit(tx, u); err != nil {
				return err
			}
		}
		return record(tx, a.now(), Actor{Username: attemptedName(username), RequestID: cl.RequestID},
			change{Action: "login_failed", Entity: "login", EntityID: id, Unit: unit, After: after})
	})
}

// auditLockout writes one audit row for each new block that refused att (nothing for a refusal
// by a block already written), so a flood of refused attempts adds one row per block.
func (a *Auth) auditLockout(ctx context.Context, username string, att loginAttempt) {
	if len(att.blocked) == 0 {
		return
	}
	cl := clientOf(ctx)
	_ = a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		kinds, err := a.limiter.noteLockout(tx, att)
		if err != nil || len(kinds) == 0 {
			return err
		}
		after := map[string]any{"username": username, "limits": kinds}
		var unit *models.Unit
		var id int64
		var u models.User
		if username != "" {
			if err := tx.Where("username = ?", username).Take(&u).Error; err == nil {
				id, after["user_id"] = u.ID, u.ID
				if unit, err = userUnit(tx, u); err != nil {
					return err
				}
			}
		}
		return record(tx, a.now(), Actor{Username: attemptedName(username), RequestID: cl.RequestID},
			change{Action: "lockout", Entity: "login", EntityID: id, Unit: unit, After: after})
	})
}

// attemptedName is the actor name of a row about an attempt: the username typed, or "?".
func attemptedName(username string) string {
	if username == "" {
		return "?"
	}
	return username
}

// endSessionOf ends the login that a refresh token belongs to, for reason (logout or reuse), and
// audits it when it was still open. Returns gorm.ErrRecordNotFound for an unknown token.
func (a *Auth) endSessionOf(ctx context.Context, token, reason string) error {
	return a.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rt models.RefreshToken
		if err := tx.Where("token_hash = ?", hashToken(token)).Take(&rt).Error; err != nil {
			return err
		}
		now := a.now()
		if rt.SessionID == nil { // a login from before sessions
			return dbErr("end session", tx.Model(&models.RefreshToken{}).Where("family = ? AND revoked_at IS NULL", rt.Family).UpdateColumn("revoked_at", now).Error)
		}
		ses, ended, err := a.endSession(tx, *rt.SessionID, reason)
		if err != nil || !ended {
			return err
		}
		var u models.User
		if err := tx.Where("id = ?", ses.UserID).Take(&u).Error; err != nil {
			return dbErr("end session", err)
		}
		unit, err := userUnit(tx, u)
		if err != nil {
			return err
		}
		act := userActor(u, clientOf(ctx).RequestID)
		if reason == EndReuse {
			act = Actor{Username: "system", RequestID: act.RequestID}
		}
		return record(tx, now, act, change{Action: reason, Entity: "session", EntityID: ses.ID, Unit: unit, Before: sessionAudit(ses)})
	})
}

// endSession ends one session and its refresh tokens in tx, the session's row first (the order
// Refresh takes them in). Reports whether it was open.
func (a *Auth) endSession(tx *gorm.DB, sid int64, reason string) (models.Session, bool, error) {
	now := a.now()
	res := tx.Model(&models.Session{}).Where("id = ? AND revoked_at IS NULL", sid).
		Updates(map[string]any{"revoked_at": now, "revoked_reason": reason})
	if res.Error != nil {
		return models.Session{}, false, dbErr("end session", res.Error)
	}
	var ses models.Session
	if err := tx.Where("id = ?", sid).Take(&ses).Error; err != nil {
		return models.Session{}, false, dbErr("end session", err)
	}
	if err := tx.Model(&models.RefreshToken{}).Where("session_id = ? AND revoked_at IS NULL", sid).UpdateColumn("revoked_at", now).Error; err != nil {
		return models.Session{}, false, dbErr("end session", err)
	}
	return ses, res.RowsAffected == 1, nil
}

// endSessions ends every open session of a user, with their refresh tokens (logging out every
// browser, and refusing the access tokens already issued), and, when tokens is set, their API
// tokens too. Returns how many sessions were open.
func (a *Auth) endSessions(tx *gorm.DB, userID int64, tokens bool, reason string) (int64, error) {
	now := a.now()
	res := tx.Model(&models.Session{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Updates(map[string]any{"revoked_at": now, "revoked_reason": reason})
	if res.Error != nil {
		return 0, dbErr("end sessions", res.Error)
	}
	if err := tx.Model(&models.RefreshToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).UpdateColumn("revoked_at", now).Error; err != nil {
		return 0, dbErr("end sessions", err)
	}
	if tokens {
		if err := tx.Model(&models.APIToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).UpdateColumn("revoked_at", now).Error; err != nil {
			return 0, dbErr("end sessions", err)
		}
	}
	return res.RowsAffected, nil
}

// SessionView is an open session as its owner (or whoever manages the owner) sees it.
type SessionView struct {
	models.Session
	Current bool // the session of the request's own access token
}

// sessionOwner loads the account whose sessions the actor asks for: its own, or one the actor
// manages (inside its scope, with a role below its own). Returns NotFound outside scope,
// Forbidden for roles that manage no accounts or for an account not below the actor's role.
func (s *Users) sessionOwner(tx *gorm.DB, actor Actor, userID int64) (UserView, error) {
	v, err := s.load(tx, actor, userID)
	if err != nil {
		return UserView{}, err
	}
	if v.User.ID != actor.UserID && !actor.isSystem() && !Outranks(actor.Role, v.User.Role) {
		return UserView{}, Errorf(EForbidden, "you may manage only the sessions of accounts with a role below your own")
	}
	return v, nil
}

// Sessions lists a user's open sessions, newest first: a session is open until it is ended or
// its last refresh token expires. See sessionOwner for who may list whose.
func (s *Users) Sessions(ctx context.Context, actor Actor, userID int64, pr PageRequest) (Page[SessionView], error) {
	limit, before, err := pr.bounds()
	if err != nil {
		return Page[SessionView]{}, err
	}
	db := s.db.WithContext(ctx)
	if _, err := s.sessionOwner(db, actor, userID); err != nil {
		return Page[SessionView]{}, err
	}
	q := db.Where("user_id = ? AND revoked_at IS NULL AND last_used_at > ?", userID, s.now().Add(-RefreshTokenTTL))
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []models.Session
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page[SessionView]{}, dbErr("list sessions", err)
	}
	page := paginate(rows, limit, func(r models.Session) int64 { return r.ID })
	out := Page[SessionView]{Items: make([]SessionView, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, r := range page.Items {
		out.Items = append(out.Items, SessionView{Session: r, Current: r.ID == actor.SessionID && r.UserID == actor.UserID})
	}
	return out, nil
}

// RevokeSession ends one session of a user at once: its refresh tokens and access tokens stop
// working. Returns NotFound for a session of another user (or already ended), and as
// sessionOwner for the user.
func (s *Users) RevokeSession(ctx context.Context, actor Actor, userID, sessionID int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		v, err := s.sessionOwner(tx, actor, userID)
		if err != nil {
			return err
		}
		var ses models.Session
		if err := tx.Where("id = ? AND user_id = ? AND revoked_at IS NULL", sessionID, userID).Take(&ses).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return Errorf(ENotFound, "session not found")
			}
			return dbErr("revoke session", err)
		}
		ses, ended, err := s.auth.endSession(tx, ses.ID, EndRevoked)
		if err != nil || !ended { // ended meanwhile by another request
			return err
		}
		return record(tx, s.now(), actor, change{Action: "revoke", Entity: "session", EntityID: ses.ID, Unit: v.Scope, Before: sessionAudit(ses)})
	})
}

// EndAllSessions ends every open session of a user ("sign out everywhere"), the actor's own
// current one included. API tokens are not sessions and stay. Returns how many were open, and
// errors as sessionOwner.
func (s *Users) EndAllSessions(ctx context.Context, actor Actor, userID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The account's lock keeps this in line with Update, which ends sessions too.
		if err := lockRow(tx, "users", userID, lockChange); err != nil {
			return err
		}
		v, err := s.sessionOwner(tx, actor, userID)
		if err != nil {
			return err
		}
		if n, err = s.auth.endSessions(tx, userID, false, EndEverywhere); err != nil {
			return err
		}
		return record(tx, s.now(), actor, change{Action: "sign_out_everywhere", Entity: "session", Unit: v.Scope,
			After: map[string]any{"user_id": userID, "sessions": n}})
	})
	return n, err
}

// sessionEndReason is why an account change ends its sessions, or "" when it does not.
func sessionEndReason(before, after models.User, password bool) string {
	switch {
	case before.Active && !after.Active:
		return EndDeactivated
	case password:
		return EndPasswordChange
	case before.Role != after.Role:
		return EndRoleChange
	case !sameValue(before.ScopeUnitID, after.ScopeUnitID):
		return EndScopeChange
	}
	return ""
}
