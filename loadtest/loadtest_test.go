package loadtest

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPresetsAreEightyTwenty(t *testing.T) {
	m, err := ParseMix("mixed", nil)
	require.NoError(t, err)
	reads, writes := 0, 0
	for name, w := range m.Weights {
		if kindOf(name) == KindWrite {
			writes += w
		} else {
			reads += w
		}
	}
	assert.Equal(t, 800, reads, "80 % reads (the login among them)")
	assert.Equal(t, 200, writes, "20 % writes")
	for _, p := range Presets() {
		m, err := ParseMix(p, nil)
		require.NoError(t, err, p)
		assert.Equal(t, 1000, m.total, "%s: weights per thousand", p)
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("mixed", []string{"people_list", " login"})
	require.NoError(t, err)
	assert.False(t, m.has(EpPeopleList))
	assert.False(t, m.has(EpLogin))
	assert.True(t, m.has(EpSeat))
	assert.Equal(t, "mixed -people_list -login", m.Name)

	m, err = ParseMix("me=1,unit=3", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{EpMe, EpUnit}, m.Names())
	got := map[string]int{}
	for r := 0; r < m.total; r++ {
		got[m.pick(r)]++
	}
	assert.Equal(t, map[string]int{EpMe: 1, EpUnit: 3}, got, "pick follows the weights")

	for _, bad := range []string{"frobnicate", "me=x", "nope=1", "me=-1"} {
		_, err := ParseMix(bad, nil)
		assert.Error(t, err, bad)
	}
	_, err = ParseMix("me=1", []string{"me"})
	assert.ErrorContains(t, err, "no endpoint")
	_, err = ParseMix("mixed", []string{"nope"})
	assert.ErrorContains(t, err, "unknown endpoint")
}

func TestParseAccounts(t *testing.T) {
	acc, err := ParseAccounts(strings.NewReader("# demo\nup.office pw-1\n\n  lucknow.coord   pw-2  \n"))
	require.NoError(t, err)
	assert.Equal(t, []Account{{"up.office", "pw-1"}, {"lucknow.coord", "pw-2"}}, acc)
	_, err = ParseAccounts(strings.NewReader("up.office\n"))
	assert.ErrorContains(t, err, "line 1")
	_, err = ParseAccounts(strings.NewReader("# nothing\n"))
	assert.Error(t, err)
}

func TestCoordinatorName(t *testing.T) {
	assert.Equal(t, "lucknow.coord", coordinatorName("UP-LUCKNOW"))
	assert.Equal(t, "sant-kabir-nagar.coord", coordinatorName("UP-SANT-KABIR-NAGAR"))
}

func TestMemorySources(t *testing.T) {
	v, err := metricValue(strings.NewReader("# HELP process_resident_memory_bytes Resident memory size in bytes.\n"+
		"# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 3.1457280e+07\nprocess_virtual_memory_bytes 1e9\n"),
		"process_resident_memory_bytes")
	require.NoError(t, err)
	assert.Equal(t, int64(31457280), v)
	_, err = metricValue(strings.NewReader("go_goroutines 7\n"), "process_resident_memory_bytes")
	assert.Error(t, err)

	rss, hwm, err := procMemory(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, rss)
	assert.GreaterOrEqual(t, hwm, rss, "the high-water mark is at least the current size")
}

func TestExpandIDs(t *testing.T) {
	assert.Equal(t, `SELECT * FROM "people" WHERE id IN ($1,$2,$3)`, expandIDs(`SELECT * FROM "people" WHERE id IN ($ids)`, 3))
	assert.Equal(t, "%ram\\_\\%%", likePattern("  RAM_% "))
}
