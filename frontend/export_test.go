package frontend

import "io/fs"

// BuildFrom prepares the UI from another tree laid out like the embedded one (a static/
// folder): the tests make a second release with it.
func BuildFrom(fsys fs.FS) (*Site, error) { return build(fsys) }
