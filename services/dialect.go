package services

// This file is the one seam between SQLite and PostgreSQL: row locks, bulk loads, staging
// tables, id reservation, how a write transaction begins and which errors mean "run it again".
// Nothing else in the package asks which database it runs on.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/plugin/dbresolver"

	"github.com/sangathan/sangathan/models"
)

// isPostgres reports whether db talks to PostgreSQL. Only this file calls it.
func isPostgres(db *gorm.DB) bool { return db.Dialector.Name() == "postgres" }

// Row lock strengths. A change of a row's fields takes NO KEY UPDATE: it serialises writers of the
// row but lets through the foreign-key checks of rows that merely point at it (a seat taken by
// the person, a booth added under the unit). A delete takes UPDATE, which waits for those.
// KEY SHARE is what a foreign key to the row takes: it waits only for a delete or a key change
// (a unit's path rewrite locks FOR UPDATE), and lets other readers and field changes through.
const (
	lockChange   = "NO KEY UPDATE"
	lockDelete   = "UPDATE"
	lockKeyShare = "KEY SHARE"
	// SHARE keeps a row's fields from changing until the transaction ends (a seat holder's
	// category while the seat is counted) and lets other readers through.
	lockShare = "SHARE"
)

// lockRow locks the row id of table until the transaction ends, so that the read that follows
// sees the row as it stands and no one changes it in between. A missing row is not an error: the
// read that follows reports it. SQLite needs no row lock: the transaction already holds the
// database's one write lock (_txlock=immediate).
func lockRow(tx *gorm.DB, table string, id int64, strength string) error {
	return lockRowBy(tx, table, "id", id, strength)
}

// lockRowBy is lockRow for the row whose key column holds key.
func lockRowBy(tx *gorm.DB, table, column string, key any, strength string) error {
	if !isPostgres(tx) {
		return nil
	}
	var keys []any
	err := tx.Table(table).Clauses(clause.Locking{Strength: strength}).Where(column+" = ?", key).Pluck(column, &keys).Error
	return dbErr("lock "+table, err)
}

// lockUnitsShared takes key-share locks on the units with the given ids, in ascending id order:
// a reader of their paths keeps moves (which hold the units FOR UPDATE) out until it commits.
func lockUnitsShared(tx *gorm.DB, ids []int64) error {
	if !isPostgres(tx) || len(ids) == 0 {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, chunk := range chunks(ids, 5000) {
		var got []int64
		if err := tx.Model(&models.Unit{}).Clauses(clause.Locking{Strength: lockKeyShare}).Where("id IN ?", chunk).
			Order("id").Pluck("id", &got).Error; err != nil {
			return dbErr("lock units", err)
		}
	}
	return nil
}

// pathIDsJoin is the join that gives one row per id on the materialised path in col, and the
// expression of that id: unnest on PostgreSQL, json_each on SQLite.
func pathIDsJoin(tx *gorm.DB, col string) (join, id string) {
	if isPostgres(tx) {
		return "CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from " + col + "), '/')::bigint[]) AS anc(id)", "anc.id"
	}
	return "JOIN json_each('[' || replace(trim(" + col + ", '/'), '/', ',') || ']') AS anc", "anc.value"
}

// lockUnits takes the row locks of the units with the given ids, in ascending id order (see the
// lock order in rollups.go). The lock is the one an UPDATE of non-key columns takes anyway (FOR
// NO KEY UPDATE): FOR UPDATE would also wait for the key-share locks that foreign-key checks hold
// on a unit (people placed at it, a seat on its committee) and deadlock with them.
// SQLite runs one writer at a time (every write transaction begins IMMEDIATE), so there it does
// nothing.
func lockUnits(tx *gorm.DB, ids []int64) error {
	return lockRows(tx, lockList{ids: ids}, false)
}

// lockList names the units a change locks. Those in rewrites get their path rewritten: the path
// is a unique key, so those rows take FOR UPDATE, the lock such an UPDATE needs, which waits for
// the key-share locks of foreign-key checks (a person placed at the unit, a seat on its committee)
// rather than upgrading to it later, behind locks the change already holds.
type lockList struct {
	ids      []int64
	rewrites []int64
}

// lockRows locks the units of l in ascending id order, each with its strength. With noWait it
// does not wait for a lock another transaction holds but fails with errLocksMoving.
func lockRows(tx *gorm.DB, l lockList, noWait bool) error {
	if !isPostgres(tx) || len(l.ids)+len(l.rewrites) == 0 {
		return nil
	}
	rewrite := make(map[int64]bool, len(l.rewrites))
	for _, id := range l.rewrites {
		rewrite[id] = true
	}
	ids := slices.Concat(l.ids, l.rewrites)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	// Runs of one strength, in order: one statement each (most sets are one run).
	for start := 0; start < len(ids); {
		end := start + 1
		for end < len(ids) && end-start < 5000 && rewrite[ids[end]] == rewrite[ids[start]] {
			end++
		}
		strength := "NO KEY UPDATE"
		if rewrite[ids[start]] {
			strength = "UPDATE"
		}
		lock := clause.Locking{Strength: strength}
		if noWait {
			lock.Options = clause.LockingOptionsNoWait
		}
		var locked []int64
		if err := tx.Model(&models.Unit{}).Clauses(lock).Where("id IN ?", ids[start:end]).Order("id").Pluck("id", &locked).Error; err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "55P03" { // lock_not_available
				return errLocksMoving
			}
			return dbErr("lock units", err)
		}
		start = end
	}
	return nil
}

// lockSettled locks the units that set names, then asks set again under those locks, until
// nothing new appears. set reads paths and links without a lock, so a change that commits
// between that read and the lock (a move, a Lok Sabha change) can change the answer; once every
// unit it read is locked, the answer is final. A newly named unit that comes after all those
// held is locked like the first ones. One that comes before would break the lock order, so it
// is only taken if it is free right now (NOWAIT: never waiting out of order, it cannot
// deadlock); if it is not, the transaction is run again from the start (errLocksMoving), when
// the unlocked read will see the change. SQLite, with one writer, needs no lock at all.
func lockSettled(tx *gorm.DB, set func() (lockList, error)) error {
	if !isPostgres(tx) {
		return nil
	}
	held := map[int64]bool{} // id → locked FOR UPDATE
	var top int64
	for range 4 {
		l, err := set()
		if err != nil {
			return err
		}
		var missing lockList
		early := false
		for i, ids := range [][]int64{l.ids, l.rewrites} {
			for _, id := range ids {
				if strong, ok := held[id]; ok && (strong || i == 0) {
					continue
				}
				early = early || (len(held) > 0 && id <= top)
				if i == 0 {
					missing.ids = append(missing.ids, id)
				} else {
					missing.rewrites = append(missing.rewrites, id)
				}
			}
		}
		if len(missing.ids)+len(missing.rewrites) == 0 {
			return nil
		}
		if err := lockRows(tx, missing, early); err != nil {
			return err
		}
		for _, id := range missing.ids {
			if _, ok := held[id]; !ok {
				held[id] = false
			}
			top = max(top, id)
		}
		for _, id := range missing.rewrites {
			held[id] = true
			top = max(top, id)
		}
	}
	return errLocksMoving
}

// errLocksMoving: the units to lock changed under a concurrent change; the transaction is run
// again from the start.
var errLocksMoving = errors.New("the units to lock kept moving")

// errWiden asks runTx to run a transaction again at once: it found, under the locks it took,
// that it needs more locks that come earlier in the lock order (a seat change that completes a
// booth needs the booth's ancestors). The caller remembers to take them first next time.
var errWiden = errors.New("more locks needed")

// maxTxAttempts bounds how often runTx runs one transaction.
const maxTxAttempts = 10

// runTx runs fn in a transaction and, when the database gave up on it for a reason that is
// not the request's fault — a PostgreSQL deadlock (40P01) or serialization failure (40001), a
// busy SQLite file, locks that kept moving — runs it again from the start, after a short
// jittered pause, a few times. fn must therefore be safe to run more than once: it may set
// variables outside, but must reset what it reads back. A transaction whose COMMIT failed is
// never run again: it may have been applied.
func runTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	return retry(ctx, func() (bool, error) {
		tx := db.WithContext(ctx).Begin()
		if tx.Error != nil {
			return true, dbErr("begin", tx.Error) // nothing ran: SQLite may be busy
		}
		done := false
		defer func() {
			if !done { // an error or a panic in fn
				tx.Rollback()
			}
		}()
		if err := fn(tx); err != nil {
			return true, err
		}
		done = true
		if err := tx.Commit().Error; err != nil {
			return false, dbErr("commit", err)
		}
		return false, nil
	})
}

// retry runs attempt until it succeeds, fails for good, or maxTxAttempts are used. attempt
// reports whether its error came before the COMMIT (and so may be retried).
func retry(ctx context.Context, attempt func() (beforeCommit bool, err error)) error {
	var err error
	for n := 0; n < maxTxAttempts; n++ {
		var again bool
		again, err = attempt()
		if err == nil || !again || !retryable(err) {
			return err
		}
		if errors.Is(err, errWiden) || (errors.Is(err, errLocksMoving) && n < 2) {
			continue // nobody to wait for: what made the locks move has committed
		}
		// 2, 4, 8 … ms, capped at 100 ms, with full jitter so that the losers spread out.
		pause := time.Duration(rand.Int64N(int64(min(100*time.Millisecond, time.Millisecond<<(n+1))))) + time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
	if errors.Is(err, errWiden) || errors.Is(err, errLocksMoving) {
		return fmt.Errorf("transaction: %w", err)
	}
	return err
}

// retryable reports whether err means "run the transaction again" rather than a refusal.
func retryable(err error) bool {
	if errors.Is(err, errWiden) || errors.Is(err, errLocksMoving) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40P01" || pgErr.Code == "40001"
	}
	// The SQLite driver reports SQLITE_BUSY and SQLITE_LOCKED by message.
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked") ||
		strings.Contains(msg, "database table is locked")
}

// snapshotTx runs fn, which only reads, in a transaction that sees one consistent snapshot of
// the database however long it takes: REPEATABLE READ on PostgreSQL (whose default, READ
// COMMITTED, takes a new snapshot per statement); on SQLite any transaction does.
func snapshotTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if isPostgres(db) {
		// A read replica, when the request may read there (database/replica.go), serves it.
		return db.WithContext(ctx).Clauses(dbresolver.Read).Transaction(fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return db.WithContext(ctx).Transaction(fn)
}

// customPlanned runs fn, a read whose best plan depends on its values — a name search for a word
// that is rare in the first window of its range (findPage): through the trigram index when it
// is rare everywhere, by reading the range in order when it is common elsewhere — with a plan
// made for the values every time. A statement the driver caches switches to one generic plan
// after five executions, which cannot tell one word from another. PostgreSQL: in a read-only
// transaction with plan_cache_mode = force_custom_plan (planning costs a fraction of a
// millisecond); SQLite has no plan cache nor trigram index.
func customPlanned(ctx context.Context, db *gorm.DB, fn func(db *gorm.DB) error) error {
	if !isPostgres(db) {
		return fn(db.WithContext(ctx))
	}
	return db.WithContext(ctx).Clauses(dbresolver.Read).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
			return dbErr("plan settings", err)
		}
		return fn(tx)
	}, &sql.TxOptions{ReadOnly: true})
}

// holdWriters keeps every other writer of units and seats waiting until tx ends, while readers
// go on: a repair recounts and writes with nothing changing underneath. On PostgreSQL SHARE ROW
// EXCLUSIVE (which also keeps a second repair out); SQLite's write transaction already does it.
func holdWriters(tx *gorm.DB) error {
	if !isPostgres(tx) {
		return nil
	}
	if err := tx.Exec("LOCK TABLE units, seats IN SHARE ROW EXCLUSIVE MODE").Error; err != nil {
		return dbErr("hold writers", err)
	}
	return nil
}

// copyFunc bulk-loads rows into a table: PostgreSQL COPY, or batched multi-row INSERTs elsewhere.
type copyFunc func(table string, columns []string, rows [][]any) error

// pinnedConn is a dedicated connection under a gorm session: temporary tables live on it and
// transactions are begun on it with BEGIN, so every statement of the session must run there.
// gorm — and the read replica's resolver (database/replica.go), which would otherwise send the
// session's writes to the pool and its reads to the replica — leave a statement on a connection
// that is a transaction (gorm.TxCommitter); this one says it is. It is ended with COMMIT or
// ROLLBACK statements, never through gorm.
type pinnedConn struct{ *sql.Conn }

var errPinned = errors.New("a dedicated connection's transaction ends with COMMIT or ROLLBACK statements")

func (pinnedConn) Commit() error   { return errPinned }
func (pinnedConn) Rollback() error { return errPinned }

// bulkTx runs fn in one transaction on a dedicated connection, so that fn can mix ORM queries
// with the driver's native COPY. Everything fn wrote is rolled back when it returns an error;
// like runTx it runs fn again after a deadlock, so fn must be safe to run more than once.
func bulkTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB, copyRows copyFunc) error) error {
	return retry(ctx, func() (bool, error) { return bulkTxOnce(ctx, db, fn) })
}

// bulkTxOnce is one attempt of bulkTx; beforeCommit reports whether an error came from BEGIN or
// fn (not from COMMIT).
func bulkTxOnce(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB, copyRows copyFunc) error) (beforeCommit bool, err error) {
	sqlDB, err := db.DB()
	if err != nil {
		return false, fmt.Errorf("bulk: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return false, dbErr("bulk: connect", err)
	}
	defer conn.Close()
	pg := isPostgres(db)
	begin := "BEGIN"
	if !pg {
		begin = "BEGIN IMMEDIATE" // take the write lock now rather than fail to upgrade later
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return true, dbErr("bulk: begin", err)
	}
	done := false
	defer func() {
		if !done {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	tx := db.Session(&gorm.Session{NewDB: true, Context: ctx, SkipDefaultTransaction: true}) // already in one
	tx.Statement.ConnPool = pinnedConn{conn}
	cp := func(table string, columns []string, rows [][]any) error {
		if pg {
			return copyPostgres(ctx, conn, table, columns, rows)
		}
		return insertBatches(tx, table, columns, rows)
	}
	if err := fn(tx, cp); err != nil {
		return true, err
	}
	done = true // a failed COMMIT ends the transaction too
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return false, dbErr("bulk: commit", err)
	}
	return false, nil
}

func copyPostgres(ctx context.Context, conn *sql.Conn, table string, columns []string, rows [][]any) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("bulk: driver connection is %T, not pgx", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		if err != nil {
			return dbErr("copy into "+table, err)
		}
		return nil
	})
}

// insertBatches writes rows with multi-row INSERTs small enough for SQLite's variable limit.
func insertBatches(tx *gorm.DB, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	// Small statements: the SQLite driver binds parameters in time that grows with their number.
	per := max(1, 500/len(columns))
	head := "INSERT INTO " + table + " (" + joinCols(columns) + ") VALUES "
	one := "(" + placeholders(len(columns)) + ")"
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		sqlText := make([]byte, 0, len(head)+(end-start)*(len(one)+1))
		sqlText = append(sqlText, head...)
		args := make([]any, 0, (end-start)*len(columns))
		for i := start; i < end; i++ {
			if i > start {
				sqlText = append(sqlText, ',')
			}
			sqlText = append(sqlText, one...)
			args = append(args, rows[i]...)
		}
		if err := tx.Exec(string(sqlText), args...).Error; err != nil {
			return dbErr("insert into "+table, err)
		}
	}
	return nil
}

func joinCols(cols []string) string {
	out := ""
	for i, c := range cols {
		if i > 0 {
			out += ", "
		}
		out += c
	}
	return out
}

func placeholders(n int) string {
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}

// stagingTable creates a temporary table for one transaction with the given column list and
// returns the function that removes it before the transaction ends: PostgreSQL drops it at
// COMMIT by itself; SQLite keeps temporary tables for the connection's life, so it is dropped.
func stagingTable(tx *gorm.DB, name, columns string) (drop func() error, err error) {
	ddl := "CREATE TEMPORARY TABLE " + name + " (" + columns + ")"
	if isPostgres(tx) {
		if err := tx.Exec(ddl + " ON COMMIT DROP").Error; err != nil {
			return nil, dbErr("staging table "+name, err)
		}
		return func() error { return nil }, nil
	}
	// A failed attempt that SQLite rolled back leaves no table; one left by a panic would.
	if err := tx.Exec("DROP TABLE IF EXISTS temp." + name).Error; err != nil {
		return nil, dbErr("staging table "+name, err)
	}
	if err := tx.Exec(ddl).Error; err != nil {
		return nil, dbErr("staging table "+name, err)
	}
	return func() error {
		if err := tx.Exec("DROP TABLE " + name).Error; err != nil {
			return dbErr("staging table "+name, err)
		}
		return nil
	}, nil
}

// reserveTableIDs takes n ids of table (which must be units, people or seats) before inserting
// rows with them. On PostgreSQL they come from the sequence; on SQLite the write lock held by the
// transaction makes max(id)+1.. safe.
func reserveTableIDs(tx *gorm.DB, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, n)
	if isPostgres(tx) {
		if err := tx.Raw("SELECT nextval(pg_get_serial_sequence('"+table+"', 'id')) FROM generate_series(1, ?)", n).Scan(&ids).Error; err != nil {
			return nil, dbErr("reserve ids", err)
		}
		return ids, nil
	}
	var max int64
	if err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM " + table).Scan(&max).Error; err != nil {
		return nil, dbErr("reserve ids", err)
	}
	for i := 1; i <= n; i++ {
		ids = append(ids, max+int64(i))
	}
	return ids, nil
}

// The import's part of the seam: the few things a streaming import does differently on SQLite
// and PostgreSQL — staging tables that live on one connection, a bulk load fed row by row,
// set-based row locks, new ids assigned in SQL, JSON built in SQL, a bounded wait for the last
// locks and statistics after a bulk load.

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
	s.Statement.ConnPool = pinnedConn{conn}
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

// lockTableWriters serialises the writers of a small table for the rest of the transaction,
// while readers go on (PostgreSQL; SQLite has one writer at a time).
func lockTableWriters(tx *gorm.DB, table string) error {
	if !isPostgres(tx) {
		return nil
	}
	return dbErr("lock "+table, tx.Exec("LOCK TABLE "+table+" IN SHARE ROW EXCLUSIVE MODE").Error)
}

// monthOf is the expression of the month ("YYYY-MM") in India time of the timestamp column col.
func monthOf(db *gorm.DB, col string) string {
	if isPostgres(db) {
		return "to_char(" + col + " AT TIME ZONE '" + programMonthZone + "', 'YYYY-MM')"
	}
	return "strftime('%Y-%m', " + col + ", '+" + strconv.Itoa(int(programMonthShift/time.Minute)) + " minutes')"
}

// termEndsExpr is the SQL date on which a term that started on the date column start ends, months
// (a column or a number) later: a day past the end of the target month becomes its last day, as
// AddMonths counts.
func termEndsExpr(db *gorm.DB, start, months string) string {
	if isPostgres(db) {
		return "((" + start + " + make_interval(months => " + months + "))::date)"
	}
	return "min(date(" + start + ", '+' || (" + months + ") || ' months'), date(" + start + ", 'start of month', '+' || (" + months + " + 1) || ' months', '-1 day'))"
}

// erasedPersonKeys are the keys of personAudit whose values an erasure removes from the audit log
// (PostgreSQL: audit_log_redact_person in migration 00022 lists the same).
var erasedPersonKeys = []string{"name", "name_hi", "birth_year", "membership_no", "public_office", "home_unit_id"}

// redactPersonAudit sets the personal values in the audit rows about an erased person to null, and
// those of the organiser in the rows of the programs they organised; it returns how many rows it
// rewrote. The audit log is otherwise append-only (migration 00022): on PostgreSQL the server's
// role may not UPDATE it, and calls the owner's function audit_log_redact_person, which refuses a
// person who is not erased; on SQLite the transaction opens the audit_redaction gate for the
// UPDATE and closes it again.
func redactPersonAudit(tx *gorm.DB, personID int64) (int64, error) {
	if isPostgres(tx) {
		var n int64
		if err := tx.Raw("SELECT audit_log_redact_person(?)", personID).Scan(&n).Error; err != nil {
			return 0, dbErr("redact audit log", err)
		}
		return n, nil
	}
	if err := tx.Exec("INSERT INTO audit_redaction (id) VALUES (1)").Error; err != nil {
		return 0, dbErr("redact audit log", err)
	}
	redact := func(col string, keys []string) string {
		args := make([]string, 0, len(keys))
		for _, k := range keys {
			args = append(args, "'$."+k+"', NULL")
		}
		return col + " = CASE WHEN json_valid(" + col + ") THEN json_replace(" + col + ", " + strings.Join(args, ", ") + ") ELSE " + col + " END"
	}
	res := tx.Exec("UPDATE audit_log SET "+redact("before", erasedPersonKeys)+", "+redact("after", erasedPersonKeys)+
		" WHERE entity = 'person' AND entity_id = ?", idStr(personID))
	if res.Error != nil {
		return 0, dbErr("redact audit log", res.Error)
	}
	n := res.RowsAffected
	organiser := []string{"organiser"}
	res = tx.Exec("UPDATE audit_log SET "+redact("before", organiser)+", "+redact("after", organiser)+
		" WHERE entity = 'program' AND entity_id IN (SELECT CAST(id AS TEXT) FROM programs WHERE organiser_person_id = ?)", personID)
	if res.Error != nil {
		return 0, dbErr("redact audit log", res.Error)
	}
	n += res.RowsAffected
	if err := tx.Exec("DELETE FROM audit_redaction").Error; err != nil {
		return 0, dbErr("redact audit log", err)
	}
	return n, nil
}
