package main

import "context"

// warnPrivileges logs a warning for each way the server's own database user could rewrite the
// audit log (a superuser, or the owner of audit_log): with such a user the log is append-only
// only by its triggers, which an owner may disable. See SANGATHAN_MIGRATE_DATABASE_URL.
func (a *app) warnPrivileges(ctx context.Context) {
	w, err := a.db.PrivilegeWarnings(ctx)
	if err != nil {
		a.log.Warn("could not check the database user's privileges", "err", err)
		return
	}
	for _, m := range w {
		a.log.Warn(m)
	}
}
