package migrations_test

import (
	"context"
	"testing"

	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/migrations"
	"github.com/sangathan/sangathan/models"
)

// Migration 00012 recomputes the search text of the rows stored before it, on both databases.
func TestSearchKeysMigration(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	sqlDB, err := db.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	d := migrations.SQLite
	if db.Dialector.Name() == "postgres" {
		d = migrations.Postgres
	}
	if err := migrations.DownTo(ctx, sqlDB, d, 11); err != nil {
		t.Fatal(err)
	}
	// Rows as the server before 00012 wrote them: lower(name) || ' ' || name_hi.
	if err := db.Exec(`INSERT INTO units (id, parent_id, level, path, depth, code, name, name_hi, search_text, created_at, updated_at)
		VALUES (1, NULL, 'state', '/1/', 0, 'UP', 'Uttar Pradesh', 'उत्तर प्रदेश', 'uttar pradesh उत्तर प्रदेश', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
		(2, 1, 'district', '/1/2/', 1, 'LKO', 'Gudamba', '', 'gudamba ', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`).Error; err != nil {
		t.Fatal(err)
	}
	const n = 1100 // more than one batch
	for i := 1; i <= n; i++ {
		if err := db.Exec(`INSERT INTO people (id, name, name_hi, search_text, gender, category, unit_id, path, created_at, updated_at)
			VALUES (?, ?, 'रमेश', ?, 'male', 'OBC', 2, '/1/2/', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`, i, "Ramesh Kumar", "ramesh kumar रमेश").Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := migrations.Up(ctx, sqlDB, d); err != nil {
		t.Fatal(err)
	}
	var units []models.Unit
	if err := db.Order("id").Find(&units).Error; err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		if want := models.SearchText(u.Name, u.NameHi); u.SearchText != want {
			t.Errorf("unit %d: %q, want %q", u.ID, u.SearchText, want)
		}
	}
	var stale, fresh int64
	db.Table("people").Where("search_text = ?", models.SearchText("Ramesh Kumar", "रमेश")).Count(&fresh)
	db.Table("people").Where("search_text <> ?", models.SearchText("Ramesh Kumar", "रमेश")).Count(&stale)
	if fresh != n || stale != 0 {
		t.Errorf("people: %d recomputed, %d not", fresh, stale)
	}
	// Down writes the old text back.
	if err := migrations.DownTo(ctx, sqlDB, d, 11); err != nil {
		t.Fatal(err)
	}
	var old string
	db.Raw("SELECT search_text FROM units WHERE id = 1").Scan(&old)
	if old != "uttar pradesh उत्तर प्रदेश" {
		t.Errorf("down: %q", old)
	}
}
