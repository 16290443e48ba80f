package services

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// copyFunc bulk-loads rows into a table: PostgreSQL COPY, or batched multi-row INSERTs elsewhere.
type copyFunc func(table string, columns []string, rows [][]any) error

// isPostgres reports whether db talks to PostgreSQL.
func isPostgres(db *gorm.DB) bool { return db.Dialector.Name() == "postgres" }

// bulkTx runs fn in one transaction on a dedicated connection, so that fn can mix ORM queries
// with the driver's native COPY. Everything fn wrote is rolled back when it returns an error.
func bulkTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB, copyRows copyFunc) error) (err error) {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("bulk: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return dbErr("bulk: connect", err)
	}
	defer conn.Close()
	pg := isPostgres(db)
	begin := "BEGIN"
	if !pg {
		begin = "BEGIN IMMEDIATE" // take the write lock now rather than fail to upgrade later
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return dbErr("bulk: begin", err)
	}
	done := false
	defer func() {
		if !done {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	tx := db.Session(&gorm.Session{NewDB: true, Context: ctx})
	tx.Statement.ConnPool = conn
	cp := func(table string, columns []string, rows [][]any) error {
		if pg {
			return copyPostgres(ctx, conn, table, columns, rows)
		}
		return insertBatches(tx, table, columns, rows)
	}
	if err := fn(tx, cp); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return dbErr("bulk: commit", err)
	}
	done = true
	return nil
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
