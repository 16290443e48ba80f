package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErasePerson: the command erases a seated person's personal data; the export then shows the
// placeholder and no phone, verify finds nothing, and a second erasure is refused.
func TestErasePerson(t *testing.T) {
	setup(t)
	out, err := runCmd(t, "import", "units", writeFile(t, "units.csv", "level,code,name,parent_code\n"+
		"state,ZZ,Zedland,\ndistrict,ZZ-A,Alpha,ZZ\nassembly,ZZ-A-1,Alpha One,ZZ-A\nbooth,ZZ-A-1-B1,Booth 1,ZZ-A-1\n"))
	require.NoError(t, err, out)
	out, err = runCmd(t, "import", "people", writeFile(t, "people.csv",
		"name,name_hi,gender,birth_year,phone,voter_id,category,religion,caste,home_unit_code,committee_unit_code,position\n"+
			"Sunita Devi,सुनीता देवी,female,1975,98765 43210,ABC1234567,SC,hindu,जाटव,ZZ-A-1-B1,ZZ-A-1-B1,president\n"))
	require.NoError(t, err, out)

	_, err = runCmd(t, "erase-person", "--id", "1")
	assert.ErrorContains(t, err, "reason")
	out, err = runCmd(t, "erase-person", "--id", "1", "--reason", "Form 3 of 2 March 2024")
	require.NoError(t, err, out)
	assert.Contains(t, out, `erased person 1: now "Erased person #1"; 1 seats kept`)

	out, err = runCmd(t, "export", "people")
	require.NoError(t, err)
	assert.Contains(t, out, "Erased person #1,मिटाया गया व्यक्ति #1,female,,,,SC,,,ZZ-A-1-B1,ZZ-A-1-B1,president")
	assert.NotContains(t, out, "Sunita")
	assert.NotContains(t, out, "98765")
	out, err = runCmd(t, "verify")
	require.NoError(t, err, out)
	assert.Contains(t, out, "no differences")
	_, err = runCmd(t, "erase-person", "--id", "1", "--reason", "again")
	assert.ErrorContains(t, err, "already erased")
}
