package services

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sangathan/sangathan/models"
)

// Intake takes reports of incidents from the public, who need no login, and keeps them in a
// review queue for the state office, which turns each into an incident or dismisses it.
//
// What the public may do is bounded (IntakeLimits, per client address, in the database): a few
// reports and a few dozen tracking lookups an hour, texts of a few thousand characters, and a
// honeypot field that a person never sees. A reporter learns only where their report stands, in
// plain words, with dates: never the names of the party's people, nor anyone's id, nor findings.
//
// Who may review (DESIGN.md, "Users, roles and scope"): the state office and admin, inside their
// scope; every other role is refused, and without a login the queue does not answer at all.
type Intake struct {
	db        *gorm.DB
	now       Clock
	units     *Units
	incidents *Incidents
	throttle  intakeThrottle
	// Limits bound the public's requests; zero fields take their DefaultIntakeLimits value.
	Limits IntakeLimits

	mu            sync.Mutex
	districts     []models.Unit
	districtsRead time.Time
}

// NewIntake returns the intake service.
func NewIntake(db *gorm.DB, now Clock, units *Units, incidents *Incidents) *Intake {
	return &Intake{db: db, now: now, units: units, incidents: incidents}
}

// Limits of a public report, in characters, and how far back its date may lie.
const (
	maxReportDescription = 4000
	maxReportPlace       = 200
	maxReportContact     = 200
	maxDismissReason     = 1000
	// MaxReportAgeDays is how long ago a reported incident may have happened.
	MaxReportAgeDays = 2 * 365
)

// trackingAlphabet has no letters or digits that look or sound alike when read out (0/O, 1/I/L).
const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// trackingLen is the length of a tracking code: 31^10, some 50 bits.
const trackingLen = 10

// newTrackingCode draws a tracking code from crypto/rand, each character uniformly.
func newTrackingCode() (string, error) {
	out := make([]byte, 0, trackingLen)
	buf := make([]byte, 32)
	limit := byte(256 - 256%len(trackingAlphabet)) // rejection keeps the draw uniform
	for len(out) < trackingLen {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("tracking code: %w", err)
		}
		for _, b := range buf {
			if b < limit && len(out) < trackingLen {
				out = append(out, trackingAlphabet[int(b)%len(trackingAlphabet)])
			}
		}
	}
	return string(out), nil
}

// FormatTrackingCode groups a tracking code as 5 and 5 characters, the way phone numbers are
// read out in India: "K7QXM-4PDR2".
func FormatTrackingCode(code string) string {
	if len(code) != trackingLen {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// normalTrackingCode reads a code as a person may type it (lower case, with spaces or dashes)
// and reports whether it can be one at all.
func normalTrackingCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
		case r < 128 && strings.ContainsRune(trackingAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), b.Len() == trackingLen
}

// publicActor is who the audit log names for a report from the public.
var publicActor = Actor{Username: "public"}

// PublicReportInput is a report from the public. Website is the honeypot: a field the form
// hides from people, which only robots fill in.
type PublicReportInput struct {
	DistrictCode string
	Place        string
	OccurredOn   string
	Description  string
	Contact      string
	Website      string
}

// intakeToday is the latest date a report may give: a day past the server's (UTC) date, so that
// a reporter whose day has begun east of Greenwich may give today's date.
func intakeToday(now time.Time) models.Date { return models.DateOf(now.Add(14 * time.Hour)) }

func (in *PublicReportInput) validate(now time.Time) (Fields, models.Date) {
	var f Fields
	in.DistrictCode, in.Place = strings.TrimSpace(in.DistrictCode), strings.TrimSpace(in.Place)
	in.Description, in.Contact = strings.TrimSpace(in.Description), strings.TrimSpace(in.Contact)
	if in.DistrictCode == "" {
		f.AddCode("district_code", "required", nil, "is required")
	}
	textField(&f, "place", in.Place, true, maxReportPlace, false)
	today := intakeToday(now)
	on := dateField(&f, "occurred_on", in.OccurredOn, true, today, "", "")
	if oldest := models.DateOf(now).AddDays(-MaxReportAgeDays); on.Valid() && on <= today && on < oldest {
		f.AddCode("occurred_on", "date_too_old", map[string]any{"min": string(oldest), "days": MaxReportAgeDays},
			"must not be more than %d days ago (before %s)", MaxReportAgeDays, oldest)
	}
	textField(&f, "description", in.Description, true, maxReportDescription, true)
	textField(&f, "contact", in.Contact, false, maxReportContact, false)
	return f, on
}

// Submit files a report from the public and returns its tracking code, grouped for reading out.
// addr is the client's address as the server sees it (behind trusted proxies, the forwarded
// one). Returns RateLimited (with RetryAfter) when the address, or everyone together, has filed
// IntakeLimits' worth in the window, and Invalid for bad fields or a district code that names no
// district. A filled honeypot answers like a success, with a code that finds nothing, and stores
// nothing but its count against the address.
func (s *Intake) Submit(ctx context.Context, addr string, in PublicReportInput) (string, error) {
	lim := s.Limits.withDefaults()
	var code string
	var wait time.Duration
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		now := s.now()
		var err error
		wait, err = s.throttle.hit(tx, now, lim.Window, []string{intakeSubmit + addressKey(addr), intakeAllSubmit},
			[]int{lim.Submissions, lim.AllSubmissions})
		if err != nil {
			return err
		}
		if wait > 0 {
			return errIntakeThrottled
		}
		f, on := in.validate(now)
		var district models.Unit
		if in.DistrictCode != "" {
			err := tx.Where("code = ? AND level = ?", in.DistrictCode, models.LevelDistrict).Take(&district).Error
			if err != nil && ErrorCode(dbErr("load district", err)) != ENotFound {
				return dbErr("load district", err)
			}
			if err != nil {
				f.AddCode("district_code", "district_unknown", nil, "names no district")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if in.Website != "" {
			code, err = newTrackingCode()
			return err
		}
		r := models.PublicReport{DistrictID: district.ID, Place: in.Place, OccurredOn: on, Description: in.Description,
			Status: models.ReportPending, CreatedAt: now, Version: 1}
		if in.Contact != "" {
			r.Contact = &in.Contact
		}
		for attempt := 0; ; attempt++ {
			if r.TrackingCode, err = newTrackingCode(); err != nil {
				return err
			}
			// A taken code (one chance in 10^14 per report) draws again rather than fail.
			res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "tracking_code"}}, DoNothing: true}).Create(&r)
			if res.Error != nil {
				return dbErr("file report", res.Error)
			}
			if res.RowsAffected == 1 {
				break
			}
			if attempt == 5 {
				return fmt.Errorf("file report: no free tracking code after %d draws", attempt+1)
			}
		}
		code = r.TrackingCode
		return record(tx, now, publicActor, change{Action: "submit", Entity: "public_report", EntityID: r.ID, Unit: &district,
			After: publicReportAudit(r)})
	})
	if err == errIntakeThrottled {
		return "", rateLimited("too many reports from this address; try again later", wait)
	}
	if err != nil {
		return "", err
	}
	s.throttle.prune(s.db.WithContext(ctx), s.now(), lim.Window)
	return FormatTrackingCode(code), nil
}

// publicReportAudit is what the audit log keeps of a report: not its text, nor the contact.
func publicReportAudit(r models.PublicReport) map[string]any {
	m := map[string]any{"id": r.ID, "district_id": r.DistrictID, "occurred_on": r.OccurredOn, "status": r.Status, "version": r.Version}
	if r.IncidentID != nil {
		m["incident_id"] = *r.IncidentID
	}
	if r.DismissReason != "" {
		m["dismiss_reason"] = r.DismissReason
	}
	return m
}

// TrackingStep is one dated step of a report as its reporter sees it.
type TrackingStep struct {
	Status models.TrackingStatus
	On     models.Date
}

// TrackingView is what a reporter learns of their report: where it stands, in which district,
// and a timeline of dates. It holds no names, ids or findings.
type TrackingView struct {
	TrackingCode string
	Status       models.TrackingStatus
	District     models.Unit
	OccurredOn   models.Date
	Timeline     []TrackingStep
}

// trackingStatusOf maps an incident's investigation to what a reporter is told.
func trackingStatusOf(s models.IncidentStatus) models.TrackingStatus {
	switch s {
	case models.IncidentCommitteeFormed, models.IncidentReportSubmitted:
		return models.TrackUnderInvestigation
	case models.IncidentForwarded:
		return models.TrackForwarded
	case models.IncidentClosed:
		return models.TrackClosed
	}
	return models.TrackUnderReview
}

// Track tells a reporter where the report with this tracking code stands. Every lookup counts
// against addr, found or not. Returns RateLimited (with RetryAfter) past IntakeLimits.Lookups in
// the window, NotFound for a code that names no report.
func (s *Intake) Track(ctx context.Context, addr, trackingCode string) (TrackingView, error) {
	lim := s.Limits.withDefaults()
	var wait time.Duration
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		wait, err = s.throttle.hit(tx, s.now(), lim.Window, []string{intakeLookup + addressKey(addr)}, []int{lim.Lookups})
		if err == nil && wait > 0 {
			err = errIntakeThrottled
		}
		return err
	})
	if err == errIntakeThrottled {
		return TrackingView{}, rateLimited("too many lookups from this address; try again later", wait)
	}
	if err != nil {
		return TrackingView{}, err
	}
	notFound := Errorf(ENotFound, "no report has this tracking code")
	code, ok := normalTrackingCode(trackingCode)
	if !ok {
		return TrackingView{}, notFound
	}
	db := s.db.WithContext(ctx)
	var r models.PublicReport
	if err := db.Where("tracking_code = ?", code).Take(&r).Error; err != nil {
		if ErrorCode(dbErr("track report", err)) == ENotFound {
			return TrackingView{}, notFound
		}
		return TrackingView{}, dbErr("track report", err)
	}
	v := TrackingView{TrackingCode: FormatTrackingCode(r.TrackingCode), OccurredOn: r.OccurredOn,
		Timeline: []TrackingStep{{models.TrackReceived, models.DateOf(r.CreatedAt)}}}
	if err := db.Where("id = ?", r.DistrictID).Take(&v.District).Error; err != nil {
		return TrackingView{}, dbErr("track report", err)
	}
	reviewed := models.Date("")
	if r.ReviewedAt != nil {
		reviewed = models.DateOf(*r.ReviewedAt)
	}
	switch {
	case r.Status == models.ReportDismissed:
		v.Timeline = append(v.Timeline, TrackingStep{models.TrackDismissed, reviewed})
	case r.Status == models.ReportAccepted && r.IncidentID != nil:
		v.Timeline = append(v.Timeline, TrackingStep{models.TrackUnderReview, reviewed})
		var steps struct {
			Status      models.IncidentStatus
			FormedOn    *models.Date
			ForwardedOn *models.Date
			ClosedOn    *models.Date
		}
		err := db.Raw(`SELECT i.status, c.formed_on, f.forwarded_on, x.closed_on FROM incidents i
			LEFT JOIN incident_committees c ON c.incident_id = i.id
			LEFT JOIN incident_forwards f ON f.incident_id = i.id
			LEFT JOIN incident_closures x ON x.incident_id = i.id
			WHERE i.id = ?`, *r.IncidentID).Scan(&steps).Error
		if err != nil {
			return TrackingView{}, dbErr("track report", err)
		}
		for _, st := range []struct {
			on     *models.Date
			status models.TrackingStatus
		}{{steps.FormedOn, models.TrackUnderInvestigation}, {steps.ForwardedOn, models.TrackForwarded}, {steps.ClosedOn, models.TrackClosed}} {
			if st.on != nil && *st.on != "" {
				v.Timeline = append(v.Timeline, TrackingStep{st.status, *st.on})
			}
		}
		v.Status = trackingStatusOf(steps.Status)
		return v, nil
	}
	v.Status = v.Timeline[len(v.Timeline)-1].Status
	return v, nil
}

// districtsTTL is how long the public list of districts is kept before it is read again.
const districtsTTL = 5 * time.Minute

// Districts lists every district, by name, for the public form: read from the database at most
// once in districtsTTL per process.
func (s *Intake) Districts(ctx context.Context) ([]models.Unit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.districts != nil && now.Sub(s.districtsRead) < districtsTTL && !now.Before(s.districtsRead) {
		return s.districts, nil
	}
	var out []models.Unit
	if err := s.db.WithContext(ctx).Where("level = ?", models.LevelDistrict).Order("name, code").Find(&out).Error; err != nil {
		return nil, dbErr("list districts", err)
	}
	s.districts, s.districtsRead = out, now
	return out, nil
}

// PublicReportView is a report in the review queue with its district.
type PublicReportView struct {
	Report   models.PublicReport
	District models.Unit
}

// PublicReportFilter narrows the review queue. Status defaults to pending.
type PublicReportFilter struct {
	Status string
	Under  *int64
	Page   PageRequest
}

// List returns the review queue inside the actor's scope, oldest first (the order to work it
// in). Returns Forbidden unless the actor is the state office or an admin, Invalid for a bad
// filter, NotFound when under names a unit the actor cannot see.
func (s *Intake) List(ctx context.Context, actor Actor, f PublicReportFilter) (Page[PublicReportView], error) {
	if !actor.mayInvestigate() {
		return Page[PublicReportView]{}, Errorf(EForbidden, "only the state office reviews reports from the public")
	}
	limit, after, err := f.Page.bounds()
	if err != nil {
		return Page[PublicReportView]{}, err
	}
	if f.Status == "" {
		f.Status = string(models.ReportPending)
	}
	if !models.PublicReportStatus(f.Status).Valid() {
		return Page[PublicReportView]{}, invalid("status", "one_of", map[string]any{"allowed": models.PublicReportStatuses},
			"must be %s", oneOf(models.PublicReportStatuses))
	}
	db := s.db.WithContext(ctx)
	q := db.Model(&models.PublicReport{}).Joins("JOIN units d ON d.id = public_reports.district_id")
	if f.Under != nil {
		under, err := s.units.visible(db, actor, *f.Under, "under")
		if err != nil {
			return Page[PublicReportView]{}, asNotFound(err)
		}
		cond, args := subtreeCond("d.path", under)
		q = q.Where(cond, args...)
	}
	scope, scopeArgs := scopeCond(actor, "d.path")
	q = q.Where(scope, scopeArgs...).Where("public_reports.status = ?", f.Status)
	if after > 0 {
		q = q.Where("public_reports.id > ?", after)
	}
	var rows []models.PublicReport
	if err := q.Order("public_reports.id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page[PublicReportView]{}, dbErr("list reports", err)
	}
	page := paginate(rows, limit, func(r models.PublicReport) int64 { return r.ID })
	units, err := unitsByID(db, page.Items, func(r models.PublicReport) *int64 { return &r.DistrictID })
	if err != nil {
		return Page[PublicReportView]{}, err
	}
	out := Page[PublicReportView]{Items: make([]PublicReportView, len(page.Items)), NextCursor: page.NextCursor}
	for i, r := range page.Items {
		out.Items[i] = PublicReportView{Report: r, District: units[r.DistrictID]}
	}
	return out, nil
}

// review runs one decision on report id: under a lock on the report row, it loads the report
// (NotFound outside the actor's scope), checks the caller's version (Precondition) and that the
// report is still pending (Conflict), lets decide write the decision's fields, stores them with
// the reviewer and a raised version, and records the decision in the audit log.
func (s *Intake) review(ctx context.Context, actor Actor, id int64, ifMatch *int64, action string,
	decide func(tx *gorm.DB, v PublicReportView) (map[string]any, error)) (PublicReportView, error) {
	if !actor.mayInvestigate() {
		return PublicReportView{}, Errorf(EForbidden, "only the state office reviews reports from the public")
	}
	var out PublicReportView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRow(tx, "public_reports", id, lockChange); err != nil {
			return err
		}
		before, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, before.Report.Version); err != nil {
			return err
		}
		if before.Report.Status != models.ReportPending {
			return Errorf(EConflict, "the report is %s already; only a pending report may be reviewed", before.Report.Status)
		}
		changes, err := decide(tx, before)
		if err != nil {
			return err
		}
		now := s.now()
		changes["reviewed_by"], changes["reviewed_by_name"], changes["reviewed_at"] = actorID(actor), actorName(actor), now
		changes["version"] = gorm.Expr("version + 1")
		res := tx.Model(&models.PublicReport{}).Where("id = ? AND status = ? AND version = ?", id, models.ReportPending, before.Report.Version).
			UpdateColumns(changes)
		if res.Error != nil {
			return dbErr("review report", res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("review report %d: %d rows written, want 1", id, res.RowsAffected)
		}
		after, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		out = after
		return record(tx, now, actor, change{Action: action, Entity: "public_report", EntityID: id, Unit: &after.District,
			Before: publicReportAudit(before.Report), After: publicReportAudit(after.Report)})
	})
	return out, err
}

// load reads one report the actor may see. Returns NotFound otherwise.
func (s *Intake) load(tx *gorm.DB, actor Actor, id int64) (PublicReportView, error) {
	var v PublicReportView
	err := tx.Where("id = ?", id).Take(&v.Report).Error
	if err == nil {
		err = tx.Where("id = ?", v.Report.DistrictID).Take(&v.District).Error
	}
	if err == nil && !actor.Sees(v.District.Path) {
		err = gorm.ErrRecordNotFound
	}
	if err != nil {
		if ErrorCode(dbErr("load report", err)) == ENotFound {
			return PublicReportView{}, Errorf(ENotFound, "report not found")
		}
		return PublicReportView{}, dbErr("load report", err)
	}
	return v, nil
}

// AcceptInput turns a report into an incident: the incident's fields, of which unit, place,
// date and description default to the report's (its district, and what the reporter wrote).
type AcceptInput struct {
	UnitID         *int64
	Title          string
	Kind           string
	AffectedGroups []string
	Victims        *int
	Place          string
	OccurredOn     string
	Description    *string
	IfMatch        *int64
}

// Accept logs a pending report as an incident, under every rule of Incidents.Create, and marks
// the report accepted with the incident's id, in one transaction. Returns Forbidden unless the
// actor is the state office or an admin, NotFound outside scope, Precondition for a stale
// IfMatch, Conflict unless the report is pending, Invalid for bad incident fields.
func (s *Intake) Accept(ctx context.Context, actor Actor, id int64, in AcceptInput) (IncidentView, error) {
	var inc IncidentView
	_, err := s.review(ctx, actor, id, in.IfMatch, "accept", func(tx *gorm.DB, v PublicReportView) (map[string]any, error) {
		r := v.Report
		ii := IncidentInput{UnitID: in.UnitID, OccurredOn: in.OccurredOn, Place: in.Place, Title: in.Title, Kind: in.Kind,
			AffectedGroups: in.AffectedGroups, Victims: in.Victims, Description: r.Description}
		if ii.UnitID == nil {
			ii.UnitID = &r.DistrictID
		}
		if strings.TrimSpace(ii.OccurredOn) == "" {
			ii.OccurredOn = string(r.OccurredOn)
		}
		if strings.TrimSpace(ii.Place) == "" {
			ii.Place = r.Place
		}
		if in.Description != nil {
			ii.Description = *in.Description
		}
		var err error
		if inc, err = s.incidents.create(tx, actor, ii); err != nil {
			return nil, err
		}
		return map[string]any{"status": models.ReportAccepted, "incident_id": inc.Incident.ID}, nil
	})
	return inc, err
}

// DismissInput dismisses a report with the reason.
type DismissInput struct {
	Reason  string
	IfMatch *int64
}

// Dismiss marks a pending report dismissed with the reason. Returns as Accept, with Invalid for
// a missing or long reason.
func (s *Intake) Dismiss(ctx context.Context, actor Actor, id int64, in DismissInput) (PublicReportView, error) {
	return s.review(ctx, actor, id, in.IfMatch, "dismiss", func(tx *gorm.DB, v PublicReportView) (map[string]any, error) {
		var f Fields
		reason := strings.TrimSpace(in.Reason)
		textField(&f, "reason", reason, true, maxDismissReason, true)
		if err := f.Err(); err != nil {
			return nil, err
		}
		return map[string]any{"status": models.ReportDismissed, "dismiss_reason": reason}, nil
	})
}
