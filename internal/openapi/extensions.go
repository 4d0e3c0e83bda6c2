package openapi

// The x-tollgate-* extensions of an operation: what OpenAPI cannot say
// about an API and the gateway needs. docs/admin-api.md lists them.
const (
	extBackendPath      = "x-tollgate-backend-path"      // string: the backend's path template
	extBackendMethod    = "x-tollgate-backend-method"    // string: the backend's method
	extMatch            = "x-tollgate-match"             // "prefix" or "absolute"
	extStrict           = "x-tollgate-strict"            // bool: refuse undeclared parameters
	extProtocols        = "x-tollgate-protocols"         // [http, https]
	extValidateResponse = "x-tollgate-validate-response" // bool
	extMappings         = "x-tollgate-mappings"          // [{from: {in, name}, to: {in, name}, value}]
	extMaxBodyBytes     = "x-tollgate-max-body-bytes"    // integer: body limit below the gateway's
	extImage            = "x-tollgate-image"             // {formats, maxBytes, maxPixels}
	extGRPC             = "x-tollgate-grpc"              // bool
	extWebSocket        = "x-tollgate-websocket"         // bool
)
