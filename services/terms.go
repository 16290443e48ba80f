package services

// Committee terms (issue 12). A committee serves a term of its level's term_months (committee
// norms; three years unless changed) from the day its current term started (units.term_started_on:
// the unit's creation, or its last reconstitution). Reconstituting a committee ends every current
// seat on one date and starts the term again on it; the ended seats stay in the history.
//
// Booth coverage counts a booth committee whose term ended more than its level's grace_days ago as
// incomplete. Time passes without writes, so that rule is not kept in the stored booths_complete
// counts (rollups.go), which stay as the seats make them: coverage is read as the stored count less
// the complete booths of the subtree whose term and grace have run out (lapsedBooths, one range of
// units_booth_term_idx). termLapsed is the rule; lapseCutoff turns it into the last term start that
// has lapsed on a day, for the index; `sangathan verify` checks the two agree on every booth.

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Due-list window: within_days= is between 0 and MaxDueWithinDays; DefaultDueWithinDays when not given.
const (
	DefaultDueWithinDays = 90
	MaxDueWithinDays     = 1095
	MaxTermMonths        = 120
	MaxGraceDays         = 730
)

// AddMonths is d moved by n months; a day past the end of the target month becomes its last day
// (31 January and one month is 28 or 29 February), as PostgreSQL adds months. d must be valid.
func AddMonths(d models.Date, n int) models.Date {
	t, _ := time.Parse(models.DateLayout, string(d))
	y, m := t.Year(), int(t.Month())-1+n
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	last := time.Date(y, time.Month(m+2), 0, 0, 0, 0, 0, time.UTC).Day()
	day := min(t.Day(), last)
	return models.DateOf(time.Date(y, time.Month(m+1), day, 0, 0, 0, 0, time.UTC))
}

// TermEnds is the day a term started on start ends under norm n.
func TermEnds(n models.CommitteeNorm, start models.Date) models.Date {
	return AddMonths(start, n.TermMonths)
}

// termLapsed is the coverage rule: on day today, a committee whose term started on start counts as
// incomplete when its term ended more than n.GraceDays days ago.
func termLapsed(n models.CommitteeNorm, start, today models.Date) bool {
	return TermEnds(n, start).AddDays(n.GraceDays) < today
}

// LapseCutoff is the last term start that has lapsed on today under n (termLapsed is true for a
// start on or before it and false after it, since a later start never ends earlier).
func LapseCutoff(n models.CommitteeNorm, today models.Date) models.Date {
	c := AddMonths(today.AddDays(-n.GraceDays), -n.TermMonths)
	for termLapsed(n, c.AddDays(1), today) {
		c = c.AddDays(1)
	}
	for !termLapsed(n, c, today) {
		c = c.AddDays(-1)
	}
	return c
}

// daysBetween is the number of days from a to b (negative when b is before a).
func daysBetween(a, b models.Date) int {
	ta, _ := time.Parse(models.DateLayout, string(a))
	tb, _ := time.Parse(models.DateLayout, string(b))
	return int(tb.Sub(ta).Hours() / 24)
}

// todayIST is the date in India now.
func todayIST(now Clock) models.Date { return models.DateOf(now().In(IST)) }

// lapsedBooths counts, for each unit, the booths below it (itself for a booth) with a complete
// committee whose term and grace have run out on today: what coverage takes off the stored count.
// A Lok Sabha constituency counts the booths of its assemblies.
func lapsedBooths(db *gorm.DB, today models.Date, units []models.Unit) (map[int64]int64, error) {
	out := make(map[int64]int64, len(units))
	if len(units) == 0 {
		return out, nil
	}
	n, err := norm(db, models.LevelBooth)
	if err != nil {
		return nil, err
	}
	cutoff := LapseCutoff(n, today)
	const q = "SELECT count(*) FROM units WHERE level = 'booth' AND committee_complete AND path >= ? AND path < ? AND term_started_on <= ?"
	// Many units at once (a breakdown's rows, a page of children): read the lapsed booths of the
	// range around them once, when there are not too many, and count each unit's by binary search.
	var lapsed []string
	ranged := false
	if len(units) > 1 {
		lo, hi := "", ""
		for _, u := range units {
			if u.Level == models.LevelParliamentary || u.Path == "" {
				continue
			}
			l, h := models.SubtreeRange(u.Path)
			if lo == "" || l < lo {
				lo = l
			}
			if h > hi {
				hi = h
			}
		}
		if lo != "" {
			if err := db.Raw("SELECT path FROM units WHERE level = 'booth' AND committee_complete AND path >= ? AND path < ? AND term_started_on <= ? LIMIT ?",
				lo, hi, cutoff, LapsedReadMax+1).Scan(&lapsed).Error; err != nil {
				return nil, dbErr("coverage: lapsed terms", err)
			}
			if ranged = len(lapsed) <= LapsedReadMax; ranged {
				slices.Sort(lapsed)
			}
		}
	}
	for _, u := range units {
		var c int64
		if ranged && u.Level != models.LevelParliamentary && u.Path != "" {
			l, h := models.SubtreeRange(u.Path)
			a, _ := slices.BinarySearch(lapsed, l)
			b, _ := slices.BinarySearch(lapsed, h)
			out[u.ID] = int64(b - a)
			continue
		}
		if u.Level == models.LevelParliamentary {
			if err := db.Raw("SELECT count(*) FROM units a JOIN units b ON b.level = 'booth' AND b.committee_complete "+
				"AND b.path >= a.path AND b.path < substr(a.path, 1, length(a.path) - 1) || '0' AND b.term_started_on <= ? "+
				"WHERE a.parliamentary_id = ? AND a.level = 'assembly'", cutoff, u.ID).Scan(&c).Error; err != nil {
				return nil, dbErr("coverage: lapsed terms", err)
			}
		} else if u.Path != "" {
			lo, hi := models.SubtreeRange(u.Path)
			if err := db.Raw(q, lo, hi, cutoff).Scan(&c).Error; err != nil {
				return nil, dbErr("coverage: lapsed terms", err)
			}
		}
		out[u.ID] = c
	}
	return out, nil
}

// LapsedReadMax is how many lapsed booths lapsedBooths reads at once before it counts unit by unit.
const LapsedReadMax = 20000

// DueCommittee is a committee whose term has ended or ends within the window asked for.
type DueCommittee struct {
	Unit          models.Unit
	TermStartedOn models.Date
	TermEndsOn    models.Date
	DaysLeft      int // negative when the term has ended
	Seats         int
}

// dueCursor is where the due list goes on: after this term end and unit id.
func dueCursor(d models.Date, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(d) + "|" + strconv.FormatInt(id, 10)))
}

func parseDueCursor(s string) (models.Date, int64, error) {
	bad := invalid("cursor", "cursor_invalid", nil, "is not a cursor this server issued")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", 0, bad
	}
	a, b, ok := strings.Cut(string(raw), "|")
	id, err := strconv.ParseInt(b, 10, 64)
	if !ok || err != nil || id <= 0 || !models.Date(a).Valid() {
		return "", 0, bad
	}
	return models.Date(a), id, nil
}

// Due lists the committees (units with at least one current seat) inside the actor's scope, and
// under a unit when given, whose term has ended or ends within withinDays days (nil: the default),
// most overdue first (by term end, then unit id). Every role reads those in its scope. Returns
// Invalid for a window out of bounds or a bad cursor, NotFound when under names a unit the actor
// cannot see.
func (s *Committees) Due(ctx context.Context, actor Actor, under *int64, withinDays *int, pr PageRequest) (Page[DueCommittee], error) {
	limit, _, err := PageRequest{Limit: pr.Limit}.bounds()
	if err != nil {
		return Page[DueCommittee]{}, err
	}
	within := DefaultDueWithinDays
	if withinDays != nil {
		within = *withinDays
	}
	var fe Fields
	if within < 0 || within > MaxDueWithinDays {
		fe.AddCode("within_days", "out_of_range", map[string]any{"min": 0, "max": MaxDueWithinDays}, "must be between 0 and %d", MaxDueWithinDays)
	}
	var afterEnd models.Date
	var afterID int64
	if pr.Cursor != "" {
		var err error
		if afterEnd, afterID, err = parseDueCursor(pr.Cursor); err != nil {
			fe = append(fe, FieldsOf(err)...)
		}
	}
	if err := fe.Err(); err != nil {
		return Page[DueCommittee]{}, err
	}
	db := s.db.WithContext(ctx)
	today := todayIST(s.now)
	ends := termEndsExpr(db, "units.term_started_on", "n.term_months")
	scope, scopeArgs := scopeCond(actor, "units.path")
	q := db.Table("units").Joins("JOIN committee_norms n ON n.level = units.level").
		Where("units.seats > 0").Where(scope, scopeArgs...).
		Where(ends+" <= ?", today.AddDays(within))
	if under != nil {
		u, err := s.units.visible(db, actor, *under, "under")
		if err != nil {
			return Page[DueCommittee]{}, asNotFound(err)
		}
		cond, args := subtreeCond("units.path", u)
		q = q.Where(cond, args...)
	}
	if pr.Cursor != "" {
		q = q.Where(ends+" > ? OR ("+ends+" = ? AND units.id > ?)", afterEnd, afterEnd, afterID)
	}
	var rows []struct {
		ID         int64
		TermEndsOn models.Date
	}
	if err := q.Select("units.id AS id, " + ends + " AS term_ends_on").Order(ends + ", units.id").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return Page[DueCommittee]{}, dbErr("list due committees", err)
	}
	page := paginateBy(rows, limit, func(r struct {
		ID         int64
		TermEndsOn models.Date
	}) string {
		return dueCursor(r.TermEndsOn, r.ID)
	})
	ids := make([]int64, 0, len(page.Items))
	for _, r := range page.Items {
		ids = append(ids, r.ID)
	}
	var us []models.Unit
	if len(ids) > 0 {
		if err := db.Where("id IN ?", ids).Find(&us).Error; err != nil {
			return Page[DueCommittee]{}, dbErr("list due committees", err)
		}
	}
	byID := make(map[int64]models.Unit, len(us))
	for _, u := range us {
		byID[u.ID] = u
	}
	out := Page[DueCommittee]{Items: make([]DueCommittee, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, r := range page.Items {
		u := byID[r.ID]
		out.Items = append(out.Items, DueCommittee{Unit: u, TermStartedOn: u.TermStartedOn, TermEndsOn: r.TermEndsOn,
			DaysLeft: daysBetween(today, r.TermEndsOn), Seats: u.Seats})
	}
	return out, nil
}

// Term is a committee's current term.
type Term struct {
	StartedOn models.Date
	EndsOn    models.Date
	Months    int
	DaysLeft  int
	GraceDays int
	Lapsed    bool // past its term and grace: a booth committee so counts as incomplete in coverage
}

// termOf is the current term of u's committee under its level's norm n, as of today.
func termOf(n models.CommitteeNorm, u models.Unit, today models.Date) Term {
	if !u.TermStartedOn.Valid() {
		return Term{Months: n.TermMonths, GraceDays: n.GraceDays}
	}
	ends := TermEnds(n, u.TermStartedOn)
	return Term{StartedOn: u.TermStartedOn, EndsOn: ends, Months: n.TermMonths, GraceDays: n.GraceDays,
		DaysLeft: daysBetween(today, ends), Lapsed: termLapsed(n, u.TermStartedOn, today)}
}

// Term returns the current term of a unit's committee. Returns NotFound outside scope.
func (s *Committees) Term(ctx context.Context, actor Actor, unitID int64) (Term, error) {
	db := s.db.WithContext(ctx)
	u, err := s.units.visible(db, actor, unitID, "")
	if err != nil {
		return Term{}, err
	}
	n, err := norm(db, u.Level)
	if err != nil {
		return Term{}, err
	}
	return termOf(n, u, todayIST(s.now)), nil
}

// Reconstitute ends every current seat of a unit's committee on the day on (YYYY-MM-DD, India
// time) and starts its term again on that day; the ended seats stay in the history. ifMatch, when
// given, must be the unit's version. The state office and admins reconstitute anywhere in their
// scope, district coordinators inside their district. Returns Forbidden for other roles, NotFound
// outside scope, Invalid for a day in the future, before the term started or before a current
// seat began, Precondition for a stale version.
func (s *Committees) Reconstitute(ctx context.Context, actor Actor, unitID int64, on string, ifMatch *int64) (CommitteeView, error) {
	if !actor.canManageUnits() {
		return CommitteeView{}, Errorf(EForbidden, "your role may not reconstitute committees")
	}
	now := s.now()
	today := models.DateOf(now.In(IST))
	var f Fields
	day := dateField(&f, "on", on, true, today, "", "")
	if err := f.Err(); err != nil {
		return CommitteeView{}, err
	}
	wide := false
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		// The unit first (its row lock, or a booth's whole lock set when its completeness flips),
		// then the holders, as EndSeat does.
		u, err := s.lockCommittee(tx, actor, unitID, wide)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, u.Version); err != nil {
			return err
		}
		if day < u.TermStartedOn {
			return invalid("on", "date_before", map[string]any{"min": string(u.TermStartedOn), "field": "term_started_on"},
				"must not be before %s (term_started_on)", u.TermStartedOn)
		}
		var seats []models.Seat
		if err := tx.Where("unit_id = ? AND ended_at IS NULL", u.ID).Order("person_id").Find(&seats).Error; err != nil {
			return dbErr("reconstitute: read seats", err)
		}
		for _, st := range seats {
			if d := models.DateOf(st.Since.In(IST)); day < d {
				return invalid("on", "date_before", map[string]any{"min": string(d), "field": "since"},
					"must not be before %s, when a current seat began", d)
			}
		}
		n, err := norm(tx, u.Level)
		if err != nil {
			return err
		}
		ch := committeeChange{unit: u, seats: 0, complete: meets(n, map[models.Position]int{})}
		if ch.complete != u.CommitteeComplete && u.Level == models.LevelBooth && !wide {
			wide = true
			return errWiden
		}
		// The seats end on the day: now when it is today, else the last moment of that day.
		endAt := now
		if day != today {
			t, _ := time.ParseInLocation(models.DateLayout, string(day), IST)
			endAt = t.AddDate(0, 0, 1).Add(-time.Second).UTC()
		}
		for _, st := range seats {
			if err := lockHolder(tx, st.PersonID); err != nil {
				return err
			}
		}
		if len(seats) > 0 {
			ids := make([]int64, 0, len(seats))
			for _, st := range seats {
				ids = append(ids, st.ID)
			}
			upd := map[string]any{"ended_at": endAt}
			if actor.UserID != 0 {
				upd["ended_by"] = actor.UserID
			}
			if err := tx.Model(&models.Seat{}).Where("id IN ?", ids).Updates(upd).Error; err != nil {
				return dbErr("reconstitute: end seats", err)
			}
			var holders []models.Person
			if err := tx.Select("id", "category", "gender", "religion", "birth_year").Where("id IN ?", uniquePeople(seats)).Find(&holders).Error; err != nil {
				return dbErr("reconstitute: read holders", err)
			}
			byID := make(map[int64]models.Person, len(holders))
			for _, p := range holders {
				byID[p.ID] = p
			}
			for _, st := range seats {
				if err := seatChanged(tx, u, holderOf(byID[st.PersonID]), -1); err != nil {
					return err
				}
			}
		}
		if err := committeesChanged(tx, nil, []committeeChange{ch}); err != nil {
			return err
		}
		if err := tx.Model(&models.Unit{}).Where("id = ?", u.ID).UpdateColumns(map[string]any{
			"term_started_on": day, "version": gorm.Expr("version + 1"), "updated_at": now}).Error; err != nil {
			return dbErr("reconstitute", err)
		}
		return record(tx, now, actor, change{Action: "reconstitute", Entity: "committee", EntityID: u.ID, Unit: &u,
			Before: map[string]any{"unit_id": u.ID, "term_started_on": u.TermStartedOn, "seats": len(seats)},
			After:  map[string]any{"unit_id": u.ID, "term_started_on": day, "seats_ended": len(seats), "on": day}})
	})
	if err != nil {
		return CommitteeView{}, err
	}
	return s.Get(ctx, actor, unitID)
}

// uniquePeople lists the holders of seats once each.
func uniquePeople(seats []models.Seat) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, st := range seats {
		if !seen[st.PersonID] {
			seen[st.PersonID] = true
			out = append(out, st.PersonID)
		}
	}
	return out
}

// NormPatch changes the term of committees at a level; nil fields stay.
type NormPatch struct {
	TermMonths *int
	GraceDays  *int
}

// Norms lists the committee norms of every level, top to bottom. Every role reads them.
func (s *Committees) Norms(ctx context.Context) ([]models.CommitteeNorm, error) {
	var ns []models.CommitteeNorm
	if err := s.db.WithContext(ctx).Find(&ns).Error; err != nil {
		return nil, dbErr("load committee norms", err)
	}
	out := make([]models.CommitteeNorm, 0, len(ns))
	for _, l := range models.Levels {
		for _, n := range ns {
			if n.Level == l {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// SetNorm changes the term length and grace period of committees at a level. Only admins and the
// state office. Returns Forbidden for other roles, NotFound for an unknown level, Invalid out of
// bounds.
func (s *Committees) SetNorm(ctx context.Context, actor Actor, level models.Level, p NormPatch) (models.CommitteeNorm, error) {
	if actor.Role != models.RoleAdmin && actor.Role != models.RoleStateOffice {
		return models.CommitteeNorm{}, Errorf(EForbidden, "only admins and the state office set committee terms")
	}
	if !level.Valid() {
		return models.CommitteeNorm{}, Errorf(ENotFound, "no such level")
	}
	var f Fields
	if p.TermMonths != nil && (*p.TermMonths < 1 || *p.TermMonths > MaxTermMonths) {
		f.AddCode("term_months", "out_of_range", map[string]any{"min": 1, "max": MaxTermMonths}, "must be between 1 and %d", MaxTermMonths)
	}
	if p.GraceDays != nil && (*p.GraceDays < 0 || *p.GraceDays > MaxGraceDays) {
		f.AddCode("grace_days", "out_of_range", map[string]any{"min": 0, "max": MaxGraceDays}, "must be between 0 and %d", MaxGraceDays)
	}
	if err := f.Err(); err != nil {
		return models.CommitteeNorm{}, err
	}
	var out models.CommitteeNorm
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		before, err := norm(tx, level)
		if err != nil {
			return err
		}
		upd := map[string]any{}
		if p.TermMonths != nil {
			upd["term_months"] = *p.TermMonths
		}
		if p.GraceDays != nil {
			upd["grace_days"] = *p.GraceDays
		}
		if len(upd) > 0 {
			if err := tx.Model(&models.CommitteeNorm{}).Where("level = ?", level).UpdateColumns(upd).Error; err != nil {
				return dbErr("set committee norm", err)
			}
		}
		if out, err = norm(tx, level); err != nil {
			return err
		}
		return record(tx, s.now(), actor, change{Action: "update", Entity: "committee_norm",
			Before: map[string]any{"level": level, "term_months": before.TermMonths, "grace_days": before.GraceDays},
			After:  map[string]any{"level": level, "term_months": out.TermMonths, "grace_days": out.GraceDays}})
	})
	return out, err
}

// verifyTerms checks that the coverage query's cutoff (lapseCutoff, on units_booth_term_idx) and the
// rule (termLapsed) agree on every booth with a complete committee: a booth the one counts as past
// its term and the other does not is a difference (nothing to fix in the data: the code disagrees).
func verifyTerms(tx *gorm.DB, today models.Date) ([]Difference, error) {
	n, err := norm(tx, models.LevelBooth)
	if err != nil {
		return nil, err
	}
	cutoff := LapseCutoff(n, today)
	var rows []struct {
		ID            int64
		Code          string
		TermStartedOn models.Date
		ByIndex       bool
	}
	if err := tx.Raw("SELECT id, code, term_started_on, term_started_on <= ? AS by_index FROM units WHERE level = 'booth' AND committee_complete ORDER BY id", cutoff).
		Scan(&rows).Error; err != nil {
		return nil, dbErr("verify: read terms", err)
	}
	var out []Difference
	for _, r := range rows {
		if rule := termLapsed(n, r.TermStartedOn, today); rule != r.ByIndex {
			out = append(out, Difference{UnitID: r.ID, Code: r.Code, Field: "term_lapsed",
				Stored: strconv.FormatBool(r.ByIndex), Recounted: strconv.FormatBool(rule)})
		}
	}
	return out, nil
}
