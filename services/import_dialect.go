package services

// This file is the import's part of the dialect seam (see dialect.go): the few things a streaming
// import does differently on SQLite and PostgreSQL — staging tables that live on one connection,
// a bulk load fed row by row, set-based row locks, new ids assigned in SQL, JSON built in SQL, a
// bounded wait for the last locks and statistics after a bulk load. Nothing else in the import
// asks which database it runs on.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// importConn is one import's dedicated connection. The file is staged on it, outside any
// transaction and holding no lock, into temporary tables that only this connection sees; the
// write transaction then runs on the same connection, and can be run again from the staged rows
// (the file itself cannot be read twice).
type importConn struct {
	ctx    context.Context
	conn   *sql.Conn
	db     *gorm.DB // a session bound to conn
	pg     bool
	tables []string // staging tables to drop when the import ends
}

// withImportConn runs fn on a dedicated connection and drops the staging tables afterwards.
func withImportConn(ctx context.Context, db *gorm.DB, fn func(c *importConn) error) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return dbErr("import: connect", err)
	}
	defer conn.Close()
	s := db.Session(&gorm.Session{NewDB: true, Context: ctx, SkipDefaultTransaction: true})
	s.Statement.ConnPool = conn
	c := &importConn{ctx: ctx, conn: conn, db: s, pg: isPostgres(db)}
	defer c.dropStaging()
	return fn(c)
}

// stage creates a temporary table for the rows of the file, kept across transactions on this
// connection until the import ends.
func (c *importConn) stage(name, columns string) error {
	if err := c.db.Exec("DROP TABLE IF EXISTS " + tempName(c.pg, name)).Error; err != nil {
		return dbErr("stage "+name, err)
	}
	if err := c.db.Exec("CREATE TEMPORARY TABLE " + name + " (" + columns + ")").Error; err != nil {
		return dbErr("stage "+name, err)
	}
	c.tables = append(c.tables, name)
	return nil
}

func tempName(pg bool, name string) string {
	if pg {
		return "pg_temp." + name
	}
	return "temp." + name
}

// dropStaging removes the staging tables, even when the import's context has ended.
func (c *importConn) dropStaging() {
	ctx := context.WithoutCancel(c.ctx)
	for _, t := range c.tables {
		_, _ = c.conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+tempName(c.pg, t))
	}
}

// rowSource yields the rows of a bulk load one at a time; ok is false after the last one.
type rowSource func() (values []any, ok bool, err error)

// load bulk-loads the rows of next into a staging table outside any transaction: one COPY on
// PostgreSQL, fed as the rows come, so that the file is never held in memory; multi-row INSERTs in
// one transaction of the temporary database on SQLite (which locks nothing other writers need).
func (c *importConn) load(table string, columns []string, next rowSource) (int64, error) {
	if c.pg {
		return copyStream(c.ctx, c.conn, table, columns, next)
	}
	if err := c.db.Exec("BEGIN").Error; err != nil {
		return 0, dbErr("stage "+table, err)
	}
	n, err := insertStream(c.db, table, columns, next)
	if err != nil {
		_ = c.db.Exec("ROLLBACK").Error
		return n, err
	}
	if err := c.db.Exec("COMMIT").Error; err != nil {
		return n, dbErr("stage "+table, err)
	}
	return n, nil
}

// loadInTx is load inside the running write transaction (results of the resolution, the new
// committee counts): COPY on PostgreSQL, INSERTs on SQLite.
func (c *importConn) loadInTx(tx *gorm.DB, table string, columns []string, next rowSource) (int64, error) {
	if c.pg {
		return copyStream(c.ctx, c.conn, table, columns, next)
	}
	return insertStream(tx, table, columns, next)
}

// copySource adapts a rowSource to pgx's CopyFromSource.
type copySource struct {
	next   rowSource
	values []any
	err    error
	n      int64
}

func (s *copySource) Next() bool {
	if s.err != nil {
		return false
	}
	v, ok, err := s.next()
	if err != nil {
		s.err = err
		return false
	}
	if ok {
		s.values = v
		s.n++
	}
	return ok
}

func (s *copySource) Values() ([]any, error) { return s.values, nil }
func (s *copySource) Err() error             { return s.err }

func copyStream(ctx context.Context, conn *sql.Conn, table string, columns []string, next rowSource) (int64, error) {
	src := &copySource{next: next}
	err := conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("bulk: driver connection is %T, not pgx", dc)
		}
		_, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, src)
		return err
	})
	if src.err != nil { // the source's own error (a bad file), not the database's
		return src.n, src.err
	}
	if err != nil {
		return src.n, dbErr("copy into "+table, err)
	}
	return src.n, nil
}

// insertStream writes the rows of next with multi-row INSERTs small enough for SQLite.
func insertStream(tx *gorm.DB, table string, columns []string, next rowSource) (int64, error) {
	per := max(1, 500/len(columns))
	batch := make([][]any, 0, per)
	var n int64
	for {
		v, ok, err := next()
		if err != nil {
			return n, err
		}
		if ok {
			batch = append(batch, v)
			n++
		}
		if len(batch) == per || (!ok && len(batch) > 0) {
			if err := insertBatches(tx, table, columns, batch); err != nil {
				return n, err
			}
			batch = batch[:0]
		}
		if !ok {
			return n, nil
		}
	}
}

// inTx runs fn in a write transaction on the import's connection, and runs it again (from the
// staged rows) when the database gave up on it for a reason that is not the file's fault (see
// runTx). attempt counts the runs from 0.
func (c *importConn) inTx(fn func(tx *gorm.DB, attempt int) error) error {
	attempt := 0
	return retry(c.ctx, func() (bool, error) {
		defer func() { attempt++ }()
		begin := "BEGIN"
		if !c.pg {
			begin = "BEGIN IMMEDIATE"
		}
		if _, err := c.conn.ExecContext(c.ctx, begin); err != nil {
			return true, dbErr("import: begin", err)
		}
		done := false
		defer func() {
			if !done {
				_, _ = c.conn.ExecContext(context.WithoutCancel(c.ctx), "ROLLBACK")
			}
		}()
		if err := fn(c.db, attempt); err != nil {
			return true, err
		}
		done = true
		if _, err := c.conn.ExecContext(c.ctx, "COMMIT"); err != nil {
			return false, dbErr("import: commit", err)
		}
		return false, nil
	})
}

// roomy gives the import's transaction room to sort and hash its staged rows in memory (the
// default work_mem of 4 MB spills every sort of a large file to disk); SET LOCAL ends with the
// transaction.
func (c *importConn) roomy(tx *gorm.DB) error {
	if !c.pg {
		return nil
	}
	return dbErr("import: work_mem", tx.Exec("SET LOCAL work_mem = '256MB'").Error)
}

// analyzeStaged gives the planner statistics of a staging table, which autovacuum never visits:
// without them it plans the set-based checks for a handful of rows.
func (c *importConn) analyzeStaged(table string) error {
	if !c.pg {
		return nil
	}
	return dbErr("analyze "+table, c.db.Exec("ANALYZE "+table).Error)
}

// tempTable creates a temporary table from a query inside the write transaction: it disappears
// with the transaction if that is rolled back, and with the import's staging tables otherwise.
func (c *importConn) tempTable(tx *gorm.DB, name, query string, args ...any) error {
	if err := tx.Exec("DROP TABLE IF EXISTS " + tempName(c.pg, name)).Error; err != nil {
		return dbErr("import: "+name, err)
	}
	if err := tx.Exec("CREATE TEMPORARY TABLE "+name+" AS "+query, args...).Error; err != nil {
		return dbErr("import: "+name, err)
	}
	if !contains(c.tables, name) {
		c.tables = append(c.tables, name)
	}
	if c.pg {
		return dbErr("import: analyze "+name, tx.Exec("ANALYZE "+name).Error)
	}
	return nil
}

// tempTableCols creates an empty temporary table with the given columns inside the transaction.
func (c *importConn) tempTableCols(tx *gorm.DB, name, columns string) error {
	if err := tx.Exec("DROP TABLE IF EXISTS " + tempName(c.pg, name)).Error; err != nil {
		return dbErr("import: "+name, err)
	}
	if err := tx.Exec("CREATE TEMPORARY TABLE " + name + " (" + columns + ")").Error; err != nil {
		return dbErr("import: "+name, err)
	}
	if !contains(c.tables, name) {
		c.tables = append(c.tables, name)
	}
	return nil
}

// lockUnitsIn locks, in one statement and in ascending id order (the lock order of rollups.go),
// the units whose ids the subquery returns: lockChange for the committees an import writes,
// "KEY SHARE" for the units whose paths it copies onto people (a move, which rewrites paths under
// FOR UPDATE, then waits for the import instead of slipping between the read and the write).
// SQLite's one writer needs no row lock.
func (c *importConn) lockUnitsIn(tx *gorm.DB, strength, subquery string, args ...any) error {
	if !c.pg {
		return nil
	}
	var n int64
	err := tx.Raw("SELECT count(*) FROM (SELECT id FROM units WHERE id IN ("+subquery+") ORDER BY id FOR "+strength+") l", args...).Scan(&n).Error
	return dbErr("import: lock units", err)
}

// boundedWait runs fn, which takes row locks out of the lock order, waiting at most wait for each
// lock: a lock held longer is probably held by a transaction that waits for one of ours, and
// the import gives way (errLocksMoving runs it again, taking its locks in order). SQLite, with
// one writer, never waits here.
func (c *importConn) boundedWait(tx *gorm.DB, wait string, fn func() error) error {
	if !c.pg {
		return fn()
	}
	if err := tx.Exec("SET LOCAL lock_timeout = '" + wait + "'").Error; err != nil {
		return dbErr("import: lock timeout", err)
	}
	if err := fn(); err != nil {
		return err
	}
	return dbErr("import: lock timeout", tx.Exec("SET LOCAL lock_timeout = 0").Error)
}

// newIDExpr is the SQL expression that gives each row of a query a fresh id of table, in a
// query over rows whose order window names: the table's sequence on PostgreSQL; on SQLite,
// whose one writer holds the database, the ids after the largest one stored.
func (c *importConn) newIDExpr(tx *gorm.DB, table, window string) (string, []any, error) {
	if c.pg {
		// The sequence is looked up once: pg_get_serial_sequence per row costs a catalog scan each.
		var seq string
		if err := tx.Raw("SELECT pg_get_serial_sequence(?, 'id')", table).Scan(&seq).Error; err != nil {
			return "", nil, dbErr("reserve ids", err)
		}
		return "nextval('" + strings.ReplaceAll(seq, "'", "''") + "')", nil, nil
	}
	var top int64
	if err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM " + table).Scan(&top).Error; err != nil {
		return "", nil, dbErr("reserve ids", err)
	}
	return "(CAST(? AS INTEGER) + row_number() OVER (" + window + "))", []any{top}, nil
}

// typed is a query parameter of the given SQL type, for a parameter whose type PostgreSQL cannot
// infer (in the select list of INSERT … SELECT). SQLite's CAST would turn a time into a number,
// and its columns take any value, so there it is a bare parameter.
func (c *importConn) typed(sqlType string) string {
	if c.pg {
		return "CAST(? AS " + sqlType + ")"
	}
	return "?"
}

// jsonObject is the SQL expression of a JSON object from name/value expression pairs.
func (c *importConn) jsonObject(pairs ...string) string {
	fn := "json_object("
	if c.pg {
		fn = "json_build_object("
	}
	parts := make([]string, 0, len(pairs))
	for i := 0; i+1 < len(pairs); i += 2 {
		parts = append(parts, "'"+pairs[i]+"', "+pairs[i+1])
	}
	return fn + strings.Join(parts, ", ") + ")"
}

// jsonArray is the SQL aggregate of expr over the rows that match filter, as a JSON array
// ([] when none do), in the order of orderBy where the database can keep it.
func (c *importConn) jsonArray(expr, filter, orderBy string) string {
	if c.pg {
		return "COALESCE(json_agg(" + expr + " ORDER BY " + orderBy + ") FILTER (WHERE " + filter + "), '[]'::json)"
	}
	return "json_group_array(" + expr + ") FILTER (WHERE " + filter + ")"
}

// analyzeTables refreshes the planner's statistics of tables after a bulk load. On PostgreSQL
// only a table's owner may ANALYZE it, and the server runs as a role that owns nothing, so it
// asks sangathan_analyze (migration 00008), which runs as the owner and analyzes only the
// tables it names. SQLite plans well without statistics; running ANALYZE there would change
// plans that were chosen without them, so it is left alone.
func analyzeTables(ctx context.Context, db *gorm.DB, tables ...string) error {
	if !isPostgres(db) || len(tables) == 0 {
		return nil
	}
	err := db.WithContext(ctx).Exec("SELECT sangathan_analyze(?)", "{"+strings.Join(tables, ",")+"}").Error
	return dbErr("analyze", err)
}

// tableRows is the planner's estimate of how many rows table holds (PostgreSQL), or its count.
func tableRows(ctx context.Context, db *gorm.DB, table string) (int64, error) {
	var n int64
	var err error
	if isPostgres(db) {
		err = db.WithContext(ctx).Raw("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = ?::regclass", table).Scan(&n).Error
	} else {
		err = db.WithContext(ctx).Raw("SELECT count(*) FROM " + table).Scan(&n).Error
	}
	return n, dbErr("count "+table, err)
}
