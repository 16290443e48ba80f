package services

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/models"
)

// TestSearchSpeedOnASeededState measures name search over a whole seeded state's people as the
// state office reads it (issue 10: ≤ 30 ms p95 on PostgreSQL), the cross-script search against
// the single substring LIKE it replaced, run alternately on the same database. It runs only
// with SANGATHAN_SEARCH_BENCH_URL naming a database seeded with `sangathan seed` (see
// docs/BENCHMARKS.md, "Cross-script search (issue 10)"):
//
//	SANGATHAN_SEARCH_BENCH_URL=postgres://…/db ROUNDS=20 go test ./services -run TestSearchSpeedOnASeededState -v
func TestSearchSpeedOnASeededState(t *testing.T) {
	url := os.Getenv("SANGATHAN_SEARCH_BENCH_URL")
	if url == "" {
		t.Skip("SANGATHAN_SEARCH_BENCH_URL is not set")
	}
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rounds := 20
	if r := os.Getenv("ROUNDS"); r != "" {
		fmt.Sscan(r, &rounds)
	}
	var state models.Unit
	if err := db.Where("level = ?", models.LevelState).Take(&state).Error; err != nil {
		t.Fatal(err)
	}
	var people int64
	db.Table("people").Count(&people)
	actor := Actor{UserID: 1, Role: models.RoleStateOffice, ScopeUnitID: &state.ID, ScopePath: state.Path}
	set, err := NewSet(db.DB, SystemClock, AuthConfig{Secret: []byte("search-bench-key-0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	// The load tool's words (loadtest/actions.go) in both scripts, then prefixes as typed, words
	// that are rare, and the other script's spelling of names stored in one.
	groups := map[string][]string{
		"latin":      {"Ramesh", "Yadav", "Sunita", "Singh", "Kumar", "Sharma", "Geeta", "Khan", "Mohan", "Gupta", "Ansari", "Maurya", "Devi", "Verma"},
		"devanagari": {"रमेश", "यादव", "सुनीता", "सिंह", "कुमार", "शर्मा", "गीता", "ख़ान", "मोहन", "गुप्ता", "अंसारी", "मौर्य", "देवी", "वर्मा"},
		"prefix":     {"Ram", "Sun", "रमे", "याद", "Shar", "Chau", "गु", "Pra"},
		"rare":       {"Gudamba", "गुडम्बा", "Zzyzx", "Lucknow", "Siddiqui", "Ramesh Kumar Yadav", "Chinhat", "Tripathi"},
	}
	order := []string{"latin", "devanagari", "prefix", "rare"}
	old := func(q string) error {
		// The search before issue 10: one substring LIKE of the whole q, in the same two steps.
		var where conds
		scope, args := scopeCond(actor, "people.path")
		where.add(scope, args...)
		where.addSearch("people.search_text LIKE ? ESCAPE '\\'", "%"+escapeLike(strings.ToLower(q))+"%")
		var rows []models.Person
		if err := findPage(ctx, db.DB, "people", where, "people.path, people.id", DefaultLimit+1, peopleSearchWindow, &rows); err != nil {
			return err
		}
		views := make([]PersonView, 0, len(rows))
		for _, p := range rows[:min(len(rows), DefaultLimit)] {
			views = append(views, viewFor(actor, p, p.Path))
		}
		return describePeople(db.DB.WithContext(ctx), actor, views, "2026-01-01")
	}
	cross := func(q string) error {
		_, err := set.People.List(ctx, actor, PersonFilter{Q: q})
		return err
	}
	// Warm the cache: one round of each.
	for _, g := range order {
		for _, q := range groups[g] {
			if err := old(q); err != nil {
				t.Fatal(err)
			}
			if err := cross(q); err != nil {
				t.Fatal(err)
			}
		}
	}
	type times struct{ old, cross []time.Duration }
	by := map[string]*times{}
	perQuery := map[string]*times{}
	all := &times{}
	for r := 0; r < rounds; r++ {
		for _, g := range order {
			if by[g] == nil {
				by[g] = &times{}
			}
			for _, q := range groups[g] {
				start := time.Now()
				if err := old(q); err != nil {
					t.Fatal(err)
				}
				d := time.Since(start)
				by[g].old, all.old = append(by[g].old, d), append(all.old, d)
				start = time.Now()
				if err := cross(q); err != nil {
					t.Fatal(err)
				}
				d = time.Since(start)
				by[g].cross, all.cross = append(by[g].cross, d), append(all.cross, d)
				if perQuery[q] == nil {
					perQuery[q] = &times{}
				}
				perQuery[q].cross = append(perQuery[q].cross, d)
				perQuery[q].old = append(perQuery[q].old, by[g].old[len(by[g].old)-1])
			}
		}
	}
	pct := func(ds []time.Duration, p float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[int(p*float64(len(s)-1)+0.5)].Microseconds()) / 1000
	}
	t.Logf("%d people, %d rounds; the state office searches the whole state", people, rounds)
	t.Logf("| words | calls | old LIKE p50 / p95 ms | cross-script p50 / p95 ms | p95 ratio |")
	t.Logf("|---|---|---|---|---|")
	row := func(name string, tm *times) {
		t.Logf("| %s | %d | %.1f / %.1f | %.1f / %.1f | %.2f× |", name, len(tm.cross), pct(tm.old, 0.5), pct(tm.old, 0.95),
			pct(tm.cross, 0.5), pct(tm.cross, 0.95), pct(tm.cross, 0.95)/pct(tm.old, 0.95))
	}
	for _, g := range order {
		row(g, by[g])
	}
	row("all", all)
	for _, g := range order {
		for _, q := range groups[g] {
			if tm := perQuery[q]; pct(tm.cross, 0.95) > 30 || pct(tm.old, 0.95) > 30 {
				row("slow: "+q, tm)
			}
		}
	}
	if p95 := pct(all.cross, 0.95); p95 > 30 {
		t.Errorf("cross-script search p95 %.1f ms, over 30 ms", p95)
	}
}
