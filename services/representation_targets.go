package services

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// TargetGroups are the groups a representation target is set for, in the order answers list
// them: women; Scheduled Castes and Tribes, backward classes and religious minorities; and those
// four together.
var TargetGroups = []string{"women", "SC", "ST", "OBC", "minority", "sc_st_obc_minority"}

// censusGroups are the groups the census counts, whose target may be "at least the census share".
var censusGroups = []string{"SC", "ST", "minority"}

// Target is one group's target on the committees of a level: a minimum share of the seats, or
// (Census) at least the group's share of the unit's population.
type Target struct {
	Group    string
	MinShare *float64
	Census   bool
}

// LevelTargets are the targets of the committees of one level.
type LevelTargets struct {
	Level   models.Level
	Targets []Target
}

// targetRow is a row of representation_targets.
type targetRow struct {
	Level    models.Level
	Grp      string
	MinShare *float64
	Census   bool
}

func (targetRow) TableName() string { return "representation_targets" }

// Targets reads the representation targets of every level, in the order of models.Levels, each
// level's in the order of TargetGroups. Every role may read them.
func (s *Representation) Targets(ctx context.Context, actor Actor) ([]LevelTargets, error) {
	return readTargets(s.db.WithContext(ctx))
}

func readTargets(db *gorm.DB) ([]LevelTargets, error) {
	var rows []targetRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, dbErr("read targets", err)
	}
	byLevel := map[models.Level][]Target{}
	for _, r := range rows {
		byLevel[r.Level] = append(byLevel[r.Level], Target{Group: r.Grp, MinShare: r.MinShare, Census: r.Census})
	}
	out := make([]LevelTargets, 0, len(models.Levels))
	for _, l := range models.Levels {
		ts := byLevel[l]
		slices.SortFunc(ts, func(a, b Target) int {
			return slices.Index(TargetGroups, a.Group) - slices.Index(TargetGroups, b.Group)
		})
		if ts == nil {
			ts = []Target{}
		}
		out = append(out, LevelTargets{Level: l, Targets: ts})
	}
	return out, nil
}

// SetTargets replaces the targets of each level given (the levels not given keep theirs) and
// returns all of them. A level given with no targets has none. Only an administrator and the
// state office may set them: they hold for the whole installation. Returns Forbidden for other
// roles, Invalid naming the field (levels[1].targets[0].min_share) for a bad level, group or
// share, a group given twice, or a census target for a group the census does not count.
func (s *Representation) SetTargets(ctx context.Context, actor Actor, levels []LevelTargets) ([]LevelTargets, error) {
	if actor.Role != models.RoleAdmin && actor.Role != models.RoleStateOffice {
		return nil, Errorf(EForbidden, "only an administrator or the state office may set representation targets")
	}
	var f Fields
	if len(levels) == 0 {
		f.AddCode("levels", "list_empty", nil, "must list at least one level")
	}
	seenLevel := map[models.Level]bool{}
	for i, lt := range levels {
		at := fmt.Sprintf("levels[%d]", i)
		switch {
		case !lt.Level.Valid():
			f.AddCode(at+".level", "one_of", map[string]any{"allowed": models.Levels}, "must be %s", oneOf(models.Levels))
		case seenLevel[lt.Level]:
			f.AddCode(at+".level", "duplicate", nil, "is given twice")
		}
		seenLevel[lt.Level] = true
		seenGroup := map[string]bool{}
		for j, t := range lt.Targets {
			tat := fmt.Sprintf("%s.targets[%d]", at, j)
			switch {
			case !slices.Contains(TargetGroups, t.Group):
				f.AddCode(tat+".group", "one_of", map[string]any{"allowed": TargetGroups}, "must be one of women, SC, ST, OBC, minority, sc_st_obc_minority")
			case seenGroup[t.Group]:
				f.AddCode(tat+".group", "duplicate", nil, "is given twice for this level")
			case t.Census && t.MinShare != nil:
				f.AddCode(tat, "either_or", map[string]any{"fields": []string{"min_share", "census"}}, "give either min_share or census, not both")
			case t.Census && !slices.Contains(censusGroups, t.Group):
				f.AddCode(tat+".census", "census_group", map[string]any{"allowed": censusGroups}, "the census counts only SC, ST and minority")
			case !t.Census && t.MinShare == nil:
				f.AddCode(tat+".min_share", "required", nil, "is required unless census is true")
			case t.MinShare != nil && (math.IsNaN(*t.MinShare) || *t.MinShare < 0 || *t.MinShare > 1):
				f.AddCode(tat+".min_share", "out_of_range", map[string]any{"min": 0, "max": 1}, "must be a share between 0 and 1")
			}
			seenGroup[t.Group] = true
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out []LevelTargets
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		// One row locks the whole document: concurrent edits apply one after the other, each
		// auditing the state it replaced.
		if err := lockTableWriters(tx, "representation_targets"); err != nil {
			return err
		}
		before, err := readTargets(tx)
		if err != nil {
			return err
		}
		for _, lt := range levels {
			if err := tx.Where("level = ?", lt.Level).Delete(&targetRow{}).Error; err != nil {
				return dbErr("set targets", err)
			}
			for _, t := range lt.Targets {
				if err := tx.Create(&targetRow{Level: lt.Level, Grp: t.Group, MinShare: t.MinShare, Census: t.Census}).Error; err != nil {
					return dbErr("set targets", err)
				}
			}
		}
		if out, err = readTargets(tx); err != nil {
			return err
		}
		// Filed under the actor's scope unit, so that the state office reads its own change.
		var at *models.Unit
		if actor.ScopeUnitID != nil {
			at = &models.Unit{ID: *actor.ScopeUnitID, Path: actor.ScopePath}
		}
		return record(tx, s.now(), actor, change{Action: "update", Entity: "representation_targets", Unit: at,
			Before: targetsAudit(before, levels), After: targetsAudit(out, levels)})
	})
	return out, err
}

// targetsAudit is the audit view of the levels a change named: level → group → share or "census".
func targetsAudit(all []LevelTargets, changed []LevelTargets) map[string]map[string]any {
	named := map[models.Level]bool{}
	for _, lt := range changed {
		named[lt.Level] = true
	}
	out := map[string]map[string]any{}
	for _, lt := range all {
		if !named[lt.Level] {
			continue
		}
		m := map[string]any{}
		for _, t := range lt.Targets {
			if t.Census {
				m[t.Group] = "census"
			} else if t.MinShare != nil {
				m[t.Group] = *t.MinShare
			}
		}
		out[string(lt.Level)] = m
	}
	return out
}

// Representation reads and sets how the communities are represented on the committees.
type Representation struct {
	db    *gorm.DB
	now   Clock
	units *Units
}

// NewRepresentation returns the representation service.
func NewRepresentation(db *gorm.DB, now Clock, units *Units) *Representation {
	return &Representation{db: db, now: now, units: units}
}
