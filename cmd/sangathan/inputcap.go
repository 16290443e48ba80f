package main

import (
	"fmt"
	"io"
)

// defaultImportMiB caps what an import reads, after decompression. Imports stream, so the cap
// does not guard memory but the time and temporary disk a file may take: a small .csv.gz can
// decompress to gigabytes. The same default as the server's (api.MaxImportBody); 1.5 million
// committee members are about 210 MiB of CSV.
const defaultImportMiB = 2048

// capInput returns r, failing with a clear error once more than limit bytes have been read
// (after decompression), so that the import stops and writes nothing.
func capInput(r io.Reader, name string, limit int64) io.Reader {
	return &cappedReader{r: r, name: name, left: limit, limit: limit}
}

type cappedReader struct {
	r           io.Reader
	name        string
	left, limit int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.err()
	}
	// Read one byte past the cap to tell "exactly the cap" from "more".
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n + int(c.left), c.err()
	}
	return n, err
}

func (c *cappedReader) err() error {
	return fmt.Errorf("%s is larger than %d MiB after decompression; nothing was imported (--max-mib raises the limit)", c.name, c.limit>>20)
}
