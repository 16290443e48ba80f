package api

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// targetJSON is one group's target: min_share, or census (at least the census share).
type targetJSON struct {
	Group    string   `json:"group"`
	MinShare *float64 `json:"min_share"`
	Census   bool     `json:"census"`
}

type levelTargetsJSON struct {
	Level   string       `json:"level"`
	Targets []targetJSON `json:"targets"`
}

type targetsJSON struct {
	Levels []levelTargetsJSON `json:"levels"`
}

func toTargetsJSON(levels []services.LevelTargets) targetsJSON {
	out := targetsJSON{Levels: make([]levelTargetsJSON, 0, len(levels))}
	for _, lt := range levels {
		l := levelTargetsJSON{Level: string(lt.Level), Targets: make([]targetJSON, 0, len(lt.Targets))}
		for _, t := range lt.Targets {
			l.Targets = append(l.Targets, targetJSON{Group: t.Group, MinShare: t.MinShare, Census: t.Census})
		}
		out.Levels = append(out.Levels, l)
	}
	return out
}

func (s *Server) getTargets(c *gin.Context) {
	levels, err := s.Representation.Targets(c.Request.Context(), actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTargetsJSON(levels))
}

func (s *Server) putTargets(c *gin.Context) {
	var req targetsJSON
	if !bindJSON(c, &req) {
		return
	}
	if len(req.Levels) > len(models.Levels) {
		fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: "levels", Message: "lists more levels than there are", Code: "list_too_long", Params: map[string]any{"max": len(models.Levels)}})
		return
	}
	in := make([]services.LevelTargets, 0, len(req.Levels))
	for i, l := range req.Levels {
		if len(l.Targets) > len(services.TargetGroups) {
			fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: "levels[" + strconv.Itoa(i) + "].targets", Message: "lists more targets than there are groups", Code: "list_too_long", Params: map[string]any{"max": len(services.TargetGroups)}})
			return
		}
		lt := services.LevelTargets{Level: models.Level(l.Level), Targets: make([]services.Target, 0, len(l.Targets))}
		for _, t := range l.Targets {
			lt.Targets = append(lt.Targets, services.Target{Group: t.Group, MinShare: t.MinShare, Census: t.Census})
		}
		in = append(in, lt)
	}
	levels, err := s.Representation.SetTargets(c.Request.Context(), actor(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTargetsJSON(levels))
}

type repUnitJSON struct {
	ID     string `json:"id"`
	Level  string `json:"level"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameHi string `json:"name_hi"`
	Number *int   `json:"number"`
}

func toRepUnit(u models.Unit) repUnitJSON {
	return repUnitJSON{ID: idString(u.ID), Level: string(u.Level), Code: u.Code, Name: u.Name, NameHi: u.NameHi, Number: u.Number}
}

type censusJSON struct {
	UnitID   string             `json:"unit_id"`
	UnitName string             `json:"unit_name"`
	Total    int64              `json:"total"`
	Shares   map[string]float64 `json:"shares"`
}

type figuresJSON struct {
	Unit            repUnitJSON        `json:"unit"`
	Level           *string            `json:"level"`
	Seats           int64              `json:"seats"`
	ByCategory      map[string]int64   `json:"by_category"`
	Minority        int64              `json:"minority"`
	ReligionUnknown int64              `json:"religion_unknown"`
	ByGender        map[string]int64   `json:"by_gender"`
	ByAge           map[string]int64   `json:"by_age"`
	Shares          map[string]float64 `json:"shares"`
	Targets         map[string]float64 `json:"targets"`
	Gap             map[string]float64 `json:"gap"`
	Population      *censusJSON        `json:"population"`
	Coverage        coverageJSON       `json:"coverage"`
}

func toFiguresJSON(f services.Figures) figuresJSON {
	out := figuresJSON{Unit: toRepUnit(f.Unit), Seats: f.Seats, ByCategory: f.ByCategory, Minority: f.Minority,
		ReligionUnknown: f.ReligionUnknown, ByGender: f.ByGender, ByAge: f.ByAge, Shares: f.Shares, Targets: f.Targets,
		Gap: f.Gap, Coverage: toCoverage(f.Coverage)}
	if f.Level != nil {
		l := string(*f.Level)
		out.Level = &l
	}
	if p := f.Population; p != nil {
		out.Population = &censusJSON{UnitID: idString(p.UnitID), UnitName: p.UnitName, Total: p.Total, Shares: p.Shares}
	}
	return out
}

type lackJSON struct {
	Group string `json:"group"`
	Seats int64  `json:"seats"`
}

type gapJSON struct {
	Unit      repUnitJSON `json:"unit"`
	Seats     int64       `json:"seats"`
	Size      int64       `json:"size"`
	Shortfall int64       `json:"shortfall"`
	Lacks     []lackJSON  `json:"lacks"`
	Summary   string      `json:"summary"`
}

func toGapJSON(g services.Gap) gapJSON {
	out := gapJSON{Unit: toRepUnit(g.Unit), Seats: g.Seats, Size: g.Size, Shortfall: g.Shortfall, Lacks: make([]lackJSON, 0, len(g.Lacks)), Summary: g.Summary()}
	for _, l := range g.Lacks {
		out.Lacks = append(out.Lacks, lackJSON{Group: l.Group, Seats: l.Seats})
	}
	return out
}

// queryLevel reads an optional committee level from the query.
func queryLevel(c *gin.Context, name string) *models.Level {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return nil
	}
	l := models.Level(v)
	return &l
}

func (s *Server) getRepresentation(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	f, err := s.Representation.Figures(c.Request.Context(), actor(c), id, queryLevel(c, "level"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toFiguresJSON(f))
}

func (s *Server) getRepresentationBreakdown(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	p, err := s.Representation.Breakdown(c.Request.Context(), actor(c), id, services.BreakdownRequest{
		By: models.Level(c.Query("by")), Level: queryLevel(c, "level"), Sort: c.Query("sort"), Page: pr})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(p, toFiguresJSON))
}

func (s *Server) getRepresentationGaps(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	level := models.LevelBooth
	if l := queryLevel(c, "level"); l != nil {
		level = *l
	}
	p, err := s.Representation.Gaps(c.Request.Context(), actor(c), id, level, pr)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(p, toGapJSON))
}

func (s *Server) exportRepresentation(c *gin.Context) {
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	if under == nil {
		fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: "under", Message: "is required", Code: "required"})
		return
	}
	// The figures are small (a row per unit of one level): made whole first, so that an error is
	// a problem answer, not a cut-off file.
	var buf bytes.Buffer
	if err := s.Representation.ExportCSV(c.Request.Context(), actor(c), *under, models.Level(c.Query("by")), queryLevel(c, "level"), &buf); err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="representation.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
