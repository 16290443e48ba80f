package frontend_test

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/models"
)

func names[T ~string](vs []T) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, string(v))
	}
	return out
}

// TestUIKeepsNoCopiesOfTheLists: no script of the UI spells out the positions, categories,
// genders or religions as a list (two neighbours of one list side by side): they come from the
// OpenAPI document through enums.js.
func TestUIKeepsNoCopiesOfTheLists(t *testing.T) {
	lists := map[string][]string{
		"positions": names(models.Positions), "categories": names(models.Categories),
		"genders": names(models.Genders), "religions": models.Religions,
	}
	static := os.DirFS("static") // the files go:embed serves, read from the package directory
	err := fs.WalkDir(static, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") {
			return err
		}
		b, err := fs.ReadFile(static, path)
		if err != nil {
			return err
		}
		src := string(b)
		for list, vs := range lists {
			for i := 0; i+1 < len(vs); i++ {
				for _, q := range []string{"'", `"`} {
					pair := fmt.Sprintf("%s%s%s, %s%s%s", q, vs[i], q, q, vs[i+1], q)
					assert.NotContains(t, src, pair, "%s copies the %s list", path, list)
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
}

// TestUIOffersTheModelsLists: the committee form offers the positions (a booth's: all of them)
// and the new-person inputs the genders, categories and religions, in the models' order, as the
// server's OpenAPI document publishes them; the people filters the same.
func TestUIOffersTheModelsLists(t *testing.T) {
	a := newApp(t)
	a.user(t, "lko.coord", models.RoleDistrictCoordinator, "UP-LUCKNOW")
	const booth = "UP-AC-171-PS-0003"
	ctx := phone(t)
	login(t, ctx, a.URL, "lko.coord")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#unit-name[data-code="UP-LUCKNOW"]`))))
	goHash(t, ctx, "#/units/"+a.unitID(t, booth))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#committee-add-open")),
		chromedp.Click(chromedp.CSS("#committee-add-open")),
		chromedp.WaitVisible(chromedp.CSS("#seat-position")),
	))
	options := func(sel string) []string {
		return eval[[]string](t, ctx, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(o => o.value).filter(v => v !== '')`, sel+" option"))
	}
	assert.Equal(t, names(models.Positions), options("#seat-position"))
	assert.Equal(t, names(models.Genders), options("#seat-p-gender"))
	assert.Equal(t, names(models.Categories), options("#seat-p-category"))
	assert.Equal(t, models.Religions, options("#seat-p-religion"))
	// Held single-holder positions are marked as taken, from the document's x-single-holder.
	for _, p := range models.Positions {
		label := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#seat-position option[value=%q]').textContent`, p))
		assert.NotContains(t, label, "भरा हुआ", "%s on an empty committee", p)
	}

	goHash(t, ctx, "#/people")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#people-gender"))))
	assert.Equal(t, names(models.Genders), options("#people-gender"))
	assert.Equal(t, names(models.Categories), options("#people-category"))
}
