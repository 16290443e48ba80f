package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/sangathan/sangathan/models"
)

// Migration 00012 (Go, both dialects): the search text of every unit and person gains the
// phonetic keys of its names (models.SearchText, issue 10: search across scripts). SQL cannot
// compute the keys, so the rows are read in batches of ids and written back with one UPDATE …
// FROM (VALUES …) per batch, in the migration's transaction. Down writes the old text, the
// lower-cased name and the Hindi name.
//
// searchKeysVersion is part of the fingerprint of the migrations (Fingerprint): change it when
// the migration changes.
const searchKeysVersion = "00012_search_keys v2"

// searchKeysBatch is how many rows one UPDATE writes.
const searchKeysBatch = 1000

func searchKeysMigration(d Dialect) *goose.Migration {
	return goose.NewGoMigration(12,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			for _, table := range []string{"units", "people"} {
				if err := recomputeSearchText(ctx, tx, d, table); err != nil {
					return err
				}
			}
			return nil
		}},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			for _, table := range []string{"units", "people"} {
				if _, err := tx.ExecContext(ctx, "UPDATE "+table+" SET search_text = lower(name) || ' ' || name_hi"); err != nil {
					return fmt.Errorf("00012 down %s: %w", table, err)
				}
			}
			return nil
		}})
}

// recomputeSearchText writes models.SearchText into every row of table.
func recomputeSearchText(ctx context.Context, tx *sql.Tx, d Dialect, table string) error {
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, "SELECT id, name, name_hi FROM "+table+" WHERE id > "+placeholder(d, 1)+
			" ORDER BY id LIMIT "+fmt.Sprint(searchKeysBatch), after)
		if err != nil {
			return fmt.Errorf("00012 read %s: %w", table, err)
		}
		var args []any
		for rows.Next() {
			var id int64
			var name, nameHi string
			if err := rows.Scan(&id, &name, &nameHi); err != nil {
				rows.Close()
				return fmt.Errorf("00012 read %s: %w", table, err)
			}
			args = append(args, id, models.SearchText(name, nameHi))
			after = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("00012 read %s: %w", table, err)
		}
		if len(args) == 0 {
			return nil
		}
		values := make([]string, 0, len(args)/2)
		for i := 0; i < len(args); i += 2 {
			if i == 0 {
				values = append(values, "(CAST("+placeholder(d, i+1)+" AS BIGINT), CAST("+placeholder(d, i+2)+" AS TEXT))")
			} else {
				values = append(values, "("+placeholder(d, i+1)+", "+placeholder(d, i+2)+")")
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE "+table+" SET search_text = v.column2 FROM (VALUES "+strings.Join(values, ", ")+
			") AS v WHERE "+table+".id = v.column1", args...); err != nil {
			return fmt.Errorf("00012 write %s: %w", table, err)
		}
		if len(args)/2 < searchKeysBatch {
			return nil
		}
	}
}

func placeholder(d Dialect, n int) string {
	if d == Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}
