package api

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// Incidents (घटना) and their investigation: every step answers 200 with the incident and its
// ETag, honours If-Match, and a step out of order answers 409.

type createIncidentRequest struct {
	UnitID         *jsonID  `json:"unit_id"`
	OccurredOn     string   `json:"occurred_on"`
	Place          string   `json:"place"`
	Title          string   `json:"title"`
	Description    string   `json:"description"`
	Kind           string   `json:"kind"`
	AffectedGroups []string `json:"affected_groups"`
	Victims        *int     `json:"victims"`
}

type committeeRequest struct {
	MemberIDs  []jsonID `json:"member_ids"`
	ConvenerID *jsonID  `json:"convener_id"`
	FormedOn   string   `json:"formed_on"`
}

type reportRequest struct {
	VisitedOn       string `json:"visited_on"`
	SubmittedOn     string `json:"submitted_on"`
	Findings        string `json:"findings"`
	Recommendations string `json:"recommendations"`
	Attachments     string `json:"attachments"`
}

type forwardRequest struct {
	To          []string `json:"to"`
	ForwardedOn string   `json:"forwarded_on"`
	LetterRef   string   `json:"letter_ref"`
}

type closeRequest struct {
	Outcome  string `json:"outcome"`
	ClosedOn string `json:"closed_on"`
}

// stepBy is who took a step, and when.
type stepBy struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
}

type investigatorJSON struct {
	PersonID string `json:"person_id"`
	Name     string `json:"name"`
	NameHi   string `json:"name_hi"`
	Convener bool   `json:"convener"`
}

type incidentCommitteeJSON struct {
	FormedOn   string             `json:"formed_on"`
	ConvenerID string             `json:"convener_id"`
	Members    []investigatorJSON `json:"members"`
	stepBy
}

type incidentReportJSON struct {
	VisitedOn       string `json:"visited_on"`
	SubmittedOn     string `json:"submitted_on"`
	Findings        string `json:"findings"`
	Recommendations string `json:"recommendations"`
	Attachments     string `json:"attachments"`
	stepBy
}

type incidentForwardJSON struct {
	To          []string `json:"to"`
	ForwardedOn string   `json:"forwarded_on"`
	LetterRef   string   `json:"letter_ref"`
	stepBy
}

type incidentClosureJSON struct {
	Outcome  string `json:"outcome"`
	ClosedOn string `json:"closed_on"`
	stepBy
}

type incidentResponse struct {
	ID             string                 `json:"id"`
	UnitID         string                 `json:"unit_id"`
	Unit           unitRef                `json:"unit"`
	OccurredOn     string                 `json:"occurred_on"`
	Place          string                 `json:"place"`
	Title          string                 `json:"title"`
	Description    string                 `json:"description"`
	Kind           string                 `json:"kind"`
	AffectedGroups []string               `json:"affected_groups"`
	Victims        *int                   `json:"victims"`
	Status         string                 `json:"status"`
	Overdue        bool                   `json:"overdue"`
	Committee      *incidentCommitteeJSON `json:"committee"`
	Report         *incidentReportJSON    `json:"report"`
	Forward        *incidentForwardJSON   `json:"forward"`
	Closure        *incidentClosureJSON   `json:"closure"`
	Version        int64                  `json:"version"`
	CreatedBy      string                 `json:"created_by"`
	CreatedAt      time.Time              `json:"created_at"`
	UpdatedBy      string                 `json:"updated_by"`
	UpdatedAt      time.Time              `json:"updated_at"`
}

func toStepBy(s models.IncidentStep) stepBy { return stepBy{By: s.ByName, At: s.At} }

func toIncidentResponse(v services.IncidentView) incidentResponse {
	i := v.Incident
	r := incidentResponse{ID: idString(i.ID), UnitID: idString(i.UnitID),
		Unit:       unitRef{ID: idString(v.Unit.ID), Level: string(v.Unit.Level), Code: v.Unit.Code, Name: v.Unit.Name, NameHi: v.Unit.NameHi},
		OccurredOn: string(i.OccurredOn), Place: i.Place, Title: i.Title, Description: i.Description, Kind: string(i.Kind),
		AffectedGroups: v.AffectedGroups, Victims: i.Victims, Status: string(i.Status), Overdue: v.Overdue, Version: i.Version,
		CreatedBy: i.CreatedByName, CreatedAt: i.CreatedAt, UpdatedBy: i.UpdatedByName, UpdatedAt: i.UpdatedAt}
	if r.AffectedGroups == nil {
		r.AffectedGroups = []string{}
	}
	if c := v.Committee; c != nil {
		cj := &incidentCommitteeJSON{FormedOn: string(c.FormedOn), ConvenerID: idString(c.ConvenerID), Members: []investigatorJSON{}, stepBy: toStepBy(c.IncidentStep)}
		for _, m := range c.Members {
			cj.Members = append(cj.Members, investigatorJSON{PersonID: idString(m.PersonID), Name: m.Name, NameHi: m.NameHi, Convener: m.Convener})
		}
		r.Committee = cj
	}
	if rp := v.Report; rp != nil {
		r.Report = &incidentReportJSON{VisitedOn: string(rp.VisitedOn), SubmittedOn: string(rp.SubmittedOn), Findings: rp.Findings,
			Recommendations: rp.Recommendations, Attachments: rp.Attachments, stepBy: toStepBy(rp.IncidentStep)}
	}
	if fw := v.Forward; fw != nil {
		to := []string{}
		if fw.ToAdministration {
			to = append(to, "administration")
		}
		if fw.ToGovernor {
			to = append(to, "governor")
		}
		r.Forward = &incidentForwardJSON{To: to, ForwardedOn: string(fw.ForwardedOn), LetterRef: fw.LetterRef, stepBy: toStepBy(fw.IncidentStep)}
	}
	if cl := v.Closure; cl != nil {
		r.Closure = &incidentClosureJSON{Outcome: cl.Outcome, ClosedOn: string(cl.ClosedOn), stepBy: toStepBy(cl.IncidentStep)}
	}
	return r
}

func (s *Server) createIncident(c *gin.Context) {
	var req createIncidentRequest
	if !bindJSON(c, &req) {
		return
	}
	unitID, err := optID("unit_id", req.UnitID)
	if err != nil {
		writeError(c, err)
		return
	}
	v, err := s.Incidents.Create(c.Request.Context(), actor(c), services.IncidentInput{UnitID: unitID, OccurredOn: req.OccurredOn,
		Place: req.Place, Title: req.Title, Description: req.Description, Kind: req.Kind, AffectedGroups: req.AffectedGroups, Victims: req.Victims})
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Incident.Version)
	c.JSON(http.StatusCreated, toIncidentResponse(v))
}

func (s *Server) listIncidents(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	f, ok := incidentFilter(c)
	if !ok {
		return
	}
	f.Page = pr
	page, err := s.Incidents.List(c.Request.Context(), actor(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toIncidentResponse))
}

func (s *Server) getIncident(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.Incidents.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Incident.Version)
	c.JSON(http.StatusOK, toIncidentResponse(v))
}

// incidentStep reads the id, If-Match and body of a step, runs it and answers 200 with the incident.
func incidentStep[T any](c *gin.Context, run func(id int64, version *int64, req T) (services.IncidentView, error)) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req T
	if !bindJSON(c, &req) {
		return
	}
	v, err := run(id, version, req)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Incident.Version)
	c.JSON(http.StatusOK, toIncidentResponse(v))
}

func (s *Server) formIncidentCommittee(c *gin.Context) {
	incidentStep(c, func(id int64, version *int64, req committeeRequest) (services.IncidentView, error) {
		in := services.CommitteeInput{FormedOn: req.FormedOn, IfMatch: version}
		var f services.Fields
		for i, m := range req.MemberIDs {
			pid, err := m.parse("member_ids[" + strconv.Itoa(i) + "]")
			if err != nil {
				f = append(f, services.FieldsOf(err)...)
				continue
			}
			in.MemberIDs = append(in.MemberIDs, pid)
		}
		convener, err := optID("convener_id", req.ConvenerID)
		if err != nil {
			f = append(f, services.FieldsOf(err)...)
		}
		if err := f.Err(); err != nil {
			return services.IncidentView{}, err
		}
		in.ConvenerID = convener
		return s.Incidents.FormCommittee(c.Request.Context(), actor(c), id, in)
	})
}

func (s *Server) submitIncidentReport(c *gin.Context) {
	incidentStep(c, func(id int64, version *int64, req reportRequest) (services.IncidentView, error) {
		return s.Incidents.SubmitReport(c.Request.Context(), actor(c), id, services.ReportInput{VisitedOn: req.VisitedOn, SubmittedOn: req.SubmittedOn,
			Findings: req.Findings, Recommendations: req.Recommendations, Attachments: req.Attachments, IfMatch: version})
	})
}

func (s *Server) forwardIncident(c *gin.Context) {
	incidentStep(c, func(id int64, version *int64, req forwardRequest) (services.IncidentView, error) {
		return s.Incidents.Forward(c.Request.Context(), actor(c), id, services.ForwardInput{To: req.To, ForwardedOn: req.ForwardedOn, LetterRef: req.LetterRef, IfMatch: version})
	})
}

func (s *Server) closeIncident(c *gin.Context) {
	incidentStep(c, func(id int64, version *int64, req closeRequest) (services.IncidentView, error) {
		return s.Incidents.Close(c.Request.Context(), actor(c), id, services.CloseInput{Outcome: req.Outcome, ClosedOn: req.ClosedOn, IfMatch: version})
	})
}

// districtSummaryJSON is where the incidents of one district stand.
type districtSummaryJSON struct {
	UnitID               string `json:"unit_id"`
	Code                 string `json:"code"`
	Name                 string `json:"name"`
	NameHi               string `json:"name_hi"`
	NameHiTransliterated string `json:"name_hi_transliterated,omitempty"`
	Open                 int64  `json:"open"`
	Overdue              int64  `json:"overdue"`
	ForwardedThisMonth   int64  `json:"forwarded_this_month"`
	Reported             int64  `json:"reported"`
	CommitteeFormed      int64  `json:"committee_formed"`
	ReportSubmitted      int64  `json:"report_submitted"`
	Forwarded            int64  `json:"forwarded"`
	Closed               int64  `json:"closed"`
}

func toDistrictSummary(d services.DistrictSummary) districtSummaryJSON {
	return districtSummaryJSON{UnitID: idString(d.Unit.ID), Code: d.Unit.Code, Name: d.Unit.Name, NameHi: d.Unit.NameHi,
		NameHiTransliterated: transliterated(d.Unit.Name, d.Unit.NameHi), Open: d.Open, Overdue: d.Overdue,
		ForwardedThisMonth: d.ForwardedThisMonth, Reported: d.Reported, CommitteeFormed: d.CommitteeFormed,
		ReportSubmitted: d.ReportSubmitted, Forwarded: d.Forwarded, Closed: d.Closed}
}

// incidentSummary answers a row per district under under=, all in one page.
func (s *Server) incidentSummary(c *gin.Context) {
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	rows, err := s.Incidents.Summary(c.Request.Context(), actor(c), under)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(services.Page[services.DistrictSummary]{Items: rows}, toDistrictSummary))
}

// incidentFilter reads the list's filters (not its paging) from the query.
func incidentFilter(c *gin.Context) (services.IncidentFilter, bool) {
	under, ok := queryID(c, "under")
	if !ok {
		return services.IncidentFilter{}, false
	}
	f := services.IncidentFilter{Under: under, Status: c.Query("status"), Kind: c.Query("kind"), AffectedGroup: c.Query("affected_group"),
		From: c.Query("from"), To: c.Query("to")}
	if f.Overdue, ok = queryBool(c, "overdue"); !ok {
		return services.IncidentFilter{}, false
	}
	return f, true
}

// exportIncidents streams the incidents the list would show, with the same filters, as CSV.
func (s *Server) exportIncidents(c *gin.Context) {
	f, ok := incidentFilter(c)
	if !ok {
		return
	}
	sel, err := s.Incidents.Select(c.Request.Context(), actor(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	streamCSV(c, "incidents.csv", func(w io.Writer) error { return s.Incidents.ExportCSV(c.Request.Context(), sel, w) })
}
