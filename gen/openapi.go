// Package gen exposes generated artefacts that are not Go code. This file is
// the only hand-written one under gen/: buf's clean step removes gen/go and
// gen/openapi, never gen/ itself.
package gen

import _ "embed"

// OpenAPI is the merged OpenAPI (Swagger 2.0) document of the REST gateway.
//
//go:embed openapi/ewaybill.swagger.json
var OpenAPI []byte
