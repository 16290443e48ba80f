package services

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sangathan/sangathan/models"
)

// IST is India Standard Time (Asia/Kolkata): UTC+05:30 all year, without summer time, so a fixed
// zone says it exactly and needs no time zone database on the server. "Today" and "this month"
// of the incidents are Indian dates: a case logged at 01:00 in Lucknow is logged today there,
// although it is still yesterday in UTC.
var IST = time.FixedZone("IST", 5*3600+30*60)

// today is the date in India on the service's clock.
func (s *Incidents) today() models.Date { return models.DateOf(s.now().In(IST)) }

// thisMonth is the first day of the current calendar month in India and the first day of the next.
func (s *Incidents) thisMonth() (first, next models.Date) {
	t := s.now().In(IST)
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, IST)
	return models.DateOf(start), models.DateOf(start.AddDate(0, 1, 0))
}

// DistrictSummary is where the incidents of one district stand.
type DistrictSummary struct {
	Unit models.Unit // the district: id, code and names
	// Open: not closed. Overdue: as the list's overdue filter (no report OverdueDays after the
	// committee was formed). ForwardedThisMonth: reports forwarded in the current calendar month
	// in India.
	Open, Overdue, ForwardedThisMonth int64
	// By status.
	Reported, CommitteeFormed, ReportSubmitted, Forwarded, Closed int64
}

// summaryLevels are the levels a summary may be asked under: it has a row per district.
var summaryLevels = []models.Level{models.LevelNational, models.LevelState, models.LevelDistrict}

// Summary returns a row per district inside the actor's scope under the unit under (nil: the
// actor's whole scope) with its incidents counted, ordered by the district's code. A district
// where nothing was logged has a row of zeros. Returns Forbidden for booth workers and viewers,
// NotFound when under is outside the actor's scope and Invalid when under is below a district or
// a Lok Sabha constituency.
//
// One statement: the districts are joined to their incidents by the incidents' path range (the
// index incidents_path_idx), and each count is a sum over the joined rows.
func (s *Incidents) Summary(ctx context.Context, actor Actor, under *int64) ([]DistrictSummary, error) {
	if !actor.mayReadIncidents() {
		return nil, Errorf(EForbidden, "your role may not read incidents")
	}
	db := s.db.WithContext(ctx)
	var where conds
	where.add("d.level = ?", models.LevelDistrict)
	scope, args := scopeCond(actor, "d.path")
	where.add(scope, args...)
	if under != nil {
		u, err := s.units.visible(db, actor, *under, "under")
		if err != nil {
			return nil, asNotFound(err)
		}
		if !slices.Contains(summaryLevels, u.Level) {
			return nil, invalid("under", "level_not_allowed", map[string]any{"levels": summaryLevels},
				"must be a state or a district, not a %s", u.Level)
		}
		c, args := subtreeCond("d.path", u)
		where.add(c, args...)
	}
	first, next := s.thisMonth()
	count := func(cond string) string { return "COALESCE(SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END), 0)" }
	status := func(st models.IncidentStatus) string { return count("i.status = '" + string(st) + "'") }
	q := db.Table("units d").Select(`d.id, d.code, d.name, d.name_hi, `+
		count("i.status <> 'closed'")+` AS open, `+
		count("i.status = 'committee_formed' AND c.formed_on < ?")+` AS overdue, `+
		count("f.forwarded_on >= ? AND f.forwarded_on < ?")+` AS forwarded_this_month, `+
		status(models.IncidentReported)+` AS reported, `+
		status(models.IncidentCommitteeFormed)+` AS committee_formed, `+
		status(models.IncidentReportSubmitted)+` AS report_submitted, `+
		status(models.IncidentForwarded)+` AS forwarded, `+
		status(models.IncidentClosed)+` AS closed`, s.overdueCutoff(), first, next).
		Joins("LEFT JOIN incidents i ON i.path >= d.path AND i.path < substr(d.path, 1, length(d.path) - 1) || '0'").
		Joins("LEFT JOIN incident_committees c ON c.incident_id = i.id").
		Joins("LEFT JOIN incident_forwards f ON f.incident_id = i.id")
	q = where.apply(q).Group("d.id, d.code, d.name, d.name_hi").Order("d.code, d.id")
	var rows []struct {
		ID                                                            int64
		Code, Name, NameHi                                            string
		Open, Overdue, ForwardedThisMonth                             int64
		Reported, CommitteeFormed, ReportSubmitted, Forwarded, Closed int64
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, dbErr("summarise incidents", err)
	}
	out := make([]DistrictSummary, len(rows))
	for i, r := range rows {
		out[i] = DistrictSummary{Unit: models.Unit{ID: r.ID, Level: models.LevelDistrict, Code: r.Code, Name: r.Name, NameHi: r.NameHi},
			Open: r.Open, Overdue: r.Overdue, ForwardedThisMonth: r.ForwardedThisMonth, Reported: r.Reported,
			CommitteeFormed: r.CommitteeFormed, ReportSubmitted: r.ReportSubmitted, Forwarded: r.Forwarded, Closed: r.Closed}
	}
	return out, nil
}

// IncidentColumns are the columns of the incidents CSV export, in order.
var IncidentColumns = []string{"id", "district_code", "unit_code", "occurred_on", "place", "title", "kind", "affected_groups",
	"victims", "status", "committee_formed_on", "convener", "report_submitted_on", "forwarded_to", "forwarded_on", "letter_ref",
	"closed_on", "outcome", "overdue"}

// exportPage is how many incidents an export reads at a time.
const exportPage = 500

// ExportCSV streams the incidents of a selection (see Select: the list's filters and scope) as
// CSV to w, newest first, a page at a time, every cell made safe to open in a spreadsheet.
// Several affected groups or addressees share a cell, separated by ";".
//
// Every export is written to the audit log (action export, entity incidents: who, the unit asked
// for, the filter and how many rows went out) once the rows are written, in a statement of its
// own, so that a stream cut short is recorded too, with the rows written until then and complete
// false — as the people export is.
func (s *Incidents) ExportCSV(ctx context.Context, sel IncidentSelection, w io.Writer) error {
	cw := csv.NewWriter(w)
	n, err := s.streamIncidents(ctx, sel, cw)
	if aerr := s.recordExport(context.WithoutCancel(ctx), sel, n, err == nil); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return err
	}
	// Flushed after the audit row is in: an export whose audit row cannot be written is cut short.
	cw.Flush()
	return cw.Error()
}

func (s *Incidents) streamIncidents(ctx context.Context, sel IncidentSelection, cw *csv.Writer) (int, error) {
	if err := writeRow(cw, slices.Clone(IncidentColumns)); err != nil {
		return 0, err
	}
	n := 0
	var after int64
	for {
		p, err := s.page(ctx, sel, exportPage, after)
		if err != nil {
			return n, err
		}
		districts, err := s.districtsOf(ctx, p.Items)
		if err != nil {
			return n, err
		}
		for _, v := range p.Items {
			if err := writeRow(cw, incidentRecord(v, districts)); err != nil {
				return n, err
			}
			n++
		}
		if p.NextCursor == "" {
			return n, nil
		}
		after = p.Items[len(p.Items)-1].Incident.ID
		cw.Flush() // a page at a time to the client
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
}

// districtsOf finds, in one query, the districts the incidents lie in: the ancestor of each
// incident's unit (or the unit itself) at the district level, by the ids of its path.
func (s *Incidents) districtsOf(ctx context.Context, views []IncidentView) (map[int64]models.Unit, error) {
	ids := map[int64]bool{}
	for _, v := range views {
		for _, id := range pathIDs(v.Incident.Path) {
			ids[id] = true
		}
	}
	out := map[int64]models.Unit{}
	if len(ids) == 0 {
		return out, nil
	}
	var units []models.Unit
	keys := make([]int64, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	if err := s.db.WithContext(ctx).Select("id, code, path, level").Where("level = ? AND id IN ?", models.LevelDistrict, keys).Find(&units).Error; err != nil {
		return nil, dbErr("load districts", err)
	}
	for _, u := range units {
		out[u.ID] = u
	}
	return out, nil
}

// pathIDs are the ids of a materialised path, root first.
func pathIDs(path string) []int64 {
	var ids []int64
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// incidentRecord is one incident as a row of IncidentColumns.
func incidentRecord(v IncidentView, districts map[int64]models.Unit) []string {
	i := v.Incident
	district := ""
	for _, id := range pathIDs(i.Path) {
		if d, ok := districts[id]; ok {
			district = d.Code
		}
	}
	rec := []string{strconv.FormatInt(i.ID, 10), district, v.Unit.Code, string(i.OccurredOn), i.Place, i.Title, string(i.Kind),
		strings.Join(v.AffectedGroups, ";"), intPtr(i.Victims), string(i.Status), "", "", "", "", "", "", "", "", strconv.FormatBool(v.Overdue)}
	if c := v.Committee; c != nil {
		rec[10] = string(c.FormedOn)
		for _, m := range c.Members {
			if m.Convener {
				rec[11] = m.Name
				if rec[11] == "" {
					rec[11] = m.NameHi
				}
			}
		}
	}
	if r := v.Report; r != nil {
		rec[12] = string(r.SubmittedOn)
	}
	if fw := v.Forward; fw != nil {
		rec[13], rec[14], rec[15] = strings.Join(forwardTo(*fw), ";"), string(fw.ForwardedOn), fw.LetterRef
	}
	if c := v.Closure; c != nil {
		rec[16], rec[17] = string(c.ClosedOn), c.Outcome
	}
	return rec
}

// recordExport writes the audit row of an incidents export at the unit asked for (or the
// actor's scope unit), so that whoever may read the audit log there sees it.
func (s *Incidents) recordExport(ctx context.Context, sel IncidentSelection, rows int, complete bool) error {
	actor := sel.actor
	var where *models.Unit
	f := sel.f
	filter := map[string]any{}
	for k, v := range map[string]string{"status": f.Status, "kind": f.Kind, "affected_group": f.AffectedGroup, "from": f.From, "to": f.To} {
		if v != "" {
			filter[k] = v
		}
	}
	if f.Overdue != nil {
		filter["overdue"] = *f.Overdue
	}
	after := map[string]any{"under": nil, "filter": filter, "rows": rows, "complete": complete}
	switch {
	case sel.under != nil:
		where = sel.under
		after["under"] = map[string]any{"id": sel.under.ID, "code": sel.under.Code}
	case actor.ScopeUnitID != nil:
		where = &models.Unit{ID: *actor.ScopeUnitID, Path: actor.ScopePath}
	}
	return record(s.db.WithContext(ctx), s.now(), actor, change{Action: "export", Entity: "incidents", Unit: where, After: after})
}
