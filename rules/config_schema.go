package rules

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of a tiergate config file, for
// editors (yaml-language-server) and for `tiergate schema`. Treat it as
// read-only.
//
//go:embed schema.json
var Schema []byte
