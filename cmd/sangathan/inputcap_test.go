package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportRefusesAFileThatDecompressesPastTheCap: a small .csv.gz that decompresses to far
// more than the cap is refused with a clear error, and nothing is written.
func TestImportRefusesAFileThatDecompressesPastTheCap(t *testing.T) {
	setup(t)
	var raw bytes.Buffer
	raw.WriteString("level,code,name,parent_code\nstate,ZZ,Zedland,\n")
	for i := 0; raw.Len() < 24<<20; i++ {
		fmt.Fprintf(&raw, "district,ZZ-%07d,District %d,ZZ\n", i, i)
	}
	var gz bytes.Buffer
	w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	w.Write(raw.Bytes())
	w.Close()
	name := filepath.Join(t.TempDir(), "bomb.csv.gz")
	if err := os.WriteFile(name, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes of gzip decompress to %d", gz.Len(), raw.Len())

	out, err := runCmd(t, "import", "units", name, "--max-mib", "2")
	if err == nil || !strings.Contains(err.Error(), "larger than 2 MiB after decompression") {
		t.Fatalf("import past the cap: %v\n%s", err, out)
	}
	out, err = runCmd(t, "export", "units")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n != 1 {
		t.Errorf("the export has %d lines, want only the header: nothing was written", n)
	}

	// Under the cap the same kind of file imports.
	small := filepath.Join(t.TempDir(), "small.csv.gz")
	gz.Reset()
	w = gzip.NewWriter(&gz)
	w.Write([]byte("level,code,name,parent_code\nstate,ZZ,Zedland,\ndistrict,ZZ-A,Alpha,ZZ\n"))
	w.Close()
	if err := os.WriteFile(small, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "import", "units", small, "--max-mib", "2"); err != nil || !strings.Contains(out, "inserted 2") {
		t.Fatalf("import under the cap: %v\n%s", err, out)
	}
}

// TestCapInputAllowsExactlyTheCap: a file of exactly the cap is read whole; one byte more fails.
func TestCapInputAllowsExactlyTheCap(t *testing.T) {
	const limit = 1 << 20
	for _, c := range []struct {
		size int
		ok   bool
	}{{limit - 1, true}, {limit, true}, {limit + 1, false}} {
		r := capInput(bytes.NewReader(make([]byte, c.size)), "f.csv", limit)
		var got bytes.Buffer
		_, err := got.ReadFrom(r)
		if (err == nil) != c.ok {
			t.Errorf("%d bytes under a cap of %d: err = %v", c.size, limit, err)
		}
		if c.ok && got.Len() != c.size {
			t.Errorf("%d bytes read of %d", got.Len(), c.size)
		}
		if !c.ok && got.Len() > limit {
			t.Errorf("%d bytes passed a cap of %d", got.Len(), limit)
		}
	}
}
